import type { Table } from 'apache-arrow';
import type { Geometry } from '@hysope/api';
import type { GeometryTypeName } from './wkb.js';
import type { PixelStream } from './pixc-stream.js';

/** The catalog collection a product belongs to. */
export type CollectionId =
  | 'swot-riversp-reach'
  | 'swot-riversp-node'
  | 'swot-lakesp'
  | 'swot-pixc'
  | 'swot-pixcvec'
  | 'hydroweb-stations'
  | 'insitu-gauges'
  | 'model-series'
  | 'hysope-discharge';

/** Metadata of one column of a product (from the granule's own description). */
export interface FieldInfo {
  units?: string;
  long_name?: string;
  /** The fill value as the source writes it (e.g. `-999999999999.0`, `no_data`). */
  fill?: string;
}

/**
 * What a reader yields: an Arrow table (with a WKB `geometry` column) plus what the catalog
 * needs to describe it as a STAC item.
 */
export interface Product {
  collection: CollectionId;
  /** Stable item id (the granule name without extension, or a derived name for non-SWOT sources). */
  id: string;
  /** The rows in memory (vector products, in-situ series); absent for pixel clouds, which are streamed ({@link stream}). */
  table?: Table;
  /** Pixel clouds (millions of rows): written to GeoParquet by streaming the granule, never held whole. */
  stream?: PixelStream;
  geometryTypes: GeometryTypeName[];
  /** Extent of the features: `[w, s, e, n]`. */
  bbox: [number, number, number, number];
  /** Item footprint (swath polygon when the granule describes it, else the bbox). */
  footprint: Geometry;
  start: Date;
  end: Date;
  /** Item properties beyond datetime (SWOT: cycle, pass, continent, tile, crid ...). */
  properties: Record<string, unknown>;
  fields: Record<string, FieldInfo>;
  /** Further tables of the granule (PIXC: `tvp`, the sensor's time-varying parameters along the track). */
  auxiliary?: Record<string, { table: Table; bbox: [number, number, number, number] }>;
  /** The files read (original granule), for the `source` asset. */
  source: { path: string; bytes: number; mediaType: string };
  /** STAC extensions the properties use beyond those of every item (model outputs: the datacube extension). */
  extensions?: string[];
}

/** Where and when a series at one point lies: its geometry types, extent, footprint and time range (epoch ms of its values). */
export function atPoint(lon: number, lat: number, times: number[]): Pick<Product, 'geometryTypes' | 'bbox' | 'footprint' | 'start' | 'end'> {
  let [first, last] = [Infinity, -Infinity];
  for (const t of times) [first, last] = [Math.min(first, t), Math.max(last, t)];
  return {
    geometryTypes: ['Point'],
    bbox: [lon, lat, lon, lat],
    footprint: { type: 'Point', coordinates: [lon, lat] },
    start: new Date(first),
    end: new Date(last)
  };
}

/** Number of rows of a product. */
export function rowsOf(product: Product): number {
  return product.table?.numRows ?? product.stream?.rows ?? 0;
}

/** Column names of a product (besides `geometry` and `bbox`). */
export function columnsOf(product: Product): string[] {
  const names = product.table ? product.table.schema.fields.map((f) => f.name) : (product.stream?.columns ?? []);
  return names.filter((n) => n !== 'geometry' && n !== 'bbox');
}

/**
 * A granule that cannot be read: says which file and why. The fault lies in the file, so trying it again cannot help
 * (unlike a full disk or a database away while it is stored).
 */
export class GranuleError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string
  ) {
    super(`${file}: ${reason}`);
    this.name = 'GranuleError';
  }
}

/** A polygon from a bbox (one definition, in the contract). */
export { bboxPolygon } from '@hysope/api';

/** Counter-clockwise polygon through four swath corners (first/last of each side), or null if any is missing. */
export function swathPolygon(corners: (number | undefined)[][]): Geometry | null {
  if (corners.some((c) => c.some((v) => v === undefined || !Number.isFinite(v)))) return null;
  const ring = corners.map((c) => [c[0]!, c[1]!]);
  ring.push([...ring[0]!]);
  let area = 0;
  for (let i = 0; i < ring.length - 1; i++) area += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  if (area < 0) ring.reverse();
  if (Math.abs(area) < 1e-12) return null;
  return { type: 'Polygon', coordinates: [ring] };
}
