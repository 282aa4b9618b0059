import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@hysope/gateway';
import { PIXC_NORMANDY, damagedPixc, runProcess, walk } from '../helpers.js';

const HYSOPE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/gateway/bin/hysope.js');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-ingest-failure-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('an ingest that fails while writing a pixel cloud', () => {
  it('reports the damaged chunk and leaves the catalog and the data folder as they were (its nadir track, written meanwhile, removed)', async () => {
    const damaged = damagedPixc(path.join(dir, 'in'));
    const data = path.join(dir, 'data');
    const run = await runProcess(process.execPath, [HYSOPE, 'ingest', '--data', data, PIXC_NORMANDY, damaged], {
      env: { ...process.env, HYSOPE_LOG_LEVEL: 'warn' }
    });
    const out = run.stdout + run.stderr;
    expect(out).toMatch(/1 ingested, 1 failed/);
    expect(out).toMatch(/damaged|inflate/);
    // The good granule is there; of the damaged one (the same granule id, ingested after it) nothing changed.
    const db = await openDatabase({ dataDir: path.join(data, 'db') });
    let assets: string[];
    try {
      const items = await db.query<{ id: string; content: { assets: Record<string, { href: string }> } }>('select id, content from items');
      expect(items.map((i) => i.id)).toEqual([path.basename(PIXC_NORMANDY, '.nc')]);
      assets = Object.values(items[0]!.content.assets).map((a) => path.join(data, a.href));
    } finally {
      await db.close();
    }
    const files = (await walk(data, true)).filter((f) => f.includes(`${path.sep}products${path.sep}`) || f.includes(`${path.sep}sources${path.sep}`));
    expect(files.filter((f) => /\.tmp-/.test(f))).toEqual([]);
    // Only the first ingest's product, nadir track and source.
    expect(files.sort()).toEqual(assets.sort());
  });
});
