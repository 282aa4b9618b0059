import { execFile } from 'node:child_process';
import { chmod, chown, lstat, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
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
