import { Router, type Request, type Response } from 'express';
import { ErrorTypes, inDateRange } from '@hysope/api';
import { ValidationError } from '../errors.js';
import { asyncHandler, sendException } from '../http/errors.js';
import { csvCell } from '../http/stream.js';
import { hydrocronText } from './python-format.js';
import type { Observation, TimeseriesService } from './timeseries.js';
import { FEATURES, type FeatureType } from './timeseries-store.js';

/** Collection names Hydrocron accepts, and the CRID product version each one means. */
const COLLECTIONS: Record<string, string> = {
  SWOT_L2_HR_RiverSP_D: 'D',
  SWOT_L2_HR_RiverSP_reach_D: 'D',
  SWOT_L2_HR_RiverSP_node_D: 'D',
  SWOT_L2_HR_LakeSP_D: 'D',
  SWOT_L2_HR_LakeSP_prior_D: 'D',
  'SWOT_L2_HR_RiverSP_2.0': 'C',
  'SWOT_L2_HR_RiverSP_reach_2.0': 'C',
  'SWOT_L2_HR_RiverSP_node_2.0': 'C',
  'SWOT_L2_HR_LakeSP_2.0': 'C',
  'SWOT_L2_HR_LakeSP_prior_2.0': 'C'
};

const TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(Z|[+-]\d{2}:?\d{2})$/;

/** Parses Hydrocron's time parameters (`Z` or a UTC offset; a `+` that arrived unencoded reads as a space). */
function parseTime(name: string, raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') throw new ValidationError(`${name} is required (YYYY-MM-DDTHH:MM:SSZ)`);
  const text = raw.replace(/ (\d{2}:?\d{2})$/, '+$1');
  const m = TIME.exec(text);
  const ms = m ? Date.parse(`${m[1]}${m[2] === 'Z' ? 'Z' : m[2]!.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')}`) : NaN;
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
  if (name !== undefined && !(String(name) in COLLECTIONS)) throw new ValidationError(`collection_name must be one of ${Object.keys(COLLECTIONS).join(', ')}`);
  return {
    feature,
    featureId,
    start,
    end,
    fields,
    output: output as Parsed['output'],
    compact: compact === undefined ? undefined : compact === 'true',
    versions: name === undefined ? undefined : [COLLECTIONS[String(name)]!]
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
      if (!shape)
        return sendException(
          res,
          415,
          ErrorTypes.unsupportedMediaType,
          'Unsupported Media Type',
          `Accept must be application/json, text/csv or application/geo+json, got "${req.get('accept')}"`,
          req.originalUrl
        );
      const p = parseParams(req.query as Record<string, unknown>);
      // A feature type whose collection the caller may not see has no observations for them.
      if (!(await visible(res, FEATURES[p.feature].collection)))
        throw new ValidationError(`Results with the specified Feature ID ${p.featureId} were not found`);
      const rows = await series.query({
        feature: p.feature,
        ids: [p.featureId],
        start: p.start,
        end: p.end,
        fields: p.fields,
        versions: p.versions,
        times: 'hydrocron'
      });
      if (rows.length === 0) throw new ValidationError(`Results with the specified Feature ID ${p.featureId} were not found`);
      const meta = await series.fields(p.feature);
      const unitFields = p.fields.filter((f) => meta.get(f)?.units);
      const text = (o: Observation, f: string) => hydrocronText(o.values[f], meta.get(f)!.type, meta.get(f)!.fill);
      const csv = () => {
        const header = [...p.fields, ...unitFields.map((f) => `${f}_units`)].join(',');
        const lines = rows.map((o) => [...p.fields.map((f) => csvCell(text(o, f))), ...unitFields.map((f) => csvCell(meta.get(f)!.units!))].join(','));
        return `${header}\n${lines.join('\n')}\n`;
      };
      const geojson = (compact: boolean) => {
        if (compact) {
          const properties: Record<string, unknown> = {};
          for (const f of p.fields) properties[f] = rows.map((o) => text(o, f));
          for (const f of unitFields) properties[`${f}_units`] = meta.get(f)!.units;
          return { type: 'FeatureCollection', features: [{ id: '0', type: 'Feature', properties, geometry: rows.find((o) => o.geometry)?.geometry ?? null }] };
        }
        return {
          type: 'FeatureCollection',
          features: rows.map((o, i) => {
            const properties: Record<string, string> = {};
            for (const f of p.fields) properties[f] = text(o, f);
            for (const f of unitFields) properties[`${f}_units`] = meta.get(f)!.units!;
            return { id: String(i), type: 'Feature', properties, geometry: o.geometry };
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
  return r;
}
