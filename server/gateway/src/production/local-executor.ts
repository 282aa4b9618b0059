import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import type { Executor, ExecutorEvents, ExecutorJob } from './executor.js';
import { confinedCommand, jobEnv, type JobLimits } from './sandbox.js';

const exitOf = (command: string, args: string[]) =>
  new Promise<number>((resolve) => {
    const p = spawn(command, args, { stdio: 'ignore' });
    p.once('error', () => resolve(-1));
    p.once('exit', (code) => resolve(code ?? -1));
  });

/**
 * Kills every process left by a job's uid (a fork bomb, a daemon it started): `kill -KILL -1` as that uid
 * (which signals all of the uid's processes but the caller), again until `pgrep` finds none.
 */
export async function killUid(uid: number | null): Promise<void> {
  if (uid === null) return;
  for (let round = 0; round < 50; round++) {
    if ((await exitOf('pgrep', ['-U', String(uid)])) !== 0) return;
    await exitOf('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '/bin/kill', '-KILL', '-1']);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs each job as a child process (the worker), at most `concurrency` at once, the others queued.
 * Workers are detached with their output in the job log, so they outlive a gateway crash and are
 * re-attached at restart.
 */
export class LocalExecutor implements Executor {
  readonly name = 'local' as const;
  private readonly queue: ExecutorJob[] = [];
  private readonly running = new Map<string, number>();
  private readonly watchers = new Set<NodeJS.Timeout>();
  private readonly cancelled = new Set<string>();

  constructor(
    private readonly concurrency: number,
    private readonly events: ExecutorEvents,
    private readonly limits: JobLimits
  ) {}

  submit(job: ExecutorJob): void {
    this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.running.size < this.concurrency && this.queue.length > 0) this.start(this.queue.shift()!);
  }

  private start(job: ExecutorJob): void {
    const out = openSync(path.join(job.dir, 'job.log'), 'a');
    const [command, ...args] = confinedCommand(job.dir, { uid: job.uid, limits: this.limits });
    const child = spawn(command!, args, { cwd: job.dir, detached: true, stdio: ['ignore', out, out], env: jobEnv(job.dir) });
    closeSync(out);
    child.unref();
    this.running.set(job.id, child.pid!);
    this.events.started(job.id, { pid: child.pid });
    const wall = this.wallClock(job.id, child.pid!);
    child.once('exit', async (code, signal) => {
      clearTimeout(wall);
      this.running.delete(job.id);
      await killUid(job.uid);
      const reason = this.cancelled.delete(job.id)
        ? 'cancelled'
        : this.overtime.delete(job.id)
          ? `wall time limit reached (${this.limits.wallSeconds} s)`
          : signal
            ? `the job's process was killed (${signal}${signal === 'SIGXCPU' ? ': CPU time limit' : ''})`
            : undefined;
      this.events.exited(job.id, { code, signal, reason });
      this.pump();
    });
    child.once('error', (error) => {
      this.running.delete(job.id);
      this.events.exited(job.id, { code: null, signal: null, reason: `could not start the worker: ${error.message}` });
      this.pump();
    });
  }

  private readonly overtime = new Set<string>();

  /** Ends a job that outlives its wall time (SIGTERM, then SIGKILL). */
  private wallClock(id: string, pid: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.overtime.add(id);
      this.terminate(pid);
    }, this.limits.wallSeconds * 1000);
    t.unref();
    return t;
  }

  private terminate(pid: number): void {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const t = setTimeout(() => {
      if (alive(pid)) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone meanwhile */
        }
      }
    }, 5000);
    t.unref();
  }

  async cancel(id: string): Promise<boolean> {
    const queued = this.queue.findIndex((j) => j.id === id);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.events.exited(id, { code: null, signal: null, reason: 'cancelled before it started' });
      return true;
    }
    const pid = this.running.get(id);
    if (!pid) return false;
    this.cancelled.add(id);
    this.terminate(pid);
    return true;
  }

  reattach(job: ExecutorJob & { pid?: number | null }): void {
    const pid = job.pid;
    if (!pid || !alive(pid)) {
      this.events.exited(job.id, { code: null, signal: null, reason: 'the gateway restarted and the job’s process was gone' });
      return;
    }
    this.running.set(job.id, pid);
    const watch = setInterval(() => {
      if (alive(pid)) return;
      clearInterval(watch);
      this.watchers.delete(watch);
      this.running.delete(job.id);
      void killUid(job.uid);
      // Not our child: the exit code is unknown; the job folder (result.json / error.json) tells.
      this.events.exited(job.id, { code: null, signal: null });
      this.pump();
    }, 250);
    this.watchers.add(watch);
  }

  async ready(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    for (const w of this.watchers) clearInterval(w);
  }
}
