import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import { Field, Schema, Table } from 'apache-arrow';
import { Geometry as GeometrySchema, SWOT_FEATURES, SWOT_VARIABLES, SearchParameterError, parseBBox, parseDatetime } from '@hysope/api';
import { NotFoundError, ValidationError } from '../errors.js';
import { ipcStream } from '../formats/arrow-duckdb.js';
import { writeParquetTable } from '../formats/geoparquet.js';
import { timeSeriesNetcdf } from '../formats/netcdf-write.js';
import { GATEWAY_VERSION } from '../catalog/ingest.js';
import { asyncHandler } from '../http/errors.js';
import { writeChunk as write } from '../http/stream.js';
import { FEATURES, type FeatureType } from './timeseries-store.js';
import { QUALITY_FIELD, arrowTypeOf, type FieldMeta, type SeriesQuery, type TimeseriesService } from './timeseries.js';

const DEFAULT_FIELDS: Record<FeatureType, string[]> = {
  Reach: SWOT_FEATURES.Reach.fields,
  Node: SWOT_FEATURES.Node.fields,
  PriorLake: SWOT_FEATURES.PriorLake.fields
};

const FORMATS = {
  csv: 'text/csv',
  geojson: 'application/geo+json',
  arrow: 'application/vnd.apache.arrow.stream',
  parquet: 'application/vnd.apache.parquet',
  netcdf: 'application/x-netcdf'
} as const;

function one(q: Record<string, unknown>, k: string): string | undefined {
  const v = q[k];
  return v === undefined ? undefined : Array.isArray(v) ? v.join(',') : String(v);
}

