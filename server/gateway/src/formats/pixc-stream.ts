import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  BIGINT,
  BLOB,
  DOUBLE,
  DuckDBInstance,
  DuckDBTableFunction,
  FLOAT,
  INTEGER,
  SMALLINT,
  TINYINT,
  UINTEGER,
  USMALLINT,
  UTINYINT,
  VARCHAR,
  type DuckDBDataChunk,
  type DuckDBType
} from '@duckdb/node-api';
import type { Geometry } from '@hysope/api';
import { SWOT_EPOCH_MS } from './arrow-columns.js';
import { sqlName, sqlText } from './duckdb-vectors.js';
import { DatasetReader, attrNumber, charText, hdf5, pixelLongitude, rowDatasets, type H5Dataset, type H5Group, type Typed } from './hdf5-reader.js';
import { PixelBlocks, type ArrayName } from './pixel-blocks.js';
import { convexHull } from './footprint.js';
import { planPages, writePages, type PagePlan } from './pixel-parquet.js';
import type { FieldInfo } from './product.js';

/** Rows DuckDB asks for per call (its vector size). */
const VECTOR_ROWS = 2048;

/** One output column: a dataset (or one component of a 2D dataset) of the pixel group. */
interface Column {
  name: string;
  /** The dataset it comes from (in the pixel group). */
  dataset: string;
  width: number;
  /** Component of a [n, k] dataset (0 for 1D). */
  part: number;
  kind: 'number' | 'time' | 'string';
  type: DuckDBType;
  /** How the numeric values are held between threads (none for strings). */
  array?: ArrayName;
  fill?: number;
  scale?: number;
  offset?: number;
}

/** HDF5's type classes (H5T_class_t) of the datasets read. */
const INTEGER_CLASS = 0;
const FLOAT_CLASS = 1;
const STRING_CLASS = 3;

/** The DuckDB type of a dataset's values (from its HDF5 type: class, size, sign), or null when not numeric. */
function duckTypeOf(meta: { type: number; size: number; signed?: boolean }, scaled: boolean): DuckDBType | null {
  if (meta.type === FLOAT_CLASS) return scaled || meta.size === 8 ? DOUBLE : FLOAT;
  if (meta.type !== INTEGER_CLASS) return null;
  if (scaled || meta.size === 8) return DOUBLE;
  if (meta.size === 4) return meta.signed ? INTEGER : UINTEGER;
  if (meta.size === 2) return meta.signed ? SMALLINT : USMALLINT;
  return meta.signed ? TINYINT : UTINYINT;
}

/** The typed array a dataset's values are held in (8-byte integers as doubles, as they are written). */
function arrayOf(meta: { type: number; size: number; signed?: boolean }): ArrayName {
  if (meta.type === FLOAT_CLASS) return meta.size === 8 ? 'Float64Array' : 'Float32Array';
  if (meta.size === 8) return 'Float64Array';
  if (meta.size === 4) return meta.signed ? 'Int32Array' : 'Uint32Array';
  if (meta.size === 2) return meta.signed ? 'Int16Array' : 'Uint16Array';
  return meta.signed ? 'Int8Array' : 'Uint8Array';
}

/** What {@link PixelStream.write} wrote, and what it learned of the pixels on the way. */
export interface WrittenPixels {
  path: string;
  bytes: number;
  rows: number;
  rowGroups: number;
  /** Extent of the pixels with a position: `[w, s, e, n]` (null when none has one). */
  bbox: [number, number, number, number] | null;
  /** The pixels outside the footprint given (as their convex hull's vertices): empty when it covers them all. */
  outside: { xs: number[]; ys: number[] };
}

/** The columns of a pixel group as a stream that writes GeoParquet without ever holding the whole table. */
export interface PixelStream {
  rows: number;
  /** Output column names, in file order (besides `geometry` and `bbox`). */
  columns: string[];
  write(file: string, options: WriteOptions): Promise<WrittenPixels>;
}

