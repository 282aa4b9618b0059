import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.js');

/** Limits every job runs under (see Config.jobLimits). */
export interface JobLimits {
  wallSeconds: number;
  cpuSeconds: number;
  memoryMb: number;
  processes: number;
  files: number;
}

/** How a job is confined: its own uid when the gateway runs as root, resource limits always. */
export interface Confinement {
  /** The job's own uid (and gid); null when the gateway is not root (jobs then run as the gateway's user). */
  uid: number | null;
  limits: JobLimits;
}

/** Whether this process may give jobs their own uid. */
export const canSwitchUser = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Whether a process of this host runs as `uid`. Another gateway on the host (its own database, its own sequence of
 * job uids) may have given the same uid to a job still running — and a job's end kills every process of its uid.
 */
export function uidInUse(uid: number): Promise<boolean> {
  return new Promise((resolve) => execFile('pgrep', ['-U', String(uid)], (error) => resolve(!error)));
}

/** Whether a process runs as `pid` (one of another user counts: `kill(pid, 0)` then says EPERM). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The job folder tells the job ended (the worker writes one of these last). */
export const jobEnded = (dir: string) => existsSync(path.join(dir, 'result.json')) || existsSync(path.join(dir, 'error.json'));

/**
 * Job uids reserved host-wide: one file per uid in a folder every gateway of the host shares (`/run/hysope/job-uids`
 * by default: cleared at boot, as the jobs are), naming the folder of the job it was given to. Each catalog numbers its
 * jobs from its own sequence, so two gateways of a host (their own databases) offer the same uids — and a job's end
 * kills every process of its uid. A uid is given only when nobody holds it: no file, or a file whose job is over (its
 * folder gone or holding its result or error) with no process left under the uid; and no process runs as it
 * (an account the ledger does not know). Reservations are taken and released under one lock file of the folder, held
 * for the few milliseconds of a choice (a lock whose gateway died is taken over).
 */
export class UidLedger {
  constructor(readonly dir: string) {}

  private file(uid: number): string {
    return path.join(this.dir, String(uid));
  }

  private async locked<T>(work: () => Promise<T>): Promise<T> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const lock = path.join(this.dir, 'lock');
    for (;;) {
      try {
        await writeFile(lock, String(process.pid), { flag: 'wx' });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
        // Held by a live gateway, or created but not yet filled (its gateway died there when it stays empty): wait.
        const dead = holder > 0 ? !pidAlive(holder) : Date.now() - ((await stat(lock).catch(() => null))?.mtimeMs ?? Date.now()) > 10_000;
        if (dead) await unlink(lock).catch(() => undefined);
        else await new Promise((r) => setTimeout(r, 5));
      }
    }
    try {
      return await work();
    } finally {
      await unlink(lock);
    }
  }

  /** Whether a reserved uid's job is over and nothing of it runs. */
  private async free(uid: number): Promise<boolean> {
    const jobDir = await readFile(this.file(uid), 'utf8').catch(() => null);
    if (jobDir !== null) {
      const over = !existsSync(jobDir) || jobEnded(jobDir);
      if (!over) return false;
    }
    return !(await uidInUse(uid));
  }

  /**
   * The first uid `next` offers that nobody holds, reserved for the job of `jobDir`.
   * @throws Error when `tries` offers were all held
   */
  reserve(jobDir: string, next: () => Promise<number>, tries = 1000): Promise<number> {
    return this.locked(async () => {
      for (let i = 0; i < tries; i++) {
        const uid = await next();
        if (!(await this.free(uid))) continue;
        await writeFile(this.file(uid), jobDir);
        return uid;
      }
      throw new Error(`no free job uid among ${tries} offered (every one held by a job of this host)`);
    });
  }

  /** Gives back the uid of the job of `jobDir` (a reservation that is not this job's is left as it is). */
  release(uid: number, jobDir: string): Promise<void> {
    return this.locked(async () => {
      if ((await readFile(this.file(uid), 'utf8').catch(() => null)) === jobDir) await unlink(this.file(uid));
    });
  }
}

