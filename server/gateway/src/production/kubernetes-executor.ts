import { BatchV1Api, KubeConfig, type V1Job } from '@kubernetes/client-node';
import path from 'node:path';
import type { Executor, ExecutorEvents, ExecutorJob } from './executor.js';

/** How jobs run on Kubernetes: the gateway image, and the volume that holds the job folders. */
export interface KubernetesOptions {
  namespace: string;
  /** Image with the gateway (node + dist/production/worker.js), e.g. the project's gateway Dockerfile's. */
  image: string;
  /** PersistentVolumeClaim mounted at `dataPath` in the gateway and in every job pod (job folders live there). */
  claim: string;
  dataPath: string;
  workerPath: string;
  cpu?: string;
  memory?: string;
  serviceAccount?: string;
  /** Wall time of a job (activeDeadlineSeconds). */
  wallSeconds?: number;
  /** The cluster: by default the pod's service account in a cluster, else ~/.kube/config. */
  kubeConfig?: KubeConfig;
}

/** The name of the Kubernetes Job of a HYSOPE job (DNS-1123, at most 63 characters). */
export function k8sJobName(id: string): string {
  return `hysope-${id
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '')
    .slice(0, 50)}`;
}

/** The batch/v1 Job that runs one HYSOPE job's worker in its folder on the shared volume. */
export function jobManifest(job: ExecutorJob, o: KubernetesOptions): V1Job {
  const name = k8sJobName(job.id);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: o.namespace,
      labels: { 'app.kubernetes.io/name': 'hysope-job', 'app.kubernetes.io/part-of': 'hysope', 'hysope.dev/job-id': job.id }
    },
    spec: {
      backoffLimit: 0,
      ...(o.wallSeconds ? { activeDeadlineSeconds: o.wallSeconds } : {}),
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'hysope-job', 'hysope.dev/job-id': job.id } },
        spec: {
          restartPolicy: 'Never',
          ...(o.serviceAccount ? { serviceAccountName: o.serviceAccount } : {}),
          // A non-root pod with the job's own uid, no API token, and only its own folder of the shared volume.
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: job.uid ?? 1000, runAsGroup: job.uid ?? 1000, fsGroup: job.uid ?? 1000 },
          containers: [
            {
              name: 'worker',
              image: o.image,
              command: ['node', o.workerPath, job.dir],
              workingDir: job.dir,
              resources: { requests: { cpu: o.cpu ?? '500m', memory: o.memory ?? '1Gi' }, limits: { memory: o.memory ?? '1Gi' } },
              volumeMounts: [{ name: 'data', mountPath: job.dir, subPath: path.posix.relative(o.dataPath, job.dir) }],
              env: [
                { name: 'HOME', value: job.dir },
                { name: 'TMPDIR', value: path.posix.join(job.dir, 'tmp') }
              ],
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }
            }
          ],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: o.claim } }]
        }
      }
    }
  };
}

/**
 * Runs each job as a Kubernetes Job (@kubernetes/client-node, the pod's service account or a kubeconfig);
 * follows its status, cancels by deleting it. The job folder, on the shared volume, carries the result as
 * with every executor.
 */
export class KubernetesExecutor implements Executor {
  readonly name = 'kubernetes' as const;
  private readonly watchers = new Map<string, NodeJS.Timeout>();
  private readonly batch: BatchV1Api;

  constructor(
    private readonly events: ExecutorEvents,
    private readonly o: KubernetesOptions
  ) {
    const kc = o.kubeConfig ?? new KubeConfig();
    if (!o.kubeConfig) kc.loadFromDefault();
    this.batch = kc.makeApiClient(BatchV1Api);
  }

  submit(job: ExecutorJob): void {
    this.batch.createNamespacedJob({ namespace: this.o.namespace, body: jobManifest(job, this.o) }).then(
      () => this.watch(job.id),
      (error: Error) => this.events.exited(job.id, { code: null, signal: null, reason: `Kubernetes did not take the job: ${error.message.slice(0, 200)}` })
    );
  }

  private watch(id: string): void {
    let started = false;
    const timer = setInterval(async () => {
      const job = await this.batch.readNamespacedJobStatus({ name: k8sJobName(id), namespace: this.o.namespace }).catch(() => null);
      if (!job) return;
      const status = job.status ?? {};
      if (!started && (status.active || status.succeeded || status.failed)) {
        started = true;
        this.events.started(id, { externalId: k8sJobName(id) });
      }
      if (status.succeeded || status.failed) {
        clearInterval(timer);
        this.watchers.delete(id);
        this.events.exited(id, { code: status.succeeded ? 0 : 1, signal: null });
      }
    }, 1000);
    this.watchers.set(id, timer);
  }

  async cancel(id: string): Promise<boolean> {
    return this.batch.deleteNamespacedJob({ name: k8sJobName(id), namespace: this.o.namespace, propagationPolicy: 'Background' }).then(
      () => true,
      () => false
    );
  }

  reattach(job: ExecutorJob): void {
    this.watch(job.id);
  }

  async ready(): Promise<boolean> {
    return this.batch.listNamespacedJob({ namespace: this.o.namespace, limit: 1 }).then(
      () => true,
      () => false
    );
  }

  async close(): Promise<void> {
    for (const t of this.watchers.values()) clearInterval(t);
  }
}
