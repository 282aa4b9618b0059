import { z } from 'zod';

/**
 * Time series (HYDROWEB-NG): the gateway's own `/timeseries`, the Hydrocron-compatible `/hydrocron/v1/timeseries`,
 * the multi-source `/timeseries/harmonized`, and the health answers. Query parameters are strings as they arrive;
 * the descriptions say what each one takes.
 */

/** SWOT feature types that have time series. */
export const SeriesFeature = z.enum(['Reach', 'Node', 'PriorLake']);
export type SeriesFeature = z.infer<typeof SeriesFeature>;

/** `GET /timeseries`: observations of many features at once, streamed. */
export const TimeseriesQuery = z.object({
  feature: SeriesFeature.describe('feature type'),
  ids: z.string().optional().describe('feature ids, comma-separated (at most 5000): reach 11 digits, node 14, lake 10'),
  basin: z.string().optional().describe('SWORD basin code prefix, 1-10 digits'),
  bbox: z.string().optional().describe('west,south,east,north'),
  intersects: z.string().optional().describe('a GeoJSON Polygon or MultiPolygon, as JSON'),
  datetime: z.string().optional().describe('an RFC 3339 instant or interval; a calendar day (2023-06-10) is the whole day'),
  fields: z.string().optional().describe('columns, comma-separated (default: id, time and the main variables)'),
  quality: z.enum(['good', 'suspect', 'all']).optional().describe('keep observations by their quality flag (all)'),
  dedupe: z.enum(['true', 'false']).optional().describe('one observation per feature and time: the latest processing (CRID) wins'),
  format: z
    .enum(['csv', 'geojson', 'arrow', 'parquet', 'netcdf'])
    .optional()
    .describe('answer format (csv); netcdf: CF-1.8 discrete sampling geometry (timeSeries), at most 2 million observations')
});
export type TimeseriesQuery = z.infer<typeof TimeseriesQuery>;

/** `GET /hydrocron/v1/timeseries`: PO.DAAC Hydrocron's query, answered as Hydrocron answers it. */
export const HydrocronQuery = z.object({
  feature: SeriesFeature.describe('Reach, Node or PriorLake'),
  feature_id: z.string().describe('one feature id'),
  start_time: z.string().describe('start of the window, e.g. 2023-06-04T00:00:00Z'),
  end_time: z.string().describe('end of the window'),
  output: z.enum(['csv', 'geojson']).describe('csv or geojson'),
  fields: z.string().describe('columns, comma-separated'),
  compact: z.enum(['true', 'false']).optional().describe('GeoJSON: one feature whose properties are lists'),
  collection_name: z.string().optional().describe('SWOT_L2_HR_RiverSP_2.0 (C), SWOT_L2_HR_RiverSP_D, ... (the product version)')
});

/** Hydrocron's answer envelope (`Accept: application/json`, the default). */
export const HydrocronResponse = z.object({
  status: z.string(),
  time: z.number(),
  hits: z.number().int(),
  results: z.object({ csv: z.string(), geojson: z.record(z.string(), z.unknown()) })
});
export type HydrocronResponse = z.infer<typeof HydrocronResponse>;

/** Hydrocron's error envelope: `{"error": "400: ..."}`. */
export const HydrocronError = z.object({ error: z.string() });

/** `GET /timeseries/harmonized`: every source near a point (SWOT, altimetry, gauges), on one time axis. */
export const HarmonizedQuery = z.object({
  lon: z.string().describe('longitude, -180..180'),
  lat: z.string().describe('latitude, -90..90'),
  radius_km: z.string().optional().describe('search radius in km (50)'),
  datetime: z.string().optional().describe('an RFC 3339 interval'),
  format: z.enum(['json', 'csv']).optional().describe('json or csv (json)')
});

/** `GET /timeseries?format=geojson`: one point feature per observation, its fields as properties. */
export const TimeseriesGeoJson = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(z.object({ type: z.literal('Feature'), properties: z.record(z.string(), z.unknown()) }).passthrough())
  })
  .passthrough();
export type TimeseriesGeoJson = z.infer<typeof TimeseriesGeoJson>;

/** One source of a harmonized series (`/timeseries/harmonized`). */
export const HarmonizedSource = z.object({
  source: z.enum(['swot', 'hydroweb', 'insitu', 'model']),
  id: z.string(),
  name: z.string(),
  distance_km: z.number(),
  variable: z.string(),
  units: z.string(),
  vertical_reference: z.string(),
  count: z.number().int()
});
export type HarmonizedSource = z.infer<typeof HarmonizedSource>;

/** One observation of a harmonized series, on the common time axis. */
export const HarmonizedRow = z.object({
  time: z.string(),
  source: HarmonizedSource.shape.source,
  id: z.string(),
  variable: z.string(),
  value: z.number(),
  units: z.string()
});
export type HarmonizedRow = z.infer<typeof HarmonizedRow>;

/** `GET /timeseries/harmonized?format=json`. */
export const HarmonizedSeries = z.object({ sources: z.array(HarmonizedSource), rows: z.array(HarmonizedRow) }).passthrough();
export type HarmonizedSeries = z.infer<typeof HarmonizedSeries>;

/** A readiness check. */
export const HealthCheck = z.object({ status: z.enum(['ok', 'fail']), detail: z.string().optional() });
/** `GET /health/live` and `/health/ready` (503 with `Retry-After` when a check fails). */
export const Health = z.object({ status: z.enum(['ok', 'fail']), checks: z.record(z.string(), HealthCheck).optional() });
export type Health = z.infer<typeof Health>;
