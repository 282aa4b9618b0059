import type { Collection, Queryables } from '@hysope/api';
import { STAC_VERSION } from '@hysope/api';
import type { CollectionId } from '../formats/index.js';

/** The type of a queryable, which decides how filters compare it. */
export type QueryableType = 'string' | 'integer' | 'number' | 'datetime' | 'boolean' | 'geometry';

/** A queryable: its JSON Schema for `/queryables`, and how SQL reaches it. */
export interface QueryableDef {
  title: string;
  description?: string;
  type: QueryableType;
  enum?: string[];
  /** SQL expression (over `items`) that yields the value. */
  sql: string;
}

const prop = (name: string, type: QueryableType) => {
  const text = `(properties->>'${name}')`;
  return type === 'integer' || type === 'number' ? `${text}::double precision` : type === 'boolean' ? `${text}::boolean` : text;
};

/** Queryables every collection has. */
export const CORE_QUERYABLES: Record<string, QueryableDef> = {
  id: { title: 'Item id', type: 'string', sql: 'id' },
  collection: { title: 'Collection id', type: 'string', sql: 'collection' },
  datetime: { title: 'Acquisition time (start of the granule)', type: 'datetime', sql: 'start_datetime' },
  start_datetime: { title: 'Start of the granule', type: 'datetime', sql: 'start_datetime' },
  end_datetime: { title: 'End of the granule', type: 'datetime', sql: 'end_datetime' },
  geometry: { title: 'Footprint', type: 'geometry', sql: 'bbox' }
};

const SWOT_QUERYABLES: Record<string, QueryableDef> = {
  'swot:cycle': {
    title: 'SWOT cycle number',
    description: 'Repeat cycle of the orbit (21 days in science orbit)',
    type: 'integer',
    sql: prop('swot:cycle', 'integer')
  },
  'swot:pass': { title: 'SWOT pass number', description: 'Half-orbit number within the cycle', type: 'integer', sql: prop('swot:pass', 'integer') },
  'swot:crid': { title: 'Composite release id', description: 'Processing version, e.g. PIC0, PGC0', type: 'string', sql: prop('swot:crid', 'string') },
  'swot:product_counter': { title: 'Product counter', type: 'integer', sql: prop('swot:product_counter', 'integer') }
};

const CONTINENT: Record<string, QueryableDef> = {
  'swot:continent': {
    title: 'Continent code',
    description: 'AF, EU, SI, AS, AU, SA, NA, AR, GR',
    type: 'string',
    enum: ['AF', 'EU', 'SI', 'AS', 'AU', 'SA', 'NA', 'AR', 'GR'],
    sql: prop('swot:continent', 'string')
  }
};

const TILE: Record<string, QueryableDef> = {
  'swot:tile': { title: 'Tile (pass_tile and side, e.g. 042_067L)', type: 'string', sql: prop('swot:tile', 'string') },
  'swot:swath_side': { title: 'Swath side', type: 'string', enum: ['L', 'R'], sql: prop('swot:swath_side', 'string') }
};

/** Static description of a collection. Extent and summaries are kept up to date by ingest. */
export interface CollectionDef {
  id: CollectionId;
  title: string;
  description: string;
  keywords: string[];
  license: string;
  providers: { name: string; roles: string[]; url?: string }[];
  queryables: Record<string, QueryableDef>;
  /** Item properties summarised in the collection (distinct values or ranges). */
  summaries: string[];
}

const NASA_CNES = [
  { name: 'NASA/JPL', roles: ['producer'], url: 'https://podaac.jpl.nasa.gov' },
  { name: 'CNES', roles: ['producer'], url: 'https://cnes.fr' },
  { name: 'HYSOPE', roles: ['processor', 'host'] }
];

