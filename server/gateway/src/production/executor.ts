import type { Config } from '../config.js';

/** A job as an executor sees it. */
export interface ExecutorJob {
  id: string;
  /** The job folder (job.json in, progress/result/error out). */
  dir: string;
  /** The job's own uid (gateway as root), or null (jobs run as the gateway's user). */
  uid: number | null;
}

/** How a job ended, as the executor saw it. */
export interface ExecutorExit {
  code: number | null;
  signal: string | null;
  /** Why, when the executor knows better than the exit code (killed, lost at restart...). */
  reason?: string;
}

/** What an executor tells the job service. */
export interface ExecutorEvents {
  started(id: string, handle: { pid?: number; externalId?: string }): void;
  exited(id: string, exit: ExecutorExit): void;
}

/**
 * One interface for every engine: local child processes, SLURM, Kubernetes. Jobs run the same worker
 * (dist/production/worker.js) in their folder; only how it is started and watched differs.
 */
export interface Executor {
  readonly name: 'local' | 'slurm' | 'kubernetes';
  submit(job: ExecutorJob): void;
  cancel(id: string): Promise<boolean>;
  /**
   * After a gateway restart or a take-over: watch a job that was running (`remote`: its process runs on another node,
   * whose gateway died), run it again when its process was lost, or report it lost.
   */
  reattach(job: ExecutorJob & { pid?: number | null; externalId?: string | null; remote?: boolean }): void;
  /** Whether the engine answers (health). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The executor the configuration names (one place for every engine's settings). The engines are imported when
 * chosen: a gateway running local jobs never loads the Kubernetes client.
 */
export async function createExecutor(config: Config, events: ExecutorEvents): Promise<Executor> {
  if (config.executor === 'slurm') {
    const { SlurmExecutor } = await import('./slurm-executor.js');
    return new SlurmExecutor(events, { partition: config.slurmPartition, limits: config.jobLimits });
  }
  if (config.executor === 'kubernetes') {
    const { KubernetesExecutor } = await import('./kubernetes-executor.js');
    return new KubernetesExecutor(events, { ...config.kubernetes, dataPath: config.dataDir, wallSeconds: config.jobLimits.wallSeconds });
  }
  const { LocalExecutor } = await import('./local-executor.js');
  return new LocalExecutor(config.jobConcurrency, events, config.jobLimits, config.jobStaleMs);
}
