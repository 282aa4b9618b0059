import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { Table, type Vector } from 'apache-arrow';
import { numericVector, stringVector, SWOT_EPOCH_MS } from '../formats/arrow-columns.js';
import { sqlText } from '../formats/duckdb-vectors.js';
import { writeParquetTable } from '../formats/geoparquet.js';
import { parseGranuleName, type Product } from '../formats/index.js';
import { takeVector } from '../formats/take.js';
import type { Queryable } from '../store/database.js';
import { hydrocronText } from './python-format.js';

/** Hydrocron's feature types and where their observations come from. */
export type FeatureType = 'Reach' | 'Node' | 'PriorLake';

/** For each feature type: its source collection and id attribute. */
/**
 * Each feature type's collection, id and where a feature is: reaches and lakes by their prior location (`p_lon`,
 * `p_lat`); nodes, whose granules carry none, by their observed one (`lon`, `lat`: null when the node was not seen).
 */
export const FEATURES: Record<FeatureType, { collection: string; idField: string; idDigits: number; lon: string; lat: string }> = {
  Reach: { collection: 'swot-riversp-reach', idField: 'reach_id', idDigits: 11, lon: 'p_lon', lat: 'p_lat' },
  Node: { collection: 'swot-riversp-node', idField: 'node_id', idDigits: 14, lon: 'lon', lat: 'lat' },
  PriorLake: { collection: 'swot-lakesp', idField: 'lake_id', idDigits: 10, lon: 'p_lon', lat: 'p_lat' }
};

/** Digits of a feature id that name its bucket (reach 7426xxxxxxx → bucket 7426: a level-3 SWORD basin). */
export const BUCKET_DIGITS = 4;
export const bucketOf = (id: string): string => id.slice(0, BUCKET_DIGITS);

/**
 * SQL keeping the rows whose `column` starts with `prefix`, written as a range of constants as well: DuckDB prunes a
 * sorted Parquet file's row groups by their statistics for a range, not for `starts_with` alone (one basin of a
 * granule part sorted by id: the whole file read otherwise).
 */
export function idPrefixSql(column: string, prefix: string): string {
  const starts = `starts_with("${column}", ${sqlText(prefix)})`;
  const last = prefix.charCodeAt(prefix.length - 1);
  // The next string past every one with this prefix (code point order, as UTF-8 bytes compare); none for a last
  // character that has no plain successor.
  if (prefix === '' || last >= 0xd7ff) return starts;
  const above = prefix.slice(0, -1) + String.fromCharCode(last + 1);
  return `("${column}" >= ${sqlText(prefix)} and "${column}" < ${sqlText(above)} and ${starts})`;
}

/** The rows of each bucket in a granule's table (ids in the order they are). */
export function bucketsOf(ids: Iterable<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of ids) {
    const b = bucketOf(id);
    out.set(b, (out.get(b) ?? 0) + 1);
  }
  return out;
}

/** SWORD / PLD continent digit (first digit of a feature id) → SWOT continent code. */
export const CONTINENT_OF_DIGIT: Record<string, string> = { '1': 'AF', '2': 'EU', '3': 'SI', '4': 'AS', '5': 'AU', '6': 'SA', '7': 'NA', '8': 'AR', '9': 'GR' };

/** Columns the time-series store adds to every observation, as Hydrocron names them. */
export const ADDED_FIELDS = [
  'cycle_id',
  'pass_id',
  'continent_id',
  'range_start_time',
  'range_end_time',
  'crid',
  'collection_shortname',
  'collection_version',
  'granuleUR',
  'ingest_time',
  'sword_version',
  'PLD_version'
];

/**
 * Internal column of the store: how one granule's source typed each field and wrote its fill values, as the key of a
 * {@link GranuleSource} kept once in the `timeseries_sources` table (granules of one processing share theirs; parts
 * written before the table hold the JSON itself). Not a field users ask for: the drop-in prints each record as its
 * own granule would.
 */
export const SOURCE_COLUMN = 'hysope_source';
/** The Parquet metadata key of a granule part's source (`{key, source}`). */
export const SOURCE_METADATA = 'hysope:source';

