import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Executor, ExecutorEvents, ExecutorJob } from './executor.js';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.js');

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
    private readonly events: ExecutorEvents
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
    const child = spawn(process.execPath, [WORKER, job.dir], { cwd: job.dir, detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    child.unref();
    this.running.set(job.id, child.pid!);
    this.events.started(job.id, { pid: child.pid });
    child.once('exit', (code, signal) => {
      this.running.delete(job.id);
      const reason = this.cancelled.delete(job.id) ? 'cancelled' : signal ? `the job's process was killed (${signal})` : undefined;
      this.events.exited(job.id, { code, signal, reason });
      this.pump();
    });
    child.once('error', (error) => {
      this.running.delete(job.id);
      this.events.exited(job.id, { code: null, signal: null, reason: `could not start the worker: ${error.message}` });
      this.pump();
    });
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
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const t = setTimeout(() => {
      if (alive(pid)) process.kill(-pid, 'SIGKILL');
    }, 5000);
    t.unref();
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
