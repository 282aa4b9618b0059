import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { Table, type Vector } from 'apache-arrow';
import { binaryVector, numericVector, stringVector, SWOT_EPOCH_MS, timestampVector } from './arrow-columns.js';
import { parseGranuleName } from './granule-name.js';
import { GranuleError, bboxPolygon, swathPolygon, type CollectionId, type FieldInfo, type Product } from './product.js';
import { readDbf, readShp, readShpXml, type DbfField, type ShpXml } from './shapefile.js';
import { geometryBBox, toWkb, type GeometryTypeName } from './wkb.js';

/** Numeric values SWOT vector products use as fill values (besides each field's own). */
const GENERIC_FILLS = new Set([-999999999999, -99999999, -9999, -999]);
const TEXT_FILLS = new Set(['', 'no_data']);

interface ShapefileParts {
  shp?: Uint8Array;
  dbf?: Uint8Array;
  xml?: string;
  bytes: number;
}

async function collectParts(file: string): Promise<ShapefileParts> {
  const parts: ShapefileParts = { bytes: 0 };
  const take = (name: string, data: Uint8Array) => {
    const lower = name.toLowerCase();
    if (lower.endsWith('.shp')) parts.shp = data;
    else if (lower.endsWith('.dbf')) parts.dbf = data;
    else if (lower.endsWith('.shp.xml')) parts.xml = new TextDecoder().decode(data);
    parts.bytes += data.length;
  };
  const info = await stat(file);
  if (info.isDirectory()) {
    for (const name of await readdir(file)) take(name, new Uint8Array(await readFile(path.join(file, name))));
  } else if (file.toLowerCase().endsWith('.zip')) {
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(new Uint8Array(await readFile(file)));
    } catch (error) {
      throw new GranuleError(file, `not a readable zip archive (${(error as Error).message})`);
    }
    for (const [name, data] of Object.entries(entries)) take(name, data);
  } else if (file.toLowerCase().endsWith('.shp')) {
    const stem = file.slice(0, -4);
    for (const ext of ['.shp', '.dbf', '.shp.xml']) {
      try {
        take(stem + ext, new Uint8Array(await readFile(stem + ext)));
      } catch {
        /* missing part: reported below */
      }
    }
  }
  return parts;
}

function collectionOf(fileId: string, shortName: string): CollectionId | null {
  if (shortName === 'L2_HR_RiverSP') return fileId === 'Reach' ? 'swot-riversp-reach' : fileId === 'Node' ? 'swot-riversp-node' : null;
  if (shortName === 'L2_HR_LakeSP') return 'swot-lakesp';
  return null;
}

/**
 * One DBF column as an Arrow vector (fill values as nulls), and the fill value as this granule writes it (its raw
 * text, the first one met; the .shp.xml's when none is met), for answers that must print fills as the source does.
 */
function attributeVector(field: DbfField, raw: string[], xml: ShpXml | null): [Vector, string | undefined] {
  const own = xml?.attributes[field.name]?.fill_value;
  const ownFill = own !== undefined && own !== '' ? Number(own) : NaN;
  const isFill = (v: number) => GENERIC_FILLS.has(v) || v === ownFill;
  let seen: string | undefined;
  const fill = <T>(t: string, value: T): T => {
    seen ??= t;
    return value;
  };
  const declared = own !== undefined && own !== '' ? own : undefined;
  if (field.type === 'C' || field.name === 'time_str') {
    // Text as the source writes it (time_str included: "2023-06-10T19:33:40Z", "2008-10-01" in early products); fills
    // (no_data, an empty field, a numeric fill in early products' time_str) as nulls.
    const isTextFill = (t: string) => TEXT_FILLS.has(t) || (field.name === 'time_str' && /^-\d+$/.test(t));
    const vector = stringVector(raw.map((t) => (isTextFill(t) ? fill(t, null) : t)));
    return [vector, seen ?? declared];
  }
  if (field.type === 'L') return [stringVector(raw.map((t) => (t === '' || t === '?' ? null : t))), declared];
  if (field.type === 'D')
    return [timestampVector(raw.map((t) => (t.length === 8 ? Date.UTC(+t.slice(0, 4), +t.slice(4, 6) - 1, +t.slice(6, 8)) : null))), declared];
  const numbers = raw.map((t) => (t === '' || t.startsWith('*') ? NaN : Number(t)));
  raw.forEach((t, i) => {
    if (seen === undefined && !Number.isNaN(numbers[i]!) && isFill(numbers[i]!)) seen = t;
  });
  if (field.name === 'time') {
    return [timestampVector(numbers.map((s) => (Number.isNaN(s) || isFill(s) ? null : SWOT_EPOCH_MS + s * 1000))), seen ?? declared];
  }
  if (field.decimals === 0 && field.length <= 9) {
    const ints = new Int32Array(numbers.length);
    const nulls = new Uint8Array(numbers.length);
    numbers.forEach((v, i) => {
      if (Number.isNaN(v) || isFill(v)) nulls[i] = 1;
      else ints[i] = v;
    });
    return [numericVector(ints, (_, i) => nulls[i] === 1), seen ?? declared];
  }
  if (field.decimals === 0) {
    // A wide integer column (N13.0: discharge scale factors): 64-bit, so it stays an integer column (its fill prints
    // -999999999999, as the DBF types it, not -999999999999.0).
    const ints = new BigInt64Array(numbers.length);
    const nulls = new Uint8Array(numbers.length);
    numbers.forEach((v, i) => {
      if (Number.isNaN(v) || isFill(v) || !Number.isSafeInteger(v)) nulls[i] = 1;
      else ints[i] = BigInt(v);
    });
    return [numericVector(ints, (_, i) => nulls[i] === 1), seen ?? declared];
  }
  return [numericVector(Float64Array.from(numbers), isFill), seen ?? declared];
}

