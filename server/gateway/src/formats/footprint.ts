import type { Geometry } from '@hysope/api';
import { inDateRange } from '@hysope/api';
import { bboxPolygon, type Product } from './product.js';
import { fromWkb } from './wkb.js';
import { pointCover } from '../catalog/spatial.js';

type Ring = number[][];

/** Every vertex of every feature, as two coordinate arrays (lon/lat columns when the product has them). */
function vertices(product: Product): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  if (!product.table) return { xs, ys };
  const lon = product.table.getChild('longitude');
  const lat = product.table.getChild('latitude');
  if (lon && lat && product.geometryTypes.every((t) => t === 'Point')) {
    const a = lon.toArray() as ArrayLike<number>;
    const b = lat.toArray() as ArrayLike<number>;
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) continue;
      xs.push(a[i]!);
      ys.push(b[i]!);
    }
    return { xs, ys };
  }
  const geometry = product.table.getChild('geometry');
  if (!geometry) return { xs, ys };
  const add = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      if (!Number.isFinite(c[0]) || !Number.isFinite(c[1])) return;
      xs.push(c[0] as number);
      ys.push(c[1] as number);
    } else if (Array.isArray(c)) for (const x of c) add(x);
  };
  for (let i = 0; i < geometry.length; i++) {
    const wkb = geometry.get(i) as Uint8Array | null;
    if (wkb) add((fromWkb(wkb) as { coordinates: unknown }).coordinates);
  }
  return { xs, ys };
}

/** Convex hull (Andrew's monotone chain, after discarding the points inside the extremes' octagon), closed and counter-clockwise. */
export function convexHull(xs0: ArrayLike<number>, ys0: ArrayLike<number>, n: number = xs0.length): Ring {
  // One array type inside (the loops below see millions of pixels: keep them monomorphic).
  const xs = xs0 instanceof Float64Array ? xs0 : Float64Array.from(xs0);
  const ys = ys0 instanceof Float64Array ? ys0 : Float64Array.from(ys0);
  // Akl-Toussaint: the extreme points in 8 directions bound a polygon whose inside cannot be on the hull.
  // Directions: -x, +x, -y, +y, x+y, -(x+y), x-y, y-x (inline: millions of pixels pass here).
  const ext = [0, 0, 0, 0, 0, 0, 0, 0];
  const best = [-xs[0]!, xs[0]!, -ys[0]!, ys[0]!, xs[0]! + ys[0]!, -(xs[0]! + ys[0]!), xs[0]! - ys[0]!, ys[0]! - xs[0]!];
  for (let i = 1; i < n; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    const scores = [-x, x, -y, y, x + y, -(x + y), x - y, y - x];
    for (let k = 0; k < 8; k++) {
      if (scores[k]! > best[k]!) {
        best[k] = scores[k]!;
        ext[k] = i;
      }
    }
  }
  const order = [ext[0]!, ext[5]!, ext[2]!, ext[6]!, ext[1]!, ext[4]!, ext[3]!, ext[7]!];
  const ox = new Float64Array(8);
  const oy = new Float64Array(8);
  order.forEach((i, k) => {
    ox[k] = xs[i]!;
    oy[k] = ys[i]!;
  });
  const strictlyInside = (x: number, y: number) => {
    for (let k = 0; k < 8; k++) {
      const j = (k + 1) & 7;
      if ((ox[j]! - ox[k]!) * (y - oy[k]!) - (oy[j]! - oy[k]!) * (x - ox[k]!) <= 0) return false;
    }
    return true;
  };
  const pts: [number, number][] = [];
  for (let i = 0; i < n; i++) if (!strictlyInside(xs[i]!, ys[i]!)) pts.push([xs[i]!, ys[i]!]);
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: number[], a: number[], b: number[]) => (a[0]! - o[0]!) * (b[1]! - o[1]!) - (a[1]! - o[1]!) * (b[0]! - o[0]!);
  const half = (list: [number, number][]) => {
    const h: number[][] = [];
    for (const p of list) {
      while (h.length >= 2 && cross(h[h.length - 2]!, h[h.length - 1]!, p) <= 0) h.pop();
      h.push(p);
    }
    h.pop();
    return h;
  };
  const hull = [...half(pts), ...half([...pts].reverse())];
  return [...hull, [...hull[0]!]];
}

