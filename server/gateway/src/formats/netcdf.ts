import { stat } from 'node:fs/promises';
import type h5wasm from 'h5wasm/node';
import { Table, type Vector } from 'apache-arrow';
import { binaryVector, numericVector, stringVector, SWOT_EPOCH_MS, timestampVector, type NumericArray } from './arrow-columns.js';
import { parseGranuleName } from './granule-name.js';
import { GranuleError, bboxPolygon, swathPolygon, type CollectionId, type FieldInfo, type Product } from './product.js';
import { toWkb } from './wkb.js';
import { pixelStream } from './pixc-stream.js';
import { attr, attrNumber, charText, hdf5, rowDatasets } from './hdf5-reader.js';
import type { Geometry } from '@hysope/api';

type H5File = InstanceType<typeof h5wasm.File>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;
type H5Group = InstanceType<typeof h5wasm.Group>;

/** Every `step`-th value of a flattened [n, step] array, from `offset`, in the same array type. */
function strided(data: NumericArray, step: number, offset: number, length: number): NumericArray {
  const Ctor = data.constructor as new (n: number) => NumericArray;
  const out = new Ctor(length);
  for (let i = 0; i < length; i++) (out as unknown as number[])[i] = (data as unknown as number[])[i * step + offset]!;
  return out;
}

/** Columns of one group's 1D/2D datasets along its main dimension. */
function readGroupColumns(group: H5Group, length: number, columns: Record<string, Vector>, fields: Record<string, FieldInfo>): void {
  for (const { name, ds, shape, units, long_name } of rowDatasets(group, length)) {
    const info: FieldInfo = { units, long_name };
    const fill = attrNumber(ds, '_FillValue');
    const scale = attrNumber(ds, 'scale_factor');
    const offset = attrNumber(ds, 'add_offset');
    const value = ds.value as unknown;
    if (Array.isArray(value) || typeof value === 'string') {
      // Strings: fixed-length char arrays [n, m] come back as n*m one-character strings.
      const flat = (Array.isArray(value) ? value : [value]) as string[];
      const width = shape.length === 2 ? shape[1]! : 1;
      const strings: (string | null)[] = [];
      for (let i = 0; i < length; i++) {
        strings.push(charText(width === 1 ? flat[i] : flat.slice(i * width, (i + 1) * width).join('')));
      }
      columns[name] = stringVector(strings);
      fields[name] = info;
      continue;
    }
    if (!ArrayBuffer.isView(value)) continue;
    let data = value as unknown as NumericArray;
    if (data instanceof BigInt64Array || (data as unknown) instanceof BigUint64Array) {
      data = Float64Array.from(data as unknown as ArrayLike<bigint>, (b) => Number(b));
    }
    const isFill = (v: number) => fill !== undefined && (v === fill || (Math.abs(fill) > 1e30 && Math.abs(v) > 1e30));
    const apply = (arr: NumericArray): NumericArray =>
      scale !== undefined || offset !== undefined
        ? Float64Array.from(arr as ArrayLike<number>, (v) => (isFill(v) ? NaN : v * (scale ?? 1) + (offset ?? 0)))
        : arr;
    const parts = shape.length === 2 ? shape[1]! : 1;
    for (let p = 0; p < parts; p++) {
      const column = parts === 1 ? data : strided(data, parts, p, length);
      const colName = parts === 1 ? name : `${name}_${p}`;
      if (/^illumination_time$|^time$/.test(name)) {
        columns[name] = timestampVector(Float64Array.from(column as ArrayLike<number>, (s) => (isFill(s) ? NaN : SWOT_EPOCH_MS + s * 1000)));
      } else columns[colName] = numericVector(apply(column), isFill);
      fields[colName] = info;
    }
  }
}

/** The `tvp` group (nadir track: time, position, attitude, antenna positions) as a table of points. */
function readTvp(group: H5Group): { table: Table; bbox: [number, number, number, number] } | undefined {
  const lat = group.get('latitude') as H5Dataset | null;
  const lon = group.get('longitude') as H5Dataset | null;
  if (!lat || !lon || !lat.shape?.[0]) return undefined;
  const length = lat.shape[0];
  const columns: Record<string, Vector> = {};
  readGroupColumns(group, length, columns, {});
  const lats = lat.value as Float64Array;
  const lons = lon.value as Float64Array;
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  const wkb = Array.from({ length }, (_, i) => {
    const x = lons[i]! > 180 ? lons[i]! - 360 : lons[i]!;
    const y = lats[i]!;
    if (!Number.isFinite(x) || Math.abs(y) > 90) return null;
    w = Math.min(w, x);
    e = Math.max(e, x);
    s = Math.min(s, y);
    n = Math.max(n, y);
    return toWkb({ type: 'Point', coordinates: [x, y] });
  });
  columns['geometry'] = binaryVector(wkb);
  return { table: new Table(columns), bbox: Number.isFinite(w) ? [w, s, e, n] : [0, 0, 0, 0] };
}

