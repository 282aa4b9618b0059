import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  compactedFormat,
  pieceRows,
  writeCompacted,
  partFiles,
  partsFor,
  Compactor,
  bucketsOf,
  compactedRewriter,
  createGateway,
  ingestFile,
  loadConfig,
  registerGranulePart,
  tierInputs,
  type Gateway,
  type Piece
} from '@hysope/gateway';
import { REACH_548, sample } from '../helpers.js';
import { serveProcess } from '../hysope-serve.js';
import { median, percentile, procMb, report } from './stats.js';

/** A continent's worth of basins and passes, as SWOT sees them. */
const BUCKETS = 700; // level-3 basins of a continent (7100 ... 7799)
const PER_BUCKET = 60; // reaches per basin
const PASSES = 350; // half-orbits crossing the continent per 21-day cycle
const SPAN = 5; // basins a pass crosses: 5 x 60 = 300 reaches per reach granule
const NODES_PER_REACH = 33; // 5 x 60 x 33 = 9,900 nodes per node granule
const ONE_BY_ONE = 7; // granules ingested and compacted one at a time, per archive size and way of compacting

interface Kind {
  feature: 'Reach' | 'Node';
  idField: string;
  /** A row's feature id from its basin, reach number (0-59) and node number. */
  id: (bucketSql: string, reachSql: string, nodeSql: string) => string;
  rowsPerGranule: number;
}
const REACH: Kind = {
  feature: 'Reach',
  idField: 'reach_id',
  id: (b, r) => `${b} || lpad(((${r}) * 10)::varchar, 6, '0') || '1'`,
  rowsPerGranule: SPAN * PER_BUCKET
};
const NODE: Kind = {
  feature: 'Node',
  idField: 'node_id',
  id: (b, r, n) => `${b} || lpad(((${r}) * 10)::varchar, 6, '0') || lpad((${n})::varchar, 3, '0') || '1'`,
  rowsPerGranule: SPAN * PER_BUCKET * NODES_PER_REACH
};

/** Granule k of a synthetic continent: cycle k / 350, pass k % 350, crossing 5 consecutive basins. */
function granule(kind: Kind, k: number) {
  const cycle = Math.floor(k / PASSES) + 1;
  const pass = (k % PASSES) + 1;
  const first = (pass * 2) % BUCKETS;
  const start = new Date(EPOCH + (cycle - 1) * 21 * 86_400_000 + pass * 3_600_000);
  const stamp = start.toISOString().replace(/[-:]/g, '').slice(0, 15);
  const name = `SWOT_L2_HR_RiverSP_${kind.feature}_${String(cycle).padStart(3, '0')}_${String(pass).padStart(3, '0')}_NA_${stamp}_${stamp}_PIC0_01`;
  const rel = path.join('timeseries', `feature=${kind.feature}`, 'continent=NA', `${name}.parquet`);
  const per = kind.rowsPerGranule / SPAN;
  const buckets = bucketsOf(Array.from({ length: SPAN }, (_, j) => String(7100 + ((first + j) % BUCKETS))).flatMap((b) => new Array<string>(per).fill(b)));
  const shift = (cycle - 1) * 21 * 86400 + pass * 3600;
  return { name, rel, buckets, cycle, pass, first, shift, iso: `${start.toISOString().slice(0, 19)}Z` };
}
const EPOCH = Date.UTC(2023, 6, 1);

/** The rows of the real granule a feature type's synthetic rows are made from (its template table). */
async function templateRowsOf(duck: DuckDBConnection, kind: Kind): Promise<number> {
  return Number((await duck.runAndReadAll(`select count(*) from tpl_${kind.feature}`)).getRows()[0]![0]);
}

/** The values {@link granule} gives granule `k` in SQL: (cycle, pass, first, shift, iso, granuleUR). */
function granuleValues(kind: Kind, k: number): string {
  const { cycle, pass, first, shift, iso, name } = granule(kind, k);
  return `${cycle}::integer, ${pass}::integer, ${first}, ${shift}, '${iso}', '${name}.zip'`;
}

/**
 * The select list of synthetic rows: the real granule's row of template `t` with the feature id (from the SQL of its
 * basin, reach number and node number) and the cycle, pass, times and granule of the synthetic granule `gr`.
 */
