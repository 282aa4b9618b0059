import type { Geometry, SearchGeometry } from '@hysope/api';

type Pt = number[];

interface Parts {
  points: Pt[];
  segments: [Pt, Pt][];
  polygons: Pt[][][];
}

function partsOf(g: SearchGeometry, parts: Parts = { points: [], segments: [], polygons: [] }): Parts {
  const line = (ps: Pt[]) => {
    parts.points.push(...ps);
    for (let i = 0; i + 1 < ps.length; i++) parts.segments.push([ps[i]!, ps[i + 1]!]);
  };
  switch (g.type) {
    case 'Point':
      parts.points.push(g.coordinates);
      break;
    case 'MultiPoint':
      parts.points.push(...g.coordinates);
      break;
    case 'LineString':
      line(g.coordinates);
      break;
    case 'MultiLineString':
      g.coordinates.forEach(line);
      break;
    case 'Polygon':
      g.coordinates.forEach(line);
      parts.polygons.push(g.coordinates);
      break;
    case 'MultiPolygon':
      for (const poly of g.coordinates) {
        poly.forEach(line);
        parts.polygons.push(poly);
      }
      break;
    case 'GeometryCollection':
      for (const member of g.geometries) partsOf(member, parts);
      break;
  }
  return parts;
}

function inRing(p: Pt, ring: Pt[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi! > p[1]! !== yj! > p[1]! && p[0]! < ((xj! - xi!) * (p[1]! - yi!)) / (yj! - yi!) + xi!) inside = !inside;
  }
  return inside;
}

function onSegment(p: Pt, [a, b]: [Pt, Pt]): boolean {
  const cross = (b[0]! - a[0]!) * (p[1]! - a[1]!) - (b[1]! - a[1]!) * (p[0]! - a[0]!);
  if (Math.abs(cross) > 1e-12) return false;
  return p[0]! >= Math.min(a[0]!, b[0]!) && p[0]! <= Math.max(a[0]!, b[0]!) && p[1]! >= Math.min(a[1]!, b[1]!) && p[1]! <= Math.max(a[1]!, b[1]!);
}

function inPolygon(p: Pt, polygon: Pt[][]): boolean {
  if (polygon.some((ring) => ring.some((q, i) => i > 0 && onSegment(p, [ring[i - 1]!, q])))) return true;
  if (!inRing(p, polygon[0]!)) return false;
  return !polygon.slice(1).some((hole) => inRing(p, hole));
}

function orient(a: Pt, b: Pt, c: Pt): number {
  const v = (b[0]! - a[0]!) * (c[1]! - a[1]!) - (b[1]! - a[1]!) * (c[0]! - a[0]!);
  return Math.abs(v) < 1e-15 ? 0 : Math.sign(v);
}

function segmentsCross([a, b]: [Pt, Pt], [c, d]: [Pt, Pt]): boolean {
  const o1 = orient(a, b, c),
    o2 = orient(a, b, d),
    o3 = orient(c, d, a),
    o4 = orient(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  return (o1 === 0 && onSegment(c, [a, b])) || (o2 === 0 && onSegment(d, [a, b])) || (o3 === 0 && onSegment(a, [c, d])) || (o4 === 0 && onSegment(b, [c, d]));
}

function bboxOf(parts: Parts): [number, number, number, number] {
  let w = Infinity,
    s = Infinity,
    e = -Infinity,
    n = -Infinity;
  for (const p of parts.points) {
    w = Math.min(w, p[0]!);
    e = Math.max(e, p[0]!);
    s = Math.min(s, p[1]!);
    n = Math.max(n, p[1]!);
  }
  return [w, s, e, n];
}

/** Whether two 2D geometries share at least one point (OGC `intersects`), planar in lon/lat. */
export function intersects(a: SearchGeometry, b: SearchGeometry): boolean {
  const pa = partsOf(a),
    pb = partsOf(b);
  if (pa.points.length === 0 || pb.points.length === 0) return false; // an empty GeometryCollection meets nothing
  const [aw, as, ae, an] = bboxOf(pa);
  const [bw, bs, be, bn] = bboxOf(pb);
  if (aw > be || bw > ae || as > bn || bs > an) return false;
  if (pa.points.some((p) => pb.polygons.some((poly) => inPolygon(p, poly)))) return true;
  if (pb.points.some((p) => pa.polygons.some((poly) => inPolygon(p, poly)))) return true;
  for (const s of pa.segments) for (const t of pb.segments) if (segmentsCross(s, t)) return true;
  if (pa.segments.length === 0 && pb.segments.length === 0) return pa.points.some((p) => pb.points.some((q) => p[0] === q[0] && p[1] === q[1]));
  if (pa.segments.length === 0) return pa.points.some((p) => pb.segments.some((s) => onSegment(p, s)));
  if (pb.segments.length === 0) return pb.points.some((p) => pa.segments.some((s) => onSegment(p, s)));
  return false;
}

/**
 * A test of whether points lie in a geometry (its polygons, boundary included, or the point itself), with the
 * same predicate as {@link intersects}: footprints are checked with what the search will use.
 */
export function pointCover(g: Geometry): (x: number, y: number) => boolean {
  const parts = partsOf(g);
  return (x, y) => parts.polygons.some((poly) => inPolygon([x, y], poly)) || parts.points.some((p) => p[0] === x && p[1] === y);
}

/** A polygon from `[w, s, e, n]`. */
export function bboxGeometry([w, s, e, n]: number[]): Geometry {
  return {
    type: 'Polygon',
    coordinates: [
      [
        [w!, s!],
        [e!, s!],
        [e!, n!],
        [w!, n!],
        [w!, s!]
      ]
    ]
  };
}

/**
 * The edges of a convex polygon, oriented so a point strictly inside has a positive cross product with each
 * (`margin`: a hair of each edge's length, inside which a point counts as on the boundary); null when the
 * geometry is not one convex polygon.
 */
export function convexEdges(g: Geometry): { ax: Float64Array; ay: Float64Array; dx: Float64Array; dy: Float64Array; margin: Float64Array } | null {
  if (g.type !== 'Polygon' || g.coordinates.length !== 1) return null;
  const ring = g.coordinates[0]!;
  const n = ring.length - 1;
  if (n < 3) return null;
  let sign = 0;
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [ring[i]!, ring[(i + 1) % n]!, ring[(i + 2) % n]!];
    const cross = (b[0]! - a[0]!) * (c[1]! - b[1]!) - (b[1]! - a[1]!) * (c[0]! - b[0]!);
    if (cross === 0) continue;
    if (sign === 0) sign = Math.sign(cross);
    else if (Math.sign(cross) !== sign) return null;
  }
  if (sign === 0) return null;
  const e = { ax: new Float64Array(n), ay: new Float64Array(n), dx: new Float64Array(n), dy: new Float64Array(n), margin: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const [a, b] = [ring[i]!, ring[i + 1]!];
    e.ax[i] = a[0]!;
    e.ay[i] = a[1]!;
    e.dx[i] = sign * (b[0]! - a[0]!);
    e.dy[i] = sign * (b[1]! - a[1]!);
    e.margin[i] = 1e-9 * Math.hypot(e.dx[i]!, e.dy[i]!);
  }
  return e;
}
