import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Database, Queryable } from '../store/database.js';
import { BUCKET_DIGITS, FEATURES, SOURCE_METADATA, bucketOf, type FeatureType } from './timeseries-store.js';

export { BUCKET_DIGITS, bucketOf, bucketsOf } from './timeseries-store.js';

/**
 * The time-series store's parts and their index.
 *
 * Ingest writes one Parquet part per granule (`timeseries/feature=F/continent=C/<granule>.parquet`, rows sorted by
 * feature id) and, in the transaction that publishes the item, lists it in `ts_parts` under every bucket it covers
 * (a bucket: the first {@link BUCKET_DIGITS} digits of the feature ids, a SWORD/PLD basin). A query for some features
 * reads only the parts of their buckets — not every granule of the continent — so its cost does not grow with the
 * archive but with the observations of those basins. As granules accumulate, a bucket's granule parts are
 * compacted into one part per bucket (sorted by feature id and time: one row group per feature), listed in the
 * same index; the granule parts stay (they are the store's own copy of each granule, which re-ingest replaces).
 *
 * A query lists its parts in one read of the index, so it sees a bucket either before or after a compaction, never
 * half of one; compacted parts a compaction replaced are deleted after a grace period, not under a running query.
 */

/**
 * Granule parts of a bucket that trigger its compaction: the first one. A compaction merges every part waiting in its
 * bucket, so a burst of ingests (a backfill) coalesces into few compactions, and in steady state a query reads one
 * part per bucket (two, for the moment between an ingest and its bucket's compaction).
 */
export const COMPACT_AFTER = 1;

/** How long a replaced compacted part stays readable (queries that listed it may still be reading it). */
export const GRACE_MS = 120_000;

/**
 * Lists a granule's part in the index (in the ingest's transaction). A granule ingested again replaces its part:
 * the compacted parts that hold its earlier rows stop being read (their buckets fall back to the granule parts until
 * compacted again); their paths are returned, to be deleted once no query may read them.
 */
export async function registerGranulePart(tx: Queryable, feature: FeatureType, rel: string, granule: string, buckets: Map<string, number>): Promise<string[]> {
  // One writer of a feature type's index at a time (ingests and compactions lock rows in different orders).
  await lockIndex(tx, feature);
  // Locked first: a compaction committing meanwhile is waited for, and the compacted part it made is seen here.
  const held = await tx.query<{ compacted_into: string | null }>(`select compacted_into from ts_parts where path = $1 and kind = 'granule' for update`, [rel]);
  const stale = [...new Set(held.map((r) => r.compacted_into).filter((c): c is string => c !== null))];
  for (const c of stale) {
    await tx.query(`delete from ts_parts where path = $1 and kind = 'compacted'`, [c]);
    await tx.query(`update ts_parts set compacted_into = null where compacted_into = $1`, [c]);
  }
  await tx.query(`delete from ts_parts where path = $1`, [rel]);
  for (const [bucket, rows] of buckets) {
    await tx.query(`insert into ts_parts (feature, bucket, path, kind, granule, rows) values ($1, $2, $3, 'granule', $4, $5)`, [
      feature,
      bucket,
      rel,
      granule,
      rows
    ]);
  }
  return stale;
}

/** Serializes the writers of a feature type's index (the lock ends with the transaction). */
async function lockIndex(tx: Queryable, feature: FeatureType): Promise<void> {
  await tx.query(`select pg_advisory_xact_lock(hashtext($1))`, [`hysope.ts_parts.${feature}`]);
}

/** Which features a query reads: some ids, a basin code prefix, or all of a feature type. */
export interface PartSelector {
  ids?: string[];
  prefix?: string;
}

/** The parts (paths relative to the data folder) a query reads, from one read of the index. */
export async function partsFor(db: Queryable, feature: FeatureType, selector: PartSelector): Promise<string[]> {
  const params: unknown[] = [feature];
  let bucket = '';
  if (selector.ids?.length) {
    params.push([...new Set(selector.ids.map(bucketOf))]);
    bucket = `and bucket = any($2::text[])`;
  } else if (selector.prefix) {
    if (selector.prefix.length >= BUCKET_DIGITS) {
      params.push(bucketOf(selector.prefix));
      bucket = `and bucket = $2`;
    } else {
      params.push(`${selector.prefix}%`);
      bucket = `and bucket like $2`;
    }
  }
  const rows = await db.query<{ path: string }>(
    `select distinct path from ts_parts where feature = $1 ${bucket} and (kind = 'compacted' or compacted_into is null) order by path`,
    params
  );
  return rows.map((r) => r.path);
}

/** A bucket whose granule parts wait for compaction. */
export interface PendingBucket {
  feature: FeatureType;
  bucket: string;
  parts: number;
}

