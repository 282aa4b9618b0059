import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { readProduct } from './index.js';
import { SAMPLES_DIR } from './samples.js';
import { hilbertIndex, writeGeoParquet, writeProduct } from './geoparquet.js';
import h5wasm from 'h5wasm/node';
import { pointCover } from '../catalog/spatial.js';

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
    const table = product.table!;
    const expected = table
      .getChild('wse')!
      .toArray()
      .filter((v: number | null) => v !== null).length;
    expect(count).toEqual({ n: 687, observed: table.getChild('wse')!.length - table.getChild('wse')!.nullCount });
    expect(expected).toBeGreaterThan(0);
    const [meta] = await rows(`select decode(value) v from parquet_kv_metadata('${file}') where decode(key) = 'geo'`);
    const geo = JSON.parse(String(meta!['v']));
    expect(geo.version).toBe('1.1.0');
    expect(geo.columns.geometry.encoding).toBe('WKB');
    expect(geo.columns.geometry.covering.bbox.xmin).toEqual(['bbox', 'xmin']);
    // One reach's values survive the spatial sort.
    const original = table
      .toArray()
      .find((r) => r.wse !== null)!
      .toJSON();
    const [back] = await rows(`select wse, reach_q, epoch_ms(time) t from '${file}' where reach_id = '${original['reach_id']}'`);
    expect(back!['wse']).toEqual(original['wse']);
    expect(back!['reach_q']).toEqual(original['reach_q']);
    expect(Number(back!['t'])).toEqual(Number(original['time']));
  });

  it("streams PIXC in acquisition order: row groups cover strips of the swath, their points' statistics prune a 1% bbox query", async () => {
    const source = path.join(SAMPLES_DIR, 'swot/pixc/SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01.nc');
    const file = path.join(dir, 'pixc.parquet');
    const { written, product } = await writeProduct(await readProduct(source), file, path.join(dir, 'spill'));
    expect(written.rowGroups).toBeGreaterThan(10);
    // Counted on the granule itself, read by the HDF5 library.
    await h5wasm.ready;
    const h5 = new h5wasm.File(source, 'r');
    const lon = (h5.get('pixel_cloud/longitude') as InstanceType<typeof h5wasm.Dataset>).value as Float64Array;
    const lat = (h5.get('pixel_cloud/latitude') as InstanceType<typeof h5wasm.Dataset>).value as Float64Array;
    h5.close();
    // A box of 1% of the extent around a pixel in the middle of the file.
    const [w, s, e, n] = product.bbox;
    const mid = Math.floor(lon.length / 2);
    const q = [lon[mid]! - (e - w) * 0.05, lat[mid]! - (n - s) * 0.05, lon[mid]! + (e - w) * 0.05, lat[mid]! + (n - s) * 0.05];
    const groups = await rows(
      `select row_group_id, min(case when path_in_schema = 'geometry, x' then stats_min::double end) x0, max(case when path_in_schema = 'geometry, x' then stats_max::double end) x1,
        min(case when path_in_schema = 'geometry, y' then stats_min::double end) y0, max(case when path_in_schema = 'geometry, y' then stats_max::double end) y1
       from parquet_metadata('${file}') group by 1`
    );
    expect(groups.length).toBe(written.rowGroups);
    const touched = groups.filter((g) => Number(g['x0']) <= q[2]! && Number(g['x1']) >= q[0]! && Number(g['y0']) <= q[3]! && Number(g['y1']) >= q[1]!).length;
    // Strips across a slanted swath: their boxes overlap, so pruning is partial (no global sort: it would cost 2× the ingest).
    expect(touched / groups.length).toBeLessThan(0.6);
    const [hit] = await rows(`select count(*)::int n from '${file}' where geometry.x between ${q[0]} and ${q[2]} and geometry.y between ${q[1]} and ${q[3]}`);
    let direct = 0;
    for (let i = 0; i < lon.length; i++) if (lon[i]! >= q[0]! && lon[i]! <= q[2]! && lat[i]! >= q[1]! && lat[i]! <= q[3]!) direct++;
    expect(direct).toBeGreaterThan(0);
    expect(hit!['n']).toBe(direct);
    // The extent and footprint are the pixels' own: every pixel is inside both.
    expect(product.bbox[0]).toBe(lon.reduce((a, b) => Math.min(a, b)));
    expect(product.bbox[3]).toBe(lat.reduce((a, b) => Math.max(a, b)));
    const covers = pointCover(product.footprint);
    for (let i = 0; i < lon.length; i += 97) expect(covers(lon[i]!, lat[i]!)).toBe(true);
  });
});
