import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers.js';

const HYSOPE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/gateway/bin/hysope.js');

/** A small file system of our own (tmpfs), when this machine lets us mount one (root). */
function smallDisk(mb: number): string | null {
  if (process.getuid?.() !== 0) return null;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hysope-disk-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${mb}m`, 'tmpfs', dir]);
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return dir;
}

const fill = (dir: string) => spawnSync('dd', ['if=/dev/zero', `of=${path.join(dir, 'filler')}`, 'bs=1M', 'count=1000'], { stdio: 'ignore' });

function serve(data: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string | null; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [HYSOPE, 'serve', '--data', data, '--port', '0'], { env: { ...process.env, HYSOPE_LOG_LEVEL: 'silent', ...env } });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /ready: (http:\/\/[^/]+)\/stac/.exec(out);
      if (m) resolve({ child, url: m[1]!, code: null, stderr });
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ child, url: null, code, stderr }));
  });
}

const disk = smallDisk(96);

describe.runIf(disk !== null)('a full data disk: honest answers, and a start that fails says why', () => {
  let gateway: ChildProcess | null = null;
  let key = '';
  beforeAll(() => {
    const out = execFileSync(process.execPath, [HYSOPE, 'user', 'add', 'ops', 'producer', '--data', path.join(disk!, 'data')], { encoding: 'utf8' });
    key = /\(shown once\): (\S+)/.exec(out)![1]!;
  });
  afterAll(() => {
    gateway?.kill('SIGKILL');
    spawnSync('umount', ['-l', disk!]);
    rmSync(disk!, { recursive: true, force: true });
  });

  it('readiness fails and job submissions answer 503 once the disk is full; a new start exits non-zero with the reason', async () => {
    const started = await serve(path.join(disk!, 'data'), { HYSOPE_MIN_FREE_BYTES: String(8 * 2 ** 20) });
    expect(started.url, started.stderr).not.toBeNull();
    gateway = started.child;
    expect((await call(`${started.url}/health/ready`)).status).toBe(200);
    fill(disk!);
    const ready = await call(`${started.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body.checks.disk.status).toBe('fail');
    const job = await call(`${started.url}/processes/echo/execution`, { json: { inputs: { message: 'x' } }, headers: { Authorization: `token ${key}` } });
    expect(job.status).toBe(503);
    expect(job.body.detail).toMatch(/disk is full/);
    expect(job.headers.get('retry-after')).toMatch(/^\d+$/);
    gateway.kill('SIGKILL');
    // A fresh data folder on the full disk: the start fails fast, non-zero, saying why.
    const t0 = Date.now();
    const again = await serve(path.join(disk!, 'data2'));
    expect(again.url).toBeNull();
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no space left/i);
    expect(Date.now() - t0).toBeLessThan(20_000);
  }, 60_000);
});
