import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Database, Queryable } from '../store/database.js';
import { withLease } from '../store/lease.js';
import type { ObjectStore } from '../store/object-store.js';
import { SeriesFiles, seriesFiles } from './timeseries-files.js';
import { BUCKET_DIGITS, FEATURES, SOURCE_METADATA, bucketOf, granuleOfPart, idPrefixSql, type FeatureType } from './timeseries-store.js';
import { sqlText } from '../formats/duckdb-vectors.js';

export { BUCKET_DIGITS, bucketOf, bucketsOf } from './timeseries-store.js';

/**
 * The time-series store's parts and their index.
 *
 * Ingest writes one Parquet part per granule (`timeseries/feature=F/continent=C/<granule>.parquet`, rows sorted by
 * feature id) and, in the transaction that publishes the item, lists it in `ts_parts` under every bucket it covers
 * (a bucket: the first {@link BUCKET_DIGITS} digits of the feature ids, a SWORD/PLD basin). A query for some features
 * reads only the parts of their buckets — not every granule of the continent — so its cost does not grow with the
 * archive but with the observations of those basins. As granules accumulate, a bucket's granule parts are
 * compacted into a few parts per bucket (sorted by feature id and time: one row group per feature; tiered by size,
 * see {@link TIER_RATIO}), listed in the same index; a granule part whose buckets are all compacted is then removed
 * (see {@link Compactor.removeCompacted}),
 * and a granule ingested again has its earlier rows taken out of the compacted parts (see {@link registerGranulePart}).
 *
 * A query lists its parts in one read of the index, so it sees a bucket either before or after a compaction, never
 * half of one; compacted parts a compaction replaced are deleted after a grace period, not under a running query.
 */

/**
 * Granule parts of a bucket that trigger its compaction: the first one. A compaction merges every granule part waiting
 * in its bucket, so a burst of ingests (a backfill) coalesces into few compactions.
 */
export const COMPACT_AFTER = 1;

/**
 * How a compaction picks the bucket's compacted parts it merges with the granule parts waiting: the smallest first,
 * each one while it holds at most this many times the rows merged so far. So a bucket's compacted parts grow in tiers
 * (each a few times the next smaller), a granule's rows are written again a few times in all (about log of the
 * bucket's size) instead of at each ingest into the bucket, and a compaction's usual cost is the new rows' size, not
 * the bucket's: merging everything each time made an ingest into a basin observed for years rewrite all of it. A
 * query reads a few parts per bucket (at most ~log₅ of its ingests; 4 after 600 ingests one by one).
 */
export const TIER_RATIO = 4;

/** A bucket's compacted parts, smallest first: those a compaction merges with `pendingRows` new rows. */
export function tierInputs<P extends { rows: number }>(compacted: P[], pendingRows: number, ratio = TIER_RATIO): P[] {
  const sorted = [...compacted].sort((a, b) => a.rows - b.rows);
  // Nothing waiting (an operator's compaction of the bucket): everything is merged into one part.
  if (pendingRows === 0) return sorted;
  let merged = pendingRows;
  let k = 0;
  while (k < sorted.length && sorted[k]!.rows <= ratio * merged) merged += sorted[k++]!.rows;
  return sorted.slice(0, k);
}

/** How long a replaced compacted part stays readable (queries that listed it may still be reading it). */
export const GRACE_MS = 120_000;

/** A compacted part written again without one granule's rows: its path (relative to the data folder), pieces and rows. */
export type Rewrite = (
  feature: FeatureType,
  compacted: PartRef & { rows: number },
  granule: string
) => Promise<{ path: string; rows: number; pieces: Piece[] }>;

/**
 * Lists a granule's part in the index (in the ingest's transaction). A granule ingested again replaces its earlier
 * part (each ingest writes a part of its own): the compacted parts that hold its earlier rows are written again without
 * them (`rewrite`, under the index's lock, so a compaction waits) and switched in the same transaction, so a query sees
 * the granule once, before or after. Returns the parts no longer listed (to be deleted once no query may read them).
 */
