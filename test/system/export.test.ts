import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIXC_NORMANDY, REACHES_PASS_51, REACH_548, call, sample, startGateway, type TestGateway } from '../helpers.js';
import { pointCover } from '../../server/gateway/src/catalog/spatial.js';
import { productMetadata } from '../../server/gateway/src/formats/geoparquet.js';
import { readPixc } from '../../server/gateway/src/formats/netcdf.js';

const BOX = [-1.3, 49.6, -1.2, 49.7];

describe('GET /stac/collections/{id}/export', () => {
  let g: TestGateway;
  let dir: string;
  let duck: DuckDBConnection;
  beforeAll(async () => {
    g = await startGateway();
    dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-export-test-'));
    duck = await (await DuckDBInstance.create(':memory:')).connect();
    for (const f of [PIXC_NORMANDY, REACH_548, ...REACHES_PASS_51]) expect((await g.ingest(f)).ok).toBe(true);
  });
  afterAll(async () => {
    await g?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('GeoParquet: the pixels inside the bbox, with the geo metadata, from the items that match', async () => {
    const res = await fetch(`${g.url}/stac/collections/swot-pixc/export?bbox=${BOX.join(',')}&format=geoparquet`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    const file = path.join(dir, 'pixc.parquet');
    await writeFile(file, new Uint8Array(await res.arrayBuffer()));
    const [got] = (await duck.runAndReadAll(`select count(*)::int n, min(longitude) w, max(latitude) n2 from '${file}'`)).getRowObjectsJS();
    const product = path.join(g.dataDir, 'products/swot-pixc/SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01.parquet');
    const [expected] = (
      await duck.runAndReadAll(
        `select count(*)::int n from '${product}' where longitude between ${BOX[0]} and ${BOX[2]} and latitude between ${BOX[1]} and ${BOX[3]}`
      )
    ).getRowObjectsJS();
    expect(got!['n']).toBe(expected!['n']);
    expect(Number(got!['n'])).toBeGreaterThan(100);
    expect(Number(got!['w'])).toBeGreaterThanOrEqual(BOX[0]!);
    const [geo] = (await duck.runAndReadAll(`select decode(value) v from parquet_kv_metadata('${file}') where decode(key) = 'geo'`)).getRowObjectsJS();
    expect(JSON.parse(String(geo!['v'])).primary_column).toBe('geometry');
  });

  it('pixel clouds of both encodings (WKB from an earlier ingest, GeoArrow points) export together as points', async () => {
    // A pixel cloud as the store holds it from before (DuckDB's writer: WKB points and a bbox covering).
    const older = sample('swot/pixc/SWOT_L2_HR_PIXC_000_366_43N-R_20140114T011055_20140114T011056_Dx0000_01.nc');
    expect((await g.ingest(older)).ok).toBe(true);
    const product = await readPixc(older);
    const stored = path.join(g.dataDir, 'products/swot-pixc/SWOT_L2_HR_PIXC_000_366_43N-R_20140114T011055_20140114T011056_Dx0000_01.parquet');
    await product.stream!.write(stored, {
      covers: pointCover(product.footprint),
      spillDir: path.join(dir, 'spill'),
      fromChunks: false,
      metadata: () => Object.fromEntries(productMetadata(product, { bbox: false }))
    });
    const [kind] = (await duck.runAndReadAll(`select typeof(geometry) t from '${stored}' limit 1`)).getRowObjectsJS();
    expect(kind!['t']).toMatch(/^(BLOB|GEOMETRY)/);
    const res = await fetch(`${g.url}/stac/collections/swot-pixc/export?format=geoparquet`);
    const file = path.join(dir, 'both.parquet');
    await writeFile(file, new Uint8Array(await res.arrayBuffer()));
    const counts = (await duck.runAndReadAll(`select item_id, count(*)::int n from '${file}' group by 1 order by 1`)).getRowObjectsJS();
    expect(counts).toEqual([
      { item_id: 'SWOT_L2_HR_PIXC_000_366_43N-R_20140114T011055_20140114T011056_Dx0000_01', n: 1198 },
      { item_id: 'SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01', n: 92247 }
    ]);
    // Every pixel a point at its own position, whichever encoding its file had.
    const [worst] = (
      await duck.runAndReadAll(
        `select typeof(any_value(geometry)) t, max(abs(geometry.x - case when longitude > 180 then longitude - 360 else longitude end) + abs(geometry.y - latitude)) d from '${file}'`
      )
    ).getRowObjectsJS();
    expect(worst!['t']).toBe('STRUCT(x DOUBLE, y DOUBLE)');
    expect(Number(worst!['d'])).toBeLessThan(1e-9);
    // GeoJSON of the older file's pixels in a small box: points too.
    const [px] = (await duck.runAndReadAll(`select longitude x, latitude y from '${stored}' where longitude is not null limit 1 offset 600`)).getRowObjectsJS();
    const [x, y] = [Number(px!['x']) > 180 ? Number(px!['x']) - 360 : Number(px!['x']), Number(px!['y'])];
    const near = await (
      await fetch(`${g.url}/stac/collections/swot-pixc/export?format=geojson&bbox=${[x - 0.002, y - 0.002, x + 0.002, y + 0.002].join(',')}`)
    ).json();
    expect(near.features.length).toBeGreaterThan(0);
    for (const f of near.features) {
      expect(f.properties.item_id).toBe('SWOT_L2_HR_PIXC_000_366_43N-R_20140114T011055_20140114T011056_Dx0000_01');
      expect(f.geometry.type).toBe('Point');
      expect(Math.abs(f.geometry.coordinates[0] - x)).toBeLessThanOrEqual(0.002);
    }
    const [geo] = (await duck.runAndReadAll(`select decode(value) v from parquet_kv_metadata('${file}') where decode(key) = 'geo'`)).getRowObjectsJS();
    expect(JSON.parse(String(geo!['v'])).columns.geometry.encoding).toBe('point');
  });

  it('CSV (WKT geometry) and GeoJSON carry the same features; a CQL2 filter selects the items', async () => {
    const qs = `filter=${encodeURIComponent('"swot:cycle" >= 2')}&bbox=-80.5,40,-79.5,41`;
    const csv = (await (await fetch(`${g.url}/stac/collections/swot-riversp-reach/export?${qs}&format=csv`)).text()).trim().split('\n');
    expect(csv[0]!.split(',')[0]).toBe('item_id');
    expect(csv[0]).toMatch(/,geometry_wkt$/);
    const geo = await (await fetch(`${g.url}/stac/collections/swot-riversp-reach/export?${qs}&format=geojson`)).json();
    expect(geo.features.length).toBe(csv.length - 1);
    const items = new Set(geo.features.map((f: any) => f.properties.item_id));
    expect([...items].sort()).toEqual([
      'SWOT_L2_HR_RiverSP_Reach_2_51_NA_20100906T152521_20100906T152528_PGA2_03',
      'SWOT_L2_HR_RiverSP_Reach_3_51_NA_20100927T121018_20100927T121025_PGA2_03'
    ]);
    expect(csv[1]).toMatch(/"LINESTRING \(-?\d/);
  });

  it('bad input: 400 in the one error shape; an unknown collection is 404', async () => {
    const r = await call(`${g.url}/stac/collections/swot-pixc/export?format=xls`);
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/format must be geoparquet, csv or geojson/);
    expect((await call(`${g.url}/stac/collections/nope/export`)).status).toBe(404);
    expect((await call(`${g.url}/stac/collections/swot-pixc/export?bbox=1,2`)).status).toBe(400);
  });
});
