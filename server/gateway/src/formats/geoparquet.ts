import { writeFile, rename, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Table, tableToIPC, type Vector } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import type { Product } from './product.js';
import { coveringFootprint } from './footprint.js';
import { pointCover } from '../catalog/spatial.js';
import { bboxStructVector, takeVector } from './take.js';
import { fromWkb, geometryBBox } from './wkb.js';

/** Position of (x, y) on a Hilbert curve over a 2^16 x 2^16 grid. */
export function hilbertIndex(x: number, y: number): number {
  const n = 1 << 16;
  let rx: number,
    ry: number,
    d = 0;
  let xi = x,
    yi = y;
  for (let s = n >> 1; s > 0; s >>= 1) {
    rx = (xi & s) > 0 ? 1 : 0;
    ry = (yi & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry === 0) {
      if (rx === 1) {
        xi = n - 1 - xi;
        yi = n - 1 - yi;
      }
      [xi, yi] = [yi, xi];
    }
  }
  return d;
}

/** Rows per row group: small enough that a bbox query skips most groups, large enough to stay efficient. */
export function rowGroupSizeFor(rows: number): number {
  return Math.min(100_000, Math.max(512, Math.ceil(rows / 64)));
}

/** Per-row bounding boxes of a WKB column (NaN for null geometries). */
function rowBBoxes(geometry: Vector): { xmin: Float64Array; ymin: Float64Array; xmax: Float64Array; ymax: Float64Array } {
  const n = geometry.length;
  const xmin = new Float64Array(n),
    ymin = new Float64Array(n),
    xmax = new Float64Array(n),
    ymax = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const wkb = geometry.get(i) as Uint8Array | null;
    if (!wkb) {
      xmin[i] = ymin[i] = xmax[i] = ymax[i] = NaN;
      continue;
    }
    // Fast path for 2D little-endian points (PIXC: millions of them).
    if (wkb.length === 21 && wkb[0] === 1 && wkb[1] === 1) {
      const v = new DataView(wkb.buffer, wkb.byteOffset, 21);
      xmin[i] = xmax[i] = v.getFloat64(5, true);
      ymin[i] = ymax[i] = v.getFloat64(13, true);
      continue;
    }
    const [w, s, e, nn] = geometryBBox(fromWkb(wkb));
    xmin[i] = w;
    ymin[i] = s;
    xmax[i] = e;
    ymax[i] = nn;
  }
  return { xmin, ymin, xmax, ymax };
}

/** What the `geo` metadata says of the geometry: WKB with a bbox covering (its extent or not), or GeoArrow points. */
export interface GeoOptions {
  bbox: boolean;
  point?: { bbox: [number, number, number, number] | null };
}

/** The `geo` file metadata of GeoParquet 1.1 for a product. */
export function geoMetadata(product: Product, options: GeoOptions = { bbox: true }): Record<string, unknown> {
  if (options.point) {
    // GeoArrow points (pixel clouds written from their chunks): x and y statistics bound a row group, no covering.
    const bbox = options.point.bbox;
    return { version: '1.1.0', primary_column: 'geometry', columns: { geometry: { encoding: 'point', geometry_types: ['Point'], ...(bbox ? { bbox } : {}) } } };
  }
  return {
    version: '1.1.0',
    primary_column: 'geometry',
    columns: {
      geometry: {
        encoding: 'WKB',
        geometry_types: product.geometryTypes,
        ...(options.bbox ? { bbox: product.bbox } : {}),
        covering: { bbox: { xmin: ['bbox', 'xmin'], ymin: ['bbox', 'ymin'], xmax: ['bbox', 'xmax'], ymax: ['bbox', 'ymax'] } }
      }
    }
  };
}

/**
 * Sorts a product's rows along a Hilbert curve of their bbox centres and adds the bbox covering
 * column, so each row group covers a compact area.
 */
