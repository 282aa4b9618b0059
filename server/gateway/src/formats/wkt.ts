import type { Geometry } from '@hysope/api';

const xy = (p: number[]) => `${p[0]} ${p[1]}`;
const line = (ps: number[][]) => `(${ps.map(xy).join(', ')})`;
const polygon = (rings: number[][][]) => `(${rings.map(line).join(', ')})`;

/** Well-known text of a GeoJSON geometry (2D), for CSV exports. */
export function toWkt(g: Geometry): string {
  switch (g.type) {
    case 'Point':
      return `POINT (${xy(g.coordinates)})`;
    case 'MultiPoint':
      return `MULTIPOINT (${g.coordinates.map((p) => `(${xy(p)})`).join(', ')})`;
    case 'LineString':
      return `LINESTRING ${line(g.coordinates)}`;
    case 'MultiLineString':
      return `MULTILINESTRING (${g.coordinates.map(line).join(', ')})`;
    case 'Polygon':
      return `POLYGON ${polygon(g.coordinates)}`;
    case 'MultiPolygon':
      return `MULTIPOLYGON (${g.coordinates.map(polygon).join(', ')})`;
  }
}