/** How {@link PixelStream.write} writes: the file's key/value metadata and where DuckDB may spill. */
export interface WriteOptions {
  /** Whether the footprint known so far covers a position (pixels outside it are reported). */
  covers: (x: number, y: number) => boolean;
  /** That footprint (the threads that read positions test them against it). */
  footprint?: Geometry;
  /**
   * Whether to write from the granule's HDF5 chunks (pixel-parquet.ts: pages copied, GeoArrow points) when its
   * storage allows (the default), or always with DuckDB (WKB points). Both have the bbox covering.
   */
  fromChunks?: boolean;
  /**
   * The file's key/value metadata: asked before the pixels are read when DuckDB writes them (so without their
   * extent, which GeoParquet makes optional, WKB points and a bbox covering); after, when written from HDF5's
   * chunks (GeoArrow points with their extent).
   */
  metadata: (geometry?: { encoding: 'point'; bbox: [number, number, number, number] | null }) => Record<string, string>;
  spillDir: string;
}

/**
 * Describes a pixel group's columns (the same as the in-memory reader gave: 2D datasets split into
 * `<name>_<k>`, scale/offset applied, fill values and NaN as nulls, `illumination_time`/`time` as UTC
 * timestamps) and returns a stream over them. Writing opens the file again: nothing is held meanwhile.
 */
export function pixelStream(
  file: string,
  group: H5Group,
  length: number,
  fields: Record<string, FieldInfo>,
  coords: { lat: string; lon: string }
): PixelStream {
  const columns: Column[] = [];
  for (const { name, ds, shape, units, long_name } of rowDatasets(group, length)) {
    const width = shape.length === 2 ? shape[1]! : 1;
    const info: FieldInfo = { units, long_name };
    const meta = ds.metadata as { type: number; size: number; signed?: boolean };
    const fill = attrNumber(ds, '_FillValue');
    const scale = attrNumber(ds, 'scale_factor');
    const offset = attrNumber(ds, 'add_offset');
    if (meta.type === STRING_CLASS) {
      columns.push({ name, dataset: name, width, part: 0, kind: 'string', type: VARCHAR });
      fields[name] = info;
      continue;
    }
    const isTime = /^illumination_time$|^time$/.test(name);
    const type = isTime ? DOUBLE : duckTypeOf(meta, scale !== undefined || offset !== undefined);
    if (!type) continue;
    for (let p = 0; p < (isTime ? 1 : width); p++) {
      const col = width === 1 || isTime ? name : `${name}_${p}`;
      columns.push({ name: col, dataset: name, width, part: p, kind: isTime ? 'time' : 'number', type, array: arrayOf(meta), fill, scale, offset });
      fields[col] = info;
    }
  }
  const latFill = attrNumber(group.get(coords.lat) as H5Dataset, '_FillValue');
  const groupPath = group.path;
  return {
    rows: length,
    columns: columns.map((c) => c.name),
    write: async (out, options) => {
      const h5 = new (await hdf5()).File(file, 'r');
      try {
        const g = h5.get(groupPath) as H5Group;
        const dataset = (name: string) => g.get(name) as H5Dataset;
        const where = { file, group: groupPath, dataset };
        const pagePlan =
          options.fromChunks !== false
            ? planPages(
                file,
                length,
                columns.map((c) => ({ ...c, typeName: String(c.type) })),
                dataset,
                { ...coords, latFill }
              )
            : null;
        if (pagePlan) return await writeFromChunks(pagePlan, out, options);
        return await writePixels(out, length, columns, where, { lat: coords.lat, lon: coords.lon, latFill }, options);
      } finally {
        h5.close();
      }
    }
  };
}

/**
 * Writes the pixel cloud from the granule's HDF5 chunks (pixel-parquet.ts): GeoArrow points, the pixels'
 * extent in the `geo` metadata, written at the end.
 */
async function writeFromChunks(plan: PagePlan, out: string, options: WriteOptions): Promise<WrittenPixels> {
  const positions = new Positions(options.covers);
  plan.footprint = options.footprint;
  const { bytes, rowGroups } = await writePages(
    plan,
    out,
    () => {
      const result = positions.result();
      return options.metadata({ encoding: 'point', bbox: result.bbox });
    },
    (bbox, xs, ys) => {
      if (bbox) positions.extend(bbox);
      for (let i = 0; i < xs.length; i++) positions.add(xs[i]!, ys[i]!);
    }
  );
  return { path: out, bytes, rows: plan.length, rowGroups, ...positions.result() };
}

