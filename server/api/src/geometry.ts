import { z } from 'zod';

const Position = z.array(z.number()).min(2).max(3);
const LinearRing = z.array(Position).min(4);

export const Point = z.object({ type: z.literal('Point'), coordinates: Position, bbox: z.array(z.number()).optional() });
export const MultiPoint = z.object({ type: z.literal('MultiPoint'), coordinates: z.array(Position), bbox: z.array(z.number()).optional() });
export const LineString = z.object({ type: z.literal('LineString'), coordinates: z.array(Position).min(2), bbox: z.array(z.number()).optional() });
export const MultiLineString = z.object({
  type: z.literal('MultiLineString'),
  coordinates: z.array(z.array(Position).min(2)),
  bbox: z.array(z.number()).optional()
});
export const Polygon = z.object({ type: z.literal('Polygon'), coordinates: z.array(LinearRing), bbox: z.array(z.number()).optional() });
export const MultiPolygon = z.object({
  type: z.literal('MultiPolygon'),
  coordinates: z.array(z.array(LinearRing)),
  bbox: z.array(z.number()).optional()
});

/** A GeoJSON geometry (RFC 7946), GeometryCollection excluded. */
export const Geometry = z.discriminatedUnion('type', [Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon]);
export type Geometry = z.infer<typeof Geometry>;

/** A GeoJSON GeometryCollection of simple geometries (RFC 7946 §3.1.8; nested collections are not accepted). */
export const GeometryCollection = z.object({
  type: z.literal('GeometryCollection'),
  geometries: z.array(Geometry),
  bbox: z.array(z.number()).optional()
});
export type GeometryCollection = z.infer<typeof GeometryCollection>;

/** Any GeoJSON geometry a search may take (`intersects`, CQL2 spatial literals): the simple ones and GeometryCollection. */
export const SearchGeometry = z.union([Geometry, GeometryCollection]);
export type SearchGeometry = z.infer<typeof SearchGeometry>;

/** `[west, south, east, north]` or the 3D form `[w, s, zmin, e, n, zmax]`. */
export const BBox = z.union([
  z.tuple([z.number(), z.number(), z.number(), z.number()]),
  z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()])
]);
export type BBox = z.infer<typeof BBox>;

/** The polygon of a bbox (west, south, east, north), counter-clockwise. */
export function bboxPolygon([w, s, e, n]: [number, number, number, number]): Geometry {
  return {
    type: 'Polygon',
    coordinates: [
      [
        [w, s],
        [e, s],
        [e, n],
        [w, n],
        [w, s]
      ]
    ]
  };
}
