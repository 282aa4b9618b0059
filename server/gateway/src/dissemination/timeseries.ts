import { execFile } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { DuckDBInstance, type DuckDBConnection, type DuckDBDataChunk } from '@duckdb/node-api';
import { SWOT_FEATURES, type Geometry } from '@hysope/api';
import { ValidationError } from '../errors.js';
import { Field, Float64, Int32, Int64, Schema, TimestampMillisecond, Utf8, type DataType, type RecordBatch } from 'apache-arrow';
import { arrowQuery, recordBatchOfChunk } from '../formats/arrow-duckdb.js';
import { GeoJsonFeatures, geojsonQuery } from '../formats/geojson-duckdb.js';
import { fromWkb, geometryBBox } from '../formats/wkb.js';
import { intersects } from '../catalog/spatial.js';
import type { Config } from '../config.js';
import type { Database } from '../store/database.js';
import { BUCKET_DIGITS, bucketOf, partFilesFor, partRefsFor, partsFor, type PartRef } from './timeseries-parts.js';
import { SeriesFiles, seriesFiles } from './timeseries-files.js';
import { ADDED_FIELDS, FEATURES, SOURCE_COLUMN, idPrefixSql, type FeatureType, type GranuleSource } from './timeseries-store.js';
import { sqlText } from '../formats/duckdb-vectors.js';

/** What the store knows of one field. */
export interface FieldMeta {
  type: 'int' | 'float' | 'time' | 'text';
  units: string | null;
  fill: string | null;
}

/** One observation: typed values (null where the source had a fill value) and the feature's geometry. */
export interface Observation {
  values: Record<string, unknown>;
  geometry: Geometry | null;
  /** Drop-in reads only: the record's granule file name, and how its granule typed fields and wrote fills. */
  granule?: string | null;
  source?: GranuleSource | null;
}

/** Quality field of each feature type (0 good, 1 suspect, 2 degraded, 3 bad). */
export const QUALITY_FIELD: Record<FeatureType, string> = {
  Reach: SWOT_FEATURES.Reach.quality,
  Node: SWOT_FEATURES.Node.quality,
  PriorLake: SWOT_FEATURES.PriorLake.quality
};

/** A time-series query. */
export interface SeriesQuery {
  feature: FeatureType;
  /** Feature ids; or `prefix` (SWORD basin code: the first digits of the ids); or `bbox` on the prior location. */
  ids?: string[];
  prefix?: string;
  bbox?: [number, number, number, number];
  /** Features whose location (reaches and lakes: p_lon, p_lat; nodes: lon, lat) is inside this polygon. */
  polygon?: Geometry;
  /** Granule time window (ISO, inclusive), on `range_start_time` as Hydrocron filters. */
  start?: string;
  end?: string;
  fields: string[];
  /** Only these product versions (`collection_version`: 'D', '2.0'); all when absent. */
  versions?: string[];
  /** good: quality 0; suspect: 0 or 1; all: no filter. */
  quality?: 'good' | 'suspect' | 'all';
  /** One observation per feature, cycle and pass: the latest processing (CRID, then counter) wins. */
  dedupe?: boolean;
  /** How times come out: as Hydrocron (`time` = source seconds since 2000, others ISO text), ISO text, or epoch ms. */
  times?: 'hydrocron' | 'text' | 'epoch_ms';
  withGeometry?: boolean;
}

/** DuckDB's integer types wider than 32-bit signed: such columns are 64-bit in Arrow answers (never cut to 32 bits). */
const WIDE_INTEGERS = new Set(['BIGINT', 'UINTEGER', 'UBIGINT', 'HUGEINT', 'UHUGEINT']);

/** The DuckDB type a field's column is cast to for Arrow answers (laid out as {@link arrowTypeOf} types it; times in epoch ms). */
function duckdbColumnType(meta: FieldMeta, stored: string | undefined): string {
  if (meta.type === 'int') return stored && WIDE_INTEGERS.has(stored) ? 'BIGINT' : 'INTEGER';
  return { float: 'DOUBLE', time: 'BIGINT', text: 'VARCHAR' }[meta.type];
}