/**
 * Reads a SWOT RiverSP (reach/node) or LakeSP (prior/obs/unassigned) granule: a zip as PO.DAAC
 * distributes it, an unzipped folder, or a `.shp` path.
 * @throws GranuleError naming the file and what is wrong with it
 */
export async function readSwotVector(file: string): Promise<Product> {
  const granule = parseGranuleName(file);
  if (!granule) throw new GranuleError(file, 'not a SWOT granule name (SWOT_L2_HR_<product>_..._<CRID>_<counter>)');
  const collection = collectionOf(granule.fileId, granule.shortName);
  if (!collection) throw new GranuleError(file, `${granule.shortName} ${granule.fileId} is not a vector product we read`);
  const parts = await collectParts(file);
  if (!parts.shp) throw new GranuleError(file, 'granule is incomplete: the .shp (geometries) is missing');
  if (!parts.dbf) throw new GranuleError(file, 'granule is incomplete: the .dbf (attributes) is missing');
  let geometries: ReturnType<typeof readShp>, dbf: ReturnType<typeof readDbf>, xml: ShpXml | null;
  try {
    geometries = readShp(parts.shp);
    dbf = readDbf(parts.dbf);
    xml = parts.xml ? readShpXml(parts.xml) : null;
  } catch (error) {
    throw new GranuleError(file, (error as Error).message);
  }
  if (geometries.length !== dbf.rows) {
    throw new GranuleError(file, `the .shp holds ${geometries.length} shapes but the .dbf ${dbf.rows} records`);
  }
  const columns: Record<string, Vector> = {};
  const fields: Record<string, FieldInfo> = {};
  dbf.fields.forEach((field, i) => {
    const [vector, fill] = attributeVector(field, dbf.columns[i]!, xml);
    columns[field.name] = vector;
    const meta = xml?.attributes[field.name];
    fields[field.name] = { units: meta?.units, long_name: meta?.long_name, fill };
  });
  const types = new Set<GeometryTypeName>();
  let bbox: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const wkb = geometries.map((g) => {
    if (!g) return null;
    types.add(g.type);
    const [w, s, e, n] = geometryBBox(g);
    bbox = [Math.min(bbox[0], w), Math.min(bbox[1], s), Math.max(bbox[2], e), Math.max(bbox[3], n)];
    return toWkb(g);
  });
  columns['geometry'] = binaryVector(wkb);
  if (!Number.isFinite(bbox[0])) bbox = [0, 0, 0, 0];
  const global = xml?.global ?? {};
  const num = (k: string) => (global[k] !== undefined ? Number(global[k]) : undefined);
  const footprint =
    swathPolygon([
      [num('left_first_longitude'), num('left_first_latitude')],
      [num('left_last_longitude'), num('left_last_latitude')],
      [num('right_last_longitude'), num('right_last_latitude')],
      [num('right_first_longitude'), num('right_first_latitude')]
    ]) ?? bboxPolygon(bbox);
  const startText = global['time_granule_start'] ?? global['time_coverage_start'];
  const endText = global['time_granule_end'] ?? global['time_coverage_end'];
  const parseTime = (t: string | undefined, fallback: Date) => {
    if (!t) return fallback;
    const ms = Date.parse(/Z$|[+-]\d\d:\d\d$/.test(t) ? t : `${t}Z`);
    return Number.isNaN(ms) ? fallback : new Date(ms);
  };
  return {
    collection,
    id: granule.name,
    table: new Table(columns),
    geometryTypes: [...types],
    bbox,
    footprint,
    start: parseTime(startText, granule.start),
    end: parseTime(endText, granule.end),
    properties: {
      'swot:short_name': granule.shortName,
      'swot:product_file_id': granule.fileId,
      'swot:cycle': granule.cycle,
      'swot:pass': granule.pass,
      'swot:continent': granule.continent,
      'swot:crid': granule.crid,
      'swot:product_counter': granule.counter,
      'swot:feature_count': dbf.rows,
      ...(global['pge_version'] ? { 'processing:software': { [global['pge_name'] ?? 'PGE']: global['pge_version'] } } : {}),
      ...(global['institution'] ? { 'processing:facility': global['institution'] } : {}),
      ...(global['product_version'] ? { 'swot:product_version': global['product_version'] } : {}),
      ...(priorVersion(global) ? { 'swot:prior_db_version': priorVersion(global) } : {})
    },
    fields,
    source: { path: file, bytes: parts.bytes, mediaType: file.toLowerCase().endsWith('.zip') ? 'application/zip' : 'application/x-shapefile' }
  };
}

/**
 * The version of the prior database the granule was made with (SWORD for rivers, PLD for lakes), from the
 * file names its `.shp.xml` lists (`..._v215.nc` → `215`, `..._v105.sqlite` → `105`), as Hydrocron reports it.
 */
export function priorVersion(global: Record<string, string>): string | undefined {
  const files = global['xref_prior_river_db_files'] ?? global['xref_prior_lake_db_file'] ?? global['xref_prior_lake_db_files'] ?? '';
  return /_v([0-9A-Za-z]+)\.(?:nc|sqlite|shp|gpkg)\b/.exec(files)?.[1];
}
