import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError, gatewayError, type ProcessDefinition } from '../process.js';

/** The file formats of an export, as the time-series API writes them. */
const FILES = {
  parquet: { ext: 'parquet', type: 'application/vnd.apache.parquet' },
  csv: { ext: 'csv', type: 'text/csv' },
  netcdf: { ext: 'nc', type: 'application/x-netcdf' },
  geojson: { ext: 'geojson', type: 'application/geo+json' }
} as const;

/** Exports observations of many features as one Parquet file, through the gateway's /timeseries. */
export const timeseriesExport: ProcessDefinition = {
  id: 'timeseries-export',
  title: 'Time-series export',
  description:
    'Observations of SWOT reaches, nodes or lakes (ids or SWORD basin prefix) over a time window, de-duplicated, as one file (Parquet, CSV, NetCDF-CF or GeoJSON).',
  version: '1.0.0',
  keywords: ['SWOT', 'time series', 'export'],
  inputs: {
    feature: { title: 'Feature type', schema: { type: 'string', enum: ['Reach', 'Node', 'PriorLake'], default: 'Reach' }, minOccurs: 0 },
    ids: { title: 'Feature ids', schema: { type: 'array', items: { type: 'string', pattern: '^[0-9]{10,14}$' } }, minOccurs: 0 },
    basin: { title: 'SWORD basin prefix', schema: { type: 'string', pattern: '^[0-9]{1,10}$' }, minOccurs: 0 },
    datetime: { title: 'Time window (RFC 3339 interval)', schema: { type: 'string' }, minOccurs: 0 },
    quality: { title: 'Quality', schema: { type: 'string', enum: ['good', 'suspect', 'all'], default: 'all' }, minOccurs: 0 },
    format: { title: 'File format', schema: { type: 'string', enum: Object.keys(FILES), default: 'parquet' }, minOccurs: 0 }
  },
  outputs: {
    observations: {
      title: 'Observations (Parquet, CSV, NetCDF-CF or GeoJSON, as asked)',
      schema: { oneOf: Object.values(FILES).map((f) => ({ type: 'string', contentMediaType: f.type })) }
    }
  },
  jobControlOptions: ['sync-execute', 'async-execute', 'dismiss'],
  async run(ctx) {
    const format = String(ctx.inputs['format'] ?? 'parquet') as keyof typeof FILES;
    const q = new URLSearchParams({
      feature: String(ctx.inputs['feature'] ?? 'Reach'),
      format,
      dedupe: 'true',
      quality: String(ctx.inputs['quality'] ?? 'all')
    });
    const ids = ctx.inputs['ids'] as string[] | undefined;
    if (ids?.length) q.set('ids', ids.join(','));
    else if (ctx.inputs['basin']) q.set('basin', String(ctx.inputs['basin']));
    else throw new InputError('give ids or basin');
    if (ctx.inputs['datetime']) q.set('datetime', String(ctx.inputs['datetime']));
    ctx.progress(10, 'querying the time-series store');
    const res = await fetch(`${ctx.gatewayUrl}/timeseries?${q}`, { headers: ctx.token ? { Authorization: `token ${ctx.token}` } : {}, signal: ctx.signal });
    if (!res.ok) throw gatewayError(res.status, await res.text());
    const name = `observations.${FILES[format].ext}`;
    await writeFile(path.join(ctx.workDir, name), new Uint8Array(await res.arrayBuffer()));
    ctx.progress(100, 'written');
    return { outputs: { observations: { file: name, mediaType: FILES[format].type } } };
  }
};
