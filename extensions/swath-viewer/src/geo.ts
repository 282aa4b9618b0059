// Geometry and colour helpers of the swath viewer: WKB to flat typed arrays (deck.gl binary attributes,
// no per-row objects) and colour ramps.

/** Flat paths or rings: vertex i of feature k is at `positions[2*(starts[k]+i)]`. */
export interface FlatGeometry {
  /** Feature count. */
  length: number;
  /** Start vertex of each feature, plus one final entry (total vertex count). */
  starts: Uint32Array;
  /** lon, lat interleaved. */
  positions: Float64Array;
  /** Row of the source table each feature comes from. */
  rows: Uint32Array;
}

/**
 * Reads WKB LineStrings, MultiLineStrings, Polygons and MultiPolygons into flat arrays. Each line (or the
 * outer ring of each polygon) becomes one feature; `rows` maps it back to its table row.
 */
export function flattenWkb(blobs: ArrayLike<Uint8Array | null>): FlatGeometry {
  const starts: number[] = [0];
  const rows: number[] = [];
  let coords = new Float64Array(1024);
  let n = 0;
  const push = (x: number, y: number) => {
    if (n + 2 > coords.length) {
      const bigger = new Float64Array(coords.length * 2);
      bigger.set(coords);
      coords = bigger;
    }
    coords[n++] = x;
    coords[n++] = y;
  };
  for (let r = 0; r < blobs.length; r++) {
    const b = blobs[r];
    if (!b || b.byteLength < 5) continue;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let o = 0;
    const readGeometry = () => {
      const le = view.getUint8(o) === 1;
      o += 1;
      const rawType = view.getUint32(o, le);
      o += 4;
      const type = rawType % 1000;
      const dims = rawType >= 3000 ? 4 : rawType >= 1000 ? 3 : 2;
      const u32 = () => {
        const v = view.getUint32(o, le);
        o += 4;
        return v;
      };
      const points = (keep: boolean) => {
        const count = u32();
        for (let i = 0; i < count; i++) {
          if (keep) push(view.getFloat64(o, le), view.getFloat64(o + 8, le));
          o += 8 * dims;
        }
        if (keep) {
          starts.push(n / 2);
          rows.push(r);
        }
      };
      if (type === 2) points(true);
      else if (type === 3) {
        const rings = u32();
        for (let i = 0; i < rings; i++) points(i === 0);
      } else if (type === 5 || type === 6 || type === 7) {
        const parts = u32();
        for (let i = 0; i < parts; i++) readGeometry();
      } else if (type === 1) o += 8 * dims;
      else throw new Error(`WKB geometry type ${rawType} is not drawn by the viewer`);
    };
    readGeometry();
  }
  return { length: rows.length, starts: Uint32Array.from(starts), positions: coords.slice(0, n), rows: Uint32Array.from(rows) };
}

/** Interleaves two coordinate columns into lon, lat pairs. */
export function interleave(lon: ArrayLike<number>, lat: ArrayLike<number>): Float64Array {
  const out = new Float64Array(lon.length * 2);
  for (let i = 0; i < lon.length; i++) {
    out[2 * i] = lon[i]!;
    out[2 * i + 1] = lat[i]!;
  }
  return out;
}

/** Five stops of viridis, a perceptually uniform ramp readable in light and dark themes. */
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37]
];