/** One pixel cloud being written: what the scan function serves DuckDB. */
interface Scan {
  columns: Column[];
  /** Rows [from, from + n) of a dataset (n at most one vector). */
  read: (dataset: string, from: number, n: number) => { values: Typed | string[]; at: number };
  length: number;
  row: number;
  lat: string;
  lon: string;
  latFill: number | undefined;
  failure: Error | null;
  /** What the pixels encoded so far showed: their extent and those outside the footprint. */
  positions: Positions;
}

const scans = new Map<bigint, Scan>();
let nextScan = 0n;
let instance: Promise<DuckDBInstance> | null = null;
let memoryLimit = '384MB';

/**
 * Sets the memory cap of the process's pixel-cloud encoder (the configuration's `ingestMemory`), before its first ingest.
 */
export function setEncoderMemory(limit: string): void {
  memoryLimit = limit;
}

/**
 * The DuckDB instance that encodes pixel clouds: two threads, a memory cap (see {@link setEncoderMemory},
 * 384 MB by default) with a spill folder, and one table function, `hysope_pixels(scan)`, through which the HDF5
 * reader hands DuckDB one vector of rows at a time.
 */
function encoder(spillDir: string): Promise<DuckDBInstance> {
  instance ??= (async () => {
    await mkdir(spillDir, { recursive: true });
    const db = await DuckDBInstance.create(':memory:', {
      threads: '2',
      memory_limit: memoryLimit,
      temp_directory: spillDir,
      // Rows reach the file in the order vectors are encoded: consecutive vectors of the acquisition
      // order, so a row group still covers a strip of the swath.
      preserve_insertion_order: 'false'
    });
    const connection = await db.connect();
    connection.registerTableFunction(
      DuckDBTableFunction.create({
        name: 'hysope_pixels',
        parameterTypes: [BIGINT],
        bindFunction: (bind) => {
          const scan = scans.get(BigInt(bind.getParameter(0) as bigint));
          if (!scan) return bind.setError('no such pixel scan');
          for (const c of scan.columns) bind.addResultColumn(c.name, c.type);
          bind.addResultColumn('__geometry', BLOB);
          bind.addResultColumn('__x', DOUBLE);
          bind.addResultColumn('__y', DOUBLE);
          bind.setCardinality(scan.length, true);
          bind.setBindData(scan);
        },
        // Two DuckDB threads: while one encodes a vector, the other gets the next one from here.
        initFunction: (init) => init.setMaxThreads(2),
        mainFunction: (info, chunk) => {
          const scan = info.bindData as Scan;
          try {
            produce(scan, chunk);
          } catch (error) {
            scan.failure = error as Error;
            info.setError((error as Error).message);
          }
        }
      })
    );
    connection.closeSync();
    return db;
  })();
  return instance;
}

/**
 * The pixels' positions as they are encoded (one pass: nothing read twice): their extent, and the pixels outside
 * `covers` (the granule's footprint). Those, and only those, can make the footprint grow, and they are kept as
 * their convex hull so far: a pixel cloud of millions stays a few hundred vertices.
 */
class Positions {
  private w = Infinity;
  private s = Infinity;
  private e = -Infinity;
  private n = -Infinity;
  private xs: number[] = [];
  private ys: number[] = [];

  constructor(readonly covers: (x: number, y: number) => boolean) {}

  /** Widens the extent to a box of positions (those among them outside the footprint are added one by one). */
  extend([w, s, e, n]: [number, number, number, number]): void {
    this.w = Math.min(this.w, w);
    this.s = Math.min(this.s, s);
    this.e = Math.max(this.e, e);
    this.n = Math.max(this.n, n);
  }

  add(x: number, y: number): void {
    if (x < this.w) this.w = x;
    if (x > this.e) this.e = x;
    if (y < this.s) this.s = y;
    if (y > this.n) this.n = y;
    if (this.covers(x, y)) return;
    this.xs.push(x);
    this.ys.push(y);
    if (this.xs.length > 4096) this.keepHull();
  }

  private keepHull(): void {
    const ring = convexHull(this.xs, this.ys).slice(0, -1);
    this.xs = ring.map((p) => p[0]!);
    this.ys = ring.map((p) => p[1]!);
  }

