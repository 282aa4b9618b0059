import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './pg-server.js';

const run = promisify(execFile);
const SCRIPT = path.resolve(import.meta.dirname, '../scripts/s3.sh');

/** Whether Debian's Ceph (monitor, OSD, RADOS Gateway) is installed. */
export function haveCeph(): boolean {
  return ['/usr/bin/ceph-mon', '/usr/bin/ceph-osd', '/usr/bin/radosgw'].every((f) => existsSync(f));
}

/** The S3 settings a gateway needs, as environment variables. */
export type S3Env = Record<'HYSOPE_S3_ENDPOINT' | 'HYSOPE_S3_REGION' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY', string>;

/**
 * Starts a throw-away one-node Ceph RADOS Gateway (scripts/s3.sh, the operators' script) in a temporary folder on free
 * ports, and returns its settings.
 */
export async function startS3(): Promise<{ env: S3Env; dir: string; stop: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-s3-'));
  const [s3Port, monPort] = [await freePort(), await freePort()];
  const { stdout } = await run('bash', [SCRIPT, 'start', dir, String(s3Port), String(monPort)], { timeout: 180_000 });
  const env = Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((l) => l.split('=', 2) as [string, string])
  ) as S3Env;
  return {
    env,
    dir,
    stop: async () => {
      await run('bash', [SCRIPT, 'stop', dir], { timeout: 60_000 });
      await run('rm', ['-rf', dir]);
    }
  };
}

/** The test S3 server global setup started (HYSOPE_TEST_S3_*), or null when there is none. */
export function testS3(): S3Env | null {
  const endpoint = process.env['HYSOPE_TEST_S3_ENDPOINT'];
  if (!endpoint && process.env['CI']) throw new Error('HYSOPE_TEST_S3_ENDPOINT must be set in CI: the object-store tests run on S3 too');
  if (!endpoint) return null;
  return {
    HYSOPE_S3_ENDPOINT: endpoint,
    HYSOPE_S3_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: process.env['HYSOPE_TEST_S3_ACCESS_KEY']!,
    AWS_SECRET_ACCESS_KEY: process.env['HYSOPE_TEST_S3_SECRET_KEY']!
  };
}
