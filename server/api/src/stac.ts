import { z } from 'zod';
import { BBox, Geometry } from './geometry.js';

/** A link object of STAC / OGC API. */
export const Link = z
  .object({
    href: z.string(),
    rel: z.string(),
    type: z.string().optional(),
    title: z.string().optional(),
    method: z.string().optional(),
    body: z.unknown().optional(),
    merge: z.boolean().optional()
  })
  .loose();
export type Link = z.infer<typeof Link>;

/** A STAC asset. */
export const Asset = z
  .object({
    href: z.string(),
    title: z.string().optional(),
    description: z.string().optional(),
    type: z.string().optional(),
    roles: z.array(z.string()).optional()
  })
  .loose();
export type Asset = z.infer<typeof Asset>;

/** STAC Item 1.0.0. `properties.datetime` is null only when start/end are given. */
export const Item = z
  .object({
    type: z.literal('Feature'),
    stac_version: z.string(),
    stac_extensions: z.array(z.string()).optional(),
    id: z.string().min(1),
    collection: z.string().optional(),
    geometry: Geometry.nullable(),
    bbox: BBox.optional(),
    properties: z
      .object({
        datetime: z.string().nullable(),
        start_datetime: z.string().optional(),
        end_datetime: z.string().optional()
      })
      .loose(),
    links: z.array(Link),
    assets: z.record(z.string(), Asset)
  })
  .loose();
export type Item = z.infer<typeof Item>;

/** A provider of a collection. */
export const Provider = z
  .object({ name: z.string(), description: z.string().optional(), roles: z.array(z.string()).optional(), url: z.string().optional() })
  .loose();

/** STAC Collection 1.0.0. */
export const Collection = z
  .object({
    type: z.literal('Collection'),
    stac_version: z.string(),
    stac_extensions: z.array(z.string()).optional(),
    id: z.string().min(1),
    title: z.string().optional(),
    description: z.string(),
    keywords: z.array(z.string()).optional(),
    license: z.string(),
    providers: z.array(Provider).optional(),
    extent: z.object({
      spatial: z.object({ bbox: z.array(BBox).min(1) }),
      temporal: z.object({ interval: z.array(z.tuple([z.string().nullable(), z.string().nullable()])).min(1) })
    }),
    summaries: z.record(z.string(), z.unknown()).optional(),
    /** OGC API - Features: what the collection's items are. */
    itemType: z.string().optional(),
    links: z.array(Link),
    assets: z.record(z.string(), Asset).optional(),
    item_assets: z.record(z.string(), z.unknown()).optional()
  })
  .loose();
export type Collection = z.infer<typeof Collection>;

/** Context of a search response (counts). */
export const SearchContext = z.object({ returned: z.number().int(), limit: z.number().int().optional(), matched: z.number().int().optional() });

/** A page of items: `/search` and `/collections/{id}/items`. */
export const ItemCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(Item),
    links: z.array(Link).optional(),
    numberMatched: z.number().int().optional(),
    numberReturned: z.number().int().optional(),
    context: SearchContext.optional()
  })
  .loose();
export type ItemCollection = z.infer<typeof ItemCollection>;

/** `/collections` response. */
export const Collections = z.object({ collections: z.array(Collection), links: z.array(Link) }).loose();
export type Collections = z.infer<typeof Collections>;

/** The landing page (a STAC Catalog with `conformsTo`). */
export const LandingPage = z
  .object({
    type: z.literal('Catalog'),
    stac_version: z.string(),
    id: z.string(),
    title: z.string().optional(),
    description: z.string(),
    conformsTo: z.array(z.string()),
    links: z.array(Link)
  })
  .loose();
export type LandingPage = z.infer<typeof LandingPage>;

/** `/conformance` response. */
export const Conformance = z.object({ conformsTo: z.array(z.string()) });
export type Conformance = z.infer<typeof Conformance>;

/** One queryable: a JSON Schema fragment describing a property a filter may use. */
export const Queryable = z
  .object({
    title: z.string().optional(),
    description: z.string().optional(),
    type: z.string().optional(),
    format: z.string().optional(),
    enum: z.array(z.unknown()).optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    $ref: z.string().optional(),
    'x-unit': z.string().optional()
  })
  .loose();

/** `/queryables` response (a JSON Schema). */
export const Queryables = z
  .object({
    $schema: z.string(),
    $id: z.string(),
    type: z.literal('object'),
    title: z.string().optional(),
    properties: z.record(z.string(), Queryable),
    additionalProperties: z.boolean()
  })
  .loose();
export type Queryables = z.infer<typeof Queryables>;

/** STAC version this API speaks. */
export const STAC_VERSION = '1.0.0';