/**
 * The Arrow type of a field's column in Arrow answers: Int32 for integers (Int64 when the parts store them wider, `stored`
 * being their DuckDB type), Float64, Timestamp in ms (UTC) or Utf8.
 */
export function arrowTypeOf(meta: FieldMeta | undefined, stored?: string): DataType {
  switch (meta?.type) {
    case 'int':
      return stored && WIDE_INTEGERS.has(stored) ? new Int64() : new Int32();
    case 'float':
      return new Float64();
    case 'time':
      return new TimestampMillisecond('UTC');
    default:
      return new Utf8();
  }
}

/**
 * Reads observations from the time-series store (Parquet partitioned by feature type and continent)
 * with native DuckDB: a feature across all cycles is one query whose row groups are pruned by the
 * id statistics of each granule's file.
 */
/** The mean Earth radius (km) of great-circle distances. */
export const EARTH_KM = 6371.0088;

export class TimeseriesService {
  private pool: Promise<{ instance: DuckDBInstance; connections: DuckDBConnection[] }> | null = null;
  /** Whether the store has files with the per-granule source column, by feature type (learnt with its fields). */
  private readonly hasSource = new Map<FeatureType, boolean>();
  private next = 0;

  private readonly files: SeriesFiles;

  constructor(
    at: string | SeriesFiles,
    private readonly db: Database,
    private readonly limits: Config['duckdb'] = { connections: 4, memory: '1GB', exportMemory: '192MB' }
  ) {
    this.files = seriesFiles(at);
  }

  /**
   * A DuckDB connection of the gateway's pool (round robin over `duckdb.connections` of the configuration, on one
   * instance sharing its Parquet footer cache), so one slow query does not queue every other.
   */
  duck(): Promise<DuckDBConnection> {
    return this.instance().then(({ connections }) => connections[this.next++ % connections.length]!);
  }

  /**
   * A connection of its own, for a streamed result (the caller closes it): DuckDB ends a connection's streamed
   * result when another statement runs on that connection, and silently (the stream yields nothing more, as if it
   * were done), so a stream never shares a pooled connection. Settings and the footer cache are the instance's.
   */
  async ownConnection(): Promise<DuckDBConnection> {
    return (await this.instance()).instance.connect();
  }

  private instance(): Promise<{ instance: DuckDBInstance; connections: DuckDBConnection[] }> {
    // NOTE: the Parquet footer cache makes a feature's query read its row groups only, not 100 footers again.
    this.pool ??= DuckDBInstance.create(':memory:').then(async (instance) => {
      const connections: DuckDBConnection[] = [];
      for (let k = 0; k < this.limits.connections; k++) {
        const c = await instance.connect();
        if (k === 0) {
          // Parquet is built in (no download): loading it only registers it so the setting exists.
          await c.run('LOAD parquet');
          await c.run('SET GLOBAL parquet_metadata_cache = true');
          // Bounded, whatever the archive: sorts and compactions spill to disk beyond it.
          await c.run(`SET GLOBAL memory_limit = '${this.limits.memory}'`);
        }
        connections.push(c);
      }
      return { instance, connections };
    });
    return this.pool;
  }

  private readonly fieldCache = new Map<FeatureType, { at: number; fields: Promise<Map<string, FieldMeta>> }>();

  /**
   * Fields of a feature type with their type, units and fill value. Kept for a few seconds (they change only when
   * a granule brings new columns; an ingest by this gateway forgets them at once, see {@link forget}).
   */
  fields(feature: FeatureType): Promise<Map<string, FieldMeta>> {
    const cached = this.fieldCache.get(feature);
    if (cached && performance.now() - cached.at < 5000) return cached.fields;
    const fields = this.loadFields(feature);
    this.fieldCache.set(feature, { at: performance.now(), fields });
    fields.catch(() => this.fieldCache.delete(feature));
    return fields;
  }

