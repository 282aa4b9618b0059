import { Router, type Request, type Response } from 'express';
import { ErrorTypes, inDateRange, type Geometry } from '@hysope/api';
import { ValidationError } from '../errors.js';
import { asyncHandler, exceptionBody } from '../http/errors.js';
import { parseGranuleName } from '../formats/granule-name.js';
import { toWkt } from '../formats/wkt.js';
import { csvCell } from '../http/stream.js';
import { hydrocronText } from './python-format.js';
import type { Observation, TimeseriesService } from './timeseries.js';
import { FEATURES, type FeatureType } from './timeseries-store.js';

/**
 * Collection names Hydrocron accepts: the feature types each holds, and its product version — the same value as
 * the `collection_version` the records carry (CRID version letter D: `D`, else `2.0`), so a filter by name and
 * the records' own field always agree.
 */
const COLLECTIONS: Record<string, { features: FeatureType[]; version: string }> = {};
for (const version of ['D', '2.0']) {
  COLLECTIONS[`SWOT_L2_HR_RiverSP_${version}`] = { features: ['Reach', 'Node'], version };
  COLLECTIONS[`SWOT_L2_HR_RiverSP_reach_${version}`] = { features: ['Reach'], version };
  COLLECTIONS[`SWOT_L2_HR_RiverSP_node_${version}`] = { features: ['Node'], version };
  COLLECTIONS[`SWOT_L2_HR_LakeSP_${version}`] = { features: ['PriorLake'], version };
  COLLECTIONS[`SWOT_L2_HR_LakeSP_prior_${version}`] = { features: ['PriorLake'], version };
}

/** Hydrocron reads times with Python's strptime: fields may be unpadded (`2023-6-4T0:0:0Z`). */
const TIME = /^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})(Z|[+-]\d{2}:?\d{2})$/;