/** `[w, s, e, n]` of a polygon's outer ring, or null. */
function extentOf(polygon: Geometry | null): [number, number, number, number] | null {
  if (!polygon || polygon.type !== 'Polygon') return null;
  const ring = polygon.coordinates[0]!;
  const xs = ring.map((p) => p[0]!);
  const ys = ring.map((p) => p[1]!);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** The extent a granule states in its global attributes (`geospatial_*`), or an empty one. */
function stated(a: (k: string) => number | undefined): [number, number, number, number] {
  const v = [a('geospatial_lon_min'), a('geospatial_lat_min'), a('geospatial_lon_max'), a('geospatial_lat_max')];
  return v.every((x) => x !== undefined) ? (v as [number, number, number, number]) : [0, 0, 0, 0];
}

/**
 * Reads a SWOT PIXC or PIXCVec NetCDF4 granule (current layout with `pixel_cloud`/`tvp` groups and
 * global attributes; and the pre-launch layout with attributes on the group) into one row per pixel.
 * @throws GranuleError naming the file and what is wrong with it
 */
export async function readPixc(file: string): Promise<Product> {
  const granule = parseGranuleName(file);
  if (!granule) throw new GranuleError(file, 'not a SWOT granule name (SWOT_L2_HR_PIXC..._<CRID>_<counter>.nc)');
  const isVec = /PIXCVec|pixcvec/.test(granule.name) || granule.shortName === 'L2_HR_LakeTile';
  const collection: CollectionId = isVec ? 'swot-pixcvec' : 'swot-pixc';
  const library = await hdf5();
  let h5: H5File;
  try {
    h5 = new library.File(file, 'r');
  } catch (error) {
    throw new GranuleError(file, `not a readable NetCDF4/HDF5 file (${(error as Error).message})`);
  }
  try {
    if ((h5 as unknown as { file_id: bigint | number }).file_id < 0) throw new GranuleError(file, 'not a readable NetCDF4/HDF5 file');
    const keys = h5.keys();
    const group = (keys.includes('pixel_cloud') ? h5.get('pixel_cloud') : h5) as H5Group;
    const attrsHolder = attrNumber(h5, 'cycle_number') !== undefined ? h5 : group;
    const lat = group.get(isVec ? 'latitude_vectorproc' : 'latitude') as H5Dataset | null;
    const lon = group.get(isVec ? 'longitude_vectorproc' : 'longitude') as H5Dataset | null;
    const dimension = (group.get('points') ?? group.get('record')) as H5Dataset | null;
    if ((!lat || !lon) && dimension?.shape?.[0] === 0) throw new GranuleError(file, 'the product holds no pixels: nothing to catalog');
    if (!lat || !lon) throw new GranuleError(file, 'no latitude/longitude datasets: not a PIXC or PIXCVec product');
    const length = lat.shape![0]!;
    if (length === 0) throw new GranuleError(file, 'the product holds no pixels: nothing to catalog');
    const fields: Record<string, FieldInfo> = {};
    // The pixels are streamed when the product is written (millions of them: never held whole).
    const stream = pixelStream(file, group, length, fields, { lat: lat.path.split('/').pop()!, lon: lon.path.split('/').pop()! });
    const a = (k: string) => attrNumber(attrsHolder, k);
    const corner = (side: string, which: string) => [
      a(`${side}_${which}_longitude`) ?? a(`${side}_${which}_lon`),
      a(`${side}_${which}_latitude`) ?? a(`${side}_${which}_lat`)
    ];
    const swath = swathPolygon([corner('inner', 'first'), corner('inner', 'last'), corner('outer', 'last'), corner('outer', 'first')]);
    // Until the pixels are read: the swath's extent (the granule's stated extent without corners).
    const bbox = extentOf(swath) ?? stated(a);
    const footprint = swath ?? bboxPolygon(bbox);
    const text = (k: string) => {
      const v = attr(attrsHolder, k);
      return typeof v === 'string' ? v : undefined;
    };
    const time = (t: string | undefined, fallback: Date) => {
      if (!t) return fallback;
      const ms = Date.parse(t.replace(' ', 'T').replace(/Z?$/, 'Z'));
      return Number.isNaN(ms) ? fallback : new Date(ms);
    };
    const tile = text('tile_name') ?? text('tile_ref') ?? granule.tile;
    const auxiliary = keys.includes('tvp') ? readTvp(h5.get('tvp') as H5Group) : undefined;
    const info = await stat(file);
    return {
      collection,
      id: granule.name,
      stream,
      geometryTypes: ['Point'],
      bbox,
      footprint,
      start: time(text('time_coverage_start'), granule.start),
      end: time(text('time_coverage_end'), granule.end),
      properties: {
        'swot:short_name': granule.shortName,
        'swot:cycle': a('cycle_number') ?? granule.cycle,
        'swot:pass': a('pass_number') ?? granule.pass,
        'swot:tile': tile,
        'swot:swath_side': text('swath_side') ?? granule.swathSide,
        'swot:crid': granule.crid,
        'swot:product_counter': granule.counter,
        'swot:feature_count': length,
        'swot:layout': keys.includes('pixel_cloud') && attrsHolder === h5 ? 'current' : isVec && attrsHolder === h5 ? 'current' : 'pre-launch',
        ...(text('institution') ? { 'processing:facility': text('institution') } : {}),
        ...(text('source') ? { 'processing:lineage': text('source') } : {})
      },
      fields,
      ...(auxiliary ? { auxiliary: { tvp: auxiliary } } : {}),
      source: { path: file, bytes: info.size, mediaType: 'application/x-netcdf' }
    };
  } finally {
    h5.close();
  }
}