  /** Forgets the fields and part lists known (after an ingest or a compaction by this gateway). */
  forget(): void {
    this.fieldCache.clear();
    this.partCache.clear();
    this.sources.clear();
  }

  private readonly partCache = new Map<string, { at: number; parts: Promise<PartRef[]> }>();

  /**
   * The files a query reads: its buckets' parts from the store's index, kept for a few seconds like the fields (a
   * feature's query then costs its Parquet read only), and of their pieces those that may hold the features asked.
   * A list at most that old still reads whole files: a compaction's replaced parts are deleted after a grace period
   * of minutes, and this gateway's own ingests and compactions forget the lists.
   */
  private async parts(feature: FeatureType, selector: { ids?: string[]; prefix?: string }): Promise<{ files: string[]; compacted: Map<string, string[]> }> {
    const key = `${feature}|${selector.prefix ?? ''}|${selector.ids ? [...new Set(selector.ids.map(bucketOf))].sort().join(',') : '*'}`;
    const cached = this.partCache.get(key);
    let parts = cached && performance.now() - cached.at < 5000 ? cached.parts : null;
    if (!parts) {
      parts = partRefsFor(this.db, feature, selector);
      this.partCache.set(key, { at: performance.now(), parts });
      parts.catch(() => this.partCache.delete(key));
      if (this.partCache.size > 4096) this.partCache.delete(this.partCache.keys().next().value!);
    }
    const refs = await parts;
    // Granule parts whose rows of some buckets read are in compacted parts already, by file: those buckets.
    const compacted = new Map(refs.flatMap((p) => (p.compacted ? [[p.path, p.compacted] as const] : [])));
    return { files: refs.flatMap((p) => partFilesFor(p, selector)), compacted };
  }

  private async loadFields(feature: FeatureType): Promise<Map<string, FieldMeta>> {
    const rows = await this.db.query<{ field: string; type: FieldMeta['type']; units: string | null; fill: string | null }>(
      'select field, type, units, fill from timeseries_fields where feature = $1',
      [feature]
    );
    const map = new Map(rows.filter((r) => r.field !== SOURCE_COLUMN).map((r) => [r.field, { type: r.type, units: r.units, fill: r.fill }]));
    this.hasSource.set(
      feature,
      rows.some((r) => r.field === SOURCE_COLUMN)
    );
    for (const f of ADDED_FIELDS) map.set(f, { type: f === 'cycle_id' || f === 'pass_id' ? 'int' : 'text', units: null, fill: null });
    return map;
  }