/** Environment variables a job may inherit (no database URL, tokens or keys of the gateway). */
const PASSED = [
  'PATH',
  'LANG',
  'LC_ALL',
  'TZ',
  'JUPYTER_PATH',
  'HYSOPE_CWL_RUNNER',
  'HYSOPE_TOIL_BATCH_SYSTEM',
  'HYSOPE_NOTEBOOKS_DIR',
  'HYSOPE_HUBEAU_URL',
  'HYSOPE_CMR_URL',
  'HYSOPE_HYDROWEB_URL',
  'HYSOPE_CMR_STAC_URL',
  'SLURM_CONF'
];

/** The environment of a job: the few variables above, HOME and TMPDIR in its own folder. */
export function jobEnv(dir: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = { HOME: dir, TMPDIR: path.join(dir, 'tmp'), LANG: 'C.UTF-8' };
  for (const k of PASSED) if (env[k]) out[k] = env[k]!;
  out['PATH'] ??= '/usr/local/bin:/usr/bin:/bin';
  return out;
}

/**
 * The command that runs the worker confined: `prlimit` (CPU time, data memory (RLIMIT_DATA: address-space limits break WebAssembly reservations), processes, open files,
 * file size, no core dumps) then, as root, `setpriv` to the job's own uid/gid with no supplementary groups
 * and no new privileges. Debian's util-linux provides both.
 */
export function confinedCommand(dir: string, c: Confinement, node = process.execPath): string[] {
  const l = c.limits;
  const limits = ['prlimit', `--cpu=${l.cpuSeconds}`, `--data=${l.memoryMb * 1024 * 1024}`, `--nofile=${l.files}`, `--nproc=${l.processes}`, '--core=0', '--'];
  const drop = c.uid !== null ? ['setpriv', `--reuid=${c.uid}`, `--regid=${c.uid}`, '--clear-groups', '--no-new-privs', '--'] : [];
  return [...limits, ...drop, node, WORKER, dir];
}

/**
 * Prepares a job folder for its uid: the folder and what the gateway wrote in it belong to the job, mode
 * 0700 (no other job, nor anybody else, reads it); the folders above it are traversable but not listable,
 * and the gateway's own folders beside it (database, products, sources) are the gateway's alone.
 */
export async function prepareJobDir(dataDir: string, dir: string, uid: number | null): Promise<void> {
  await mkdir(path.join(dir, 'tmp'), { recursive: true });
  // The log exists before the executor opens it for the worker's output, so it is the job's too.
  await writeFile(path.join(dir, 'job.log'), '', { flag: 'a' });
  if (uid === null) return;
  await checkTraversable(dataDir);
  await checkTraversable(WORKER);
  await chmod(dataDir, 0o711);
  for (const entry of await readdir(dataDir, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== 'jobs') await chmod(path.join(dataDir, entry.name), 0o700);
  }
  await chmod(path.dirname(dir), 0o711);
  const own = async (p: string): Promise<void> => {
    const info = await lstat(p);
    if (info.isSymbolicLink()) return;
    await chown(p, uid, uid);
    if (info.isDirectory()) for (const e of await readdir(p)) await own(path.join(p, e));
  };
  await own(dir);
  await chmod(dir, 0o700);
}

/**
 * Every folder above the data folder and above the gateway's code must let the job accounts through (o+x),
 * or no job can start (scripts/install.sh sets it for the checkout).
 */
async function checkTraversable(target: string): Promise<void> {
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    const info = await stat(dir);
    if ((info.mode & 0o001) === 0)
      throw new Error(
        `jobs run under their own accounts, which cannot pass ${dir} (mode ${(info.mode & 0o777).toString(8)}): chmod o+x it, or put the data folder elsewhere`
      );
    if (dir === path.dirname(dir)) return;
  }
}
