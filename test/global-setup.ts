import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Starts a throw-away PostgreSQL server (Debian's binaries) for the store tests, unless
 * HYSOPE_TEST_DATABASE_URL already names one. The same catalog tests then run on PGlite and on it.
 */
function findBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(path.join(root, v, 'bin', 'initdb'))) return path.join(root, v, 'bin');
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export default async function setup(): Promise<(() => void) | void> {
  if (process.env['HYSOPE_TEST_DATABASE_URL']) return;
  const bin = findBin();
  if (!bin) {
    if (process.env['CI']) throw new Error('PostgreSQL binaries are missing (apt-get install postgresql): the store tests must also run on PostgreSQL');
    console.warn('PostgreSQL not installed: the catalog tests run on PGlite only (run scripts/install.sh to add PostgreSQL)');
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hysope-pg-'));
  const root = process.getuid?.() === 0;
  // initdb refuses to run as root: run the server as the postgres user then.
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
  process.env['HYSOPE_TEST_DATABASE_URL'] = `postgresql://hysope@127.0.0.1:${port}/postgres`;
  console.log(`PostgreSQL test server on port ${port}`);
  return () => {
    spawnSync(...as(path.join(bin, 'pg_ctl'), ['-D', path.join(dir, 'data'), '-m', 'immediate', 'stop']));
    rmSync(dir, { recursive: true, force: true });
  };
}