  /**
   * The SQL of a query, or null when the store holds nothing for it.
   * @throws ValidationError for fields the store does not have
   */
  async plan(query: SeriesQuery, options: { typed?: boolean } = {}): Promise<{ sql: string; stored: ReadonlyMap<string, string> } | null> {
    const q = query.polygon ? await this.resolvePolygon(query) : query;
    if (q.ids && q.ids.length === 0) return null;
    const known = await this.fields(q.feature);
    const unknown = q.fields.filter((f) => !known.has(f));
    if (unknown.length) throw new ValidationError(`unknown field(s) for ${q.feature}: ${unknown.join(', ')}`);
    const { idField } = FEATURES[q.feature];
    // The parts of the features' buckets only, from the store's index: the cost follows the basins asked, not the archive.
    const { files: parts, compacted } = await this.parts(q.feature, { ids: q.ids, prefix: q.prefix });
    if (parts.length === 0) return null;
    const local = await this.files.local(parts);
    const files = `[${local.map(sqlText).join(', ')}]`;
    // A field the store knows may be missing from these parts (granules of older formats): it reads as null.
    const present = await this.columnsOf(files);
    const column = (f: string) => (present.has(f) ? `"${f}"` : 'null');
    const select = q.fields.map((f) => {
      const meta = known.get(f)!;
      // Arrow answers copy DuckDB's vectors as they are: each column cast to its field's type (times as epoch ms).
      if (options.typed) {
        const value = !present.has(f) ? 'null' : meta.type === 'time' ? `epoch_ms("${f}")` : `"${f}"`;
        return `cast(${value} as ${duckdbColumnType(meta, present.get(f))}) as "${f}"`;
      }
      if (!present.has(f)) return `null as "${f}"`;
      if (meta.type !== 'time') return `"${f}"`;
      if (q.times === 'hydrocron') return f === 'time' ? `time_raw as "time"` : `strftime("${f}", '%Y-%m-%dT%H:%M:%SZ') as "${f}"`;
      if (q.times === 'epoch_ms') return `epoch_ms("${f}")::double as "${f}"`;
      return `strftime("${f}", '%Y-%m-%dT%H:%M:%S.%fZ') as "${f}"`;
    });
    // NOTE: values are written as constants (strings quoted and escaped, numbers checked finite): a statement with bound
    // parameters is prepared then bound, ~1.1 ms more per query of a node's series (measured in the gateway's instance).
    const p = (v: string | number) => {
      if (typeof v === 'string') return sqlText(v);
      if (!Number.isFinite(v)) throw new ValidationError(`not a finite number: ${v}`);
      return String(v);
    };
    const where: string[] = [];
    // NOTE: ids are inlined as literals (quotes escaped): DuckDB prunes row groups by their statistics for
    // constants, not for bound parameters, and that pruning is what makes one feature one small read.
    if (q.ids?.length) where.push(`"${idField}" in (${q.ids.map(sqlText).join(', ')})`);
    if (q.prefix) where.push(idPrefixSql(idField, q.prefix));
    const { lon, lat } = FEATURES[q.feature];
    if (q.bbox) where.push(`${column(lon)} between ${p(q.bbox[0])} and ${p(q.bbox[2])} and ${column(lat)} between ${p(q.bbox[1])} and ${p(q.bbox[3])}`);
    if (q.start) where.push(`range_start_time >= ${p(q.start)}`);
    if (q.end) where.push(`range_start_time <= ${p(q.end)}`);
    if (q.versions?.length) where.push(`collection_version in (${q.versions.map((v) => p(v)).join(', ')})`);
    const quality = QUALITY_FIELD[q.feature];
    if (q.quality === 'good') where.push(`${column(quality)} = 0`);
    if (q.quality === 'suspect') where.push(`${column(quality)} <= 1`);
    let from = `read_parquet(${files}, union_by_name = true)`;
    // A granule part read while some of its buckets are compacted: the rows of those come from their compacted parts
    // only (left out here before de-duplication, which would otherwise keep either copy).
    const overlap = parts.flatMap((f, k) => {
      const buckets = compacted.get(f);
      return buckets ? [`not (filename = ${sqlText(local[k]!)} and substr("${idField}", 1, ${BUCKET_DIGITS}) in (${buckets.map(sqlText).join(', ')}))`] : [];
    });
    if (overlap.length) from = `(select * from read_parquet(${files}, union_by_name = true, filename = true) where ${overlap.join(' and ')})`;
    if (q.dedupe) {
      // NOTE: version letters and numbers order CRIDs (PIA1 < PIB0 < PIC0 < PIC2); the counter is in granuleUR.
      from = `(select * from ${from} qualify row_number() over (partition by "${idField}", cycle_id, pass_id order by substr(crid, 3) desc, granuleUR desc) = 1)`;
    }
    // The drop-in also reads each record's granule and fills (files written before the fills column give nulls).
    const internal =
      q.times === 'hydrocron' ? [`granuleUR as "__granule"`, this.hasSource.get(q.feature) ? `${SOURCE_COLUMN} as "__source"` : `null as "__source"`] : [];
    const columns = [...select, ...internal, ...(q.withGeometry ? ['geometry as "__geometry"'] : [])];
    return {
      sql: `select ${columns.join(', ')} from ${from} ${where.length ? `where ${where.join(' and ')}` : ''} order by "${idField}", range_start_time, crid`,
      stored: present
    };
  }