  result(): Pick<WrittenPixels, 'bbox' | 'outside'> {
    if (this.xs.length > 2) this.keepHull();
    return { bbox: Number.isFinite(this.w) ? [this.w, this.s, this.e, this.n] : null, outside: { xs: this.xs, ys: this.ys } };
  }
}

async function writePixels(
  file: string,
  length: number,
  columns: Column[],
  where: { file: string; group: string; dataset: (name: string) => H5Dataset },
  coords: { lat: string; lon: string; latFill: number | undefined },
  options: WriteOptions
): Promise<WrittenPixels> {
  // Numeric datasets are inflated by a worker thread (started first, so it works while the positions are
  // scanned here); char-array ids (PIXCVec) are read on this thread.
  const numeric = new Map<string, { name: string; width: number; array: ArrayName }>();
  for (const c of columns) if (c.array) numeric.set(c.dataset, { name: c.dataset, width: c.width, array: c.array });
  for (const name of [coords.lat, coords.lon]) {
    if (!numeric.has(name)) {
      const meta = where.dataset(name).metadata as { type: number; size: number; signed?: boolean };
      numeric.set(name, { name, width: 1, array: arrayOf(meta) });
    }
  }
  const blocks = new PixelBlocks(where.file, where.group, length, [...numeric.values()]);
  const strings = new Map(columns.filter((c) => !c.array).map((c) => [c.dataset, new DatasetReader(where.dataset(c.dataset), length)]));
  try {
    return await encode(
      file,
      {
        columns,
        read: (dataset, from, n) => strings.get(dataset)?.rows(from, n) ?? blocks.rows(dataset, from, n),
        length,
        row: 0,
        lat: coords.lat,
        lon: coords.lon,
        latFill: coords.latFill,
        failure: null,
        positions: new Positions(options.covers)
      },
      options
    );
  } finally {
    await blocks.close();
  }
}

/** Runs DuckDB's COPY over the scan: the GeoParquet file, written to a temporary name then renamed. */
async function encode(file: string, scan: Scan, options: WriteOptions): Promise<WrittenPixels> {
  const { columns, length } = scan;
  const db = await encoder(options.spillDir);
  const id = ++nextScan;
  scans.set(id, scan);
  const rowGroupSize = rowGroupRows(length);
  const select = [
    ...columns.map((c) => `${decoded(c)} as ${sqlName(c.name)}`),
    '__geometry as geometry',
    'case when __x is null then null else struct_pack(xmin := __x, ymin := __y, xmax := __x, ymax := __y) end as bbox'
  ].join(', ');
  const metadata = Object.entries(options.metadata())
    .map(([k, v]) => `${sqlText(k)}: ${sqlText(v)}`)
    .join(', ');
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(path.dirname(file), { recursive: true });
  const connection = await db.connect();
  try {
    await connection.run(
      `copy (select ${select} from hysope_pixels(${id})) to ${sqlText(tmp)} (format parquet, compression zstd, row_group_size ${rowGroupSize}, kv_metadata {${metadata}})`
    );
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw scan.failure ?? error;
  } finally {
    scans.delete(id);
    connection.closeSync();
  }
  const info = await stat(file);
  return { path: file, bytes: info.size, rows: length, rowGroups: Math.ceil(length / rowGroupSize), ...scan.positions.result() };
}

/**
 * The SQL that decodes a column as the granule means it (run by DuckDB's threads, vectorized): fill values
 * and NaN as nulls (a fill beyond 1e30 matching any value beyond it, as netCDF readers do), scale and
 * offset applied, times from seconds since 2000-01-01 to UTC timestamps.
 */
function decoded(c: Column): string {
  const name = sqlName(c.name);
  if (c.kind === 'string') return name;
  const real = c.type === FLOAT || c.type === DOUBLE;
  const fill = c.fill === undefined ? null : `${c.fill}::${c.type === FLOAT ? 'FLOAT' : 'DOUBLE'}`;
  const tests = [
    ...(real ? [`isnan(${name})`] : []),
    ...(fill === null ? [] : [Math.abs(c.fill!) > 1e30 && real ? `abs(${name}) > 1e30` : `${name} = ${fill}`])
  ];
  let value = c.scale !== undefined || c.offset !== undefined ? `${name}::DOUBLE * ${c.scale ?? 1} + ${c.offset ?? 0}` : name;
  if (c.kind === 'time') value = `to_timestamp(${name} + ${SWOT_EPOCH_MS / 1000})`;
  return tests.length ? `case when ${tests.join(' or ')} then null else ${value} end` : value;
}

