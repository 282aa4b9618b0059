import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sweepObjects } from '@hysope/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIXC_NORMANDY, REACH_548, call, sample, startGateway, testDatabaseUrl, type TestGateway } from '../helpers.js';
import { testS3 } from '../s3-server.js';

const HYDROWEB_SERIES = sample('altimetry/hydroweb/R_PERU-6-BASIN_PERU-6-BASIN_KM0049_mean.json');
const PIXC_ITEM = 'SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01';
const REACH_ITEM = 'SWOT_L2_HR_RiverSP_Reach_548_011_NA_20230610T193337_20230610T193344_PIA1_01';

/** What the bucket holds: key → entity tag and size. */
async function bucket(g: TestGateway): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const o of g.gateway.store.objects.list('')) out[o.key] = `${o.etag} ${o.size}`;
  return out;
}

describe.runIf(testS3())('the object store on S3 (Ceph RADOS Gateway)', () => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startGateway({ databaseUrl: testDatabaseUrl(), s3: true });
    for (const f of [REACH_548, PIXC_NORMANDY, HYDROWEB_SERIES]) {
      const r = await g.ingest(f);
      expect(r.ok, r.ok ? '' : r.error).toBe(true);
    }
  });
  afterAll(async () => g?.stop());

  it('products and original granules live in the bucket, each as big as its item says; the data folder keeps none', async () => {
    const objects = await bucket(g);
    const item = (await call(`${g.url}/stac/collections/swot-pixc/items/${PIXC_ITEM}`)).body;
    for (const a of Object.values(item.assets) as { href: string; 'file:size'?: number }[]) {
      const key = new URL(a.href).pathname.replace(/^\/assets\//, '');
      if (a['file:size'] !== undefined) expect(objects[key]?.split(' ')[1], key).toBe(String(a['file:size']));
    }
    expect(Object.keys(objects)).toEqual(
      expect.arrayContaining([`products/swot-pixc/${PIXC_ITEM}.parquet`, `products/swot-riversp-reach/${REACH_ITEM}.parquet`])
    );
    expect(Object.keys(objects).some((k) => k.startsWith(`sources/swot-pixc/${PIXC_ITEM}/`))).toBe(true);
    const local = (await g.stored()).filter((f) => !f.startsWith('s3:'));
    expect(local.filter((f) => /^(products|sources)\//.test(f))).toEqual([]);
  });

  it("readers on S3: a collection's export by bbox and a station's series, read from copies checked by entity tag", async () => {
    const objects = g.gateway.store.objects;
    const file = await objects.localFile(`products/swot-pixc/${PIXC_ITEM}.parquet`);
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    // Around a pixel of the tile (the centre of a swath's bbox may fall between its two sides).
    const [px] = (await duck.runAndReadAll(`select longitude x, latitude y from '${file}' where longitude is not null limit 1 offset 40000`)).getRowObjectsJS();
    const bbox = [Number(px!['x']) - 0.02, Number(px!['y']) - 0.02, Number(px!['x']) + 0.02, Number(px!['y']) + 0.02];
    const [want] = (
      await duck.runAndReadAll(
        `select count(*)::int n from '${file}' where longitude between ${bbox[0]} and ${bbox[2]} and latitude between ${bbox[1]} and ${bbox[3]}`
      )
    ).getRowObjectsJS();
    const before = objects.counts.bytesRead;
    const res = await fetch(`${g.url}/stac/collections/swot-pixc/export?bbox=${bbox.join(',')}&format=csv`);
    expect(res.status).toBe(200);
    const rows = (await res.text()).trim().split('\n').length - 1;
    expect(rows).toBe(want!['n']);
    expect(rows).toBeGreaterThan(0);
    // The copy was current: the export downloaded nothing again.
    expect(objects.counts.bytesRead).toBe(before);
    const station = (await call(`${g.url}/stac/search?collections=hydroweb-stations&limit=1`)).body.features[0];
    const [lon, lat] = [(station.bbox[0] + station.bbox[2]) / 2, (station.bbox[1] + station.bbox[3]) / 2];
    const series = await call(`${g.url}/timeseries/harmonized?lon=${lon}&lat=${lat}&radius_km=5&format=json`);
    expect(series.status).toBe(200);
    expect(series.body.sources.find((s: any) => s.source === 'hydroweb')?.count).toBeGreaterThan(10);
  });

  it('a failure after the upload leaves the bucket as it was, and puts back the object a re-ingest was replacing', async () => {
    const before = await bucket(g);
    const productBefore = createHash('sha256')
      .update(await readFile(await g.gateway.store.objects.localFile(`products/swot-riversp-reach/${REACH_ITEM}.parquet`)))
      .digest('hex');
    // The catalog's transaction fails after every file was uploaded (a trigger refuses reach items).
    await g.gateway.store.db.query(
      `create function refuse_reaches() returns trigger language plpgsql as $$ begin
         if new.collection = 'swot-riversp-reach' then raise exception 'refused by the test'; end if; return new; end $$`
    );
    await g.gateway.store.db.query('create trigger refuse_reaches before insert or update on items for each row execute function refuse_reaches()');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-s3-crid-'));
    try {
      const again = await g.ingest(REACH_548);
      expect(again.ok).toBe(false);
      expect(!again.ok && again.error).toMatch(/refused by the test/);
      const newer = path.join(dir, path.basename(REACH_548).replace('_PIA1_01', '_PIB0_01'));
      await copyFile(REACH_548, newer);
      const fresh = await g.ingest(newer);
      expect(fresh.ok).toBe(false);
    } finally {
      await g.gateway.store.db.query('drop trigger refuse_reaches on items');
      await g.gateway.store.db.query('drop function refuse_reaches()');
      await rm(dir, { recursive: true, force: true });
    }
    expect(await bucket(g)).toEqual(before);
    const productAfter = createHash('sha256')
      .update(await readFile(await g.gateway.store.objects.localFile(`products/swot-riversp-reach/${REACH_ITEM}.parquet`)))
      .digest('hex');
    expect(productAfter).toBe(productBefore);
    expect((await g.stored()).filter((f) => !f.startsWith('s3:') && /^(products|sources)\//.test(f))).toEqual([]);
  });

  it('after a crash: an object no item references goes, an object a re-ingest had set aside comes back', async () => {
    const objects = g.gateway.store.objects;
    const before = await bucket(g);
    const key = `products/swot-riversp-reach/${REACH_ITEM}.parquet`;
    // An ingest that died after uploading a new granule's product, and a re-ingest that died after setting the old one aside.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-s3-crash-'));
    await copyFile(await objects.localFile(key), path.join(dir, 'orphan.parquet'));
    const placing = await objects.place([[path.join(dir, 'orphan.parquet'), 'products/swot-riversp-reach/NOT_AN_ITEM.parquet']], '.tmp-1-2');
    await placing.commit();
    await objects.move(key, `${key}.old.tmp-1-2`);
    await rm(dir, { recursive: true, force: true });
    expect(Object.keys(await bucket(g))).toContain('products/swot-riversp-reach/NOT_AN_ITEM.parquet');
    const report = await sweepObjects(objects, g.gateway.store.db, 0);
    expect(report).toMatchObject({ orphans: 1, restored: 1 });
    const after = await bucket(g);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    expect(after[key]!.split(' ')[1]).toBe(before[key]!.split(' ')[1]);
  });

  it.runIf(testDatabaseUrl())('a gateway on another node answers time series from the bucket: parts fetched once, then read locally', async () => {
    const reach = '71224100203';
    const query = (url: string) =>
      call(
        `${url}/hydrocron/v1/timeseries?feature=Reach&feature_id=${reach}&start_time=2000-01-01T00:00:00Z&end_time=2030-01-01T00:00:00Z&fields=reach_id,time_str,wse,cycle_id&output=csv`
      );
    await g.gateway.compactor.idle();
    const here = await query(g.url);
    expect(here.status).toBe(200);
    const other = await startGateway({ replicaOf: g, ownDataDir: true, env: { HYSOPE_OBJECT_STORE: g.gateway.store.objects.url, ...testS3() } });
    try {
      const objects = other.gateway.store.objects;
      const before = objects.counts.bytesRead;
      const there = await query(other.url);
      expect(there.status).toBe(200);
      expect(there.body.results.csv).toBe(here.body.results.csv);
      const fetched = objects.counts.bytesRead - before;
      expect(fetched).toBeGreaterThan(0);
      const again = await query(other.url);
      expect(again.body.results.csv).toBe(here.body.results.csv);
      expect(objects.counts.bytesRead - before).toBe(fetched);
      // It ingests too: the first gateway reads the new granule's observations from the bucket.
      const newer = await mkdtemp(path.join(os.tmpdir(), 'hysope-s3-node-'));
      const file = path.join(newer, path.basename(REACH_548).replace('_PIA1_01', '_PIC0_01'));
      await copyFile(REACH_548, file);
      expect((await other.ingest(file)).ok).toBe(true);
      await rm(newer, { recursive: true, force: true });
      await other.gateway.compactor.idle();
      const updated = (await query(other.url)).body.results.csv;
      expect(updated).not.toBe(here.body.results.csv);
      // Without a broker, the first gateway's list of parts is a cache of a few seconds.
      await expect.poll(async () => (await query(g.url)).body.results.csv, { timeout: 15_000, interval: 500 }).toBe(updated);
    } finally {
      await other.stop();
    }
  });

  it("a job's output files and the product it registers go to the bucket, and are served from it", async () => {
    const { headers } = await g.user('sam', 'scientific');
    const r = await call(`${g.url}/processes/reach-discharge/execution`, { json: { inputs: { basin: '7122', n: 0.03 } }, headers });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const href = r.body.discharge.href as string;
    const job = /\/jobs\/([^/]+)\/results\/discharge$/.exec(href)![1]!;
    const objects = await bucket(g);
    const size = Number(objects[`jobs/${job}/discharge.parquet`]?.split(' ')[1]);
    expect(size).toBeGreaterThan(0);
    const tail = await fetch(href, { headers: { ...headers, Range: 'bytes=-4' } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get('content-range')).toBe(`bytes ${size - 4}-${size - 1}/${size}`);
    expect(Buffer.from(await tail.arrayBuffer()).toString()).toBe('PAR1');
    const derived = (await call(`${g.url}/stac/search?collections=hysope-discharge&limit=100`, { headers })).body.features.find(
      (f: any) => f.properties['hysope:job'] === job
    );
    expect(derived).toBeTruthy();
    const key = new URL(derived.assets.data.href).pathname.replace(/^\/assets\//, '');
    expect(objects[key]).toBeTruthy();
    expect((await fetch(derived.assets.data.href, { headers })).status).toBe(200);
  });

  it('redirects to presigned URLs only after the access check; the URLs expire', async () => {
    const r = await startGateway({
      replicaOf: g,
      env: { HYSOPE_OBJECT_STORE: g.gateway.store.objects.url, HYSOPE_ASSET_ACCESS: 'redirect', HYSOPE_PRESIGN_SECONDS: '2', ...testS3() }
    });
    try {
      expect(await g.gateway.store.setAccess('swot-pixc', 'institutional', null)).toBe(true);
      const asset = `${r.url}/assets/products/swot-pixc/${PIXC_ITEM}.parquet`;
      const anonymous = await fetch(asset, { redirect: 'manual' });
      expect(anonymous.status).toBe(404);
      expect(anonymous.headers.get('location')).toBeNull();
      const { headers } = await r.user('ines', 'institutional');
      const allowed = await fetch(asset, { redirect: 'manual', headers });
      expect(allowed.status).toBe(307);
      const location = allowed.headers.get('location')!;
      expect(location.startsWith(testS3()!.HYSOPE_S3_ENDPOINT)).toBe(true);
      const head = await fetch(asset, { method: 'HEAD', headers });
      expect(head.status).toBe(200);
      const size = Number(head.headers.get('content-length'));
      const tail = await fetch(location, { headers: { Range: 'bytes=-4' } });
      expect(tail.status).toBe(206);
      expect(tail.headers.get('content-range')).toBe(`bytes ${size - 4}-${size - 1}/${size}`);
      expect(Buffer.from(await tail.arrayBuffer()).toString()).toBe('PAR1');
      // Tampered with or expired, the URL opens nothing.
      expect((await fetch(location.replace(/X-Amz-Signature=([0-9a-f])/, (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`))).status).toBe(403);
      await new Promise((res) => setTimeout(res, 3000));
      expect((await fetch(location)).status).toBe(403);
    } finally {
      await g.gateway.store.setAccess('swot-pixc', 'public', null);
      await r.stop();
    }
  });
});
