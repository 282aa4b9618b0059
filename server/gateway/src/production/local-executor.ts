import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Executor, ExecutorEvents, ExecutorJob } from './executor.js';
import { confinedCommand, jobEnded, jobEnv, pidAlive, type JobLimits } from './sandbox.js';

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

/** Times a job is run at most when its process is lost with its gateway or node (then it fails). */
export const MAX_RUNS = 2;

/** How many times a job folder's job was started (the `runs` file). */
function runsOf(dir: string): number {
  try {
    return Number(readFileSync(path.join(dir, 'runs'), 'utf8')) || 0;
  } catch {
    return 0;
  }
}

/** The heartbeat's time as the folder says (0: none yet). */
function heartbeat(dir: string): number {
  try {
    return statSync(path.join(dir, 'heartbeat')).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Runs each job as a child process (the worker), at most `concurrency` at once, the others queued.
 * Workers are detached with their output in the job log, so they outlive a gateway crash and are
 * re-attached at restart; a job whose process was lost (its node or gateway died with it) runs again, once.
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
    private readonly limits: JobLimits,
    /** How long a job's heartbeat may stand still before a job of another node is taken for lost with its node. */
    private readonly staleMs = 30_000
  ) {}

  submit(job: ExecutorJob): void {
    this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.running.size < this.concurrency && this.queue.length > 0) this.start(this.queue.shift()!);
  }

  private start(job: ExecutorJob): void {
    writeFileSync(path.join(job.dir, 'runs'), String(runsOf(job.dir) + 1));
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
      if (pidAlive(pid)) {
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

  reattach(job: ExecutorJob & { pid?: number | null; remote?: boolean }): void {
    if (job.remote) return this.followFolder(job);
    const pid = job.pid;
    if (!pid || !pidAlive(pid)) return this.runAgain(job, 'its process was gone when the gateway restarted');
    this.running.set(job.id, pid);
    const watch = setInterval(() => {
      if (pidAlive(pid)) return;
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

  /**
   * A job whose process runs on another node, whose gateway died: followed through its folder (shared by the nodes)
   * until it ends there — or, when its heartbeat stands still for `staleMs` (the node died too), run again here.
   * Standing still is judged by this gateway's clock (the nodes' clocks need not agree).
   */
  private followFolder(job: ExecutorJob): void {
    if (!existsSync(path.join(job.dir, 'job.json'))) {
      this.events.exited(job.id, {
        code: null,
        signal: null,
        reason: `the job ran on another node, whose gateway died, and its folder (${job.dir}) is not visible from this one: local jobs of several nodes need a jobs folder they share`
      });
      return;
    }
    let beat = heartbeat(job.dir);
    let seen = Date.now();
    const watch = setInterval(() => {
      const stop = () => {
        clearInterval(watch);
        this.watchers.delete(watch);
      };
      if (jobEnded(job.dir)) {
        stop();
        this.events.exited(job.id, { code: null, signal: null });
        return;
      }
      const now = heartbeat(job.dir);
      if (now !== beat) {
        beat = now;
        seen = Date.now();
      } else if (Date.now() - seen > this.staleMs) {
        stop();
        this.runAgain(job, `its node stopped: no heartbeat for ${Math.round(this.staleMs / 1000)} s`);
      }
    }, 500);
    this.watchers.add(watch);
  }

  /** A job whose process was lost without ending: run again from the start (its folder as it was given), once. */
  private runAgain(job: ExecutorJob, why: string): void {
    // Ended after all (while no gateway watched): its folder tells how.
    if (jobEnded(job.dir)) return this.events.exited(job.id, { code: null, signal: null });
    const runs = runsOf(job.dir);
    if (runs >= MAX_RUNS || !existsSync(path.join(job.dir, 'job.json')))
      return this.events.exited(job.id, { code: null, signal: null, reason: `the job's process was lost (${why}) after ${runs} run(s): not run again` });
    this.submit(job);
  }

  async ready(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    for (const w of this.watchers) clearInterval(w);
  }
}
