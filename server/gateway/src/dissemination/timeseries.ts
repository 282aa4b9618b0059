import { existsSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Geometry } from '@hysope/api';
import { ValidationError } from '../errors.js';
import { fromWkb } from '../formats/wkb.js';
import type { Database } from '../store/database.js';
import { ADDED_FIELDS, CONTINENT_OF_DIGIT, FEATURES, type FeatureType } from './timeseries-store.js';

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
}

/** A time-series query. */
export interface SeriesQuery {
  feature: FeatureType;
  ids: string[];
  /** Granule time window (ISO, inclusive), as Hydrocron filters on `range_start_time`. */
  start?: string;
  end?: string;
  fields: string[];
  /** Only these CRID product versions (e.g. 'D', 'C'); all when absent. */
  versions?: string[];
}

/**
 * Reads observations from the time-series store (Parquet partitioned by feature type and continent)
 * with native DuckDB: a feature across all cycles is one query whose row groups are pruned by the
 * id statistics of each granule's file.
 */
export class TimeseriesService {
  private connection: Promise<DuckDBConnection> | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly db: Database
  ) {}

  private duck(): Promise<DuckDBConnection> {
    this.connection ??= DuckDBInstance.create(':memory:').then((i) => i.connect());
    return this.connection;
  }

  /** Fields of a feature type with their type, units and fill value. */
  async fields(feature: FeatureType): Promise<Map<string, FieldMeta>> {
    const rows = await this.db.query<{ field: string; type: FieldMeta['type']; units: string | null; fill: string | null }>(
      'select field, type, units, fill from timeseries_fields where feature = $1',
      [feature]
    );
    const map = new Map(rows.map((r) => [r.field, { type: r.type, units: r.units, fill: r.fill }]));
    for (const f of ADDED_FIELDS) map.set(f, { type: f === 'cycle_id' || f === 'pass_id' ? 'int' : 'text', units: null, fill: null });
    return map;
  }

  /**
   * Observations of the given features, in time order.
   * @throws ValidationError for fields the store does not have
   */
  async query(q: SeriesQuery): Promise<Observation[]> {
    const known = await this.fields(q.feature);
    const unknown = q.fields.filter((f) => !known.has(f));
    if (unknown.length) throw new ValidationError(`unknown field(s) for ${q.feature}: ${unknown.join(', ')}`);
    const { idField } = FEATURES[q.feature];
    const continents = [...new Set(q.ids.map((id) => CONTINENT_OF_DIGIT[id[0]!]).filter(Boolean))];
    const dir = path.join(this.dataDir, 'timeseries', `feature=${q.feature}`);
    const globs = continents.map((c) => path.join(dir, `continent=${c}`)).filter((d) => existsSync(d));
    if (globs.length === 0) return [];
    const select = q.fields.map((f) => {
      const meta = known.get(f)!;
      if (f === 'time') return `time_raw as "time"`;
      if (meta.type === 'time') return `strftime("${f}", '%Y-%m-%dT%H:%M:%SZ') as "${f}"`;
      return `"${f}"`;
    });
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const where = [`"${idField}" in (${q.ids.map((id) => p(id)).join(', ')})`];
    if (q.start) where.push(`range_start_time >= ${p(q.start)}`);
    if (q.end) where.push(`range_start_time <= ${p(q.end)}`);
    if (q.versions?.length) where.push(`substr(crid, 3, 1) in (${q.versions.map((v) => p(v)).join(', ')})`);
    const files = `[${globs.map((g) => `'${path.join(g, '*.parquet').replace(/'/g, "''")}'`).join(', ')}]`;
    const sql = `select ${[...select, 'geometry as "__geometry"'].join(', ')} from read_parquet(${files}, union_by_name = true)
      where ${where.join(' and ')} order by range_start_time, "${idField}", crid`;
    const reader = await (await this.duck()).runAndReadAll(sql, params as never);
    return reader.getRowObjectsJS().map((row) => {
      const { __geometry, ...values } = row as Record<string, unknown>;
      const wkb = __geometry as Uint8Array | null;
      return { values, geometry: wkb ? fromWkb(new Uint8Array(wkb)) : null };
    });
  }
}