/** The colour of `t` in [0, 1] on the ramp. */
export function ramp(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** The 2nd and 98th percentiles of the finite values (a colour scale that outliers do not flatten). */
export function robustRange(values: ArrayLike<number | null>): [number, number] {
  const finite: number[] = [];
  const step = Math.max(1, Math.floor(values.length / 20000));
  for (let i = 0; i < values.length; i += step) {
    const v = values[i];
    if (v !== null && v !== undefined && Number.isFinite(v) && Math.abs(v) < 1e11) finite.push(v);
  }
  if (!finite.length) return [0, 1];
  finite.sort((a, b) => a - b);
  const lo = finite[Math.floor(finite.length * 0.02)]!;
  const hi = finite[Math.min(finite.length - 1, Math.floor(finite.length * 0.98))]!;
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

// The flag palettes are the shared SWOT metadata's (@hysope/api).
import { PIXC_CLASSES, QUALITY, type Palette } from '@hysope/api';
export { PIXC_CLASSES, QUALITY, type Palette };

const FILL_LIMIT = 1e11;

/**
 * RGBA colours, one per value: a palette for categorical variables, the ramp over `range` otherwise; fill
 * values and nulls are grey and half transparent.
 */
export function colorize(values: ArrayLike<number | null>, range: [number, number], palette?: Palette, alpha = 220): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const [lo, hi] = range;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let c: [number, number, number] = [150, 150, 150];
    let a = 90;
    if (v !== null && v !== undefined && Number.isFinite(v) && Math.abs(v) < FILL_LIMIT) {
      if (palette) c = palette[v]?.color ?? [150, 150, 150];
      else c = ramp((v - lo) / (hi - lo));
      a = alpha;
    }
    out[4 * i] = c[0];
    out[4 * i + 1] = c[1];
    out[4 * i + 2] = c[2];
    out[4 * i + 3] = a;
  }
  return out;
}

/** Per-vertex colours of flat paths from per-feature colours. */
export function expandColors(geom: FlatGeometry, featureColors: Uint8Array): Uint8Array {
  const total = geom.starts[geom.length]!;
  const out = new Uint8Array(total * 4);
  for (let k = 0; k < geom.length; k++) {
    const row = geom.rows[k]!;
    for (let v = geom.starts[k]!; v < geom.starts[k + 1]!; v++) out.set(featureColors.subarray(4 * row, 4 * row + 4), 4 * v);
  }
  return out;
}

/** The bounding box of interleaved positions. */
export function boundsOf(positions: Float64Array): [number, number, number, number] | null {
  let w = Infinity,
    s = Infinity,
    e = -Infinity,
    n = -Infinity;
  for (let i = 0; i < positions.length; i += 2) {
    const x = positions[i]!;
    const y = positions[i + 1]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (x < w) w = x;
    if (x > e) e = x;
    if (y < s) s = y;
    if (y > n) n = y;
  }
  return w <= e ? [w, s, e, n] : null;
}

/** The XYZ (web mercator) tiles covering a bbox at a zoom level, at most `max` of them. */
export function tilesFor(
  bbox: [number, number, number, number],
  zoom: number,
  max = 64
): { x: number; y: number; z: number; bounds: [number, number, number, number] }[] {
  const z = Math.max(0, Math.min(19, Math.round(zoom)));
  const n = 2 ** z;
  const clampLat = (lat: number) => Math.max(-85.0511, Math.min(85.0511, lat));
  const tx = (lon: number) => Math.max(0, Math.min(n - 1, Math.floor(((lon + 180) / 360) * n)));
  const ty = (lat: number) => {
    const r = (clampLat(lat) * Math.PI) / 180;
    return Math.max(0, Math.min(n - 1, Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)));
  };
  const lonOf = (x: number) => (x / n) * 360 - 180;
  const latOf = (y: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / n))) * 180) / Math.PI;
  const out: { x: number; y: number; z: number; bounds: [number, number, number, number] }[] = [];
  for (let y = ty(bbox[3]); y <= ty(bbox[1]); y++)
    for (let x = tx(bbox[0]); x <= tx(bbox[2]); x++) {
      if (out.length >= max) return out;
      out.push({ x, y, z, bounds: [lonOf(x), latOf(y + 1), lonOf(x + 1), latOf(y)] });
    }
  return out;
}

/** A flat geometry from lists of [lon, lat] (one feature each, rows `firstRow`, `firstRow + 1`, …). */
export function flatGeometry(paths: [number, number][][], firstRow = 0): FlatGeometry {
  const starts = [0];
  const positions: number[] = [];
  for (const p of paths) {
    for (const [x, y] of p) positions.push(x, y);
    starts.push(positions.length / 2);
  }
  return {
    length: paths.length,
    starts: Uint32Array.from(starts),
    positions: Float64Array.from(positions),
    rows: Uint32Array.from(paths.map((_, i) => firstRow + i))
  };
}