/** What one compaction did. */
export interface Compaction {
  feature: FeatureType;
  bucket: string;
  /** Granule parts merged (besides the bucket's previous compacted part, if any). */
  merged: number;
  rows: number;
  path: string;
  seconds: number;
}

/** Another writer changed the bucket while it was being compacted: this compaction is dropped (and retried). */
export class CompactionConflict extends Error {}

/**
 * Compacts the time-series store's buckets: merges a bucket's granule parts (and its previous compacted part) into
 * one part sorted by feature id and time, then switches the index to it in one transaction that first checks the
 * bucket is as it was read (another replica, or a re-ingest, may have changed it: then nothing is switched).
 */
export class Compactor {
  private running: Promise<unknown> = Promise.resolve();
  private readonly retiring = new Set<NodeJS.Timeout>();

  constructor(
    private readonly db: Database,
    private readonly dataDir: string,
    private readonly duck: () => Promise<DuckDBConnection>,
    private readonly observe: (
      event: { type: 'compacted'; compaction: Compaction } | { type: 'failed'; feature: string; bucket: string; error: string }
    ) => void = () => {},
    private readonly threshold = COMPACT_AFTER
  ) {}

  /** Buckets with at least `threshold` granule parts not yet compacted. */
  async pending(feature?: FeatureType): Promise<PendingBucket[]> {
    return this.db.query<PendingBucket>(
      `select feature, bucket, count(*)::int as parts from ts_parts where kind = 'granule' and compacted_into is null ${feature ? 'and feature = $2' : ''}
       group by feature, bucket having count(*) >= $1 order by count(*) desc, feature, bucket`,
      feature ? [this.threshold, feature] : [this.threshold]
    );
  }

  /** Compacts every pending bucket, one at a time (queued behind a run already going). */
  runPending(feature?: FeatureType): Promise<Compaction[]> {
    const run = this.running.then(async () => {
      const done: Compaction[] = [];
      for (const p of await this.pending(feature)) {
        try {
          done.push(await this.compact(p.feature, p.bucket));
        } catch (error) {
          if (!(error instanceof CompactionConflict)) this.observe({ type: 'failed', feature: p.feature, bucket: p.bucket, error: (error as Error).message });
        }
      }
      return done;
    });
    this.running = run.catch(() => undefined);
    return run;
  }

  /** Merges one bucket. */
  async compact(feature: FeatureType, bucket: string): Promise<Compaction> {
    const t0 = performance.now();
    // Each part with when it was listed: a granule ingested again while this runs is listed anew, and so detected.
    const rows = await this.db.query<{ path: string; kind: string; created: string }>(
      `select path, kind, created::text as created from ts_parts where feature = $1 and bucket = $2 and (kind = 'compacted' or compacted_into is null) order by path`,
      [feature, bucket]
    );
    const granuleParts = rows.filter((r) => r.kind === 'granule').map((r) => r.path);
    const previous = rows.find((r) => r.kind === 'compacted')?.path ?? null;
    const rel = path.join('timeseries', `feature=${feature}`, 'compacted', bucket, `${Date.now()}-${randomUUID().slice(0, 8)}.parquet`);
    const target = path.join(this.dataDir, rel);
    const tmp = `${target}.tmp-${process.pid}`;
    await mkdir(path.dirname(target), { recursive: true });
    const idField = FEATURES[feature].idField;
    const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const files = rows.map((r) => quote(path.join(this.dataDir, r.path)));
    const duck = await this.duck();
    let count = 0;
    try {
      // Only this bucket's rows (a granule part covers many); one feature's observations together, in time order.
      // No dictionary encoding: DuckDB's folds -0.0 into 0.0 (equal values), and the drop-in prints the sign.
      await duck.run(
        `copy (select * from read_parquet([${files.join(', ')}], union_by_name = true) where starts_with("${idField}", ${quote(bucket)})
         order by "${idField}", range_start_time, crid, granuleUR) to ${quote(tmp)}
         (format parquet, compression zstd, row_group_size 2048, parquet_version 'V2', dictionary_size_limit 0)`
      );
      count = Number((await duck.runAndReadAll(`select count(*) as n from read_parquet(${quote(tmp)})`)).getRowObjectsJS()[0]!['n']);
      await rename(tmp, target);
      await this.db.transaction(async (tx) => {
        await lockIndex(tx, feature);
        const now = await tx.query<{ path: string; kind: string; created: string }>(
          `select path, kind, created::text as created from ts_parts where feature = $1 and bucket = $2 and (kind = 'compacted' or compacted_into is null) order by path for update`,
          [feature, bucket]
        );
        const version = (r: { path: string; kind: string; created: string }) => `${r.kind}:${r.path}:${r.created}`;
        if (now.map(version).join('\n') !== rows.map(version).join('\n'))
          throw new CompactionConflict(`bucket ${feature}/${bucket} changed while it was compacted`);
        await tx.query(`delete from ts_parts where feature = $1 and bucket = $2 and kind = 'compacted'`, [feature, bucket]);
        await tx.query(
          `update ts_parts set compacted_into = $3 where feature = $1 and bucket = $2 and kind = 'granule' and (path = any($4::text[]) or compacted_into = $5)`,
          [feature, bucket, rel, granuleParts, previous ?? '']
        );
        await tx.query(`insert into ts_parts (feature, bucket, path, kind, rows) values ($1, $2, $3, 'compacted', $4)`, [feature, bucket, rel, count]);
      });
    } catch (error) {
      await rm(tmp, { force: true });
      await rm(target, { force: true });
      throw error;
    }
    if (previous) this.retire(previous);
    const done: Compaction = { feature, bucket, merged: granuleParts.length, rows: count, path: rel, seconds: (performance.now() - t0) / 1000 };
    this.observe({ type: 'compacted', compaction: done });
    return done;
  }