  /** The columns of a set of parts and their DuckDB types (their Parquet footers, unioned by name). */
  private async columnsOf(files: string): Promise<ReadonlyMap<string, string>> {
    // Parts are written once (compaction writes new ones): their columns are remembered, the latest 512 sets.
    const known = this.partColumns.get(files);
    if (known) return known;
    const rows = (await (await this.duck()).runAndReadAll(`describe select * from read_parquet(${files}, union_by_name = true)`)).getRowObjectsJS();
    const columns = new Map(rows.map((r) => [String(r['column_name']), String(r['column_type'])]));
    this.partColumns.set(files, columns);
    if (this.partColumns.size > 512) this.partColumns.delete(this.partColumns.keys().next().value!);
    return columns;
  }

  private readonly partColumns = new Map<string, ReadonlyMap<string, string>>();

  /**
   * The feature whose prior location (p_lon, p_lat) is nearest to a point, within `radiusKm` (great circle), from the
   * parts the index lists (never a folder's files: granule parts leave once compacted), or null.
   */
  async nearest(feature: FeatureType, lon: number, lat: number, radiusKm: number): Promise<{ id: string; km: number } | null> {
    const { files: parts } = await this.parts(feature, {});
    if (parts.length === 0) return null;
    const { idField } = FEATURES[feature];
    const files = (await this.files.local(parts)).map(sqlText).join(', ');
    // A box around the point first (the parts' statistics skip row groups outside it); no longitude bound near a pole
    // or across the antimeridian.
    const dLat = radiusKm / 111;
    const dLon = radiusKm / (111 * Math.max(0.01, Math.cos((lat * Math.PI) / 180)));
    const lonBound = lon - dLon > -180 && lon + dLon < 180 ? `and p_lon between ${lon - dLon} and ${lon + dLon}` : '';
    const row = (
      await (
        await this.duck()
      ).runAndReadAll(
        `select "${idField}" as id, min(2 * ${EARTH_KM} * asin(sqrt(pow(sin(radians(p_lat - $2) / 2), 2) + cos(radians($2)) * cos(radians(p_lat)) * pow(sin(radians(p_lon - $1) / 2), 2)))) as km
         from read_parquet([${files}], union_by_name = true)
         where p_lat between ${lat - dLat} and ${lat + dLat} ${lonBound} group by 1 order by km limit 1`,
        [lon, lat] as never
      )
    ).getRowObjectsJS()[0];
    return row && Number(row['km']) <= radiusKm ? { id: String(row['id']), km: Number(row['km']) } : null;
  }

  /** Turns a polygon into the ids of the features located inside it (bbox in SQL, then exact in JS). */
  private async resolvePolygon(q: SeriesQuery): Promise<SeriesQuery> {
    const [w, s, e, n] = geometryBBox(q.polygon!);
    const { idField, lon, lat } = FEATURES[q.feature];
    const parts = await partsFor(this.db, q.feature, {});
    if (parts.length === 0) return { ...q, polygon: undefined, ids: [] };
    const files = (await this.files.local(parts)).map(sqlText).join(', ');
    const rows = (
      await (
        await this.duck()
      ).runAndReadAll(
        `select distinct "${idField}" as id, "${lon}" as lon, "${lat}" as lat from read_parquet([${files}], union_by_name = true)
         where "${lon}" between ${w} and ${e} and "${lat}" between ${s} and ${n}`
      )
    ).getRowObjectsJS();
    const ids = rows.filter((r) => intersects({ type: 'Point', coordinates: [Number(r['lon']), Number(r['lat'])] }, q.polygon!)).map((r) => String(r['id']));
    return { ...q, polygon: undefined, ids: [...new Set(ids)] };
  }

