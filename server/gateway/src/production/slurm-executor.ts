import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Executor, ExecutorEvents, ExecutorJob } from './executor.js';
import { confinedCommand, jobEnv, type JobLimits } from './sandbox.js';

const run = promisify(execFile);
const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.js');
const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE']);

/** A SLURM job's state and exit code, from `scontrol show job` (works without accounting). */
async function jobState(externalId: string): Promise<{ state: string; exit: number | null; reason: string } | null> {
  try {
    const { stdout } = await run('scontrol', ['show', 'job', '-o', externalId]);
    const state = /JobState=(\S+)/.exec(stdout)?.[1] ?? 'UNKNOWN';
    const exit = /ExitCode=(\d+):(\d+)/.exec(stdout);
    return { state, exit: exit ? Number(exit[1]) : null, reason: /Reason=(\S+)/.exec(stdout)?.[1] ?? '' };
  } catch {
    return null; // purged from the controller: the job folder tells how it ended
  }
}

/**
 * Runs each job as a SLURM batch job (`sbatch --wrap` of the worker in the job folder, which the compute
 * nodes share); follows it with `scontrol`, cancels with `scancel`. The controller queues, so there is
 * no concurrency limit here.
 */
export class SlurmExecutor implements Executor {
  readonly name = 'slurm' as const;
  private readonly watchers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly events: ExecutorEvents & { submitted?(id: string, externalId: string): void },
    private readonly options: { partition?: string; node?: string; limits?: JobLimits } = {}
  ) {}

  submit(job: ExecutorJob): void {
    const args = [
      '--parsable',
      `--job-name=hysope-${job.id.slice(0, 8)}`,
      `--chdir=${job.dir}`,
      `--output=${path.join(job.dir, 'job.log')}`,
      '--open-mode=append'
    ];
    if (this.options.partition) args.push(`--partition=${this.options.partition}`);
    const node = this.options.node ?? process.execPath;
    if (this.options.limits) {
      // The same confinement as the local executor, inside the allocation: the job's own uid, limits, and
      // only the job's environment (never the gateway's: --export lists it).
      const l = this.options.limits;
      args.push(`--time=${Math.max(1, Math.ceil(l.wallSeconds / 60))}`);
      const env = Object.entries(jobEnv(job.dir)).filter(([, v]) => !/[,'"\s]/.test(v));
      args.push(`--export=${env.map(([k, v]) => `${k}=${v}`).join(',')}`);
      args.push(`--wrap=${confinedCommand(job.dir, { uid: job.uid, limits: l }, node).join(' ')}`);
    } else args.push(`--wrap=${node} ${WORKER} ${job.dir}`);
    run('sbatch', args).then(
      ({ stdout }) => {
        const externalId = stdout.trim().split(';')[0]!;
        this.events.submitted?.(job.id, externalId);
        this.watch(job.id, externalId, false);
      },
      (error: Error & { stderr?: string }) =>
        this.events.exited(job.id, { code: null, signal: null, reason: `sbatch failed: ${(error.stderr || error.message).trim()}` })
    );
  }

  private watch(id: string, externalId: string, alreadyRunning: boolean): void {
    let started = alreadyRunning;
    const timer = setInterval(async () => {
      const s = await jobState(externalId);
      if (s && !started && (s.state === 'RUNNING' || FINAL.has(s.state))) {
        started = true;
        this.events.started(id, { externalId });
      }
      if (!s || FINAL.has(s.state)) {
        clearInterval(timer);
        this.watchers.delete(id);
        if (!started) this.events.started(id, { externalId });
        const reason = !s
          ? undefined
          : s.state === 'CANCELLED'
            ? 'cancelled'
            : s.state === 'COMPLETED' || s.state === 'FAILED'
              ? undefined
              : `SLURM ended the job: ${s.state}${s.reason && s.reason !== 'None' ? ` (${s.reason})` : ''}`;
        this.events.exited(id, { code: s?.exit ?? null, signal: null, reason });
      }
    }, 300);
    this.watchers.set(id, timer);
  }

  async cancel(id: string): Promise<boolean> {
    const externalId = this.external.get(id);
    if (!externalId) return false;
    await run('scancel', [externalId]).catch(() => undefined);
    return true;
  }

  private readonly external = new Map<string, string>();

  reattach(job: ExecutorJob & { externalId?: string | null }): void {
    if (!job.externalId) {
      this.events.exited(job.id, { code: null, signal: null, reason: 'the gateway restarted before SLURM took the job' });
      return;
    }
    this.external.set(job.id, job.externalId);
    this.watch(job.id, job.externalId, true);
  }

  /** Remembers the SLURM id of a job this gateway submitted (for cancel). */
  track(id: string, externalId: string): void {
    this.external.set(id, externalId);
  }

  async ready(): Promise<boolean> {
    try {
      const { stdout } = await run('sinfo', ['-h', '-o', '%T']);
      return /idle|mixed|alloc/.test(stdout);
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    for (const t of this.watchers.values()) clearInterval(t);
  }
}
