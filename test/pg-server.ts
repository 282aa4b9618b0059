import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Debian's PostgreSQL binaries folder (newest version), or null when PostgreSQL is not installed. */
export function findBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(path.join(root, v, 'bin', 'initdb'))) return path.join(root, v, 'bin');
  return null;
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts a throw-away PostgreSQL server from Debian's binaries in a temporary folder, on a free port,
 * as the postgres user when running as root (initdb refuses root).
 */
export async function startPostgres(bin: string): Promise<{ url: string; stop: () => void; halt: () => void; resume: () => void }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hysope-pg-'));
  const root = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) => (root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]];
  if (root) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  const port = await freePort();
  const run = (cmd: string, args: string[]) => {
    const [c, a] = as(cmd, args);
    const r = spawnSync(c, a, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  run(path.join(bin, 'initdb'), ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'hysope', '--no-sync']);
  run(path.join(bin, 'pg_ctl'), [
    '-D',
    path.join(dir, 'data'),
    '-l',
    path.join(dir, 'log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    'start'
  ]);
  const ctl = (args: string[]) => spawnSync(...as(path.join(bin, 'pg_ctl'), ['-D', path.join(dir, 'data'), ...args]));
  return {
    url: `postgresql://hysope@127.0.0.1:${port}/postgres`,
    /** Stops the server abruptly (as a crash or a failover would), keeping its data. */
    halt: () => void ctl(['-m', 'immediate', '-w', 'stop']),
    /** Starts it again on the same port. */
    resume: () => void ctl(['-l', path.join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']),
    stop: () => {
      spawnSync(...as(path.join(bin, 'pg_ctl'), ['-D', path.join(dir, 'data'), '-m', 'immediate', 'stop']));
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