/** Reads and checks the parameters of `GET /timeseries`. */
export async function parseSeriesQuery(q: Record<string, unknown>, series: TimeseriesService): Promise<{ query: SeriesQuery; format: keyof typeof FORMATS }> {
  const feature = one(q, 'feature') ?? 'Reach';
  if (!Object.hasOwn(FEATURES, feature)) throw new ValidationError(`feature must be Reach, Node or PriorLake, got "${feature}"`);
  const f = feature as FeatureType;
  const ids = one(q, 'ids') ?? one(q, 'feature_id');
  const basin = one(q, 'basin');
  const bboxText = one(q, 'bbox');
  const polygonText = one(q, 'intersects');
  if ([ids, basin, bboxText, polygonText].filter((v) => v !== undefined).length !== 1) {
    throw new ValidationError(
      'give exactly one of ids (comma-separated feature ids), basin (a SWORD basin code prefix), bbox or intersects (a GeoJSON Polygon)'
    );
  }
  const query: SeriesQuery = { feature: f, fields: [] };
  if (ids !== undefined) {
    query.ids = ids
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (query.ids.length > MAX_IDS) throw new ValidationError(`at most ${MAX_IDS} ids per request (got ${query.ids.length}); ask a basin= or bbox= instead`);
    const digits = FEATURES[f].idDigits;
    const bad = query.ids.filter((id) => !new RegExp(`^\\d{${digits}}$`).test(id));
    if (bad.length || query.ids.length === 0) throw new ValidationError(`ids of ${f} features are ${digits} digits; bad: ${bad.join(', ') || '(none given)'}`);
  }
  if (basin !== undefined) {
    if (!/^\d{1,10}$/.test(basin)) throw new ValidationError(`basin is a SWORD basin code prefix of 1 to 10 digits, got "${basin}"`);
    query.prefix = basin;
  }
  if (polygonText !== undefined) {
    let geometry: unknown;
    try {
      geometry = JSON.parse(polygonText);
    } catch {
      throw new ValidationError('intersects must be a GeoJSON Polygon or MultiPolygon in JSON');
    }
    const parsed = GeometrySchema.safeParse(geometry);
    if (!parsed.success || (parsed.data.type !== 'Polygon' && parsed.data.type !== 'MultiPolygon'))
      throw new ValidationError('intersects must be a GeoJSON Polygon or MultiPolygon');
    query.polygon = parsed.data;
  }
  try {
    if (bboxText !== undefined) query.bbox = parseBBox(bboxText);
    const datetime = one(q, 'datetime');
    if (datetime !== undefined) {
      const range = parseDatetime(datetime, { dates: true });
      if (range.start !== null) query.start = new Date(range.start).toISOString().replace(/\.\d{3}Z$/, 'Z');
      if (range.end !== null) query.end = new Date(range.end).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
  } catch (error) {
    if (error instanceof SearchParameterError) throw new ValidationError(error.message);
    throw error;
  }
  const known = await series.fields(f);
  const fields =
    one(q, 'fields')
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? DEFAULT_FIELDS[f].filter((x) => known.has(x));
  const unknown = fields.filter((x) => !known.has(x));
  if (unknown.length) throw new ValidationError(`unknown field(s) for ${f}: ${unknown.join(', ')}`);
  query.fields = fields;
  const quality = one(q, 'quality') ?? 'all';
  if (quality !== 'good' && quality !== 'suspect' && quality !== 'all') throw new ValidationError(`quality must be good, suspect or all, got "${quality}"`);
  query.quality = quality;
  if (quality !== 'all' && !known.has(QUALITY_FIELD[f]) && known.size > 10)
    throw new ValidationError(`${f} observations have no ${QUALITY_FIELD[f]} to filter on`);
  const dedupe = one(q, 'dedupe') ?? 'false';
  if (dedupe !== 'true' && dedupe !== 'false') throw new ValidationError(`dedupe must be true or false, got "${dedupe}"`);
  query.dedupe = dedupe === 'true';
  const format = one(q, 'format') ?? 'csv';
  if (!Object.hasOwn(FORMATS, format)) throw new ValidationError(`format must be csv, geojson, arrow, parquet or netcdf, got "${format}"`);
  return { query, format: format as keyof typeof FORMATS };
}

/** Observations one NetCDF answer may hold (it is built in memory; Parquet and CSV stream any size). */
const MAX_NETCDF_OBSERVATIONS = 2_000_000;

/** The query's observations as a CF-1.8 time-series NetCDF file (one `station` per feature). */
async function netcdfOfQuery(series: TimeseriesService, query: SeriesQuery, meta: Map<string, FieldMeta>): Promise<Uint8Array> {
  const { idField } = FEATURES[query.feature];
  const location = ['p_lon', 'p_lat'].filter((f) => meta.has(f));
  const fields = [...new Set([idField, 'time', ...location, ...query.fields])];
  // The observations column by column, from the Arrow batches copied from DuckDB (times in epoch ms).
  const values = new Map<string, unknown[]>(fields.map((f) => [f, []]));
  let count = 0;
  for await (const { batch } of await primed(series.arrow({ ...query, fields }))) {
    if (!batch) continue;
    count += batch.numRows;
    if (count > MAX_NETCDF_OBSERVATIONS)
      throw new ValidationError(
        `at most ${MAX_NETCDF_OBSERVATIONS.toLocaleString('en')} observations per NetCDF answer: ask format=parquet or csv (streamed) for more`
      );
    for (const f of fields) {
      const vector = batch.getChild(f)!;
      const out = values.get(f)!;
      for (let i = 0; i < vector.length; i++) out.push(vector.get(i));
    }
  }
  const column = (f: string) => values.get(f) ?? [];
  const features: { id: string; lon: number | null; lat: number | null; count: number }[] = [];
  const ids = column(idField);
  for (let i = 0; i < count; i++) {
    const id = String(ids[i]);
    const last = features.at(-1);
    if (last?.id === id) last.count++;
    else features.push({ id, lon: (column('p_lon')[i] as number | null) ?? null, lat: (column('p_lat')[i] as number | null) ?? null, count: 1 });
  }
  const number = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null);
  const columns = query.fields
    .filter((f) => f !== idField && f !== 'time' && !location.includes(f))
    .map((f) => {
      const m = meta.get(f);
      const variable = (SWOT_VARIABLES as Record<string, { label: string } | undefined>)[f];
      const type = m?.type === 'int' ? 'int' : m?.type === 'text' ? 'text' : 'float';
      return {
        name: f,
        type: type as 'int' | 'float' | 'text',
        units: m?.type === 'time' ? 'milliseconds since 1970-01-01 00:00:00' : m?.units,
        longName: variable?.label,
        values: column(f).map((v) => (type === 'text' ? (v === null || v === undefined ? null : String(v)) : number(v)))
      };
    });
  return timeSeriesNetcdf({
    title: `SWOT ${query.feature} time series (HYSOPE)`,
    source: `SWOT L2 HR ${query.feature === 'PriorLake' ? 'LakeSP Prior' : `RiverSP ${query.feature}`} granules, read by HYSOPE's time-series store`,
    history: `${new Date().toISOString()} written by the HYSOPE gateway ${GATEWAY_VERSION}`,
    idName: idField,
    features,
    times: column('time').map(number),
    columns
  });
}