function selectSql(kind: Kind, bucket: string, reach: string, node: string): string {
  return `t.* exclude (k) replace (${kind.id(bucket, reach, node)} as "${kind.idField}", gr.cycle as cycle_id, gr.pass as pass_id,
         t."time" + to_seconds(gr.shift) as "time", t.time_raw + gr.shift as time_raw, gr.iso as range_start_time,
         gr.iso as range_end_time, 'PIC0' as crid, gr.ur as granuleUR)`;
}

/**
 * The rows of granules `from` to `to` (column `g`: the granule's number), as {@link granule} names them: the real
 * granule's rows (template `tpl_<feature>` of `templateRows` rows) with the feature ids, cycle, pass, times and
 * granule of each synthetic granule.
 */
function rowsSql(kind: Kind, templateRows: number, from: number, to: number): string {
  const per = kind.rowsPerGranule / SPAN;
  const bucket = `(7100 + (gr.first + j // ${per}) % ${BUCKETS})::varchar`;
  const reach = kind.feature === 'Reach' ? `j % ${PER_BUCKET}` : `(j % ${per}) // ${NODES_PER_REACH}`;
  const node = `j % ${NODES_PER_REACH}`;
  // Each granule's own values, as {@link granule} gives them (a few per granule), then its rows.
  const values = Array.from({ length: to - from }, (_, i) => `(${from + i}, ${granuleValues(kind, from + i)})`);
  return `select g, ${selectSql(kind, bucket, reach, node)}
       from (select ${from} + i // ${kind.rowsPerGranule} as g, i % ${kind.rowsPerGranule} as j from range(${(to - from) * kind.rowsPerGranule}) r(i))
       join (values ${values.join(', ')}) gr(g, cycle, pass, first, shift, iso, ur) using (g) join tpl_${kind.feature} t on t.k = j % ${templateRows}`;
}

/**
 * The rows of `bucket` from the granules `granules` (ascending; each crosses the bucket), the same values as
 * {@link rowsSql} gives them, generated in the order a compaction sorts them (feature id, then time: a feature's
 * observations in granule order) — so written without a sort.
 */
function bucketRowsSql(kind: Kind, templateRows: number, bucket: number, granules: number[]): string {
  const per = kind.rowsPerGranule / SPAN;
  // A feature's position in its bucket (its order: ids are the basin, then the reach and node numbers, zero-padded).
  const reach = kind.feature === 'Reach' ? 'f' : `f // ${NODES_PER_REACH}`;
  const node = `f % ${NODES_PER_REACH}`;
  // Row j of a granule is its template row: the bucket's place among the basins the granule crosses, then f.
  const values = granules.map((k, s) => `(${s}, ${granuleValues(kind, k)})`);
  return `select ${selectSql(kind, `'${bucket}'`, reach, node)}
       from (select i // ${granules.length} as f, i % ${granules.length} as s from range(${per * granules.length}) r(i))
       join (values ${values.join(', ')}) gr(s, cycle, pass, first, shift, iso, ur) using (s)
       join tpl_${kind.feature} t on t.k = ((${bucket - 7100} - gr.first + ${BUCKETS}) % ${BUCKETS} * ${per} + f) % ${templateRows}`;
}

/**
 * The compacted parts a bucket has once granules 0 to `to` have been ingested one by one, the gateway compacting
 * the buckets of each ingest with its tiers ({@link tierInputs}, the gateway's ratio): per bucket, each part's granules.
 * Computed on row counts with the gateway's own choice of the parts it merges.
 */
function tiersAfterIngests(kind: Kind, to: number): Map<number, number[][]> {
  const per = kind.rowsPerGranule / SPAN;
  const out = new Map<number, { rows: number; granules: number[] }[]>();
  for (let k = 0; k < to; k++) {
    const { first } = granule(kind, k);
    for (let j = 0; j < SPAN; j++) {
      const bucket = 7100 + ((first + j) % BUCKETS);
      const parts = out.get(bucket) ?? [];
      const merging = new Set(tierInputs(parts, per));
      const granules = [...[...merging].flatMap((p) => p.granules), k].sort((a, b) => a - b);
      out.set(bucket, [...parts.filter((p) => !merging.has(p)), { rows: per * granules.length, granules }]);
    }
  }
  return new Map([...out].map(([b, parts]) => [b, parts.map((p) => p.granules)]));
}

/**
 * Writes the state the gateway reaches after ingesting granules 0 to `to` one by one: each bucket's compacted parts
 * as {@link tiersAfterIngests} gives them, written the way the compactor writes them ({@link compactedFormat}, rows in
 * its order, generated in that order), and the index listing them, every granule's rows marked compacted into them
 * and its part removed (as the gateway leaves them past the grace period). What an ingest-and-compact build of a
 * continent writes again and again (sorting each time) is written once here: a 50,000-granule continent of nodes
 * in under an hour instead of ~5 h. Two buckets at a time, each DuckDB on one thread (the generated order is kept).
 * Returns the number of parts written.
 */
