import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gatewayError, type ProcessDefinition } from '../process.js';

const EXTENSIONS = { geoparquet: 'parquet', csv: 'csv', geojson: 'geojson' } as const;
const TYPES = { geoparquet: 'application/vnd.apache.parquet', csv: 'text/csv', geojson: 'application/geo+json' } as const;

/** A collection's features in a bbox, time window and CQL2 filter, as one file (through the gateway's export). */
export const subset: ProcessDefinition = {
  id: 'subset',
  title: 'Subset a collection',
  description:
    "The features of a collection's items selected by bbox, datetime and a CQL2 filter, clipped to the bbox, as one GeoParquet, CSV or GeoJSON file.",
  version: '1.0.0',
  keywords: ['subset', 'export', 'GeoParquet'],
  inputs: {
    collection: { title: 'Collection id', schema: { type: 'string', minLength: 1 }, minOccurs: 1 },
    bbox: { title: 'Bounding box [w, s, e, n]', schema: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 }, minOccurs: 0 },
    datetime: { title: 'Time (RFC 3339 instant or interval)', schema: { type: 'string' }, minOccurs: 0 },
    filter: { title: 'CQL2 text filter', schema: { type: 'string' }, minOccurs: 0 },
    format: { title: 'Format', schema: { type: 'string', enum: ['geoparquet', 'csv', 'geojson'], default: 'geoparquet' }, minOccurs: 0 }
  },
  outputs: { subset: { title: 'The subset', schema: { type: 'string' } } },
  jobControlOptions: ['async-execute', 'sync-execute', 'dismiss'],
  async run(ctx) {
    const format = (ctx.inputs['format'] ?? 'geoparquet') as keyof typeof TYPES;
    const q = new URLSearchParams({ format });
    if (ctx.inputs['bbox']) q.set('bbox', (ctx.inputs['bbox'] as number[]).join(','));
    if (ctx.inputs['datetime']) q.set('datetime', String(ctx.inputs['datetime']));
    if (ctx.inputs['filter']) q.set('filter', String(ctx.inputs['filter']));
    ctx.progress(10, 'selecting the items and their features');
    const url = `${ctx.gatewayUrl}/stac/collections/${encodeURIComponent(String(ctx.inputs['collection']))}/export?${q}`;
    const res = await fetch(url, { headers: ctx.token ? { Authorization: `token ${ctx.token}` } : {}, signal: ctx.signal });
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { detail?: string } | null;
      throw gatewayError(res.status, body?.detail ?? res.statusText);
    }
    const file = `subset.${EXTENSIONS[format]}`;
    await writeFile(path.join(ctx.workDir, file), new Uint8Array(await res.arrayBuffer()));
    ctx.progress(100, 'written');
    return { outputs: { subset: { file, mediaType: TYPES[format] } } };
  }
};