/** The part of a ring on one side of the meridian x = m (Sutherland-Hodgman). */
function clip(ring: Ring, m: number, keepWest: boolean): Ring {
  const inside = (p: number[]) => (keepWest ? p[0]! <= m : p[0]! >= m);
  const out: Ring = [];
  for (let i = 0; i < ring.length - 1; i++) {
    const a = ring[i]!;
    const b = ring[i + 1]!;
    if (inside(a)) out.push(a);
    if (inside(a) !== inside(b)) {
      const t = (m - a[0]!) / (b[0]! - a[0]!);
      out.push([m, a[1]! + t * (b[1]! - a[1]!)]);
    }
  }
  if (out.length < 3) return [];
  return [...out, [...out[0]!]];
}

/**
 * A footprint that covers every feature: the granule's own (swath corners) when it already does, else the
 * convex hull of its features and corners — compact, and split in two at the antimeridian when the features
 * cross it.
 */
export function coveringFootprint(footprint: Geometry, xs: number[], ys: number[]): Geometry {
  const covers = pointCover(footprint);
  let covered = true;
  for (let i = 0; i < xs.length && covered; i++) covered = covers(xs[i]!, ys[i]!);
  if (covered || xs.length === 0) return footprint;
  const all = { xs: [...xs], ys: [...ys] };
  const add = (c: number[]) => {
    all.xs.push(c[0]!);
    all.ys.push(c[1]!);
  };
  if (footprint.type === 'Polygon') footprint.coordinates[0]!.forEach(add);
  else if (footprint.type === 'MultiPolygon') footprint.coordinates.forEach((p) => p[0]!.forEach(add));
  else if (footprint.type === 'Point') add(footprint.coordinates);
  let west = Infinity;
  let east = -Infinity;
  for (const x of all.xs) {
    west = Math.min(west, x);
    east = Math.max(east, x);
  }
  // Across the antimeridian: the features read as one compact group once western longitudes are shifted by 360°.
  let shifted = false;
  if (east - west > 180) {
    const moved = all.xs.map((x) => (x < 0 ? x + 360 : x));
    if (Math.max(...moved) - Math.min(...moved) < east - west) {
      all.xs = moved;
      shifted = true;
    }
  }
  const hull = convexHull(all.xs, all.ys);
  if (hull.length < 4 || new Set(hull.map((p) => `${p[0]},${p[1]}`)).size < 3) {
    // Collinear or a single point: a thin box around them.
    return bboxPolygon([Math.min(...all.xs) - 1e-6, Math.min(...all.ys) - 1e-6, Math.max(...all.xs) + 1e-6, Math.max(...all.ys) + 1e-6]);
  }
  if (!shifted || hull.every((p) => p[0]! <= 180))
    return { type: 'Polygon', coordinates: [hull.map((p) => [shifted && p[0]! > 180 ? p[0]! - 360 : p[0]!, p[1]!])] };
  const westPart = clip(hull, 180, true);
  const eastPart = clip(hull, 180, false).map((p) => [p[0]! - 360, p[1]!]);
  return { type: 'MultiPolygon', coordinates: [westPart, eastPart].filter((r) => r.length >= 4).map((r) => [r]) };
}

/** Observation times of the product (its `time` column), as epoch ms: [min, max], or null. */
function timeRange(product: Product): [number, number] | null {
  const time = product.table?.getChild('time');
  if (!time || !String(time.type).startsWith('Timestamp')) return null;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < time.length; i++) {
    const v = time.get(i) as number | bigint | Date | null;
    const ms = v === null ? NaN : typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.getTime() : Number(v);
    if (!Number.isFinite(ms) || !inDateRange(ms)) continue;
    min = Math.min(min, ms);
    max = Math.max(max, ms);
  }
  return Number.isFinite(min) ? [min, max] : null;
}

/** The product with a footprint covering every feature and a time range covering every observation. */
export function coverObservations(product: Product): Product {
  const { xs, ys } = vertices(product);
  const footprint = coveringFootprint(product.footprint, xs, ys);
  const range = timeRange(product);
  const start = range && range[0] < product.start.getTime() ? new Date(range[0]) : product.start;
  const end = range && range[1] > product.end.getTime() ? new Date(range[1]) : product.end;
  return { ...product, footprint, start, end };
}
