// A NetCDF classic (CDF-1) writer, and the CF discrete-sampling-geometry layout of time series on it
// (contiguous ragged array, CF 1.8 §9.3.3): what ncdump, netCDF4-python, xarray and Panoply open.
// Format: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html (big-endian).

export type NcType = 'byte' | 'char' | 'short' | 'int' | 'float' | 'double';
const TYPE_CODE: Record<NcType, number> = { byte: 1, char: 2, short: 3, int: 4, float: 5, double: 6 };
const TYPE_SIZE: Record<NcType, number> = { byte: 1, char: 1, short: 2, int: 4, float: 4, double: 8 };

export type NcAttr = string | number | number[];

export interface NcVariable {
  name: string;
  type: NcType;
  dims: string[];
  /** Numeric attributes take the variable's type (CF wants `_FillValue` so); text is char. */
  attrs?: Record<string, NcAttr>;
  /** Numbers in row-major order; for char variables, one string per row of the last dimension. */
  data: ArrayLike<number> | string[];
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

class Bytes {
  private chunks: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  int(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v);
    this.push(b);
  }
  name(s: string): void {
    const b = new TextEncoder().encode(s);
    this.int(b.length);
    this.push(b);
    this.push(new Uint8Array(pad4(b.length)));
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** Values of a numeric type, big-endian, padded to 4 bytes. */
function numbers(type: NcType, values: ArrayLike<number>): Uint8Array {
  const size = TYPE_SIZE[type];
  const b = new Uint8Array(values.length * size + pad4(values.length * size));
  const v = new DataView(b.buffer);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (type === 'double') v.setFloat64(i * 8, x);
    else if (type === 'float') v.setFloat32(i * 4, x);
    else if (type === 'int') v.setInt32(i * 4, x);
    else if (type === 'short') v.setInt16(i * 2, x);
    else v.setInt8(i, x);
  }
  return b;
}

/** Strings as fixed-width rows of chars (cut or NUL-padded to `width`). */
function chars(rows: string[], width: number): Uint8Array {
  const b = new Uint8Array(rows.length * width + pad4(rows.length * width));
  rows.forEach((s, i) => b.set(new TextEncoder().encode(s).subarray(0, width), i * width));
  return b;
}

function attrs(out: Bytes, list: Record<string, NcAttr> | undefined, numericType: NcType): void {
  const entries = Object.entries(list ?? {});
  if (!entries.length) {
    out.int(0);
    out.int(0);
    return;
  }
  out.int(0x0c);
  out.int(entries.length);
  for (const [name, value] of entries) {
    out.name(name);
    if (typeof value === 'string') {
      const b = new TextEncoder().encode(value);
      out.int(TYPE_CODE.char);
      out.int(b.length);
      out.push(b);
      out.push(new Uint8Array(pad4(b.length)));
    } else {
      const v = Array.isArray(value) ? value : [value];
      const type = numericType === 'char' ? 'double' : numericType;
      out.int(TYPE_CODE[type]);
      out.int(v.length);
      out.push(numbers(type, v));
    }
  }
}

/** A whole NetCDF classic file (no record dimension). */
export function writeNetcdf3(dims: { name: string; size: number }[], globals: Record<string, NcAttr>, variables: NcVariable[]): Uint8Array {
  const dimIndex = new Map(dims.map((d, i) => [d.name, i]));
  const size = (name: string) => dims[dimIndex.get(name)!]!.size;
  const payloads = variables.map((v) => {
    for (const d of v.dims) if (!dimIndex.has(d)) throw new Error(`variable ${v.name}: unknown dimension ${d}`);
    const count = v.dims.reduce((n, d) => n * size(d), 1);
    if (v.type === 'char') {
      const width = v.dims.length ? size(v.dims.at(-1)!) : 1;
      const rows = v.data as string[];
      if (rows.length * width !== count) throw new Error(`variable ${v.name}: ${rows.length} strings for ${count / width} rows`);
      return chars(rows, width);
    }
    if ((v.data as ArrayLike<number>).length !== count) throw new Error(`variable ${v.name}: ${(v.data as ArrayLike<number>).length} values for ${count}`);
    return numbers(v.type, v.data as ArrayLike<number>);
  });
  // The header, twice: once to learn its length (the variables' offsets depend on it), then with the offsets.
  const header = (begins: number[]) => {
    const h = new Bytes();
    h.push(new Uint8Array([0x43, 0x44, 0x46, 0x01]));
    h.int(0);
    if (dims.length) {
      h.int(0x0a);
      h.int(dims.length);
      for (const d of dims) {
        h.name(d.name);
        h.int(d.size);
      }
    } else {
      h.int(0);
      h.int(0);
    }
    attrs(h, globals, 'double');
    h.int(0x0b);
    h.int(variables.length);
    variables.forEach((v, i) => {
      h.name(v.name);
      h.int(v.dims.length);
      for (const d of v.dims) h.int(dimIndex.get(d)!);
      attrs(h, v.attrs, v.type);
      h.int(TYPE_CODE[v.type]);
      h.int(payloads[i]!.length);
      h.int(begins[i] ?? 0);
    });
    return h;
  };
  const length = header([]).length;
  const begins: number[] = [];
  let offset = length;
  for (const p of payloads) {
    begins.push(offset);
    offset += p.length;
  }
  if (offset > 2 ** 31 - 1) throw new Error('a NetCDF classic file is at most 2 GiB: ask Parquet for this much');
  const out = header(begins);
  for (const p of payloads) out.push(p);
  return out.concat();
}

/** One feature's observations for {@link timeSeriesNetcdf}. */
export interface SeriesColumn {
  name: string;
  type: 'int' | 'float' | 'text';
  units?: string | null;
  longName?: string;
  values: (number | string | null)[];
}

/** The UTF-8 length of the longest string (1 at least): a loop, not a spread (which overflows the stack past ~100,000 values). */
function widest(texts: string[]): number {
  let width = 1;
  for (const t of texts) width = Math.max(width, Buffer.byteLength(t));
  return width;
}

/** Fill values written for missing numbers (SWOT's for floats; netCDF's default for ints). */
export const NC_FILL = { double: -999999999999, int: -2147483647 } as const;

/**
 * Time series of many features as a CF-1.8 discrete sampling geometry (featureType timeSeries, contiguous ragged
 * array): `station` features with their id and location, `obs` observations in feature order with `row_size`
 * observations each, time in seconds since 2000-01-01 (SWOT's epoch).
 */
export function timeSeriesNetcdf(opts: {
  title: string;
  source: string;
  history: string;
  idName: string;
  features: { id: string; lon: number | null; lat: number | null; count: number }[];
  /** Milliseconds since 1970, per observation (null when unknown). */
  times: (number | null)[];
  columns: SeriesColumn[];
}): Uint8Array {
  const n = opts.features.length;
  const m = opts.times.length;
  const idWidth = widest(opts.features.map((f) => f.id));
  const dims = [
    { name: 'station', size: n },
    { name: 'obs', size: m },
    { name: 'id_strlen', size: idWidth }
  ];
  const EPOCH_2000 = Date.UTC(2000, 0, 1);
  const num = (v: number | null, fill: number) => (v === null || !Number.isFinite(v) ? fill : v);
  const variables: NcVariable[] = [
    {
      name: opts.idName,
      type: 'char',
      dims: ['station', 'id_strlen'],
      attrs: { cf_role: 'timeseries_id', long_name: `${opts.idName.replace(/_/g, ' ')}` },
      data: opts.features.map((f) => f.id)
    },
    {
      name: 'row_size',
      type: 'int',
      dims: ['station'],
      attrs: { sample_dimension: 'obs', long_name: 'number of observations of the feature' },
      data: opts.features.map((f) => f.count)
    },
    {
      name: 'lon',
      type: 'double',
      dims: ['station'],
      attrs: { standard_name: 'longitude', units: 'degrees_east', long_name: 'longitude of the feature (prior location)', _FillValue: NC_FILL.double },
      data: opts.features.map((f) => num(f.lon, NC_FILL.double))
    },
    {
      name: 'lat',
      type: 'double',
      dims: ['station'],
      attrs: { standard_name: 'latitude', units: 'degrees_north', long_name: 'latitude of the feature (prior location)', _FillValue: NC_FILL.double },
      data: opts.features.map((f) => num(f.lat, NC_FILL.double))
    },
    {
      name: 'time',
      type: 'double',
      dims: ['obs'],
      attrs: {
        standard_name: 'time',
        long_name: 'time of the observation (UTC)',
        units: 'seconds since 2000-01-01 00:00:00',
        calendar: 'standard',
        axis: 'T',
        _FillValue: NC_FILL.double
      },
      data: opts.times.map((t) => (t === null ? NC_FILL.double : (t - EPOCH_2000) / 1000))
    }
  ];
  for (const c of opts.columns) {
    const common = { long_name: c.longName ?? c.name, coordinates: `time lat lon ${opts.idName}`, ...(c.units ? { units: c.units } : {}) };
    if (c.type === 'text') {
      const width = widest(c.values.map((v) => String(v ?? '')));
      dims.push({ name: `${c.name}_strlen`, size: width });
      variables.push({
        name: c.name,
        type: 'char',
        dims: ['obs', `${c.name}_strlen`],
        attrs: { long_name: common.long_name },
        data: c.values.map((v) => String(v ?? ''))
      });
    } else {
      // Integers keep netCDF's default int fill; everything else is a double with SWOT's fill.
      const type = c.type === 'int' ? 'int' : 'double';
      const fill = NC_FILL[type];
      variables.push({ name: c.name, type, dims: ['obs'], attrs: { ...common, _FillValue: fill }, data: c.values.map((v) => num(v as number | null, fill)) });
    }
  }
  return writeNetcdf3(
    dims,
    { Conventions: 'CF-1.8', featureType: 'timeSeries', title: opts.title, institution: 'HYSOPE', source: opts.source, history: opts.history },
    variables
  );
}
