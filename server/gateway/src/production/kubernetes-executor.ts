import { readFile } from 'node:fs/promises';
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
  /** API server, token and CA; by default the pod's service account. */
  apiServer?: string;
  token?: string;
  serviceAccount?: string;
}

/** The name of the Kubernetes Job of a HYSOPE job (DNS-1123, at most 63 characters). */
export function k8sJobName(id: string): string {
  return `hysope-${id
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '')
    .slice(0, 50)}`;
}

/** The batch/v1 Job that runs one HYSOPE job's worker in its folder on the shared volume. */
export function jobManifest(job: ExecutorJob, o: KubernetesOptions): Record<string, unknown> {
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
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'hysope-job', 'hysope.dev/job-id': job.id } },
        spec: {
          restartPolicy: 'Never',
          ...(o.serviceAccount ? { serviceAccountName: o.serviceAccount } : {}),
          securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 },
          containers: [
            {
              name: 'worker',
              image: o.image,
              command: ['node', o.workerPath, job.dir],
              workingDir: job.dir,
              resources: { requests: { cpu: o.cpu ?? '500m', memory: o.memory ?? '1Gi' }, limits: { memory: o.memory ?? '1Gi' } },
              volumeMounts: [{ name: 'data', mountPath: o.dataPath }],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }
            }
          ],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: o.claim } }]
        }
      }
    }
  };
}

/**
 * Runs each job as a Kubernetes Job through the API server's REST API (the pod's service account by
 * default); follows its status, cancels by deleting it. The job folder, on the shared volume, carries the
 * result as with every executor.
 */
export class KubernetesExecutor implements Executor {
  readonly name = 'kubernetes' as const;
  private readonly watchers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly events: ExecutorEvents,
    private readonly o: KubernetesOptions
  ) {}

  private async api(method: string, path: string, body?: unknown): Promise<Response> {
    const server = this.o.apiServer ?? `https://${process.env['KUBERNETES_SERVICE_HOST']}:${process.env['KUBERNETES_SERVICE_PORT']}`;
    const token = this.o.token ?? (await readFile('/var/run/secrets/kubernetes.io/serviceaccount/token', 'utf8').catch(() => ''));
    return fetch(`${server}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined
    });
  }

  submit(job: ExecutorJob): void {
    this.api('POST', `/apis/batch/v1/namespaces/${this.o.namespace}/jobs`, jobManifest(job, this.o)).then(
      async (res) => {
        if (!res.ok)
          return this.events.exited(job.id, {
            code: null,
            signal: null,
            reason: `Kubernetes refused the job: ${res.status} ${(await res.text()).slice(0, 200)}`
          });
        this.watch(job.id);
      },
      (error: Error) => this.events.exited(job.id, { code: null, signal: null, reason: `cannot reach the Kubernetes API: ${error.message}` })
    );
  }

  private watch(id: string): void {
    let started = false;
    const timer = setInterval(async () => {
      const res = await this.api('GET', `/apis/batch/v1/namespaces/${this.o.namespace}/jobs/${k8sJobName(id)}/status`).catch(() => null);
      if (!res?.ok) return;
      const status = ((await res.json()) as { status?: { active?: number; succeeded?: number; failed?: number } }).status ?? {};
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
    const res = await this.api('DELETE', `/apis/batch/v1/namespaces/${this.o.namespace}/jobs/${k8sJobName(id)}?propagationPolicy=Background`).catch(() => null);
    return !!res?.ok;
  }

  reattach(job: ExecutorJob): void {
    this.watch(job.id);
  }

  async ready(): Promise<boolean> {
    const res = await this.api('GET', `/apis/batch/v1/namespaces/${this.o.namespace}/jobs?limit=1`).catch(() => null);
    return !!res?.ok;
  }

  async close(): Promise<void> {
    for (const t of this.watchers.values()) clearInterval(t);
  }
}