export async function registerGranulePart(
  tx: Queryable,
  feature: FeatureType,
  rel: string,
  granule: string,
  buckets: Map<string, number>,
  rewrite: Rewrite
): Promise<string[]> {
  // One writer of a feature type's index at a time (ingests and compactions lock rows in different orders).
  await lockIndex(tx, feature);
  // Locked first: a compaction committing meanwhile is waited for, and the compacted part it made is seen here.
  const held = await tx.query<{ path: string; compacted_into: string | null; removed: boolean }>(
    `select path, compacted_into, removed from ts_parts where feature = $1 and granule = $2 and kind = 'granule' for update`,
    [feature, granule]
  );
  const unlisted = new Set<string>();
  for (const c of new Set(held.map((r) => r.compacted_into).filter((c): c is string => c !== null))) {
    const part = (
      await tx.query<{ bucket: string; rows: number; pieces: Piece[] | null }>(
        `select bucket, rows, pieces from ts_parts where path = $1 and kind = 'compacted' for update`,
        [c]
      )
    )[0];
    if (!part) continue;
    const next = await rewrite(feature, { path: c, pieces: part.pieces, rows: part.rows }, granule);
    await tx.query(`delete from ts_parts where path = $1 and kind = 'compacted'`, [c]);
    await tx.query(`insert into ts_parts (feature, bucket, path, kind, rows, pieces) values ($1, $2, $3, 'compacted', $4, $5::jsonb)`, [
      feature,
      part.bucket,
      next.path,
      next.rows,
      JSON.stringify(next.pieces)
    ]);
    await tx.query(`update ts_parts set compacted_into = $2 where compacted_into = $1`, [c, next.path]);
    for (const f of partFiles({ path: c, pieces: part.pieces })) unlisted.add(f);
  }
  for (const h of held) if (!h.removed && h.path !== rel) unlisted.add(h.path);
  await tx.query(`delete from ts_parts where feature = $1 and granule = $2 and kind = 'granule'`, [feature, granule]);
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
  return [...unlisted];
}

/**
 * Rows per row group of a feature type's compacted parts. A query for one feature reads the row groups holding it,
 * and DuckDB's scan pays ~20 µs for every row group of a file it skips by its statistics; node groups are larger: a
 * node granule holds ~10,000 features where a reach granule holds ~300, and a reach's row carries its line (the
 * geometry of a GeoJSON answer). Smaller node groups read no faster once parts are cut in pieces (measured at 50,000
 * node granules: 4,096-row groups 9.6–9.8 ms, 16,384 8.8–10.3 ms) and took twice the disk.
 */
const COMPACTED_ROW_GROUP: Record<FeatureType, number> = { Reach: 2048, Node: 16384, PriorLake: 2048 };

/**
 * Rows per file of a compacted part (about: a feature is never cut between two). A compacted part is written as
 * pieces — files of consecutive feature ids — and the index keeps each piece's id range: a query for some features
 * reads the pieces that may hold them, a few row groups each, so its cost does not grow with the bucket's rows (a
 * basin observed for years is one part of hundreds of thousands of rows: in one file, each query paid for its whole
 * footer and every group's statistics; at 50,000 node granules 11.6–12.7 ms against 8.8–10.3 ms in pieces).
 */
const PIECE_ROWS: Record<FeatureType, number> = { Reach: 32_768, Node: 65_536, PriorLake: 32_768 };

/** The most rows a piece of a feature type's compacted part holds (about: a feature is not cut between pieces). */
export const pieceRows = (feature: FeatureType) => PIECE_ROWS[feature];

/** How a feature type's compacted parts are written: its rows together in row groups, ZSTD, Parquet 2 encodings. */
// NOTE: no dictionary encoding: DuckDB's folds -0.0 into 0.0 (equal values), and the drop-in prints the sign.
export const compactedFormat = (feature: FeatureType) =>
  `format parquet, compression zstd, row_group_size ${COMPACTED_ROW_GROUP[feature]}, parquet_version 'V2', dictionary_size_limit 0`;

/** One file of a compacted part: the feature ids it may hold, from `lo` (inclusive) to `hi` (exclusive; null: no bound). */
export interface Piece {
  lo: string | null;
  hi: string | null;
  rows: number;
}

/** A listed part: a granule's file, a compacted part of one file (written before pieces), or a folder of pieces. */
export interface PartRef {
  path: string;
  pieces?: Piece[] | null;
  /**
   * A granule part read for some of its buckets while others it covers are already compacted: those (of the buckets
   * read), whose rows are read from their compacted parts instead and must not be read from this file too.
   */
  compacted?: string[];
}

/** The files of a part (relative to the store's root): its pieces (`<folder>/<k>.parquet`), or the part itself. */
export function partFiles(part: PartRef): string[] {
  return part.pieces ? part.pieces.map((_, k) => `${part.path}/${k}.parquet`) : [part.path];
}

