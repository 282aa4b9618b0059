import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIXC_NORMANDY, REACHES_PASS_51, REACH_548, call, startGateway, type TestGateway } from '../helpers.js';

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