async function writeTiers(g: Gateway, duck: DuckDBConnection, kind: Kind, to: number, progress: (buckets: number, of: number) => void): Promise<number> {
  const tiers = [...tiersAfterIngests(kind, to)];
  const per = kind.rowsPerGranule / SPAN;
  const templateRows = await templateRowsOf(duck, kind);
  const template = path.join(g.config.dataDir, `.template-${kind.feature}.parquet`);
  await duck.run(`copy tpl_${kind.feature} to '${template}' (format parquet)`);
  const lanes = await Promise.all(
    [0, 1].map(async () => {
      // Bounded like the gateway's (DuckDB takes 80% of the machine by default, per instance: two lanes swapped at
      // 50,000 node granules once each large part was read again to be cut in pieces).
      const lane = await (await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '3GB' })).connect();
      // The joins as written (the generated rows probe; the granules' values and the template rows are built):
      // otherwise DuckDB builds on the generated rows of a small part and emits the template's order.
      await lane.run(`SET disabled_optimizers = 'join_order,build_side_probe_side'`);
      await lane.run(`create table tpl_${kind.feature} as from read_parquet('${template}')`);
      return lane;
    })
  );
  let next = 0;
  let finished = 0;
  let parts = 0;
  await Promise.all(
    lanes.map(async (lane) => {
      while (next < tiers.length) {
        const [bucket, list] = tiers[next++]!;
        for (const granules of list) {
          const rel = path.join('timeseries', `feature=${kind.feature}`, 'compacted', String(bucket), `${Date.now()}-${randomUUID().slice(0, 8)}`);
          const target = path.join(g.config.dataDir, rel);
          await mkdir(path.dirname(target), { recursive: true });
          const rows = per * granules.length;
          // Generated in the compacted order, then cut into pieces as the compactor cuts them; a part of several
          // pieces is generated once into one file first (each piece would otherwise generate all its rows again).
          let source = bucketRowsSql(kind, templateRows, bucket, granules);
          const whole = `${target}.whole.parquet`;
          if (rows > pieceRows(kind.feature)) {
            await lane.run(`copy (${source}) to '${whole}' (${compactedFormat(kind.feature)})`);
            source = `select * from read_parquet('${whole}')`;
          }
          const pieces = await writeCompacted(lane, kind.feature, source, rows, target, true);
          await rm(whole, { force: true });
          await g.db.transaction(async (tx) => {
            await tx.query(`insert into ts_parts (feature, bucket, path, kind, rows, pieces) values ($1, $2, $3, 'compacted', $4, $5::jsonb)`, [
              kind.feature,
              String(bucket),
              rel,
              rows,
              JSON.stringify(pieces)
            ]);
            const names = granules.map((k) => granule(kind, k));
            await tx.query(
              `insert into ts_parts (feature, bucket, path, kind, granule, rows, compacted_into, removed)
               select $1, $2, p, 'granule', gr, $3, $4, true from unnest($5::text[], $6::text[]) u(p, gr)`,
              [kind.feature, String(bucket), per, rel, names.map((x) => x.rel), names.map((x) => x.name)]
            );
          });
          parts++;
        }
        progress(++finished, tiers.length);
      }
    })
  );
  for (const lane of lanes) lane.closeSync();
  await rm(template, { force: true });
  return parts;
}

/** Granules written by one statement when they are compacted right away (one file per granule all the same). */
const BATCH = 100;

/**
 * Writes synthetic granule parts the way ingest writes them (the real granule's columns and types, rows sorted by
 * feature id, ZSTD) and lists them in the index as ingest does: a feature is in ~2.5 granules per cycle, not in
 * every file. One by one with ingest's row-group size; or, for granules compacted right after (`batch`), a hundred at
 * a time by one partitioned COPY (DuckDB then cuts row groups at its vectors: 5 per node part instead of 32; the
 * compaction reads them all either way), what makes a 50,000-granule continent buildable.
 */