/** Parses Hydrocron's time parameters (`Z` or a UTC offset; a `+` that arrived unencoded reads as a space). */
function parseTime(name: string, raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') throw new ValidationError(`${name} is required (YYYY-MM-DDTHH:MM:SSZ)`);
  const text = raw.replace(/ (\d{2}:?\d{2})$/, '+$1');
  const m = TIME.exec(text);
  const two = (v: string) => v.padStart(2, '0');
  const offset = (z: string) => (z === 'Z' ? 'Z' : z.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2'));
  const iso = m ? `${m[1]}-${two(m[2]!)}-${two(m[3]!)}T${two(m[4]!)}:${two(m[5]!)}:${two(m[6]!)}${offset(m[7]!)}` : '';
  const ms = m ? Date.parse(iso) : NaN;
  // Date.parse rolls 2023-02-30 over to March: refuse what strptime refuses.
  if (m && !Number.isNaN(ms) && new Date(Date.parse(`${iso.slice(0, 10)}T00:00:00Z`)).toISOString().slice(0, 10) !== iso.slice(0, 10))
    throw new ValidationError(`${name} "${raw}" is not a valid date`);
  if (Number.isNaN(ms)) throw new ValidationError(`${name} "${raw}" is not YYYY-MM-DDTHH:MM:SSZ (or with a ±HH:MM offset)`);
  if (!inDateRange(ms)) throw new ValidationError(`${name} "${raw}" is outside years 0001-9999`);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface Parsed {
  feature: FeatureType;
  featureId: string;
  start: string;
  end: string;
  fields: string[];
  output: 'csv' | 'geojson' | undefined;
  compact: boolean | undefined;
  versions: string[] | undefined;
}

function parseParams(q: Record<string, unknown>): Parsed {
  const feature = q['feature'];
  if (feature !== 'Reach' && feature !== 'Node' && feature !== 'PriorLake')
    throw new ValidationError(`feature must be Reach, Node or PriorLake, got "${feature ?? ''}"`);
  const featureId = String(q['feature_id'] ?? '');
  const digits = FEATURES[feature].idDigits;
  if (!new RegExp(`^\\d{${digits}}$`).test(featureId)) throw new ValidationError(`feature_id of a ${feature} is ${digits} digits, got "${featureId}"`);
  const start = parseTime('start_time', q['start_time']);
  const end = parseTime('end_time', q['end_time']);
  if (start > end) throw new ValidationError(`start_time (${start}) is after end_time (${end})`);
  const fields = String(q['fields'] ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (fields.length === 0) throw new ValidationError('fields is required: a comma-separated list such as reach_id,time_str,wse');
  const output = q['output'];
  if (output !== undefined && output !== 'csv' && output !== 'geojson') throw new ValidationError(`output must be csv or geojson, got "${output}"`);
  const compact = q['compact'];
  if (compact !== undefined && compact !== 'true' && compact !== 'false') throw new ValidationError(`compact must be true or false, got "${compact}"`);
  const name = q['collection_name'];
  const collection = name === undefined ? undefined : Object.hasOwn(COLLECTIONS, String(name)) ? COLLECTIONS[String(name)] : undefined;
  if (name !== undefined && !collection) throw new ValidationError(`collection_name must be one of ${Object.keys(COLLECTIONS).join(', ')}`);
  if (collection && !collection.features.includes(feature)) throw new ValidationError(`collection_name ${String(name)} holds no ${feature} features`);
  return {
    feature,
    featureId,
    start,
    end,
    fields,
    output: output as Parsed['output'],
    compact: compact === undefined ? undefined : compact === 'true',
    versions: collection ? [collection.version] : undefined
  };
}

/** Which body the Accept header asks for; null when it is not one Hydrocron serves (415). */
function negotiate(accept: string | undefined): 'csv' | 'geojson' | 'envelope' | null {
  if (!accept || accept.trim() === '') return 'envelope';
  const types = accept.split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  for (const t of types) {
    if (t === 'text/csv') return 'csv';
    if (t === 'application/geo+json') return 'geojson';
    if (t === 'application/json' || t === '*/*') return 'envelope';
  }
  return null;
}

/**
 * `GET /hydrocron/v1/timeseries`: a drop-in for NASA PO.DAAC's Hydrocron time-series endpoint (same
 * parameters, envelope, CSV and GeoJSON shapes, Accept handling, units columns, source fill values),
 * without its 6 MB cap.
 */
export function hydrocronRoutes(series: TimeseriesService, visible: (res: Response, collection: string) => Promise<boolean>): Router {
  const r = Router();
  r.get(
    '/timeseries',
    asyncHandler(async (req: Request, res: Response) => {
      const t0 = performance.now();
      const shape = negotiate(req.get('accept'));
      if (!shape) return hydrocronError(res, 415, `Accept must be application/json, text/csv or application/geo+json, got "${req.get('accept')}"`);
      const p = parseParams(req.query as Record<string, unknown>);
      // The body's format comes from Accept, or from `output` inside the JSON envelope: not from both.
      if (shape !== 'envelope' && p.output !== undefined)
        throw new ValidationError(
          `the output parameter (${p.output}) goes with Accept: application/json; Accept: ${shape === 'csv' ? 'text/csv' : 'application/geo+json'} already chooses the format`
        );
      // A feature type whose collection the caller may not see has no observations for them.
      if (!(await visible(res, FEATURES[p.feature].collection)))
        throw new ValidationError(`Results with the specified Feature ID ${p.featureId} were not found`);
      const rows = await series.query({
        feature: p.feature,
        ids: [p.featureId],
        start: p.start,
        end: p.end,
        fields: p.fields.filter((f) => f !== 'geometry'),
        versions: p.versions,
        times: 'hydrocron',
        // Geometries only for an answer that carries them: GeoJSON, or a requested `geometry` column.
        withGeometry: p.fields.includes('geometry') || shape === 'geojson' || (shape === 'envelope' && (p.output ?? 'geojson') === 'geojson')
      });
      if (rows.length === 0) throw new ValidationError(`Results with the specified Feature ID ${p.featureId} were not found`);
      const meta = await series.fields(p.feature);
      const unitFields = p.fields.filter((f) => meta.get(f)?.units);
      const shapeOf = (o: Observation) => hydrocronGeometry(p.feature, o.geometry);
      const wkt = (o: Observation) => {
        const g = shapeOf(o);
        return g ? toWkt(g) : '';
      };
      // Each granule's name parsed once (its rows print their cycle and pass as the name writes them).
      const names = new Map<string, ReturnType<typeof parseGranuleName>>();
      const nameOf = (granule: string) => {
        if (!names.has(granule)) names.set(granule, parseGranuleName(granule));
        return names.get(granule)!;
      };
      const text = (o: Observation, f: string): string => {
        if (f === 'geometry') return wkt(o);
        const name = (f === 'cycle_id' || f === 'pass_id') && o.granule ? nameOf(o.granule) : null;
        if (name) return f === 'cycle_id' ? name.cycleText : name.passText;
        const m = meta.get(f)!;
        const own = <T>(r: Record<string, T> | undefined) => (r && Object.hasOwn(r, f) ? r[f] : undefined);
        const value = o.values[f];
        if (value === null || value === undefined) {
          const fill = own(o.source?.fills);
          if (fill !== undefined) return fill;
        }
        return hydrocronText(value, own(o.source?.types) ?? m.type, m.fill);
      };
      const csv = () => {
        const header = [...p.fields, ...unitFields.map((f) => `${f}_units`)].join(',');
        const lines = rows.map((o) => [...p.fields.map((f) => csvCell(text(o, f))), ...unitFields.map((f) => csvCell(meta.get(f)!.units!))].join(','));
        return `${header}\n${lines.join('\n')}\n`;
      };
      const propertyFields = p.fields.filter((f) => f !== 'geometry');
      const geojson = (compact: boolean) => {
        if (compact) {
          const properties: Record<string, unknown> = {};
          for (const f of propertyFields) properties[f] = rows.map((o) => text(o, f));
          for (const f of unitFields) properties[`${f}_units`] = rows.map(() => meta.get(f)!.units);
          const first = rows.find((o) => o.geometry) ?? rows[0]!;
          return { type: 'FeatureCollection', features: [{ id: '0', type: 'Feature', properties, geometry: shapeOf(first) }] };
        }
        return {
          type: 'FeatureCollection',
          features: rows.map((o, i) => {
            const properties: Record<string, string> = {};
            for (const f of propertyFields) properties[f] = text(o, f);
            for (const f of unitFields) properties[`${f}_units`] = meta.get(f)!.units!;
            return { id: String(i), type: 'Feature', properties, geometry: shapeOf(o) };
          })
        };
      };
      if (shape === 'csv') return void res.type('text/csv').send(csv());
      if (shape === 'geojson') return void res.type('application/geo+json').send(JSON.stringify(geojson(p.compact ?? true)));
      const output = p.output ?? 'geojson';
      res.json({
        status: '200 OK',
        time: Number((performance.now() - t0).toFixed(3)),
        hits: rows.length,
        results: { csv: output === 'csv' ? csv() : '', geojson: output === 'geojson' ? geojson(p.compact ?? false) : {} }
      });
    })
  );
  // Hydrocron's error envelope ({"error": "400: ..."}), beside the fields of our one exception shape.
  r.use((error: unknown, req: Request, res: Response, next: (e?: unknown) => void) => {
    if (error instanceof ValidationError) return hydrocronError(res, 400, error.message);
    next(error);
  });
  return r;
}

/** An error as Hydrocron writes it (`{"error": "<status>: <message>"}`), in the gateway's exception shape too. */
function hydrocronError(res: Response, status: number, detail: string): void {
  const title = status === 415 ? 'Unsupported Media Type' : status === 400 ? 'Bad Request' : 'Error';
  const type = status === 415 ? ErrorTypes.unsupportedMediaType : status === 400 ? ErrorTypes.validation : ErrorTypes.internal;
  res.status(status).json({ error: `${status}: ${detail}`, ...exceptionBody(status, type, title, detail, res.req.originalUrl) });
}

/** Hydrocron's fixed polygon for a lake observed without a shape; its centroid is (-20.455824, -25.566242). */
const LAKE_FILL_POINT: Geometry = { type: 'Point', coordinates: [-20.455824, -25.566242] };

/** Coordinates as Hydrocron stores them: rounded to 6 decimals. */
function round6(g: Geometry): Geometry {
  const r = (c: unknown): unknown =>
    typeof (c as number[])[0] === 'number' ? (c as number[]).map((x) => Math.round(x * 1e6) / 1e6 + 0) : (c as unknown[]).map(r);
  return { ...g, coordinates: r(g.coordinates) } as Geometry;
}

/** The geometry Hydrocron gives a record: reaches and nodes their shapes; a lake the centroid of its observed polygon. */
function hydrocronGeometry(feature: FeatureType, g: Geometry | null): Geometry | null {
  if (feature !== 'PriorLake') return g ? round6(g) : null;
  const c = g && (g.type === 'Polygon' || g.type === 'MultiPolygon') ? centroid(g) : null;
  return c ? round6({ type: 'Point', coordinates: c }) : LAKE_FILL_POINT;
}

/** Area-weighted centroid of a (multi)polygon, planar in lon/lat as Shapely computes it; null for an empty or flat one. */
export function centroid(g: Extract<Geometry, { type: 'Polygon' | 'MultiPolygon' }>): [number, number] | null {
  let area = 0,
    cx = 0,
    cy = 0;
  for (const polygon of g.type === 'Polygon' ? [g.coordinates] : g.coordinates) {
    for (const ring of polygon) {
      // Holes wind the other way in GeoJSON and shapefiles alike: their signed areas subtract.
      const [x0, y0] = ring[0] ?? [0, 0];
      for (let i = 0; i + 1 < ring.length; i++) {
        const [ax, ay] = [ring[i]![0]! - x0!, ring[i]![1]! - y0!];
        const [bx, by] = [ring[i + 1]![0]! - x0!, ring[i + 1]![1]! - y0!];
        const cross = ax * by - bx * ay;
        area += cross;
        cx += (ax + bx) * cross + 3 * x0! * cross;
        cy += (ay + by) * cross + 3 * y0! * cross;
      }
    }
  }
  if (area === 0 || !Number.isFinite(area)) return null;
  return [cx / (3 * area), cy / (3 * area)];
}
