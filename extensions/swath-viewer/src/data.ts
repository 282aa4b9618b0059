// What the viewer reads from a STAC item's GeoParquet asset: SQL pushed down to DuckDB-WASM (bbox, time,
// quality), Arrow columns out as typed arrays (one value per row, no per-row objects).
import { SWOT_FEATURES, swotVariable, type Item, type SwotFeature, type SwotVariable } from '@hysope/api';
import { sqlWasm } from '@hysope/kernels-bridge/wasm';
import { flattenWkb, interleave, type FlatGeometry } from './geo.js';

/** How a product is drawn. */
export type LayerKind = 'pixc' | 'reach' | 'node' | 'lake' | 'discharge';

/** A variable the layer can be coloured by (the shared SWOT metadata's, with its name). */
export type Variable = SwotVariable & { name: string };

/** One kind of product: where its coordinates, ids, time and quality are. */
export interface KindSpec {
  label: string;
  variables: Variable[];
  /** Point products: coordinate columns; others draw their WKB geometry. */
  lon?: string;
  lat?: string;
  id?: string;
  time: string;
  quality?: string;
  /** The feature's name (the map labels it). */
  name?: string;
  /** Time-series feature type of the gateway's /timeseries. */
  feature?: SwotFeature;
}

export const KINDS: Record<LayerKind, KindSpec> = {
  pixc: {
    label: 'PIXC pixel cloud',
    lon: 'longitude',
    lat: 'latitude',
    time: 'illumination_time',
    variables: (['height', 'classification', 'water_frac', 'pixc_qual', 'sig0'] as const).map(swotVariable)
  },
  reach: {
    label: 'RiverSP reaches',
    id: SWOT_FEATURES.Reach.id,
    time: 'time',
    quality: SWOT_FEATURES.Reach.quality,
    name: 'river_name',
    feature: 'Reach',
    variables: (['wse', 'width', 'dschg_c', 'slope', 'reach_q'] as const).map(swotVariable)
  },
  node: {
    label: 'RiverSP nodes',
    lon: 'lon',
    lat: 'lat',
    id: SWOT_FEATURES.Node.id,
    time: 'time',
    quality: SWOT_FEATURES.Node.quality,
    feature: 'Node',
    variables: (['wse', 'width', 'node_q'] as const).map(swotVariable)
  },
  discharge: {
    label: 'Reach discharge (HYSOPE)',
    lon: 'p_lon',
    lat: 'p_lat',
    id: SWOT_FEATURES.Reach.id,
    time: 'time',
    feature: 'Reach',
    variables: (['discharge', 'wse', 'width', 'area'] as const).map(swotVariable)
  },
  lake: {
    label: 'LakeSP lakes',
    id: SWOT_FEATURES.PriorLake.id,
    time: 'time',
    quality: SWOT_FEATURES.PriorLake.quality,
    name: 'lake_name',
    feature: 'PriorLake',
    variables: (['wse', 'area_total', 'quality_f'] as const).map(swotVariable)
  }
};

/** The layer kind of a STAC item, from its collection. */
export function kindOf(item: Item): LayerKind | null {
  const c = item.collection ?? '';
  if (c.startsWith('swot-pixc') && !c.includes('vec')) return 'pixc';
  if (c === 'swot-riversp-reach') return 'reach';
  if (c === 'swot-riversp-node') return 'node';
  if (c.startsWith('swot-lakesp')) return 'lake';
  if (c === 'hysope-discharge') return 'discharge';
  return null;
}

/** The Parquet asset of an item. */
export function dataAsset(item: Item): string | null {
  const a = item.assets['data'] ?? Object.values(item.assets).find((x) => x.type?.includes('parquet'));
  return a?.href ?? null;
}

/** Filters pushed down to the Parquet reader. */
export interface Filters {
  bbox?: [number, number, number, number];
  /** ISO instants. */
  start?: string;
  end?: string;
  /** Keep quality flags up to this value (0 good, 1 suspect, ...). */
  maxQuality?: number;
}

/** One loaded chunk of a layer (a latitude band of a pixel cloud, or a whole vector product). */
export interface Chunk {
  count: number;
  /** lon, lat interleaved (point layers). */
  positions?: Float64Array;
  /** Paths or outer rings (vector layers). */
  geometry?: FlatGeometry;
  /** Values by variable name, NaN where missing. */
  values: Record<string, Float64Array>;
  /** Feature ids and reference coordinates, read on demand for picking (the Arrow vectors). */
  ids?: { get(i: number): unknown };
  /** Feature names by row (reaches' rivers, lakes), for the map's labels. */
  names?: { get(i: number): unknown };
  refLon?: Float64Array;
  refLat?: Float64Array;
}

let viewSeq = 0;

const num = (c: string) => `coalesce(cast("${c}" as double), 'nan'::double) as "${c}"`;

async function columnsOf(view: string, href: string, token?: string): Promise<Set<string>> {
  const t = await sqlWasm(`describe select * from ${view}`, { [view]: href }, token);
  const names = t.getChild('column_name')!;
  const out = new Set<string>();
  for (let i = 0; i < t.numRows; i++) out.add(String(names.get(i)));
  return out;
}