/** Every collection HYSOPE serves. */
export const COLLECTIONS: CollectionDef[] = [
  {
    id: 'swot-riversp-reach',
    title: 'SWOT L2 HR RiverSP — reaches',
    description:
      'SWOT river single-pass vector product, reach level: water surface elevation, width, slope and discharge per SWORD reach, one item per granule (pass and continent).',
    keywords: ['SWOT', 'river', 'reach', 'water surface elevation', 'discharge'],
    license: 'other',
    providers: NASA_CNES,
    queryables: { ...CORE_QUERYABLES, ...SWOT_QUERYABLES, ...CONTINENT },
    summaries: ['swot:cycle', 'swot:pass', 'swot:continent', 'swot:crid']
  },
  {
    id: 'swot-riversp-node',
    title: 'SWOT L2 HR RiverSP — nodes',
    description: 'SWOT river single-pass vector product, node level (about every 200 m along SWORD reaches).',
    keywords: ['SWOT', 'river', 'node', 'water surface elevation'],
    license: 'other',
    providers: NASA_CNES,
    queryables: { ...CORE_QUERYABLES, ...SWOT_QUERYABLES, ...CONTINENT },
    summaries: ['swot:cycle', 'swot:pass', 'swot:continent', 'swot:crid']
  },
  {
    id: 'swot-lakesp',
    title: 'SWOT L2 HR LakeSP',
    description: 'SWOT lake single-pass vector product: lake polygons with water surface elevation, area and storage change (Prior, Obs and Unassigned files).',
    keywords: ['SWOT', 'lake', 'reservoir', 'storage'],
    license: 'other',
    providers: NASA_CNES,
    queryables: {
      ...CORE_QUERYABLES,
      ...SWOT_QUERYABLES,
      ...CONTINENT,
      'swot:product_file_id': { title: 'LakeSP file', type: 'string', enum: ['Prior', 'Obs', 'Unassigned'], sql: prop('swot:product_file_id', 'string') }
    },
    summaries: ['swot:cycle', 'swot:pass', 'swot:continent', 'swot:crid', 'swot:product_file_id']
  },
  {
    id: 'swot-pixc',
    title: 'SWOT L2 HR PIXC — pixel clouds',
    description: 'SWOT water mask pixel cloud: geolocated heights, classification and water fraction of every pixel, one item per tile.',
    keywords: ['SWOT', 'pixel cloud', 'PIXC', 'height', 'classification'],
    license: 'other',
    providers: NASA_CNES,
    queryables: { ...CORE_QUERYABLES, ...SWOT_QUERYABLES, ...TILE },
    summaries: ['swot:cycle', 'swot:pass', 'swot:tile', 'swot:crid']
  },
  {
    id: 'swot-pixcvec',
    title: 'SWOT L2 HR PIXCVec',
    description: 'SWOT pixel cloud vector attributes: improved geolocation and the reach, node and lake each pixel was assigned to.',
    keywords: ['SWOT', 'pixel cloud', 'PIXCVec'],
    license: 'other',
    providers: NASA_CNES,
    queryables: { ...CORE_QUERYABLES, ...SWOT_QUERYABLES, ...TILE },
    summaries: ['swot:cycle', 'swot:pass', 'swot:tile', 'swot:crid']
  },
  {
    id: 'hydroweb-stations',
    title: 'Hydroweb virtual stations',
    description: 'Satellite altimetry virtual stations (rivers and lakes) and their water-level series. Data: CNES/Theia (LEGOS), attribution required.',
    keywords: ['altimetry', 'virtual station', 'water level', 'Hydroweb'],
    license: 'other',
    providers: [{ name: 'CNES/Theia (LEGOS) — Hydroweb', roles: ['producer', 'licensor'], url: 'https://hydroweb.theia-land.fr' }],
    queryables: {
      ...CORE_QUERYABLES,
      'hydroweb:station': { title: 'Station name', type: 'string', sql: prop('hydroweb:station', 'string') },
      'hydroweb:river': { title: 'River', type: 'string', sql: prop('hydroweb:river', 'string') },
      'hydroweb:basin': { title: 'Basin', type: 'string', sql: prop('hydroweb:basin', 'string') }
    },
    summaries: ['hydroweb:basin', 'hydroweb:kind']
  },
  {
    id: 'insitu-gauges',
    title: 'In-situ gauges',
    description: "In-situ water level and discharge observations: Hub'Eau (Eaufrance, Licence Ouverte 2.0) and SWOT community discharge series (CC-BY 4.0).",
    keywords: ['in-situ', 'gauge', 'discharge', 'water level', "Hub'Eau"],
    license: 'other',
    providers: [{ name: "Hub'Eau / Eaufrance", roles: ['producer', 'licensor'], url: 'https://hubeau.eaufrance.fr' }],
    queryables: {
      ...CORE_QUERYABLES,
      'insitu:provider': { title: 'Provider', type: 'string', sql: prop('insitu:provider', 'string') },
      'insitu:variable': { title: 'Variable (H, Q, QmnJ ...)', type: 'string', sql: prop('insitu:variable', 'string') }
    },
    summaries: ['insitu:provider', 'insitu:variable']
  },
  {
    id: 'model-series',
    title: 'Hydrological model series',
    description:
      'Simulated discharge and lake levels of hydrological models at stations and lakes (PCR-GLOBWB, ...), one item per series, with the model, its run, the variable and its units; each under its own licence (see the item).',
    keywords: ['model', 'simulation', 'discharge', 'PCR-GLOBWB'],
    license: 'other',
    providers: [{ name: 'PCR-GLOBWB (Utrecht University), GPL-3.0', roles: ['producer', 'licensor'], url: 'https://github.com/UU-Hydro/PCR-GLOBWB_model' }],
    queryables: {
      ...CORE_QUERYABLES,
      'model:name': { title: 'Model', type: 'string', sql: prop('model:name', 'string') },
      'model:variable': { title: 'Variable', type: 'string', sql: prop('model:variable', 'string') },
      'model:station': { title: 'Station', type: 'string', sql: prop('model:station', 'string') }
    },
    summaries: ['model:name', 'model:variable', 'model:run']
  }
];