/** The files of a part that may hold some of these features (every file when no ids or prefix are given). */
export function partFilesFor(part: PartRef, selector: PartSelector): string[] {
  const files = partFiles(part);
  if (!part.pieces) return files;
  const holds = (p: Piece, lo: string, hi: string | null) => (p.hi === null || lo < p.hi) && (hi === null || p.lo === null || p.lo < hi);
  return files.filter((_, k) => {
    const p = part.pieces![k]!;
    if (selector.ids?.length) return selector.ids.some((id) => holds(p, id, `${id}\0`));
    return selector.prefix ? holds(p, selector.prefix, `${selector.prefix}\uffff`) : true;
  });
}

/**
 * Writes a compacted part: the rows of `source` (a select), sorted by feature id and time, as pieces of at most
 * {@link pieceRows} rows in the folder `target` (written aside, then renamed: a folder is whole or
 * absent). The id bounds of the pieces are quantiles of the source's ids (about `expectedRows` rows); each piece is
 * one sorted copy of its id range (the sources are sorted by id: each copy reads their row groups of that range).
 * `ordered`: the source already is in the compacted order (one file read as written): no sort.
 */
export async function writeCompacted(
  duck: DuckDBConnection,
  feature: FeatureType,
  source: string,
  expectedRows: number,
  target: string,
  ordered = false
): Promise<Piece[]> {
  const idField = FEATURES[feature].idField;
  const id = `"${idField}"`;
  const tmp = `${target}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    const count = Math.ceil(expectedRows / pieceRows(feature));
    let bounds: string[] = [];
    if (count > 1) {
      const fractions = Array.from({ length: count - 1 }, (_, k) => ((k + 1) / count).toFixed(6));
      const row = (await duck.runAndReadAll(`select quantile_disc(${id}, [${fractions.join(', ')}]) as q from (${source})`)).getRowObjectsJS()[0];
      bounds = [...new Set(((row?.['q'] as unknown[] | null) ?? []).map(String))].sort();
    }
    const edges = [null, ...bounds, null];
    const pieces: Piece[] = [];
    for (let k = 0; k + 1 < edges.length; k++) {
      const [lo, hi] = [edges[k]!, edges[k + 1]!];
      const where = [lo === null ? null : `${id} >= ${sqlText(lo)}`, hi === null ? null : `${id} < ${sqlText(hi)}`].filter(Boolean);
      const file = path.join(tmp, `${pieces.length}.parquet`);
      const written = await duck.runAndReadAll(
        `copy (select * from (${source}) ${where.length ? `where ${where.join(' and ')}` : ''} ${ordered ? '' : `order by ${id}, range_start_time, crid, granuleUR`})
         to ${sqlText(file)} (${compactedFormat(feature)})`
      );
      const rows = Number(written.getRowObjectsJS()[0]?.['Count'] ?? 0);
      // An empty range (a bound repeated by a feature of many rows) leaves no file; an empty part keeps one.
      if (rows === 0 && (pieces.length > 0 || k + 2 < edges.length)) {
        await rm(file, { force: true });
        if (pieces.length > 0) pieces[pieces.length - 1]!.hi = hi;
        else edges[k + 1] = lo;
        continue;
      }
      pieces.push({ lo, hi, rows });
    }
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
    return pieces;
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** The rows of a granule in a compacted part (`granuleUR` is its file's name: the granule, and an extension or none). */
const granuleRows = (granule: string) => {
  const g = granule.replace(/'/g, "''");
  return `(granuleUR = '${g}' or starts_with(granuleUR, '${g}.'))`;
};

let rewriter: Promise<DuckDBConnection> | null = null;

/** The {@link Rewrite} of a time-series store (a DuckDB of its own: ingests run where no query engine is). */
export function compactedRewriter(at: string | SeriesFiles): Rewrite {
  const files = seriesFiles(at);
  return async (feature, compacted, granule) => {
    rewriter ??= DuckDBInstance.create(':memory:', { threads: '1' }).then((i) => i.connect());
    const duck = await rewriter;
    const rel = path.join(path.dirname(compacted.path), `${Date.now()}-${randomUUID().slice(0, 8)}`);
    const target = files.path(rel);
    const sources = (await files.local(partFiles(compacted))).map(sqlText);
    let pieces: Piece[] = [];
    try {
      // One thread reads the pieces in their order (ids ascending): the rows stay in the compacted order.
      pieces = await writeCompacted(
        duck,
        feature,
        `select * from read_parquet([${sources.join(', ')}], union_by_name = true) where not ${granuleRows(granule)}`,
        compacted.rows,
        target,
        true
      );
      await files.publish(partFiles({ path: rel, pieces }));
      return { path: rel, rows: pieces.reduce((n, p) => n + p.rows, 0), pieces };
    } catch (error) {
      await files.remove(partFiles({ path: rel, pieces })).catch(() => undefined);
      await rm(target, { recursive: true, force: true });
      throw error;
    }
  };
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

/** The parts of the buckets a query reads (granule parts not yet compacted, compacted parts), from one read of the index. */
export async function partRefsFor(db: Queryable, feature: FeatureType, selector: PartSelector): Promise<PartRef[]> {
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
  // NOTE: a granule part covers many buckets, compacted one at a time: read for a bucket still waiting, it also holds
  // the rows of its buckets already compacted, which their compacted parts hold too (a basin's answer would count
  // them twice while compaction catches up). Those buckets come with it, for the query to leave their rows out.
  const rows = await db.query<{ path: string; pieces: Piece[] | null; compacted: string[] | null }>(
    `select path, (array_agg(pieces))[1] as pieces,
            array_agg(bucket order by bucket) filter (where kind = 'granule' and compacted_into is not null) as compacted
       from ts_parts where feature = $1 ${bucket}
      group by path having bool_or(kind = 'compacted' or compacted_into is null) order by path`,
    params
  );
  return rows.map((r) => (r.compacted?.length ? { path: r.path, pieces: r.pieces, compacted: r.compacted } : { path: r.path, pieces: r.pieces }));
}

/**
 * The files (paths relative to the data folder) a query reads: the granule parts of its buckets not yet compacted
 * and, of each compacted part, the pieces whose id range may hold the features asked.
 */
export async function partsFor(db: Queryable, feature: FeatureType, selector: PartSelector): Promise<string[]> {
  return (await partRefsFor(db, feature, selector)).flatMap((r) => partFilesFor(r, selector));
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
  /** Granule parts merged. */
  merged: number;
  /** The bucket's earlier compacted parts merged with them, and their rows (written again). */
  rewritten: number;
  rewrittenRows: number;
  /** Compacted parts the bucket holds after it. */
  parts: number;
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

  private readonly removing = new Set<string>();
  /** This compactor, as the holder of the compaction lease. */
  private readonly holder = randomUUID();
  private readonly files: SeriesFiles;

  constructor(
    private readonly db: Database,
    at: string | SeriesFiles,
    private readonly duck: () => Promise<DuckDBConnection>,
    private readonly observe: (
      event: { type: 'compacted'; compaction: Compaction } | { type: 'failed'; feature: string; bucket: string; error: string }
    ) => void = () => {},
    private readonly threshold = COMPACT_AFTER,
    private readonly graceMs = GRACE_MS,
    private readonly ratio = TIER_RATIO
  ) {
    this.files = seriesFiles(at);
  }

  /** Buckets with at least `threshold` granule parts not yet compacted. */
  async pending(feature?: FeatureType): Promise<PendingBucket[]> {
    return this.db.query<PendingBucket>(
      `select feature, bucket, count(*)::int as parts from ts_parts where kind = 'granule' and compacted_into is null ${feature ? 'and feature = $2' : ''}
       group by feature, bucket having count(*) >= $1 order by count(*) desc, feature, bucket`,
      feature ? [this.threshold, feature] : [this.threshold]
    );
  }

  /**
   * Compacts every pending bucket, one at a time (queued behind a run already going), buckets that become pending
   * meanwhile too. One gateway of several compacts at a time (a lease in the database): another one's run returns
   * at once, the holder takes its pending buckets.
   */
  runPending(feature?: FeatureType): Promise<Compaction[]> {
    const run = this.running.then(async () => {
      const done: Compaction[] = [];
      const held = await withLease(this.db, `timeseries.compaction`, this.holder, 60_000, async () => {
        const tried = new Set<string>();
        for (;;) {
          const todo = (await this.pending(feature)).filter((p) => !tried.has(`${p.feature}/${p.bucket}`));
          if (todo.length === 0) break;
          for (const p of todo) {
            tried.add(`${p.feature}/${p.bucket}`);
            try {
              done.push(await this.compact(p.feature, p.bucket));
            } catch (error) {
              if (!(error instanceof CompactionConflict))
                this.observe({ type: 'failed', feature: p.feature, bucket: p.bucket, error: (error as Error).message });
            }
          }
        }
        await this.removeCompacted();
      });
      return held === null ? [] : done;
    });
    this.running = run.catch(() => undefined);
    return run;
  }

  /**
   * Merges a bucket's granule parts waiting with the compacted parts {@link tierInputs} picks (every part, when none
   * waits) into one compacted part.
   */
  async compact(feature: FeatureType, bucket: string): Promise<Compaction> {
    const t0 = performance.now();
    // Each part with when it was listed: a granule ingested again while this runs is listed anew, and so detected.
    const rows = await this.db.query<{ path: string; kind: string; created: string; rows: number; pieces: Piece[] | null }>(
      `select path, kind, created::text as created, rows, pieces from ts_parts where feature = $1 and bucket = $2 and (kind = 'compacted' or compacted_into is null) order by path`,
      [feature, bucket]
    );
    const granuleParts = rows.filter((r) => r.kind === 'granule');
    const compacted = rows.filter((r) => r.kind === 'compacted');
    const pendingRows = granuleParts.reduce((n, r) => n + r.rows, 0);
    const merging = tierInputs(compacted, pendingRows, this.ratio);
    const previous = merging.map((r) => r.path);
    const rel = path.join('timeseries', `feature=${feature}`, 'compacted', bucket, `${Date.now()}-${randomUUID().slice(0, 8)}`);
    const target = this.files.path(rel);
    const idField = FEATURES[feature].idField;
    const duck = await this.duck();
    let pieces: Piece[] = [];
    let count = 0;
    try {
      const files = (await this.files.local([...granuleParts.map((r) => r.path), ...merging.flatMap(partFiles)])).map(sqlText);
      // Only this bucket's rows (a granule part covers many); one feature's observations together, in time order.
      pieces = await writeCompacted(
        duck,
        feature,
        `select * from read_parquet([${files.join(', ')}], union_by_name = true) where ${idPrefixSql(idField, bucket)}`,
        pendingRows + merging.reduce((n, r) => n + r.rows, 0),
        target
      );
      count = pieces.reduce((n, p) => n + p.rows, 0);
      // In the object store before the index lists it (other gateways read it at once).
      await this.files.publish(partFiles({ path: rel, pieces }));
      await this.db.transaction(async (tx) => {
        await lockIndex(tx, feature);
        const now = await tx.query<{ path: string; kind: string; created: string }>(
          `select path, kind, created::text as created from ts_parts where feature = $1 and bucket = $2 and (kind = 'compacted' or compacted_into is null) order by path for update`,
          [feature, bucket]
        );
        const version = (r: { path: string; kind: string; created: string }) => `${r.kind}:${r.path}:${r.created}`;
        if (now.map(version).join('\n') !== rows.map(version).join('\n'))
          throw new CompactionConflict(`bucket ${feature}/${bucket} changed while it was compacted`);
        await tx.query(`delete from ts_parts where feature = $1 and bucket = $2 and kind = 'compacted' and path = any($3::text[])`, [
          feature,
          bucket,
          previous
        ]);
        await tx.query(
          `update ts_parts set compacted_into = $3 where feature = $1 and bucket = $2 and kind = 'granule' and (path = any($4::text[]) or compacted_into = any($5::text[]))`,
          [feature, bucket, rel, granuleParts.map((r) => r.path), previous]
        );
        await tx.query(`insert into ts_parts (feature, bucket, path, kind, rows, pieces) values ($1, $2, $3, 'compacted', $4, $5::jsonb)`, [
          feature,
          bucket,
          rel,
          count,
          JSON.stringify(pieces)
        ]);
      });
    } catch (error) {
      await this.files.remove(partFiles({ path: rel, pieces })).catch(() => undefined);
      await rm(target, { recursive: true, force: true });
      throw error;
    }
    for (const p of merging) this.retire(partFiles(p), p.pieces ? p.path : null);
    const done: Compaction = {
      feature,
      bucket,
      merged: granuleParts.length,
      rewritten: previous.length,
      rewrittenRows: merging.reduce((n, r) => n + r.rows, 0),
      parts: compacted.length - previous.length + 1,
      rows: count,
      path: rel,
      seconds: (performance.now() - t0) / 1000
    };
    this.observe({ type: 'compacted', compaction: done });
    return done;
  }

  /**
   * Removes the granule parts whose rows all live in compacted parts (every bucket of theirs compacted), after the
   * grace period: the store then holds each observation once (a granule part is about ten times its rows' share of a
   * compacted part, sorted by feature). Their rows stay listed, marked removed (alerts read such a granule from the
   * compacted parts).
   */
  async removeCompacted(): Promise<number> {
    const rows = await this.db.query<{ path: string }>(
      `select path from ts_parts where kind = 'granule' and not removed group by path having bool_and(compacted_into is not null) limit 10000`
    );
    let scheduled = 0;
    for (const { path: rel } of rows) {
      if (this.removing.has(rel)) continue;
      this.removing.add(rel);
      scheduled++;
      const timer = setTimeout(() => {
        this.retiring.delete(timer);
        void this.files
          .remove([rel])
          .then(() => this.db.query(`update ts_parts set removed = true where path = $1 and kind = 'granule'`, [rel]))
          .catch(() => undefined)
          .finally(() => this.removing.delete(rel));
      }, this.graceMs);
      timer.unref();
      this.retiring.add(timer);
    }
    return scheduled;
  }

  /**
   * Deletes a part's files no longer listed (and its folder, for pieces), once queries that listed them before have
   * had time to finish.
   */
  retire(rels: string[], folder: string | null = null, delayMs = this.graceMs): void {
    const timer = setTimeout(() => {
      this.retiring.delete(timer);
      void this.files
        .remove(rels)
        .then(() => (folder ? rm(this.files.path(folder), { recursive: true, force: true }) : undefined))
        .catch(() => undefined);
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
  at: string | SeriesFiles,
  duck: () => Promise<DuckDBConnection>,
  graceMs = GRACE_MS
): Promise<{ indexed: number; removed: number }> {
  const store = seriesFiles(at);
  const dataDir = store.root;
  const out = { indexed: 0, removed: 0 };
  if (store.remote) out.removed += await reconcileRemote(db, store.remote, graceMs);
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
            // A compacted part is a folder of pieces (a file before pieces); one being written ends in `.tmp-<pid>`.
            const age = Date.now() - (await stat(path.join(dataDir, rel))).mtimeMs;
            if (age >= graceMs) {
              await rm(path.join(dataDir, rel), { recursive: true, force: true });
              out.removed++;
            }
          }
        }
        continue;
      }
      // Unlisted parts by granule: of several ingests of one granule, the newest is the one to list.
      const unlisted = new Map<string, { rel: string; mtime: number }[]>();
      for (const file of await list(dir)) {
        const granule = granuleOfPart(file.name);
        const rel = path.relative(dataDir, path.join(dir, file.name));
        if (!granule || listed.has(rel)) continue;
        const mtime = (await stat(path.join(dataDir, rel))).mtimeMs;
        unlisted.set(
          granule,
          [...(unlisted.get(granule) ?? []), { rel, mtime }].sort((a, b) => b.mtime - a.mtime || b.rel.localeCompare(a.rel))
        );
      }
      for (const [granule, files] of unlisted) {
        // Parts an ingest of the same granule replaced (it is listed under another path, or a newer part is here):
        // deleted after the grace period.
        const known =
          (await db.query(`select 1 from ts_parts where feature = $1 and granule = $2 and kind = 'granule' limit 1`, [feature, granule])).length > 0;
        for (const old of known ? files : files.slice(1)) {
          if (Date.now() - old.mtime >= graceMs) {
            await rm(path.join(dataDir, old.rel), { force: true });
            out.removed++;
          }
        }
        if (known) continue;
        const rel = files[0]!.rel;
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
          registerGranulePart(tx, feature, rel, granule, new Map(counts.map((c) => [String(c['b']), Number(c['n'])])), compactedRewriter(store))
        );
        out.indexed++;
      }
    }
  }
  return out;
}

/**
 * The object store's side of {@link reconcileTimeseries}: parts the index does not list (an ingest or a compaction that
 * died after uploading, replaced parts whose deletion was lost) are deleted once older than `graceMs`.
 */
async function reconcileRemote(db: Database, remote: ObjectStore, graceMs: number): Promise<number> {
  const listed = new Set(
    (await db.query<{ path: string; pieces: Piece[] | null }>('select distinct on (path) path, pieces from ts_parts where not removed')).flatMap(partFiles)
  );
  const stale: string[] = [];
  for await (const o of remote.list('timeseries/'))
    if (!listed.has(o.key) && Date.now() - o.lastModified.getTime() >= graceMs && /\.parquet$/.test(o.key)) stale.push(o.key);
  if (stale.length) await remote.delete(stale);
  return stale.length;
}