async function writeGranules(g: Gateway, duck: DuckDBConnection, kind: Kind, from: number, to: number, batch = false): Promise<void> {
  const dir = path.join(g.config.dataDir, 'timeseries', `feature=${kind.feature}`, 'continent=NA');
  await mkdir(dir, { recursive: true });
  const templateRows = await templateRowsOf(duck, kind);
  const format = `format parquet, compression zstd, row_group_size ${Math.max(256, Math.ceil(kind.rowsPerGranule / 32))}`;
  const register = (k: number) => {
    const { rel, name, buckets } = granule(kind, k);
    return g.db.transaction((tx) => registerGranulePart(tx, kind.feature, rel, name, buckets, compactedRewriter(g.config.dataDir)));
  };
  for (let a = from; a < to; a += batch ? BATCH : 1) {
    const b = Math.min(to, a + (batch ? BATCH : 1));
    const rows = rowsSql(kind, templateRows, a, b);
    if (b - a === 1) {
      await duck.run(
        `copy (select * exclude (g) from (${rows}) order by "${kind.idField}") to '${path.join(g.config.dataDir, granule(kind, a).rel)}' (${format})`
      );
      await register(a);
      continue;
    }
    const staging = path.join(dir, `.batch-${a}`);
    await rm(staging, { recursive: true, force: true });
    await duck.run(`copy (${rows} order by g, "${kind.idField}") to '${staging}' (${format}, partition_by (g))`);
    for (let k = a; k < b; k++) {
      const files = await readdir(path.join(staging, `g=${k}`));
      if (files.length !== 1) throw new Error(`granule ${k} written as ${files.length} files`);
      await rename(path.join(staging, `g=${k}`, files[0]!), path.join(g.config.dataDir, granule(kind, k).rel));
      await register(k);
    }
    await rm(staging, { recursive: true, force: true });
  }
}

/** Waits until the granule parts whose buckets are all compacted are removed (the gateway's grace period is 0 here). */
async function removed(g: Gateway): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const [{ n }] = await g.db.query<{ n: number }>(
      `select count(*)::int as n from (select path from ts_parts where kind = 'granule' and not removed group by path having bool_and(compacted_into is not null)) p`
    );
    if (n === 0) return;
    await g.compactor.removeCompacted();
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('compacted granule parts were not removed');
}

/** The size of a folder, as du prints it (compacted and granule parts). */
function du(dir: string): string {
  const r = spawnSync('du', ['-sh', dir], { encoding: 'utf8' });
  return (r.stdout.split('\t')[0] ?? '?').trim() + 'B';
}

/** p50/p99 of the server time `/hydrocron/v1/timeseries` reports for one feature, and the gateway's memory. */
async function measure(dataDir: string, kind: Kind, id: string): Promise<{ p50: number; p99: number; hits: number; rss: number; peak: number }> {
  const s = await serveProcess(dataDir, { HYSOPE_RATE_LIMIT: '0', HYSOPE_WATCHDOG_MS: '3600000' });
  try {
    const url = `${s.url}/hydrocron/v1/timeseries?feature=${kind.feature}&feature_id=${id}&start_time=2000-01-01T00:00:00Z&end_time=2100-01-01T00:00:00Z&fields=${kind.idField},time_str,wse,cycle_id,pass_id&output=csv`;
    const times: number[] = [];
    let hits = 0;
    for (let i = 0; i < 45; i++) {
      const body = (await (await fetch(url)).json()) as { time: number; hits: number; error?: string };
      if (body.error) throw new Error(`${url}: ${body.error}`);
      if (i >= 5) times.push(body.time);
      hits = body.hits;
    }
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 50), p99: percentile(times, 99), hits, rss: procMb('VmRSS', s.pid), peak: procMb('VmHWM', s.pid) };
  } finally {
    await s.stop();
  }
}

/** The fields of a basin's streamed answer: the id, a time, two measurements and the quality flag. */
const STREAM_FIELDS: Record<Kind['feature'], string> = {
  Reach: 'reach_id,time_str,wse,width,reach_q',
  Node: 'node_id,time_str,wse,width,node_q'
};

/**
 * A whole basin (7200: every granule of the archive crosses it) streamed by `/timeseries` in each format from `hysope
 * serve` in its own process, beside DuckDB alone writing the same rows of the same files (the parts the index lists
 * for the basin) to a file: CSV for the text formats, Parquet for Parquet. Medians of 3 rounds, the first one dropped.
 */