/** A granule's field types and fill values as printed (`-9999` in an integer column, `-999999999999.0` in a float one). */
export interface GranuleSource {
  types: Record<string, FieldType>;
  fills: Record<string, string>;
}

/** A store field's type, from its Arrow type. */
export type FieldType = 'int' | 'float' | 'time' | 'text';
export function fieldType(arrowType: unknown): FieldType {
  const t = String(arrowType);
  return /Int/.test(t) ? 'int' : /Float/.test(t) ? 'float' : /Timestamp/.test(t) ? 'time' : 'text';
}

/** The feature type of a product, or null when it has no per-feature time series. */
export function featureTypeOf(product: Product): FeatureType | null {
  if (product.collection === 'swot-riversp-reach') return 'Reach';
  if (product.collection === 'swot-riversp-node') return 'Node';
  if (product.collection === 'swot-lakesp' && product.properties['swot:product_file_id'] === 'Prior') return 'PriorLake';
  return null;
}

/**
 * Where one ingest of a granule writes its observations: hive-partitioned by feature type and continent, named by
 * the granule and a mark of this ingest (a re-ingest never writes over a part a query or a removal may hold).
 */
export function timeseriesPath(dataDir: string, feature: FeatureType, continent: string, granule: string): string {
  const mark = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  return path.join(dataDir, 'timeseries', `feature=${feature}`, `continent=${continent}`, `${granule}.${mark}.parquet`);
}

/** The granule a granule part holds, from its file name (`<granule>[.<mark>].parquet`), or null. */
export function granuleOfPart(file: string): string | null {
  return /^([^.]+)(\.[^.]+)?\.parquet$/.exec(path.basename(file))?.[1] ?? null;
}

/** The rows of a feature product (reaches, nodes, lakes: always read in memory). */
function tableOf(product: Product): Table {
  if (!product.table) throw new Error(`${product.id}: a time series needs the product's rows in memory`);
  return product.table;
}

/**
 * The observations of one granule for the time-series store: the product's attributes sorted by feature id
 * (so each row group's min/max statistics let DuckDB skip to one feature), plus the granule-level fields
 * Hydrocron adds, plus `time_raw` (the source's seconds since 2000, for byte-exact drop-in answers).
 */
export function timeseriesTable(product: Product, feature: FeatureType, ingestTime: Date): Table {
  const idField = FEATURES[feature].idField;
  const table = tableOf(product);
  const ids = table.getChild(idField);
  if (!ids) throw new Error(`the product has no ${idField} column`);
  const n = table.numRows;
  const idValues = Array.from({ length: n }, (_, i) => String(ids.get(i) ?? ''));
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => (idValues[a]! < idValues[b]! ? -1 : idValues[a]! > idValues[b]! ? 1 : a - b));
  const columns: Record<string, Vector> = {};
  for (const f of table.schema.fields) columns[f.name] = takeVector(table.getChild(f.name)!, order);
  const time = columns['time'];
  if (time) {
    columns['time_raw'] = numericVector(
      Float64Array.from({ length: n }, (_, i) => {
        const ms = time.get(i) as number | null;
        return ms === null ? NaN : Math.round(((ms - SWOT_EPOCH_MS) / 1000) * 1e6) / 1e6;
      })
    );
  }
  const g = parseGranuleName(product.id)!;
  const constant = (v: string | null) => stringVector(new Array(n).fill(v));
  const int = (v: number) => numericVector(new Int32Array(n).fill(v));
  const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  columns['cycle_id'] = int(g.cycle);
  columns['pass_id'] = int(g.pass);
  columns['continent_id'] = constant(g.continent);
  // The granule name's range, as Hydrocron gives it (the item's own range may be wider: it covers every observation).
  columns['range_start_time'] = constant(iso(g.start));
  columns['range_end_time'] = constant(iso(g.end));
  columns['crid'] = constant(g.crid);
  columns['collection_shortname'] = constant(`SWOT_${g.shortName}_${g.crid.slice(2, 3) === 'D' ? 'D' : '2.0'}`);
  // The product version (2.0, or D for the D processing), not the CRID.
  columns['collection_version'] = constant(g.crid.slice(2, 3) === 'D' ? 'D' : '2.0');
  const prior = product.properties['swot:prior_db_version'];
  columns['sword_version'] = constant(feature !== 'PriorLake' && typeof prior === 'string' ? prior : null);
  columns['PLD_version'] = constant(feature === 'PriorLake' && typeof prior === 'string' ? prior : null);
  columns['granuleUR'] = constant(path.basename(product.source.path));
  columns['ingest_time'] = constant(iso(ingestTime));
  // This granule's own types and fills (an internal column): the drop-in prints each record as its granule wrote it.
  columns[SOURCE_COLUMN] = constant(granuleSource(product).key);
  return new Table(columns);
}