export function spatiallySorted(product: Product): Table {
  if (!product.table) throw new Error(`${product.id}: no rows in memory to sort`);
  const geometry = product.table.getChild('geometry');
  if (!geometry) throw new Error('product has no geometry column');
  const boxes = rowBBoxes(geometry);
  const n = geometry.length;
  const [w, s, e, nn] = product.bbox;
  const sx = e > w ? 65535 / (e - w) : 0;
  const sy = nn > s ? 65535 / (nn - s) : 0;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const cx = (boxes.xmin[i]! + boxes.xmax[i]!) / 2;
    const cy = (boxes.ymin[i]! + boxes.ymax[i]!) / 2;
    keys[i] = Number.isNaN(cx) ? Number.MAX_SAFE_INTEGER : hilbertIndex(Math.round((cx - w) * sx), Math.round((cy - s) * sy));
  }
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
  const columns: Record<string, Vector> = {};
  for (const field of product.table.schema.fields) columns[field.name] = takeVector(product.table.getChild(field.name)!, order);
  const pick = (a: Float64Array) => Float64Array.from(order, (i) => a[i]!);
  columns['bbox'] = bboxStructVector(pick(boxes.xmin), pick(boxes.ymin), pick(boxes.xmax), pick(boxes.ymax));
  return new Table(columns);
}

/** What {@link writeGeoParquet} wrote. */
export interface WrittenParquet {
  path: string;
  bytes: number;
  rows: number;
  rowGroups: number;
}

/**
 * Writes an Arrow table as Parquet (ZSTD, statistics on) to a temporary name, then renames it.
 */
export async function writeParquetTable(table: Table, file: string, options: { rowGroupSize: number; metadata?: Map<string, string> }): Promise<number> {
  let builder = new parquet.WriterPropertiesBuilder().setCompression(parquet.Compression.ZSTD).setMaxRowGroupSize(options.rowGroupSize);
  if (options.metadata) builder = builder.setKeyValueMetadata(options.metadata);
  const bytes = parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(table, 'stream')), builder.build());
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
  return bytes.length;
}

/**
 * Writes a product as GeoParquet 1.1: WKB geometry, `geo` metadata with a bbox covering,
 * rows spatially sorted into row groups, ZSTD compression. Written to a temporary name and renamed,
 * so a reader never sees half a file.
 */
export async function writeGeoParquet(product: Product, file: string): Promise<WrittenParquet> {
  const table = spatiallySorted(product);
  const rowGroupSize = rowGroupSizeFor(table.numRows);
  const bytes = await writeParquetTable(table, file, { rowGroupSize, metadata: productMetadata(product) });
  return { path: file, bytes, rows: table.numRows, rowGroups: Math.ceil(table.numRows / rowGroupSize) };
}

/** The file metadata of a product's GeoParquet: `geo`, the fields' units and names, the item it belongs to. */
export function productMetadata(product: Product, options: GeoOptions = { bbox: true }): Map<string, string> {
  return new Map<string, string>([
    ['geo', JSON.stringify(geoMetadata(product, options))],
    ['hysope:fields', JSON.stringify(product.fields)],
    ['hysope:item', JSON.stringify({ collection: product.collection, id: product.id })]
  ]);
}

/**
 * Writes any product as GeoParquet: rows in memory through {@link writeGeoParquet}; pixel clouds by
 * streaming the granule (bounded memory), after which the product's extent and footprint are the
 * ones of the pixels written. Returns the product as written.
 */
export async function writeProduct(product: Product, file: string, spillDir: string): Promise<{ written: WrittenParquet; product: Product }> {
  if (!product.stream) return { written: await writeGeoParquet(product, file), product };
  const pixels = await product.stream.write(file, {
    covers: pointCover(product.footprint),
    footprint: product.footprint,
    // The pixels' extent is known once they are written: the file's `geo` metadata goes without its optional bbox.
    metadata: (geometry) => Object.fromEntries(productMetadata(product, { bbox: false, ...(geometry ? { point: { bbox: geometry.bbox } } : {}) })),
    spillDir
  });
  const bbox = pixels.bbox ?? product.bbox;
  const footprint = coveringFootprint(product.footprint, pixels.outside.xs, pixels.outside.ys);
  return { written: pixels, product: { ...product, bbox, footprint } };
}
