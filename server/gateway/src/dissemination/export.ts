import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import { SearchParameterError, parseBBox, searchBodyFromQuery, type Geometry, type Item } from '@hysope/api';
import { principalOf } from '../auth/middleware.js';
import type { CatalogService } from '../catalog/service.js';
import { ValidationError } from '../errors.js';
import { asyncHandler } from '../http/errors.js';
import { csvCell, writeChunk as write } from '../http/stream.js';
import { fromWkb } from '../formats/wkb.js';
import { toWkt } from '../formats/wkt.js';
import type { TimeseriesService } from './timeseries.js';

const TYPES = { geoparquet: 'application/vnd.apache.parquet', csv: 'text/csv', geojson: 'application/geo+json' } as const;

/**
 * `GET /stac/collections/{id}/export`: the collection's items selected by bbox, datetime and CQL2 (as
 * `/items` takes them), their features clipped to the bbox by the bbox covering column, in one download:
 * GeoParquet 1.1, CSV (geometry as WKT) or GeoJSON, streamed.
 */
export function exportRoutes(catalog: CatalogService, series: TimeseriesService, dataDir: string, baseUrl: (req: Request) => string): Router {
  const r = Router();
  r.get(
    '/collections/:id/export',
    asyncHandler(async (req: Request, res: Response) => {
      const id = String(req.params['id']);
      const p = principalOf(res);
      await catalog.collection(id, baseUrl(req), p);
      const { format: formatRaw, ...query } = req.query as Record<string, unknown>;
      const format = (formatRaw ?? 'geoparquet') as string;
      if (!Object.hasOwn(TYPES, format)) throw new ValidationError(`format must be geoparquet, csv or geojson, got "${format}"`);
      let body;
      try {
        body = searchBodyFromQuery(query);
      } catch (error) {
        if (error instanceof SearchParameterError) throw new ValidationError(error.message);
        throw error;
      }
      const bbox = typeof query['bbox'] === 'string' ? parseBBox(query['bbox']) : null;
      const items: Item[] = [];
      let token: string | undefined;
      do {
        const page = await catalog.search({ ...body, collections: [id], limit: 1000, token, fields: undefined }, baseUrl(req), { method: 'POST' }, p);
        items.push(...page.features);
        token = (page.links?.find((l) => l.rel === 'next')?.body as { token?: string } | undefined)?.token;
      } while (token);
      const files = items.map((it) => path.join(dataDir, 'products', id, `${it.id}.parquet`));
      res.type(TYPES[format as keyof typeof TYPES]);
      res.attachment(`${id}.${format === 'geoparquet' ? 'parquet' : format === 'csv' ? 'csv' : 'geojson'}`);
      if (files.length === 0) {
        if (format === 'geojson') return void res.send('{"type":"FeatureCollection","features":[]}');
        if (format === 'csv') return void res.send('');
      }
      const list = `[${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}]`;
      const where = bbox ? `where bbox.xmin <= ${bbox[2]} and bbox.xmax >= ${bbox[0]} and bbox.ymin <= ${bbox[3]} and bbox.ymax >= ${bbox[1]}` : '';
      const source = files.length ? `read_parquet(${list}, union_by_name = true, filename = true)` : null;
      const duck = await series.duck();
      // Pixel clouds written from their chunks hold GeoArrow points, older ones WKB: any point product is
      // exported from its bbox covering (a point's box is the point), as GeoArrow points.
      const points =
        files.length > 0 &&
        (await duck.runAndReadAll(`select count(*)::int n from parquet_schema(${list}) where name = 'geometry' and num_children = 2`)).getRowObjectsJS()[0]!['n'] !== 0;
      const geometry = points ? `, case when bbox is null then null else struct_pack(x := bbox.xmin, y := bbox.ymin) end as geometry` : '';
      const sql = source
        ? `select regexp_extract(filename, '([^/]+)\\.parquet$', 1) as item_id, * exclude (filename, bbox${points ? ', geometry' : ''})${geometry} from ${source} ${where}`
        : null;
      if (format === 'geoparquet') {
        const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-export-'));
        try {
          const out = path.join(dir, 'export.parquet');
          const encoding = points ? { encoding: 'point', geometry_types: ['Point'] } : { encoding: 'WKB', geometry_types: [] };
          const geo = JSON.stringify({ version: '1.1.0', primary_column: 'geometry', columns: { geometry: encoding } });
          const select = sql ?? "select ''::varchar as item_id, ''::blob as geometry where false";
          await duck.run(
            `copy (${select}) to '${out.replace(/'/g, "''")}' (format parquet, compression zstd, kv_metadata {geo: '${geo.replace(/'/g, "''")}'})`
          );
          await new Promise<void>((resolve, reject) =>
            res.sendFile(out, { headers: { 'Content-Type': TYPES.geoparquet } }, (e) => (e ? reject(e) : resolve()))
          );
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
        return;
      }
      const result = await duck.stream(sql!);
      const names = result.columnNames();
      const props = names.filter((n) => n !== 'geometry');
      try {
        if (format === 'csv') await write(res, [...props, 'geometry_wkt'].join(',') + '\n');
        else await write(res, '{"type":"FeatureCollection","features":[');
        let first = true;
        for await (const rows of result.yieldRowObjectJs()) {
          const text = rows.map((row) => {
            const g = geometryOf(row['geometry']);
            if (format === 'csv') return [...props.map((n) => csvCell(row[n])), csvCell(g ? toWkt(g) : null)].join(',');
            const properties = Object.fromEntries(props.map((n) => [n, row[n] instanceof Date ? (row[n] as Date).toISOString() : row[n]]));
            return JSON.stringify({ type: 'Feature', properties, geometry: g }, (_, v) => (typeof v === 'bigint' ? Number(v) : v));
          });
          if (format === 'csv') await write(res, text.join('\n') + '\n');
          else await write(res, (first ? '' : ',') + text.join(','));
          first = false;
        }
        if (format === 'geojson') await write(res, ']}');
        res.end();
      } catch (error) {
        res.destroy(error as Error);
      }
    })
  );
  return r;
}

/** A row's geometry as GeoJSON: WKB, or a GeoArrow point ({x, y}). */
function geometryOf(value: unknown): Geometry | null {
  if (!value) return null;
  if (value instanceof Uint8Array) return fromWkb(new Uint8Array(value));
  const { x, y } = value as { x: number; y: number };
  return { type: 'Point', coordinates: [x, y] };
}