COLLECTIONS.push({
  id: 'hysope-discharge',
  title: 'HYSOPE reach discharge (Manning)',
  description:
    'Discharge of SWOT reaches computed by the reach-discharge process (Manning, wide rectangular channel), one item per run, with its processing lineage.',
  keywords: ['discharge', 'SWOT', 'Manning', 'derived'],
  license: 'other',
  providers: [{ name: 'HYSOPE', roles: ['processor', 'host'] }],
  queryables: {
    ...CORE_QUERYABLES,
    'hysope:basin': { title: 'SWORD basin prefix', type: 'string', sql: prop('hysope:basin', 'string') },
    'hysope:job': { title: 'Production job that made the item', type: 'string', sql: prop('hysope:job', 'string') }
  },
  summaries: ['hysope:basin']
});

/** Looks a collection definition up by id. */
export function collectionDef(id: string): CollectionDef | undefined {
  return COLLECTIONS.find((c) => c.id === id);
}

/** The queryables of one collection, or of all of them (their union). */
export function queryablesOf(ids: string[] | undefined): Record<string, QueryableDef> {
  const defs = ids?.length ? COLLECTIONS.filter((c) => ids.includes(c.id)) : COLLECTIONS;
  return Object.assign({}, CORE_QUERYABLES, ...defs.map((d) => d.queryables));
}

/** The `/queryables` JSON Schema document. */
export function queryablesDocument(baseUrl: string, collectionId?: string): Queryables {
  const defs = queryablesOf(collectionId ? [collectionId] : undefined);
  const properties: Queryables['properties'] = {};
  for (const [name, q] of Object.entries(defs)) {
    if (q.type === 'geometry') properties[name] = { title: q.title, $ref: 'https://geojson.org/schema/Geometry.json' };
    else if (q.type === 'datetime') properties[name] = { title: q.title, type: 'string', format: 'date-time' };
    else properties[name] = { title: q.title, ...(q.description ? { description: q.description } : {}), type: q.type, ...(q.enum ? { enum: q.enum } : {}) };
  }
  return {
    $schema: 'https://json-schema.org/draft/2019-09/schema',
    $id: `${baseUrl}/stac${collectionId ? `/collections/${collectionId}` : ''}/queryables`,
    type: 'object',
    title: collectionId ? `Queryables of ${collectionId}` : 'Queryables of all collections',
    properties,
    // Any other property may be filtered on too: it is read from the items, and where an item lacks it (or holds
    // another type), it is null and matches nothing (STAC API filter extension, "additionalProperties").
    additionalProperties: true
  };
}

/** A bare STAC collection document for a definition (extent filled by the catalog). */
export function collectionDocument(def: CollectionDef): Collection {
  return {
    type: 'Collection',
    stac_version: STAC_VERSION,
    stac_extensions: [],
    id: def.id,
    title: def.title,
    description: def.description,
    keywords: def.keywords,
    license: def.license,
    providers: def.providers,
    extent: { spatial: { bbox: [[-180, -90, 180, 90]] }, temporal: { interval: [[null, null]] } },
    summaries: {},
    itemType: 'feature',
    links: []
  };
}