/** Runs a generator up to its first value, then gives it back whole (errors of its start are thrown here). */
export async function primed<T>(gen: AsyncGenerator<T>): Promise<AsyncIterable<T>> {
  const first = await gen.next();
  return {
    async *[Symbol.asyncIterator]() {
      if (first.done) return;
      yield first.value;
      yield* gen;
    }
  };
}

/** Feature ids one request may name. */
const MAX_IDS = 5000;

/**
 * `GET /timeseries`: many features in one call (ids, a SWORD basin prefix or a bbox), streamed as CSV,
 * GeoJSON, Arrow IPC or Parquet with no size cap; fill values are nulls; quality filtering and
 * CRID de-duplication (latest processing wins).
 */
export function timeseriesRoutes(series: TimeseriesService, visible: (res: Response, collection: string) => Promise<boolean>): Router {
  const r = Router();
  r.get(
    '/',
    asyncHandler(async (req: Request, res: Response) => {
      const { query, format } = await parseSeriesQuery(req.query as Record<string, unknown>, series);
      if (!(await visible(res, FEATURES[query.feature].collection))) throw new NotFoundError(`no ${query.feature} observations here`);
      try {
        await send(res, query, format);
      } catch (error) {
        // NOTE: once the body has started, the status cannot change: cut the stream so the client sees it fail.
        if (res.headersSent) res.destroy(error as Error);
        else throw error;
      }
    })
  );
  return r;

  async function send(res: Response, query: SeriesQuery, format: keyof typeof FORMATS): Promise<void> {
    const netcdfOf = (q: SeriesQuery, m: Map<string, FieldMeta>) => netcdfOfQuery(series, q, m);
    // Each format runs its query before the first byte is sent: if it fails, the caller gets an error, not a cut-off 200.
    const meta = await series.fields(query.feature);
    res.type(FORMATS[format]);
    if (format === 'parquet') {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-ts-'));
      try {
        const file = path.join(dir, 'timeseries.parquet');
        if (!(await series.exportParquet(query, file))) {
          // Nothing ingested for this feature type yet: an empty file with the requested columns.
          const empty = new Schema(query.fields.map((f) => new Field(f, arrowTypeOf(meta.get(f)), true)));
          await writeParquetTable(new Table(empty), file, { rowGroupSize: 1024 });
        }
        res.attachment(`timeseries-${query.feature}.parquet`);
        await new Promise<void>((resolve, reject) => res.sendFile(file, { headers: { 'Content-Type': FORMATS.parquet } }, (e) => (e ? reject(e) : resolve())));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      return;
    }
    if (format === 'netcdf') {
      res.attachment(`timeseries-${query.feature}.nc`);
      return void res.end(await netcdfOf(query, meta));
    }
    if (format === 'csv') {
      const csv = await series.csv(query);
      if (!csv) return void res.end(`${query.fields.join(',')}\n`);
      try {
        res.once('close', () => csv.stream.destroy());
        for await (const chunk of csv.stream) await write(res, chunk as Buffer);
      } finally {
        csv.stream.destroy();
      }
      // The rows end when DuckDB is done: a failed query (nothing sent yet) is an error answer, else the answer is cut.
      await csv.done;
      return void res.end();
    }
    if (format === 'geojson') {
      const features = await primed(series.geojson(query));
      await write(res, '{"type":"FeatureCollection","features":[');
      for await (const bytes of features) await write(res, bytes);
      await write(res, ']}');
      return void res.end();
    }
    // Arrow IPC stream: one record batch per DuckDB chunk, copied from its vectors, typed from the store's field metadata.
    let ipc: ReturnType<typeof ipcStream> | null = null;
    for await (const { schema, batch } of await primed(series.arrow(query))) {
      ipc ??= ipcStream(schema);
      if (batch) await write(res, ipc.batch(batch));
    }
    // Nothing stored for this feature type: the stream still has the fields, typed from the store's metadata.
    ipc ??= ipcStream(new Schema(query.fields.map((f) => new Field(f, arrowTypeOf(meta.get(f)), true))));
    await write(res, ipc.end());
    res.end();
  }
}
