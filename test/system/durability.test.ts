import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@hysope/gateway';
import { sample, walk } from '../helpers.js';

const HYSOPE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/gateway/bin/hysope.js');
const INPUTS = [sample('swot/riversp'), sample('swot/lakesp'), sample('altimetry/hydroweb')];

/** Runs `hysope ingest` and SIGKILLs it after `ms` (or lets it finish); returns the items it reported as ingested. */
function ingestKilledAfter(data: string, ms: number | null): Promise<{ reported: string[]; elapsed: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [HYSOPE, 'ingest', '--data', data, ...INPUTS], { env: { ...process.env, HYSOPE_LOG_LEVEL: 'silent' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = ms === null ? null : setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', () => {
      if (timer) clearTimeout(timer);
      resolve({ reported: [...out.matchAll(/ ok (\S+?): /g)].map((m) => m[1]!), elapsed: Date.now() - t0 });
    });
  });
}

describe('the embedded store commits durably: SIGKILL at any point of a multi-granule ingest loses nothing reported', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('every reported item is there with its files, every file has its item, no temporary file is left', async () => {
    const full = await mkdtemp(path.join(os.tmpdir(), 'hysope-kill9-'));
    dirs.push(full);
    const whole = await ingestKilledAfter(full, null);
    expect(whole.reported.length).toBeGreaterThan(10);
    const fractions = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95];
    let partial = 0;
    for (const f of fractions) {
      const data = await mkdtemp(path.join(os.tmpdir(), 'hysope-kill9-'));
      dirs.push(data);
      const killAt = Math.round(whole.elapsed * f * (0.85 + Math.random() * 0.3));
      const run = await ingestKilledAfter(data, killAt);
      if (run.reported.length < whole.reported.length) partial++;
      // The next start (any command opening the catalog) sweeps what the crash left.
      const next = spawnSync(process.execPath, [HYSOPE, 'user', 'add', 'check', 'public', '--data', data], { encoding: 'utf8' });
      expect(next.status, `after a kill at ${killAt} ms: ${next.stderr}`).toBe(0);
      const db = await openDatabase({ dataDir: path.join(data, 'db') });
      try {
        const items = await db.query<{ collection: string; id: string; content: { assets: Record<string, { href: string }> } }>(
          'select collection, id, content from items'
        );
        const have = new Set(items.map((i) => `${i.collection}/${i.id}`));
        for (const r of run.reported) expect(have.has(r), `${r} was reported ingested before the kill at ${killAt} ms`).toBe(true);
        for (const i of items) for (const a of Object.values(i.content.assets)) expect(existsSync(path.join(data, a.href)), `${a.href} of ${i.id}`).toBe(true);
        const files = await walk(data);
        expect(
          files.filter((p) => /\.tmp-\d+-\d+$/.test(p)),
          `kill at ${killAt} ms`
        ).toEqual([]);
        for (const p of files.filter((p) => p.endsWith('.parquet') && p.includes(`${path.sep}products${path.sep}`))) {
          const [collection, name] = path.relative(path.join(data, 'products'), p).split(path.sep);
          expect(have.has(`${collection}/${name!.replace(/(\.[a-z]+)?\.parquet$/, '')}`), `orphan product ${p}`).toBe(true);
        }
        for (const p of files.filter((p) => p.endsWith('.parquet') && p.includes(`${path.sep}timeseries${path.sep}`)))
          expect(
            // A part is named by its granule and a mark of the ingest that wrote it.
            [...have].some((h) => h.endsWith(`/${path.basename(p, '.parquet').replace(/\.\w+$/, '')}`)),
            `orphan time series ${p}`
          ).toBe(true);
      } finally {
        await db.close();
      }
    }
    // The kills did land in the middle of the ingest (not all before it started or after it ended).
    expect(partial).toBeGreaterThanOrEqual(3);
  }, 300_000);
});
