import { existsSync, readdirSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ingestFile, partsFor, reconcileTimeseries, tierInputs } from '@hysope/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REACHES_PASS_51, REACH_548, objectStoreBackends, call, sample, startGateway, type TestGateway } from '../helpers.js';

const PASS_372 = [1, 2].map((c) =>
  sample(`swot/riversp/SWOT_L2_HR_RiverSP_Reach_${c}_372_NA_2010${c === 1 ? '0828T061839_20100828T061842' : '0918T030336_20100918T030339'}_PGA2_03.zip`)
);
const PITTSBURGH = '74269900011';

describe.each(objectStoreBackends())('the time-series store: index, compaction, reconciliation on $name', ({ databaseUrl, s3 }) => {
  let g: TestGateway;
  const series = async (ids = PITTSBURGH) =>
    (await fetch(`${g.url}/timeseries?feature=Reach&ids=${ids}&fields=reach_id,time,wse,cycle_id,pass_id,crid,granuleUR&format=csv`)).text();
  const drop = async (id = PITTSBURGH) =>
    (
      await call(
        `${g.url}/hydrocron/v1/timeseries?feature=Reach&feature_id=${id}&start_time=2000-01-01T00:00:00Z&end_time=2030-01-01T00:00:00Z&fields=reach_id,time_str,wse,cycle_id&output=csv`
      )
    ).body.results.csv;
  const parts = (ids = [PITTSBURGH]) => partsFor(g.gateway.db, 'Reach', { ids });
  const compactedIn = (bucket: string) =>
    g.gateway.db.query<{ path: string; rows: number }>(`select path, rows from ts_parts where feature = 'Reach' and kind = 'compacted' and bucket = $1`, [
      bucket
    ]);
  // A compacted part is a folder of pieces (files of consecutive ids): a query lists the pieces, the index the part.
  const COMPACTED = /^timeseries\/feature=Reach\/compacted\/7426\/[^/]+\/\d+\.parquet$/;
  const partOf = (file: string) => file.replace(/\/\d+\.parquet$/, '');
  const partsRead = async (ids = [PITTSBURGH]) => [...new Set((await parts(ids)).map(partOf))];

  beforeAll(async () => {
    g = await startGateway({ databaseUrl, s3, env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_TIMESERIES_GRACE_MS: '5000' } });
  });
  afterAll(async () => g?.stop());

  it('a query reads only the parts of its buckets, compacted after each ingest into a few parts per bucket, tiered by size; answers stay the same', async () => {
    // Ingested without the gateway's compaction first: a query reads the granule parts of its bucket only.
    for (const f of [REACH_548, ...REACHES_PASS_51.slice(0, 2)]) expect((await ingestFile(g.gateway.store, g.dataDir, f)).ok).toBe(true);
    // Each ingest writes a part of its own: the granule's name and a mark of that ingest.
    expect(await parts()).toEqual(
      REACHES_PASS_51.slice(0, 2).map((f) =>
        expect.stringMatching(new RegExp(`^timeseries/feature=Reach/continent=NA/${path.basename(f, '.zip')}\\.\\w+\\.parquet$`))
      )
    );
    const before = await series();
    expect(before.trim().split('\n')).toHaveLength(3); // header + 2 passes
    // The gateway's ingests: each one's buckets compacted (every part waiting merged, with the bucket's compacted
    // parts no larger than four times the rows merged; a larger one is not written again).
    let kept = 0;
    for (const f of [REACHES_PASS_51[2]!, ...PASS_372]) {
      const before = await compactedIn('7426');
      const waiting = await g.gateway.db.query<{ rows: number }>(
        `select rows from ts_parts where feature = 'Reach' and bucket = '7426' and kind = 'granule' and compacted_into is null`
      );
      expect((await g.ingest(f)).ok).toBe(true);
      await g.gateway.compactor.idle();
      const [{ rows: added }] = await g.gateway.db.query<{ rows: number }>(
        `select rows from ts_parts where feature = 'Reach' and bucket = '7426' and kind = 'granule' and granule = $1`,
        [path.basename(f, '.zip')]
      );
      const merged = tierInputs(before, added + waiting.reduce((n, r) => n + r.rows, 0)).map((p) => p.path);
      const untouched = before.map((p) => p.path).filter((p) => !merged.includes(p));
      for (const p of await parts()) expect(p).toMatch(COMPACTED);
      const now = await partsRead();
      expect(now).toHaveLength(untouched.length + 1);
      expect(now).toEqual(expect.arrayContaining(untouched));
      kept += untouched.length;
    }
    // At least one ingest left a larger compacted part as it was (the samples' passes differ in size).
    expect(kept).toBeGreaterThan(0);
    const after = await series();
    expect(after.trim().split('\n').length).toBeGreaterThan(3);
    // The same observations as reading every granule part (what the store answered before there was an index).
    const all = await g.gateway.db.query<{ path: string }>(`select distinct path from ts_parts where kind = 'granule' and bucket = '7426'`);
    expect(all).toHaveLength(5);
    const duck = await g.gateway.series.duck();
    const direct = (
      await duck.runAndReadAll(
        `select count(*)::int as n from read_parquet([${all.map((p) => `'${path.join(g.dataDir, p.path)}'`).join(', ')}], union_by_name = true) where reach_id = '${PITTSBURGH}'`
      )
    ).getRowObjectsJS()[0]!['n'];
    expect(after.trim().split('\n').length - 1).toBe(direct);
    // HYDRA sees it: a metric per kind of part, and an event for producers.
    const metrics = await (await fetch(`${g.url}/metrics`, { headers: (await g.user('ops', 'admin')).headers })).text();
    expect(metrics).toMatch(/hysope_timeseries_compactions_total\{feature="Reach",outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/hysope_timeseries_parts\{feature="Reach",kind="compacted"\} [1-9]/);
    await g.gateway.bus.flushed();
    expect(g.gateway.bus.last(50).some((e) => e.type === 'timeseries.compacted' && e.data['bucket'] === '7426')).toBe(true);
    // The 548 granule's bucket (ingested without the gateway): compacted too, with the next pending run.
    expect(await parts(['71224100203'])).toEqual([expect.stringMatching(/^timeseries\/feature=Reach\/compacted\/7122\//)]);
  });

  it('re-ingesting a compacted granule takes its earlier rows out of the compacted part in the same transaction, with the same answers', async () => {
    const reference = await drop();
    const replaced = await g.gateway.db.query<{ path: string }>(`select path from ts_parts where kind = 'compacted' and bucket = '7426'`);
    expect((await ingestFile(g.gateway.store, g.dataDir, REACHES_PASS_51[1]!)).ok).toBe(true);
    // The compacted part written again without the granule's earlier rows, and its new part beside it (no row twice).
    expect(await drop()).toBe(reference);
    const now = await partsRead();
    expect(now).toHaveLength(replaced.length + 1);
    expect((await parts()).filter((p) => COMPACTED.test(p)).map(partOf)).toHaveLength(replaced.length);
    // Only the compacted part that held the granule's rows is written again.
    expect(replaced.filter((p) => !now.includes(p.path))).toHaveLength(1);
    await g.gateway.compactor.idle();
    await g.gateway.compactor.runPending();
    for (const p of await parts()) expect(p).toMatch(COMPACTED);
    expect(await drop()).toBe(reference);
  });

  it('keeps each observation once: granule parts whose buckets are all compacted are removed after the grace period; a removed granule ingested again counts once', async () => {
    const reference = await drop();
    const seriesRef = await series();
    // The harmonized series finds the nearest reach through the index too (it read a folder's files before).
    const harmonized = async () =>
      JSON.stringify(((await call(`${g.url}/timeseries/harmonized?lon=-79.9664&lat=40.4662&radius_km=50&format=json`)).body as { rows: unknown[] }).rows);
    const harmonizedRef = await harmonized();
    expect(harmonizedRef).toContain('"source":"swot"');
    await g.gateway.compactor.runPending();
    const removable = async () =>
      (
        await g.gateway.db.query<{ path: string; removed: boolean }>(
          `select path, bool_and(removed) as removed from ts_parts where kind = 'granule' group by path having bool_and(compacted_into is not null)`
        )
      ).filter((r) => r.path.includes('continent=NA'));
    const compacted = await removable();
    expect(compacted.length).toBeGreaterThanOrEqual(5);
    // After the grace period (5 s in this suite) the files are gone, their rows marked removed; the answers stay.
    await expect
      .poll(
        async () => {
          const rows = await removable();
          // Gone from the data folder and, on S3, from the bucket.
          const stored = await Promise.all(rows.map((r) => (s3 ? g.gateway.store.objects.head(r.path) : null)));
          return rows.every((r, i) => r.removed && !existsSync(path.join(g.dataDir, r.path)) && stored[i] === null);
        },
        { timeout: 30_000, interval: 500 }
      )
      .toBe(true);
    expect(await drop()).toBe(reference);
    expect(await series()).toBe(seriesRef);
    expect(await harmonized()).toBe(harmonizedRef);
    // Ingested again once its part is gone: its earlier rows leave the compacted part, the new ones come once.
    expect((await g.ingest(REACHES_PASS_51[0]!)).ok).toBe(true);
    await g.gateway.compactor.idle();
    expect(await drop()).toBe(reference);
    expect(await series()).toBe(seriesRef);
    // The start-up (and timer) reconciliation does not list a replaced part again.
    const r = await reconcileTimeseries(g.gateway.db, g.dataDir, () => g.gateway.series.duck(), 5000);
    expect(r.indexed).toBe(0);
    g.gateway.series.forget();
    expect(await drop()).toBe(reference);
  });

  it('queries running while a bucket is compacted see it whole, before or after, never half', async () => {
    const reference = await series();
    // Force a compaction of the bucket again (nothing waiting: its compacted parts into one), with queries running meanwhile.
    const row = (await compactedIn('7426'))[0]!;
    let answers: string[] = [];
    let stop = false;
    const reader = (async () => {
      while (!stop) answers.push(await series());
    })();
    for (let k = 0; k < 3; k++) await g.gateway.compactor.compact('Reach', '7426');
    stop = true;
    await reader;
    expect(await parts()).toEqual([expect.stringMatching(COMPACTED)]);
    expect(answers.length).toBeGreaterThan(0);
    expect(new Set(answers)).toEqual(new Set([reference]));
    // The replaced compacted parts are kept for the grace period (a query that listed them may still be reading).
    expect(existsSync(path.join(g.dataDir, row.path))).toBe(true);
    answers = [];
  });

  it('while the buckets a granule covers are compacted one by one, a basin or ids spanning them count each observation once', async () => {
    // A gateway of its own (same backend), its granules ingested without compaction: each granule's part covers several buckets.
    const h = await startGateway({ databaseUrl, s3, env: { HYSOPE_RATE_LIMIT: '0' } });
    try {
      for (const f of [REACH_548, ...REACHES_PASS_51]) expect((await ingestFile(h.gateway.store, h.dataDir, f)).ok).toBe(true);
      const queries = ['basin=74', 'basin=74&dedupe=true', `ids=${PITTSBURGH},74227800021`, 'bbox=-81,39,-79,41'].map(
        (q) => `${h.url}/timeseries?feature=Reach&${q}&fields=reach_id,cycle_id,pass_id,crid,wse`
      );
      const answers = () => Promise.all(queries.map(async (u) => (await fetch(u)).text()));
      const before = await answers();
      expect(before.map((a) => a.trim().split('\n').length - 1)).toEqual([expect.any(Number), expect.any(Number), 4, expect.any(Number)]);
      const waiting = (await h.gateway.compactor.pending('Reach')).filter((b) => b.bucket.startsWith('74'));
      expect(waiting.length).toBeGreaterThan(2);
      for (const { bucket } of waiting) {
        await h.gateway.compactor.compact('Reach', bucket);
        h.gateway.series.forget();
        expect(await answers()).toEqual(before);
      }
    } finally {
      await h.stop();
    }
  });

  it('re-ingests racing compactions of the same bucket never leave a granule counted twice or lost', async () => {
    const reference = await drop();
    for (let k = 0; k < 4; k++) {
      const outcomes = await Promise.allSettled([
        g.gateway.compactor.compact('Reach', '7426'),
        ingestFile(g.gateway.store, g.dataDir, REACHES_PASS_51[k % 3]!),
        g.gateway.compactor.compact('Reach', '7426')
      ]);
      // A compaction may lose the race (the bucket changed under it): it then switches nothing.
      for (const o of outcomes) if (o.status === 'rejected') expect(String(o.reason)).toMatch(/changed while it was compacted/);
      expect(await drop()).toBe(reference);
    }
    await g.gateway.compactor.runPending();
    for (const p of await parts()) expect(p).toMatch(COMPACTED);
    expect(await drop()).toBe(reference);
  });

  it('a part left out of the index (a folder written before it, or its rows lost) is listed again by the reconciliation, with its source; unlisted compacted parts past their grace are removed', async () => {
    const reference = await series();
    const printed = await drop();
    const sources = async () => (await g.gateway.db.query<{ key: string }>(`select key from timeseries_sources order by key`)).map((r) => r.key);
    const known = await sources();
    expect(known.length).toBeGreaterThan(0);
    // A granule ingested outside the gateway (no compaction): its part is the only copy of its rows.
    const granule = path.basename(PASS_372[0]!, '.zip');
    expect((await ingestFile(g.gateway.store, g.dataDir, PASS_372[0]!)).ok).toBe(true);
    g.gateway.series.forget();
    expect(await series()).toBe(reference);
    const [{ path: part }] = await g.gateway.db.query<{ path: string }>(`select distinct path from ts_parts where granule = $1`, [granule]);
    // Its listing and the sources lost (a new database over the same folder): its observations are not read.
    const duck = await g.gateway.series.duck();
    const partKey = String(
      (await duck.runAndReadAll(`select any_value(hysope_source) as k from read_parquet('${path.join(g.dataDir, part!)}')`)).getRowObjectsJS()[0]!['k']
    );
    expect(known).toContain(partKey);
    await g.gateway.db.query(`delete from ts_parts where path = $1`, [part]);
    await g.gateway.db.query(`delete from timeseries_sources where key = $1`, [partKey]);
    g.gateway.series.forget();
    expect(await series()).not.toBe(reference);
    const stray = path.join(g.dataDir, 'timeseries/feature=Reach/compacted/7426/stray.parquet');
    await writeFile(stray, 'not parquet');
    await utimes(stray, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    // A compacted part's folder of pieces never listed (a compaction that died before its commit).
    const strayPart = path.join(g.dataDir, 'timeseries/feature=Reach/compacted/7426/1-deadbeef');
    await mkdir(strayPart);
    await writeFile(path.join(strayPart, '0.parquet'), 'not parquet');
    await utimes(strayPart, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    const r = await reconcileTimeseries(g.gateway.db, g.dataDir, () => g.gateway.series.duck());
    expect(r.indexed).toBe(1);
    expect(r.removed).toBeGreaterThanOrEqual(2);
    expect(existsSync(stray)).toBe(false);
    expect(existsSync(strayPart)).toBe(false);
    g.gateway.series.forget();
    expect(await series()).toBe(reference);
    // The granule's source came back from its part's metadata: each record printed as its granule wrote it.
    expect(await sources()).toEqual(known);
    expect(await drop()).toBe(printed);
  });

  it('a streamed answer stays whole while other queries run on the gateway meanwhile', async () => {
    // Node observations of five passes: more rows than one streamed batch holds.
    const nodes = ['1_51', '2_51', '3_51', '1_372', '2_372'].map((p) =>
      readdirSync(sample('swot/riversp')).find((f) => f.startsWith(`SWOT_L2_HR_RiverSP_Node_${p}_NA_`))!
    );
    for (const f of nodes) expect((await ingestFile(g.gateway.store, g.dataDir, sample(`swot/riversp/${f}`))).ok).toBe(true);
    const query = { feature: 'Node' as const, prefix: '7', fields: ['node_id', 'time', 'wse'] };
    const rows = (batch: import('apache-arrow').RecordBatch | null) => (batch ? batch.toArray().map((r) => JSON.stringify(r.toJSON())) : []);
    const whole: string[] = [];
    for await (const { batch } of g.gateway.series.arrow(query)) whole.push(...rows(batch));
    // Read a batch at a time; after the first, more queries than the pool has connections run meanwhile.
    const read: string[] = [];
    let batches = 0;
    for await (const { batch } of g.gateway.series.arrow(query)) {
      if (batches++ === 0) await Promise.all(Array.from({ length: 6 }, () => series()));
      read.push(...rows(batch));
    }
    // More rows than one batch (DuckDB's 2,048): the other queries ran while the stream was under way.
    expect(whole.length).toBeGreaterThan(2048);
    expect(read.length).toBe(whole.length);
    expect(read).toEqual(whole);
    expect(batches).toBeGreaterThan(1);
  });
});
