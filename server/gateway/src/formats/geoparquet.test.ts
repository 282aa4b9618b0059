import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { readProduct } from './index.js';
import { SAMPLES_DIR } from './samples.js';
import { hilbertIndex, writeGeoParquet } from './geoparquet.js';

let dir: string;
let db: DuckDBConnection;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-gpq-'));
  db = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await db.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

describe('writeGeoParquet', () => {
  it('hilbertIndex is a bijection on a small grid corner', () => {
    const seen = new Set<number>();
    for (let x = 0; x < 16; x++) for (let y = 0; y < 16; y++) seen.add(hilbertIndex(x, y));
    expect(seen.size).toBe(256);
  });

  it('writes a RiverSP reach product that DuckDB reads with the same values and GeoParquet 1.1 metadata', async () => {
    const product = await readProduct(path.join(SAMPLES_DIR, 'swot/riversp/SWOT_L2_HR_RiverSP_Reach_548_011_NA_20230610T193337_20230610T193344_PIA1_01.zip'));
    const file = path.join(dir, 'reach.parquet');
    const written = await writeGeoParquet(product, file);
    expect(written.rows).toBe(687);
    const [count] = await rows(`select count(*)::int n, count(wse)::int observed from '${file}'`);
    const expected = product.table
      .getChild('wse')!
      .toArray()
      .filter((v: number | null) => v !== null).length;
    expect(count).toEqual({ n: 687, observed: product.table.getChild('wse')!.length - product.table.getChild('wse')!.nullCount });
    expect(expected).toBeGreaterThan(0);
    const [meta] = await rows(`select decode(value) v from parquet_kv_metadata('${file}') where decode(key) = 'geo'`);
    const geo = JSON.parse(String(meta!['v']));
    expect(geo.version).toBe('1.1.0');
    expect(geo.columns.geometry.encoding).toBe('WKB');
    expect(geo.columns.geometry.covering.bbox.xmin).toEqual(['bbox', 'xmin']);
    // One reach's values survive the spatial sort.
    const original = product.table
      .toArray()
      .find((r) => r.wse !== null)!
      .toJSON();
    const [back] = await rows(`select wse, reach_q, epoch_ms(time) t from '${file}' where reach_id = '${original['reach_id']}'`);
    expect(back!['wse']).toEqual(original['wse']);
    expect(back!['reach_q']).toEqual(original['reach_q']);
    expect(Number(back!['t'])).toEqual(Number(original['time']));
  });

  it('sorts PIXC spatially so a 1% bbox query touches few row groups', async () => {
    const product = await readProduct(path.join(SAMPLES_DIR, 'swot/pixc/SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01.nc'));
    const file = path.join(dir, 'pixc.parquet');
    const written = await writeGeoParquet(product, file);
    expect(written.rowGroups).toBeGreaterThan(10);
    const [w, s, e, n] = product.bbox;
    const q = [w + (e - w) * 0.45, s + (n - s) * 0.45, w + (e - w) * 0.55, s + (n - s) * 0.55];
    const groups = await rows(
      `select row_group_id, min(stats_min::double) xmin, max(stats_max::double) xmax from parquet_metadata('${file}') where path_in_schema = 'bbox, xmin' or path_in_schema = 'xmin' group by 1`
    );
    const ymeta = await rows(
      `select row_group_id, path_in_schema p, stats_min::double lo, stats_max::double hi from parquet_metadata('${file}') where path_in_schema in ('bbox, xmin', 'bbox, xmax', 'bbox, ymin', 'bbox, ymax')`
    );
    expect(groups.length).toBe(written.rowGroups);
    const byGroup = new Map<number, Record<string, number>>();
    for (const r of ymeta) {
      const g = byGroup.get(Number(r['row_group_id'])) ?? {};
      g[String(r['p']).split(', ')[1]! + (String(r['p']).endsWith('min') ? '_lo' : '_hi')] = String(r['p']).endsWith('min') ? Number(r['lo']) : Number(r['hi']);
      byGroup.set(Number(r['row_group_id']), g);
    }
    const touched = [...byGroup.values()].filter(
      (g) => g['xmin_lo']! <= q[2]! && g['xmax_hi']! >= q[0]! && g['ymin_lo']! <= q[3]! && g['ymax_hi']! >= q[1]!
    ).length;
    expect(touched / byGroup.size).toBeLessThan(0.3);
    const [hit] = await rows(
      `select count(*)::int n from '${file}' where bbox.xmin <= ${q[2]} and bbox.xmax >= ${q[0]} and bbox.ymin <= ${q[3]} and bbox.ymax >= ${q[1]}`
    );
    let direct = 0;
    const lon = product.table.getChild('longitude')!;
    const lat = product.table.getChild('latitude')!;
    for (let i = 0; i < product.table.numRows; i++) {
      const x = lon.get(i),
        y = lat.get(i);
      if (x >= q[0]! && x <= q[2]! && y >= q[1]! && y <= q[3]!) direct++;
    }
    expect(hit!['n']).toBe(direct);
  });
});
