import { describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { KubernetesExecutor, jobManifest, k8sJobName } from './kubernetes-executor.js';

const options = {
  namespace: 'hysope',
  image: 'hysope/gateway:0.1.0',
  claim: 'hysope-data',
  dataPath: '/data',
  workerPath: '/app/server/gateway/dist/production/worker.js'
};

describe('the Kubernetes executor’s Job manifests', () => {
  it('run the worker in the job folder on the shared volume, once, unprivileged, seeing only its own folder', () => {
    const m = jobManifest({ id: '6F0C2A9E-1D2B-4C3D-9E8F-0123456789AB', dir: '/data/jobs/6f0c', uid: 200042 }, { ...options, wallSeconds: 600 }) as any;
    expect(m.apiVersion).toBe('batch/v1');
    expect(m.kind).toBe('Job');
    expect(m.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(m.metadata.name.length).toBeLessThanOrEqual(63);
    expect(m.metadata.labels['hysope.dev/job-id']).toBe('6F0C2A9E-1D2B-4C3D-9E8F-0123456789AB');
    expect(m.spec.backoffLimit).toBe(0);
    const pod = m.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].command).toEqual(['node', options.workerPath, '/data/jobs/6f0c']);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/data/jobs/6f0c', subPath: 'jobs/6f0c' }]);
    expect(pod.securityContext.runAsUser).toBe(200042);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(m.spec.activeDeadlineSeconds).toBe(600);
    expect(pod.containers[0].env).not.toContainEqual(expect.objectContaining({ name: 'HYSOPE_DATABASE_URL' }));
    expect(pod.volumes[0].persistentVolumeClaim.claimName).toBe('hysope-data');
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.containers[0].securityContext.allowPrivilegeEscalation).toBe(false);
  });
  it('names jobs stably and within DNS-1123 limits', () => {
    expect(k8sJobName('abc')).toBe('hysope-abc');
    expect(k8sJobName('x'.repeat(100)).length).toBeLessThanOrEqual(63);
  });
  it('an unreachable cluster: not ready, and a submitted job fails with the reason', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'none', server: 'http://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'c', cluster: 'none', user: 'u' }],
      currentContext: 'c'
    });
    const exits: { id: string; reason?: string }[] = [];
    const executor = new KubernetesExecutor({ started: () => undefined, exited: (id, e) => exits.push({ id, reason: e.reason }) }, { ...options, kubeConfig });
    expect(await executor.ready()).toBe(false);
    executor.submit({ id: 'j1', dir: '/data/jobs/j1', uid: null });
    for (let i = 0; i < 50 && exits.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(exits).toHaveLength(1);
    expect(exits[0]!.reason).toMatch(/Kubernetes did not take the job/);
    await executor.close();
  });
});