/**
 * How a granule typed its fields and wrote its fills, with its key (a digest of the JSON: the same for every granule
 * of one processing). A row carries the key only: 6 KB of JSON on each row made one reach's query read 60 MB.
 */
export function granuleSource(product: Product): { key: string; source: GranuleSource; json: string } {
  const source: GranuleSource = { types: {}, fills: {} };
  for (const f of tableOf(product).schema.fields) {
    if (f.name === 'geometry') continue;
    const type = fieldType(f.type);
    source.types[f.name] = type;
    const fill = product.fields[f.name]?.fill;
    if (fill !== undefined) source.fills[f.name] = hydrocronText(null, type, fill);
  }
  const json = JSON.stringify(source);
  return { key: `sha256:${createHash('sha256').update(json).digest('hex').slice(0, 32)}`, source, json };
}

/** Writes one granule's observations into the store; returns the file written and its rows by bucket. */
export async function writeTimeseries(
  dataDir: string,
  product: Product,
  feature: FeatureType,
  ingestTime: Date,
  file?: string
): Promise<{ file: string; buckets: Map<string, number> }> {
  const g = parseGranuleName(product.id)!;
  const target = file ?? timeseriesPath(dataDir, feature, g.continent ?? 'XX', product.id);
  const table = timeseriesTable(product, feature, ingestTime);
  // The source also in the file's metadata: a data folder indexed anew (reconcile) finds it there.
  const { key, json } = granuleSource(product);
  await writeParquetTable(table, target, {
    rowGroupSize: Math.max(256, Math.ceil(table.numRows / 32)),
    metadata: new Map([[SOURCE_METADATA, JSON.stringify({ key, source: JSON.parse(json) as GranuleSource })]])
  });
  const ids = table.getChild(FEATURES[feature].idField)!;
  return { file: target, buckets: bucketsOf(Array.from({ length: table.numRows }, (_, i) => String(ids.get(i) ?? ''))) };
}

/** Records each field's type, units and fill value, so the API validates `fields` and writes units and fills. */
export async function registerFields(tx: Queryable, feature: FeatureType, product: Product): Promise<void> {
  for (const f of tableOf(product).schema.fields) {
    if (f.name === 'geometry') continue;
    const info = product.fields[f.name] ?? {};
    const type = fieldType(f.type);
    await tx.query(
      `insert into timeseries_fields (feature, field, type, units, fill) values ($1, $2, $3, $4, $5)
       on conflict (feature, field) do update set type = excluded.type, units = coalesce(excluded.units, timeseries_fields.units), fill = coalesce(excluded.fill, timeseries_fields.fill)`,
      [feature, f.name, type, info.units ?? null, info.fill ?? null]
    );
  }
  const { key, json } = granuleSource(product);
  await tx.query(`insert into timeseries_sources (key, source) values ($1, $2) on conflict (key) do nothing`, [key, json]);
  // Known to the store (so queries may read it where files have it), hidden from the fields users see.
  await tx.query(`insert into timeseries_fields (feature, field, type) values ($1, $2, 'text') on conflict (feature, field) do nothing`, [
    feature,
    SOURCE_COLUMN
  ]);
}