function where(spec: KindSpec, kind: LayerKind, cols: Set<string>, f: Filters, extra: string[] = []): string {
  const clauses = [...extra];
  if (f.bbox && spec.lon && spec.lat) {
    const [w, s, e, n] = f.bbox;
    // NOTE: DuckDB-WASM 1.28 prunes row groups by top-level column statistics: the filter is on lon/lat columns.
    clauses.push(`"${spec.lon}" between ${w} and ${e}`, `"${spec.lat}" between ${s} and ${n}`);
  } else if (f.bbox && cols.has('bbox')) {
    const [w, s, e, n] = f.bbox;
    clauses.push(`bbox.xmax >= ${w} and bbox.xmin <= ${e} and bbox.ymax >= ${s} and bbox.ymin <= ${n}`);
  }
  if (f.start && cols.has(spec.time)) clauses.push(`"${spec.time}" >= '${f.start.replace(/'/g, '')}'::timestamptz`);
  if (f.end && cols.has(spec.time)) clauses.push(`"${spec.time}" <= '${f.end.replace(/'/g, '')}'::timestamptz`);
  const q = kind === 'pixc' ? (cols.has('pixc_qual') ? 'pixc_qual' : undefined) : spec.quality;
  if (f.maxQuality !== undefined && q && cols.has(q)) clauses.push(`"${q}" <= ${Math.floor(f.maxQuality)}`);
  return clauses.length ? `where ${clauses.join(' and ')}` : '';
}

function toFloat64(v: { toArray(): ArrayLike<number> } | null): Float64Array {
  const a = v?.toArray() ?? new Float64Array(0);
  return a instanceof Float64Array ? a : Float64Array.from(a);
}

/** Latitude bands over which a pixel cloud is loaded progressively. */
export function bands(item: Item, bbox: Filters['bbox'], count: number): [number, number][] {
  const b = item.bbox ?? [-180, -90, 180, 90];
  const s = Math.max(b[1]!, bbox?.[1] ?? -90);
  const n = Math.min(b.length === 6 ? b[4]! : b[3]!, bbox?.[3] ?? 90);
  if (!(n >= s)) return [];
  const step = (n - s) / count;
  return Array.from({ length: count }, (_, i) => [s + i * step, i === count - 1 ? n + 1e-9 : s + (i + 1) * step]);
}

/**
 * Loads an item's product, calling `onChunk` as each part arrives (pixel clouds by latitude band, so the
 * first frame comes before the whole cloud is read) and `onProgress` with the fraction done.
 */
export async function loadItem(
  item: Item,
  filters: Filters,
  options: { token?: string; onChunk: (c: Chunk) => void; onProgress?: (done: number) => void; signal?: AbortSignal }
): Promise<{ kind: LayerKind; rows: number }> {
  const kind = kindOf(item);
  if (!kind) throw new Error(`the viewer draws SWOT PIXC, RiverSP and LakeSP products; ${item.collection ?? 'this item'} is none of them`);
  const href = dataAsset(item);
  if (!href) throw new Error(`item ${item.id} has no Parquet data asset`);
  const spec = KINDS[kind];
  const view = `v${++viewSeq}`;
  const cols = await columnsOf(view, href, options.token);
  const vars = spec.variables.map((v) => v.name).filter((v) => cols.has(v));
  const assets = { [view]: href };
  let rows = 0;
  if (spec.lon && spec.lat) {
    const size = Number((item.assets['data'] as { 'file:size'?: number } | undefined)?.['file:size'] ?? 0);
    const parts = kind === 'pixc' ? bands(item, filters.bbox, Math.min(16, Math.max(2, Math.ceil(size / 2e6)))) : [[-90, 90.000001] as [number, number]];
    const idCol = spec.id && cols.has(spec.id) ? `, "${spec.id}"` : '';
    for (let i = 0; i < parts.length; i++) {
      if (options.signal?.aborted) break;
      const [s, n] = parts[i]!;
      const extra = kind === 'pixc' ? [`"${spec.lat}" >= ${s}`, `"${spec.lat}" < ${n}`] : [];
      const t = await sqlWasm(
        `select "${spec.lon}" as lon, "${spec.lat}" as lat${vars.length ? ', ' + vars.map(num).join(', ') : ''}${idCol} from ${view} ${where(spec, kind, cols, filters, extra)}`,
        assets,
        options.token
      );
      const lon = toFloat64(t.getChild('lon'));
      const lat = toFloat64(t.getChild('lat'));
      const values: Record<string, Float64Array> = {};
      for (const v of vars) values[v] = toFloat64(t.getChild(v));
      const chunk: Chunk = { count: t.numRows, positions: interleave(lon, lat), values, refLon: lon, refLat: lat };
      if (idCol) chunk.ids = t.getChild(spec.id!)!;
      rows += t.numRows;
      if (t.numRows) options.onChunk(chunk);
      options.onProgress?.((i + 1) / parts.length);
    }
    return { kind, rows };
  }
  const extraCols = ['p_lon', 'p_lat'].filter((c) => cols.has(c));
  const nameCol = spec.name && cols.has(spec.name) ? `, "${spec.name}"` : '';
  const t = await sqlWasm(
    `select geometry${vars.length ? ', ' + vars.map(num).join(', ') : ''}${spec.id && cols.has(spec.id) ? `, "${spec.id}"` : ''}${nameCol}${extraCols.length ? ', ' + extraCols.map(num).join(', ') : ''} from ${view} ${where(spec, kind, cols, filters)}`,
    assets,
    options.token
  );
  const blobs = t.getChild('geometry')!.toArray() as ArrayLike<Uint8Array | null>;
  const geometry = flattenWkb(blobs);
  const values: Record<string, Float64Array> = {};
  for (const v of vars) values[v] = toFloat64(t.getChild(v));
  const chunk: Chunk = { count: t.numRows, geometry, values };
  if (spec.id && cols.has(spec.id)) chunk.ids = t.getChild(spec.id)!;
  if (nameCol) chunk.names = t.getChild(spec.name!)!;
  if (extraCols.length === 2) {
    chunk.refLon = toFloat64(t.getChild('p_lon'));
    chunk.refLat = toFloat64(t.getChild('p_lat'));
  }
  options.onChunk(chunk);
  options.onProgress?.(1);
  return { kind, rows: t.numRows };
}