  /** Observations in memory (the drop-in endpoint: one feature). */
  async query(q: SeriesQuery): Promise<Observation[]> {
    // Geometries are the heaviest column (a reach's line, for every observation): read only when the answer has them.
    const plan = await this.plan({ ...q, withGeometry: q.withGeometry ?? true });
    if (!plan) return [];
    const reader = await (await this.duck()).runAndReadAll(plan.sql);
    const rows = reader.getRowObjectsJS() as Record<string, unknown>[];
    await this.loadSources(rows);
    return rows.map((row) => toObservation(row, this.sources));
  }

  /** Granule sources by key (content digests: never change, so kept), and the JSON of parts written before keys. */
  private readonly sources = new Map<string, GranuleSource>();

  /** Reads the sources the rows name that this gateway has not seen yet (one query, usually none). */
  private async loadSources(rows: Record<string, unknown>[]): Promise<void> {
    if (this.sources.size > 10_000) this.sources.clear();
    const missing = new Set<string>();
    for (const r of rows) {
      const s = r['__source'];
      if (typeof s === 'string' && !this.sources.has(s)) {
        if (s.startsWith('{')) this.sources.set(s, JSON.parse(s) as GranuleSource);
        else missing.add(s);
      }
    }
    if (missing.size === 0) return;
    const found = await this.db.query<{ key: string; source: string }>('select key, source from timeseries_sources where key = any($1::text[])', [
      [...missing]
    ]);
    for (const f of found) this.sources.set(f.key, JSON.parse(f.source) as GranuleSource);
  }

