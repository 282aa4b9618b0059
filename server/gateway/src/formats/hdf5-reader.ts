import type h5wasm from 'h5wasm/node';

export type H5Library = typeof h5wasm;
let ready: Promise<H5Library> | null = null;

/**
 * The HDF5 library, loaded, with its errors raised as exceptions in this thread. By default it prints
 * them and goes on: a damaged chunk would be read as whatever the buffer held. Loaded when first asked (its
 * WebAssembly takes ~0.7 s to load: a process reading no HDF5 does not pay it).
 */
export function hdf5(): Promise<H5Library> {
  ready ??= import('h5wasm/node').then(async ({ default: library }) => {
    const module = await library.ready;
    (module as unknown as { activate_throwing_error_handler(): number }).activate_throwing_error_handler();
    return library;
  });
  return ready;
}

export type H5Dataset = InstanceType<typeof h5wasm.Dataset>;
export type H5Group = InstanceType<typeof h5wasm.Group>;

/**
 * The attributes of objects already asked, each value read once: h5wasm lists an object's attributes again at each
 * `attrs` (a PIXC granule's ~60 global attributes for each one asked), and reads a value at each access.
 */
const read = new WeakMap<object, { attrs: Record<string, { value: unknown }>; values: Map<string, unknown> }>();

/** An attribute's value (a one-element array as its element). */
export function attr(obj: { attrs: Record<string, { value: unknown }> }, name: string): unknown {
  let known = read.get(obj);
  if (!known) read.set(obj, (known = { attrs: obj.attrs, values: new Map() }));
  if (!Object.hasOwn(known.attrs, name)) return undefined;
  if (!known.values.has(name)) known.values.set(name, known.attrs[name]!.value);
  const v = known.values.get(name);
  if (ArrayBuffer.isView(v) && (v as unknown as ArrayLike<unknown>).length === 1) return (v as unknown as ArrayLike<unknown>)[0];
  return v;
}

/** A numeric attribute, or undefined when absent or not a finite number. */
export function attrNumber(obj: { attrs: Record<string, { value: unknown }> }, name: string): number | undefined {
  const v = attr(obj, name);
  if (v === undefined || v === null) return undefined;
  const n = Number(typeof v === 'bigint' ? Number(v) : v);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Whether a dataset is a netCDF dimension that is not a variable (a dimension scale netCDF-4 writes to
 * name a dimension: it holds no data, and its values mean nothing).
 */
function pureDimension(ds: H5Dataset): boolean {
  const name = attr(ds, 'NAME');
  return attr(ds, 'CLASS') === 'DIMENSION_SCALE' && typeof name === 'string' && name.startsWith('This is a netCDF dimension but not a netCDF variable');
}

/** The 1D and 2D datasets of a group along its main dimension (`length` rows), with their units and long name. */
export function* rowDatasets(group: H5Group, length: number): Generator<{ name: string; ds: H5Dataset; shape: number[]; units?: string; long_name?: string }> {
  for (const name of group.keys()) {
    const node = group.get(name);
    if (!node || (node as { type?: string }).type !== 'Dataset') continue;
    const ds = node as H5Dataset;
    const shape = ds.shape ?? [];
    if (shape[0] !== length || shape.length > 2 || pureDimension(ds)) continue;
    const units = attr(ds, 'units');
    const longName = attr(ds, 'long_name');
    yield { name, ds, shape, units: typeof units === 'string' ? units : undefined, long_name: typeof longName === 'string' ? longName : undefined };
  }
}

/** The typed arrays the HDF5 library gives numeric datasets as. */
export type Typed = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;

/** A fixed-length char value as text: NULs and padding removed; empty or `no_data` is null. */
export function charText(raw: string | undefined): string | null {
  const text = (raw ?? '').replace(/\0/g, '').trim();
  return text === '' || text === 'no_data' ? null : text;
}

/**
 * A pixel's longitude in -180..180 (the 0..360 convention brought back), or NaN when the pixel has no
 * position (non-finite, the latitude's fill value, or a latitude beyond the poles).
 */
export function pixelLongitude(x: number, y: number, latFill: number | undefined): number {
  if (!Number.isFinite(x) || !Number.isFinite(y) || y === latFill || Math.abs(y) > 90) return NaN;
  return x > 180 ? x - 360 : x;
}

/** Fewest rows read from a dataset at once (then rounded to whole HDF5 chunks, so no chunk is inflated twice). */
export const MIN_SPAN_ROWS = 1 << 16;

/**
 * Reads one dataset forward, in spans of whole HDF5 chunks: each chunk is inflated once, and only the
 * current span is held (bounded memory whatever the pixel count).
 */
export class DatasetReader {
  readonly width: number;
  private readonly span: number;
  private start = 0;
  private end = 0;
  private data: Typed | string[] | null = null;

  constructor(
    readonly ds: H5Dataset,
    readonly length: number
  ) {
    const shape = ds.shape ?? [length];
    this.width = shape.length === 2 ? shape[1]! : 1;
    const chunk = (ds.metadata as { chunks?: number[] | null }).chunks?.[0] ?? length;
    this.span = Math.max(chunk, Math.ceil(MIN_SPAN_ROWS / chunk) * chunk);
  }

  /** Values of rows [from, from + n) (flattened, `width` per row), and the index of row `from` in them. */
  rows(from: number, n: number): { values: Typed | string[]; at: number } {
    if (from < this.start) throw new Error('datasets are read forward only');
    while (from + n > this.end) {
      const next = Math.min(this.length, this.end + this.span);
      const slice = this.ds.slice([[this.end, next]]) as unknown as Typed | string[] | string;
      // A one-value slice of a string dataset comes back as the string itself.
      const fresh = typeof slice === 'string' ? [slice] : slice;
      // Keep the rows still needed from the current span in front of the new one.
      const keepFrom = Math.max(from, this.start);
      const kept = this.data ? this.data.slice((keepFrom - this.start) * this.width, (this.end - this.start) * this.width) : null;
      if (kept && kept.length) {
        if (Array.isArray(fresh)) this.data = [...(kept as string[]), ...fresh];
        else {
          const Ctor = fresh.constructor as new (n: number) => Typed;
          const joined = new Ctor(kept.length + fresh.length);
          (joined as Float64Array).set(kept as Float64Array);
          (joined as Float64Array).set(fresh as Float64Array, kept.length);
          this.data = joined;
        }
        this.start = keepFrom;
      } else {
        this.data = fresh;
        this.start = this.end;
      }
      this.end = next;
    }
    return { values: this.data!, at: (from - this.start) * this.width };
  }
}