/** Rows per row group: about 64 groups per file, whole vectors, at most 122,880 rows (DuckDB's default). */
function rowGroupRows(length: number): number {
  return Math.min(122_880, Math.max(VECTOR_ROWS, Math.ceil(length / 64 / VECTOR_ROWS) * VECTOR_ROWS));
}

/** One vector's WKB points: a reused buffer, with a view per row made once (no allocation per pixel). */
const points = (() => {
  const wkb = new Uint8Array(21 * VECTOR_ROWS);
  const view = new DataView(wkb.buffer);
  const values = Array.from({ length: VECTOR_ROWS }, (_, i) => {
    wkb[i * 21] = 1;
    view.setUint32(i * 21 + 1, 1, true);
    return { bytes: wkb.subarray(i * 21, i * 21 + 21) };
  });
  return { wkb, view, values };
})();

/** Fills DuckDB's next vector of rows from the HDF5 datasets: columns, then WKB points and their x/y. */
function produce(scan: Scan, chunk: DuckDBDataChunk): void {
  const count = Math.min(VECTOR_ROWS, scan.length - scan.row);
  chunk.rowCount = Math.max(0, count);
  if (count <= 0) return;
  const row = scan.row;
  scan.columns.forEach((column, k) => fillColumn(chunk, k, column, scan.read(column.dataset, row, count)));
  const la = scan.read(scan.lat, row, count);
  const lo = scan.read(scan.lon, row, count);
  const k = scan.columns.length;
  const geometry = chunk.getColumnVector(k);
  const gx = chunk.getColumnVector(k + 1) as unknown as { items: Float64Array; setItem(i: number, v: null): void; flush(): void };
  const gy = chunk.getColumnVector(k + 2) as unknown as { items: Float64Array; setItem(i: number, v: null): void; flush(): void };
  const { view, values } = points;
  const positions = scan.positions;
  for (let i = 0; i < count; i++) {
    const y = Number(la.values[la.at + i]);
    const x = pixelLongitude(Number(lo.values[lo.at + i]), y, scan.latFill);
    if (Number.isNaN(x)) {
      geometry.setItem(i, null);
      gx.setItem(i, null);
      gy.setItem(i, null);
      continue;
    }
    positions.add(x, y);
    // WKB point, little endian; DuckDB copies the bytes when the vector is flushed, so one buffer serves every vector.
    const o = i * 21;
    view.setFloat64(o + 5, x, true);
    view.setFloat64(o + 13, y, true);
    geometry.setItem(i, values[i] as never);
    gx.items[i] = x;
    gy.items[i] = y;
  }
  geometry.flush();
  gx.flush();
  gy.flush();
  scan.row += count;
}

/** Copies a column's raw values for rows [row, row + count) into DuckDB's vector (decoding happens in SQL). */
function fillColumn(chunk: DuckDBDataChunk, k: number, column: Column, { values, at }: { values: Typed | string[]; at: number }): void {
  const count = chunk.rowCount;
  const vector = chunk.getColumnVector(k) as unknown as { items?: Typed; setItem(i: number, v: unknown): void; flush(): void };
  const width = column.width;
  if (column.kind === 'string') {
    const strings = values as string[];
    for (let i = 0; i < count; i++) {
      vector.setItem(i, charText(width === 1 ? strings[at + i] : strings.slice(at + i * width, at + (i + 1) * width).join('')));
    }
    vector.flush();
    return;
  }
  const data = values as Typed;
  const items = vector.items!;
  if (width === 1 && items.constructor === data.constructor) (items as Float64Array).set((data as Float64Array).subarray(at, at + count));
  else {
    const part = column.part;
    for (let i = 0; i < count; i++) (items as Float64Array)[i] = Number(data[at + i * width + part]);
  }
  vector.flush();
}