async function measureStreams(dataDir: string, kind: Kind, db: Gateway['db']): Promise<void> {
  const fields = STREAM_FIELDS[kind.feature];
  const files = (await partsFor(db, kind.feature, { prefix: '7200' })).map((f) => `'${path.join(dataDir, f)}'`).join(', ');
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  await duck.run(`SET memory_limit = '1GB'`);
  const out = await mkdtemp(path.join(os.tmpdir(), 'hysope-bench-streams-'));
  const s = await serveProcess(dataDir, { HYSOPE_RATE_LIMIT: '0', HYSOPE_WATCHDOG_MS: '3600000' });
  try {
    const sql = `select ${fields} from read_parquet([${files}], union_by_name = true) where starts_with(${kind.idField}, '7200') order by ${kind.idField}, range_start_time, crid`;
    for (const format of ['csv', 'arrow', 'geojson', 'parquet'] as const) {
      const served: number[] = [];
      const alone: number[] = [];
      let bytes = 0;
      let peak = 0;
      for (let round = 0; round < 4; round++) {
        const t = performance.now();
        const res = await fetch(`${s.url}/timeseries?feature=${kind.feature}&basin=7200&fields=${fields}&format=${format}`);
        if (!res.ok) throw new Error(`${format}: ${await res.text()}`);
        bytes = 0;
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
        const a = performance.now();
        const as = format === 'parquet' ? 'parquet, compression zstd' : 'csv, header';
        await duck.run(`copy (${sql}) to '${path.join(out, `basin.${format}`)}' (format ${as})`);
        if (round > 0) {
          served.push(a - t);
          alone.push(performance.now() - a);
        }
        peak = procMb('VmHWM', s.pid);
      }
      const anchor = format === 'parquet' ? 'DuckDB alone writing the rows as Parquet' : 'DuckDB alone writing the rows as CSV';
      report(
        `  basin 7200 streamed as ${format} (${(bytes / 1e6).toFixed(2)} MB; gateway RSS peak ${peak.toFixed(0)} MB): p50 time to the last byte`,
        median(served),
        'ms',
        { name: anchor, value: median(alone), higherIsBetter: false }
      );
    }
  } finally {
    await s.stop();
    duck.closeSync();
    await rm(out, { recursive: true, force: true });
  }
}

/**
 * The tiers {@link writeTiers} writes are those the gateway leaves: granules written and compacted one by one by the
 * gateway's compactor in one folder, the same granules' tiers written in another; every bucket's parts (their row
 * counts), and the rows of each part (EXCEPT ALL both ways), and their order (the compactor's), must be the same.
 */