  /** Deletes a part no longer listed, once queries that listed it before have had time to finish. */
  retire(rel: string, delayMs = GRACE_MS): void {
    const timer = setTimeout(() => {
      this.retiring.delete(timer);
      void rm(path.join(this.dataDir, rel), { force: true });
    }, delayMs);
    timer.unref();
    this.retiring.add(timer);
  }

  /** Waits for the compaction under way (at shutdown). */
  async idle(): Promise<void> {
    await this.running;
  }
}

/**
 * Brings a data folder written before the index (or by hand) into it: every granule part not listed is listed, its
 * buckets read from the file. Compacted parts not listed (a compaction that died before its commit, or replaced
 * ones whose grace period passed) are deleted when older than `graceMs`.
 */
export async function reconcileTimeseries(
  db: Database,
  dataDir: string,
  duck: () => Promise<DuckDBConnection>,
  graceMs = GRACE_MS
): Promise<{ indexed: number; removed: number }> {
  const out = { indexed: 0, removed: 0 };
  const root = path.join(dataDir, 'timeseries');
  if (!existsSync(root)) return out;
  const listed = new Set((await db.query<{ path: string }>('select distinct path from ts_parts')).map((r) => r.path));
  const list = async (dir: string) => readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const f of await list(root)) {
    const m = /^feature=(\w+)$/.exec(f.name);
    if (!f.isDirectory() || !m || !Object.hasOwn(FEATURES, m[1]!)) continue;
    const feature = m[1] as FeatureType;
    for (const sub of await list(path.join(root, f.name))) {
      if (!sub.isDirectory()) continue;
      const dir = path.join(root, f.name, sub.name);
      if (sub.name === 'compacted') {
        for (const b of await list(dir)) {
          for (const file of await list(path.join(dir, b.name))) {
            const rel = path.relative(dataDir, path.join(dir, b.name, file.name));
            if (listed.has(rel)) continue;
            const age = Date.now() - (await stat(path.join(dataDir, rel))).mtimeMs;
            if (age >= graceMs) {
              await rm(path.join(dataDir, rel), { force: true });
              out.removed++;
            }
          }
        }
        continue;
      }
      for (const file of await list(dir)) {
        if (!file.name.endsWith('.parquet')) continue;
        const rel = path.relative(dataDir, path.join(dir, file.name));
        if (listed.has(rel)) continue;
        const idField = FEATURES[feature].idField;
        const quoted = path.join(dataDir, rel).replace(/'/g, "''");
        const meta = (
          await (await duck()).runAndReadAll(`select decode(value) as v from parquet_kv_metadata('${quoted}') where decode(key) = '${SOURCE_METADATA}'`)
        ).getRowObjectsJS()[0];
        if (meta) {
          const { key, source } = JSON.parse(String(meta['v'])) as { key: string; source: unknown };
          await db.query(`insert into timeseries_sources (key, source) values ($1, $2) on conflict (key) do nothing`, [key, JSON.stringify(source)]);
        }
        const counts = (
          await (
            await duck()
          ).runAndReadAll(`select substr("${idField}", 1, ${BUCKET_DIGITS}) as b, count(*)::int as n from read_parquet('${quoted}') group by 1`)
        ).getRowObjectsJS();
        await db.transaction((tx) =>
          registerGranulePart(tx, feature, rel, file.name.replace(/\.parquet$/, ''), new Map(counts.map((c) => [String(c['b']), Number(c['n'])])))
        );
        out.indexed++;
      }
    }
  }
  return out;
}
