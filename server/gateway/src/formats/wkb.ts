import type { Geometry, SearchGeometry } from '@hysope/api';

type Ring = number[][];

/** Geometry kinds a product column may hold, as GeoParquet names them. */
export type GeometryTypeName = 'Point' | 'LineString' | 'Polygon' | 'MultiPoint' | 'MultiLineString' | 'MultiPolygon';

const CODES: Record<GeometryTypeName, number> = { Point: 1, LineString: 2, Polygon: 3, MultiPoint: 4, MultiLineString: 5, MultiPolygon: 6 };

function sizeOf(g: Geometry): number {
  switch (g.type) {
    case 'Point':
      return 5 + 16;
    case 'LineString':
      return 9 + 16 * g.coordinates.length;
    case 'Polygon':
      return 9 + g.coordinates.reduce((n, r) => n + 4 + 16 * r.length, 0);
    case 'MultiPoint':
      return 9 + 21 * g.coordinates.length;
    case 'MultiLineString':
      return 9 + g.coordinates.reduce((n, l) => n + 9 + 16 * l.length, 0);
    case 'MultiPolygon':
      return 9 + g.coordinates.reduce((n, p) => n + 9 + p.reduce((m, r) => m + 4 + 16 * r.length, 0), 0);
  }
}

/** Encodes a 2D GeoJSON geometry as little-endian ISO WKB. */
export function toWkb(g: Geometry): Uint8Array {
  const out = new Uint8Array(sizeOf(g));
  const view = new DataView(out.buffer);
  let o = 0;
  const header = (type: number) => {
    view.setUint8(o, 1);
    view.setUint32(o + 1, type, true);
    o += 5;
  };
  const u32 = (n: number) => {
    view.setUint32(o, n, true);
    o += 4;
  };
  const xy = (p: number[]) => {
    view.setFloat64(o, p[0]!, true);
    view.setFloat64(o + 8, p[1]!, true);
    o += 16;
  };
  const points = (ps: number[][]) => {
    u32(ps.length);
    ps.forEach(xy);
  };
  const rings = (rs: Ring[]) => {
    u32(rs.length);
    rs.forEach(points);
  };
  header(CODES[g.type]);
  switch (g.type) {
    case 'Point':
      xy(g.coordinates);
      break;
    case 'LineString':
      points(g.coordinates);
      break;
    case 'Polygon':
      rings(g.coordinates);
      break;
    case 'MultiPoint':
      u32(g.coordinates.length);
      for (const p of g.coordinates) {
        header(1);
        xy(p);
      }
      break;
    case 'MultiLineString':
      u32(g.coordinates.length);
      for (const l of g.coordinates) {
        header(2);
        points(l);
      }
      break;
    case 'MultiPolygon':
      u32(g.coordinates.length);
      for (const p of g.coordinates) {
        header(3);
        rings(p);
      }
      break;
  }
  return out;
}

/** Decodes little- or big-endian 2D WKB (as written by {@link toWkb} and most tools). */
export function fromWkb(bytes: Uint8Array): Geometry {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0;
  const read = (): Geometry => {
    const le = view.getUint8(o) === 1;
    const raw = view.getUint32(o + 1, le);
    o += 5;
    const type = raw % 1000;
    const dims = raw >= 3000 ? 4 : raw >= 1000 ? 3 : 2;
    const u32 = () => {
      const n = view.getUint32(o, le);
      o += 4;
      return n;
    };
    const pt = () => {
      const p = [view.getFloat64(o, le), view.getFloat64(o + 8, le)];
      o += 8 * dims;
      return p;
    };
    const pts = () => Array.from({ length: u32() }, pt);
    switch (type) {
      case 1:
        return { type: 'Point', coordinates: pt() };
      case 2:
        return { type: 'LineString', coordinates: pts() };
      case 3:
        return { type: 'Polygon', coordinates: Array.from({ length: u32() }, pts) };
      case 4:
        return { type: 'MultiPoint', coordinates: Array.from({ length: u32() }, () => (read() as { coordinates: number[] }).coordinates) };
      case 5:
        return { type: 'MultiLineString', coordinates: Array.from({ length: u32() }, () => (read() as { coordinates: number[][] }).coordinates) };
      case 6:
        return { type: 'MultiPolygon', coordinates: Array.from({ length: u32() }, () => (read() as { coordinates: number[][][] }).coordinates) };
      default:
        throw new Error(`unsupported WKB geometry type ${raw}`);
    }
  };
  return read();
}

/** Bounding box `[w, s, e, n]` of a geometry. */
export function geometryBBox(g: SearchGeometry): [number, number, number, number] {
  let w = Infinity,
    s = Infinity,
    e = -Infinity,
    n = -Infinity;
  const visit = (c: unknown): void => {
    if (typeof (c as number[])[0] === 'number') {
      const [x, y] = c as number[];
      if (x! < w) w = x!;
      if (x! > e) e = x!;
      if (y! < s) s = y!;
      if (y! > n) n = y!;
    } else for (const inner of c as unknown[]) visit(inner);
  };
  if (g.type === 'GeometryCollection') for (const member of g.geometries) visit(member.coordinates);
  else visit(g.coordinates);
  return [w, s, e, n];
}