async function checkTiers(kind: Kind, duck: DuckDBConnection, granules = 1050): Promise<void> {
  const t0 = performance.now();
  const dirs = await Promise.all([0, 1].map(() => mkdtemp(path.join(os.tmpdir(), 'hysope-bench-tiers-'))));
  const gateways = await Promise.all(
    dirs.map((d) => createGateway(loadConfig({ HYSOPE_LOG_LEVEL: 'silent', HYSOPE_WATCHDOG_MS: '2000000000', HYSOPE_TIMESERIES_GRACE_MS: '0' }, { data: d })))
  );
  try {
    const [ingested, tiered] = gateways as [Gateway, Gateway];
    for (let k = 0; k < granules; k++) {
      await writeGranules(ingested, duck, kind, k, k + 1);
      await ingested.compactor.runPending(kind.feature);
    }
    await writeTiers(tiered, duck, kind, granules, () => {});
    const parts = async (g: Gateway) =>
      g.db.query<{ bucket: string; path: string; rows: number; pieces: Piece[] | null }>(
        `select bucket, path, rows, pieces from ts_parts where feature = $1 and kind = 'compacted' order by bucket, rows, path`,
        [kind.feature]
      );
    const [a, b] = await Promise.all([parts(ingested), parts(tiered)]);
    // Same parts, and each cut into the same pieces (id ranges and rows).
    const shape = (ps: typeof a) => ps.map((p) => `${p.bucket}:${p.rows}:${JSON.stringify(p.pieces)}`).join(' ');
    if (shape(a) !== shape(b)) throw new Error(`the tiers written are not the gateway's: ${shape(a).slice(0, 200)} / ${shape(b).slice(0, 200)}`);
    const files = (g: Gateway, part: (typeof a)[number]) => partFiles(part).map((rel) => `'${path.join(g.config.dataDir, rel)}'`);
    const file = (g: Gateway, part: (typeof a)[number]) => `read_parquet([${files(g, part).join(', ')}])`;
    for (let i = 0; i < a.length; i++) {
      const [x, y] = [file(ingested, a[i]!), file(tiered, b[i]!)];
      const differ = Number(
        (
          await duck.runAndReadAll(`select (select count(*) from (from ${x} except all from ${y})) + (select count(*) from (from ${y} except all from ${x}))`)
        ).getRows()[0]![0]
      );
      const id = `"${kind.idField}"`;
      const unsorted = Number(
        (
          await duck.runAndReadAll(
            `select count(*) from (select ${id}, range_start_time, lag(${id}) over w as pid, lag(range_start_time) over w as pt
             from (${files(tiered, b[i]!)
               .map((f, k) => `select ${id}, range_start_time, ${k} as piece, file_row_number from read_parquet(${f}, file_row_number = true)`)
               .join(' union all ')}) window w as (order by piece, file_row_number))
             where pid > ${id} or (pid = ${id} and pt >= range_start_time)`
          )
        ).getRows()[0]![0]
      );
      if (differ !== 0 || unsorted !== 0) throw new Error(`bucket ${a[i]!.bucket}: ${differ} rows differ, ${unsorted} out of the compactor's order`);
    }
    const buckets = new Set(a.map((p) => p.bucket)).size;
    process.stderr.write(
      `  ${kind.feature}: the tiers written are the gateway's after ${granules} granules ingested one by one (${a.length} parts in ${buckets} buckets, same rows, same order; ${((performance.now() - t0) / 1000).toFixed(0)} s)\n`
    );
  } finally {
    for (const g of gateways) await g.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
}

/**
 * One feature's time series against the size of the archive: synthetic continents of 100 to 20,000 granules (a reach
 * granule part with its geometries is ~1 MB: 20,000 take ~20 GB, and as much again while compacted), the
 * index and compaction as the gateway keeps them, p50 server time of `/hydrocron/v1/timeseries` for one feature
 * served by `hysope serve` in its own process (and that process's memory), in two states: every bucket compacted
 * (steady), and one cycle of granules not compacted yet (compaction lagging a whole cycle). Baseline, measured
 * beside it: the store before the index, DuckDB reading every granule part of the continent.
 * Two builds: `ingest` writes granule parts and compacts them (resumable in `keep`, a batch at a time; the baseline
 * needs its granule parts); `tiers` writes, for each size anew, the compacted parts the gateway's one-by-one ingests
 * leave ({@link writeTiers}, checked first against granules really ingested one by one), then the last cycle's
 * granule parts as ingest writes them.
 */
export async function benchTimeseriesArchive(
  reachSizes = [100, 1000, 5000, 20000, 50000],
  nodeSizes = [100, 1000, 5000],
  baselineUpTo = 5000,
  keep?: string,
  build: 'ingest' | 'tiers' = 'ingest'
): Promise<void> {
  // A folder kept (`keep`) holds the archive from one run to the next: a run goes on from the granules its index lists
  // (a full continent of nodes is hours of building on two cores), sizes it has passed are not measured again.
  const dataDir = keep ?? (await mkdtemp(path.join(os.tmpdir(), 'hysope-bench-archive-')));
  if (keep) await mkdir(keep, { recursive: true });
  // Granule parts kept while the baseline (which reads them all) is measured; past it, removed once compacted, as the
  // gateway does (a continent of 50,000 reach granule parts is ~50 GB; its compacted parts a tenth of that).
  const configFor = (size: number) =>
    loadConfig(
      {
        HYSOPE_LOG_LEVEL: 'silent',
        HYSOPE_RATE_LIMIT: '0',
        // The gateway's own timer (compactions, reconciling) never fires during a build of hours: the build compacts.
        HYSOPE_WATCHDOG_MS: '2000000000',
        HYSOPE_TIMESERIES_GRACE_MS: size <= baselineUpTo ? '1000000000' : '0'
      },
      { data: dataDir }
    );
  let config = configFor(0);
  let g = await createGateway(config);
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    // Real granules first: the fields, units and fills the store knows, and the templates' rows and columns.
    for (const [file, kind] of [
      [REACH_548, REACH],
      [sample('swot/riversp/SWOT_L2_HR_RiverSP_Node_1_51_NA_20100816T184024_20100816T184031_PGA2_03.zip'), NODE]
    ] as const) {
      const r = await ingestFile(g.store, dataDir, file);
      if (!r.ok) throw new Error(r.error);
      const [{ path: rel }] = await g.db.query<{ path: string }>(`select path from ts_parts where granule = $1 limit 1`, [r.id]);
      const part = path.join(dataDir, rel);
      await duck.run(`create table tpl_${kind.feature} as select (row_number() over () - 1) as k, * from read_parquet('${part}')`);
    }
    for (const [kind, sizes] of [
      [REACH, reachSizes],
      [NODE, nodeSizes]
    ] as const) {
      const feature = kind.feature;
      // A feature of basin 7200, which passes 48-50 of every cycle cross (so even the 100-granule archive has it).
      const id = kind.feature === 'Reach' ? '72000000101' : '72000000100101';
      // Granules are written in order: those listed are the first ones (a run stopped mid-batch left files of the
      // next ones, written again).
      const [{ n: listed }] = await g.db.query<{ n: number }>(
        `select count(distinct granule)::int as n from ts_parts where feature = $1 and kind = 'granule' and granule like '%\\_PIC0\\_01' escape '\\'`,
        [feature]
      );
      let written = listed;
      if (written > 0 && build === 'ingest') process.stderr.write(`  ${feature}: going on from ${written} granules in ${dataDir}\n`);
      if (build === 'tiers' && sizes.length > 0) await checkTiers(kind, duck, Number(process.env['BENCH_TIERS_CHECK'] ?? 1050));
      for (const size of sizes) {
        if (written > size && build === 'ingest') continue;
        if (configFor(size).timeseriesGraceMs !== config.timeseriesGraceMs) {
          await g.close();
          config = configFor(size);
          g = await createGateway(config);
        }
        const upTo = build === 'tiers' ? Math.max(0, size - PASSES) : Math.max(written, size - PASSES);
        const t0 = performance.now();
        let compactions = 0;
        if (build === 'tiers') {
          // Each size from nothing: the tiers of a continent of `size` granules are not those of a smaller one's.
          await g.db.query(`delete from ts_parts where feature = $1`, [feature]);
          await rm(path.join(dataDir, 'timeseries', `feature=${feature}`), { recursive: true, force: true });
          let shown = 0;
          compactions = await writeTiers(g, duck, kind, upTo, (buckets, of) => {
            if (buckets - shown < of / 10 && buckets < of) return;
            shown = buckets;
            process.stderr.write(`  ${feature}: ${buckets} of ${of} buckets written, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
          });
          written = upTo;
        }
        // The build's batches (thousands of granules at a time, where the gateway compacts one ingest at a time) are
        // compacted tiered with a ratio of 1: a batch merged with the smallest parts while each is no larger than what
        // is merged so far — a binary counter, each row written again about log₂ of the batches times. With the
        // gateway's ratio (4), a batch of 5,000 granules merged every part of up to 20,000 granules' rows: each batch
        // wrote the whole archive again, and a build's time grew with the square of its size (from 12,114 to 20,000
        // node granules: ~2.5 h). A bucket's parts stay a few (their count is in the report); the gateway's ratio may
        // find some of them due for merging, which the first ingest into the bucket after the build pays. The
        // measured states and the next granules below are compacted by the gateway's own compactor.
        const batches = new Compactor(
          g.db,
          dataDir,
          () => g.series.duck(),
          () => {},
          1,
          config.timeseriesGraceMs,
          1
        );
        // Compacted as they come (every 5,000 granules here; after each ingest in the gateway), so the disk holds the
        // compacted parts and at most one batch of granule parts.
        // What a stopped run left waiting, compacted first (unless it is the last cycle, kept waiting to be measured).
        if (written < upTo) compactions += (await batches.runPending(feature)).length;
        for (let from = written; from < upTo; from += 5000) {
          const w = performance.now();
          await writeGranules(g, duck, kind, from, Math.min(upTo, from + 5000), true);
          const c = performance.now();
          compactions += (await batches.runPending(feature)).length;
          const r = performance.now();
          if (size > baselineUpTo) await removed(g);
          const seconds = (a: number, b = performance.now()) => ((b - a) / 1000).toFixed(0);
          process.stderr.write(
            `  ${feature}: ${Math.min(upTo, from + 5000)} granules written and compacted, ${seconds(t0)} s (this batch: written ${seconds(w, c)} s, compacted ${seconds(c, r)} s, granule parts removed ${seconds(r)} s)\n`
          );
        }
        await writeGranules(g, duck, kind, upTo, size);
        written = size;
        const buildSeconds = (performance.now() - t0) / 1000;
        const count = async () =>
          (
            await g.db.query<{ kind: string; n: number }>(
              `select kind, count(distinct path)::int as n from ts_parts where feature = $1 and (kind = 'compacted' or compacted_into is null) and bucket = '7200' group by kind order by kind`,
              [feature]
            )
          )
            .map((p) => `${p.n} ${p.kind}`)
            .join(' + ') + `; ${(await partsFor(g.db, feature, { ids: [id] })).length} files read for the feature`;
        const laggingParts = await count();
        await g.close();
        const lagging = await measure(dataDir, kind, id);
        g = await createGateway(config);
        const t1 = performance.now();
        const more = (await g.compactor.runPending(feature)).length;
        const compactSeconds = (performance.now() - t1) / 1000;
        const steadyParts = await count();
        if (size > baselineUpTo) await removed(g);
        await g.close();
        const steady = await measure(dataDir, kind, id);
        let baseline: number | undefined;
        if (size <= baselineUpTo && build === 'ingest') {
          // The store before the index: one DuckDB query over every granule part of the continent (footer cache on, as it was).
          const old = await (await DuckDBInstance.create(':memory:')).connect();
          await old.run('SET GLOBAL parquet_metadata_cache = true');
          const glob = path.join(dataDir, 'timeseries', `feature=${feature}`, 'continent=NA', '*.parquet');
          const times: number[] = [];
          for (let i = 0; i < 4; i++) {
            const t = performance.now();
            await old.runAndReadAll(
              `select ${kind.idField}, time_str, wse, cycle_id, pass_id from read_parquet('${glob}', union_by_name = true) where ${kind.idField} = '${id}'`
            );
            if (i > 0) times.push(performance.now() - t);
          }
          old.closeSync();
          times.sort((a, b) => a - b);
          baseline = percentile(times, 50);
        }
        const against =
          baseline === undefined ? undefined : { name: 'every granule part read (the store before the index)', value: baseline, higherIsBetter: false };
        const root = path.join(dataDir, 'timeseries', `feature=${feature}`);
        const disk = `${du(path.join(root, 'compacted'))} compacted + ${du(path.join(root, 'continent=NA'))} granule parts`;
        const head = `${feature} time series, ${size} granules in the continent (${steady.hits} observations of the feature; built in ${buildSeconds.toFixed(0)} s ${build === 'tiers' ? `as the tiers one-by-one ingests leave (${compactions} parts written), then ${more} compactions` : `with ${compactions} + ${more} compactions`}, the last ${compactSeconds.toFixed(1)} s; store on disk ${disk})`;
        console.log(head);
        const detail = (m: typeof steady) => `p99 ${m.p99.toFixed(1)} ms, gateway RSS ${m.rss.toFixed(0)} MB (peak ${m.peak.toFixed(0)} MB)`;
        report(`  steady, the bucket read from ${steadyParts} parts (${detail(steady)}): p50 server time`, steady.p50, 'ms', against);
        report(`  compaction one cycle behind, ${laggingParts} parts (${detail(lagging)}): p50 server time`, lagging.p50, 'ms', against);
        g = await createGateway(config);
        await measureStreams(dataDir, kind, g.db);
        // The gateway compacts after each ingest: the next granules one by one, their buckets compacted tiered (the
        // gateway's way), then as many more merged whole into each bucket (every compacted part written again: the
        // store before tiers), same run. Seconds per granule and rows written again.
        const oneByOne = async (compactor: Compactor) => {
          const seconds: number[] = [];
          let again = 0;
          for (let k = 0; k < ONE_BY_ONE; k++) {
            await writeGranules(g, duck, kind, written, written + 1);
            written++;
            const t = performance.now();
            for (const c of await compactor.runPending(feature)) again += c.rewrittenRows;
            seconds.push((performance.now() - t) / 1000);
          }
          seconds.sort((a, b) => a - b);
          return { p50: percentile(seconds, 50), max: seconds.at(-1)!, again: again / ONE_BY_ONE };
        };
        const tiered = await oneByOne(g.compactor);
        const whole = await oneByOne(
          new Compactor(
            g.db,
            dataDir,
            () => g.series.duck(),
            () => {},
            1,
            config.timeseriesGraceMs,
            Infinity
          )
        );
        await g.compactor.runPending(feature);
        report(
          `  next granules compacted one by one, tiered (max ${tiered.max.toFixed(2)} s, ${tiered.again.toFixed(0)} rows written again per granule; merged whole: max ${whole.max.toFixed(2)} s, ${whole.again.toFixed(0)} rows): p50 per granule`,
          tiered.p50,
          's',
          { name: 'buckets merged whole', value: whole.p50, higherIsBetter: false }
        );
      }
    }
  } finally {
    await g.close().catch(() => undefined);
    if (!keep) await rm(dataDir, { recursive: true, force: true });
  }
}