  /**
   * The query's rows as CSV written by DuckDB's own writer (header, empty cells for nulls, times as ISO text), streamed
   * through a named pipe as DuckDB writes it: bounded memory, and none of the rows turned into JS values (2.6-3x faster
   * served than formatting them here). `done` settles when DuckDB has finished (rejects when the query failed: the stream then
   * ends early, so a caller that already sent bytes must cut the answer).
   */
  async csv(q: SeriesQuery): Promise<{ stream: Readable; done: Promise<void> } | null> {
    const plan = await this.plan({ ...q, times: 'text', withGeometry: false });
    if (!plan) return null;
    const own = await this.ownConnection();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-csv-')).catch((error: unknown) => {
      own.closeSync();
      throw error;
    });
    const fifo = path.join(dir, 'rows.csv');
    let ours: number | null = null;
    let stream: Socket | null = null;
    try {
      await promisify(execFile)('mkfifo', ['-m', '600', fifo]);
      // The read end opened without waiting for a writer (the socket owns its descriptor), then a write end of our own
      // held until DuckDB is done: the reader sees the end of the rows only then (never before DuckDB opened the pipe),
      // and a query that fails before opening it leaves no one waiting on the pipe. Both opens return at once.
      stream = new Socket({ fd: openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
      ours = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (error) {
      stream?.destroy();
      if (ours !== null) closeSync(ours);
      own.closeSync();
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    const held = ours;
    const done = own
      .run(`copy (${plan.sql}) to ${sqlText(fifo)} (format csv, header)`)
      .then(() => undefined)
      .finally(async () => {
        own.closeSync();
        closeSync(held);
        await rm(dir, { recursive: true, force: true });
      });
    // The caller may stop reading (a client gone): the pipe closed, DuckDB's next write fails and the query ends.
    done.catch(() => undefined);
    return { stream, done };
  }

  /**
   * The query's rows as Arrow record batches (their schema's fields typed by {@link arrowTypeOf}), one per DuckDB chunk,
   * copied from DuckDB's vectors (no row turned into JS values): bounded memory, whatever the number of features. The first
   * `next()` runs the query to its first chunk (its failure is thrown there); no rows give one item without a batch.
   */
  async *arrow(q: SeriesQuery): AsyncGenerator<{ schema: Schema; batch: RecordBatch | null }> {
    const known = await this.fields(q.feature);
    const plan = await this.plan({ ...q, withGeometry: false }, { typed: true });
    if (!plan) return;
    const schema = new Schema(q.fields.map((f) => new Field(f, arrowTypeOf(known.get(f), plan.stored.get(f)), true)));
    const query = arrowQuery(schema, plan.sql);
    let rows = false;
    for await (const chunk of this.chunks(query.sql)) {
      rows = true;
      yield { schema, batch: recordBatchOfChunk(chunk, query) };
    }
    // No rows: the schema still, as the parts type it.
    if (!rows) yield { schema, batch: null };
  }

  /**
   * The query's observations as GeoJSON features (their JSON text, comma-separated), one piece per DuckDB chunk: the
   * properties written by DuckDB (times as ISO text), each feature's geometry turned into GeoJSON once; bounded memory,
   * whatever the number of features. The first `next()` runs the query to its first chunk (its failure is thrown there).
   */
  async *geojson(q: SeriesQuery): AsyncGenerator<Buffer> {
    const known = await this.fields(q.feature);
    const plan = await this.plan({ ...q, times: 'text', withGeometry: true });
    if (!plan) return;
    const properties = q.fields.map((name) => ({ name, float: known.get(name)?.type === 'float' && plan.stored.has(name) }));
    const sql = geojsonQuery(plan.sql, properties, '__geometry');
    const features = new GeoJsonFeatures();
    for await (const chunk of this.chunks(sql)) yield features.chunk(chunk);
  }

  /** A query's result chunk by chunk, on a connection of its own (closed when the caller stops or the rows end). */
  private async *chunks(sql: string): AsyncGenerator<DuckDBDataChunk> {
    const own = await this.ownConnection();
    try {
      const result = await own.stream(sql);
      for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) yield chunk;
    } finally {
      own.closeSync();
    }
  }

  /** Writes the query's result as Parquet with DuckDB (which spills to disk, so memory stays bounded). */
  async exportParquet(q: SeriesQuery, file: string): Promise<boolean> {
    const plan = await this.plan({ ...q, withGeometry: false });
    if (!plan) return false;
    const duck = await this.exportConnection();
    // One export at a time on its own small instance: its sort spills to disk instead of growing the gateway.
    const run = this.exporting.then(() => duck.run(`copy (${plan.sql}) to '${file.replace(/'/g, "''")}' (format parquet, compression zstd)`));
    this.exporting = run.then(
      () => undefined,
      () => undefined
    );
    await run;
    return true;
  }

  private exportDb: Promise<DuckDBConnection> | null = null;
  private exporting: Promise<void> = Promise.resolve();

  /**
   * The DuckDB instance of bulk exports: memory capped (`duckdb.exportMemory`, 192 MB by default) with a spill folder, so an
   * export of any size grows the gateway's memory by about that much (the query instance keeps serving meanwhile).
   */
  private exportConnection(): Promise<DuckDBConnection> {
    this.exportDb ??= DuckDBInstance.create(':memory:').then(async (i) => {
      const spill = path.join(this.files.root, 'tmp', 'duckdb-spill');
      await mkdir(spill, { recursive: true });
      const c = await i.connect();
      await c.run('LOAD parquet');
      await c.run(`SET memory_limit = '${this.limits.exportMemory}'`);
      await c.run('SET threads = 2');
      await c.run(`SET temp_directory = '${spill.replace(/'/g, "''")}'`);
      return c;
    });
    return this.exportDb;
  }
}

/** A row as an observation; `sources`: the granule sources by key (or JSON), loaded for these rows. */
function toObservation(row: Record<string, unknown>, sources: ReadonlyMap<string, GranuleSource>): Observation {
  const { __geometry, __granule, __source, ...values } = row;
  const wkb = __geometry as Uint8Array | null | undefined;
  return {
    values,
    geometry: wkb ? fromWkb(new Uint8Array(wkb)) : null,
    ...(__granule !== undefined ? { granule: __granule as string | null, source: typeof __source === 'string' ? (sources.get(__source) ?? null) : null } : {})
  };
}
