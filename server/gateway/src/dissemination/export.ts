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
import type { ObjectStore } from '../store/object-store.js';
import type { TimeseriesService } from './timeseries.js';
import type { DuckDBConnection } from '@duckdb/node-api';

const TYPES = { geoparquet: 'application/vnd.apache.parquet', csv: 'text/csv', geojson: 'application/geo+json' } as const;

/**
 * `GET /stac/collections/{id}/export`: the collection's items selected by bbox, datetime and CQL2 (as
 * `/items` takes them), their features clipped to the bbox by the bbox covering column, in one download:
 * GeoParquet 1.1, CSV (geometry as WKT) or GeoJSON, streamed.
 */
export function exportRoutes(catalog: CatalogService, series: TimeseriesService, objects: ObjectStore, baseUrl: (req: Request) => string): Router {
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
      // Local files for DuckDB: the products themselves in a folder store, copies cached by entity tag from S3.
      const files = await Promise.all(items.map((it) => objects.localFile(`products/${id}/${it.id}.parquet`)));
      res.type(TYPES[format as keyof typeof TYPES]);
      res.attachment(`${id}.${format === 'geoparquet' ? 'parquet' : format === 'csv' ? 'csv' : 'geojson'}`);
      if (files.length === 0) {
        if (format === 'geojson') return void res.send('{"type":"FeatureCollection","features":[]}');
        if (format === 'csv') return void res.send('');
      }
      // A connection of its own: the answer is streamed (a pooled connection's next statement would end it).
      const duck = await series.ownConnection();
      try {
        const sql = files.length ? await exportQuery(duck, files, bbox) : null;
        const points = sql?.points ?? false;
        if (format === 'geoparquet') {
          const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-export-'));
          try {
            const out = path.join(dir, 'export.parquet');
            const encoding = points ? { encoding: 'point', geometry_types: ['Point'] } : { encoding: 'WKB', geometry_types: [] };
            const geo = JSON.stringify({ version: '1.1.0', primary_column: 'geometry', columns: { geometry: encoding } });
            const select = sql?.text ?? "select ''::varchar as item_id, ''::blob as geometry where false";
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
        const result = await duck.stream(sql!.text);
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
      } finally {
        duck.closeSync();
      }
    })
  );
  return r;
}

/**
 * The rows of a collection's product files, with their item id, inside a bbox if given. Files of GeoArrow points
 * (pixel clouds written from their chunks) and WKB files (with their bbox covering) are read apart and joined by
 * column name; when any holds points, the WKB ones' points come from their covering (a point's box is the point),
 * so every row's geometry is a GeoArrow point.
 */
async function exportQuery(duck: DuckDBConnection, files: string[], bbox: number[] | null): Promise<{ text: string; points: boolean }> {
  const list = (fs: string[]) => `[${fs.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}]`;
  const pointFiles = new Set(
    (await duck.runAndReadAll(`select distinct file_name f from parquet_schema(${list(files)}) where name = 'geometry' and num_children = 2`))
      .getRowObjectsJS()
      .map((r) => String(r['f']))
  );
  const wkb = files.filter((f) => !pointFiles.has(f));
  const points = [...pointFiles];
  const itemId = `regexp_extract(filename, '([^/]+)\\.parquet$', 1) as item_id`;
  const box = (x0: string, x1: string, y0: string, y1: string) =>
    bbox ? ` where ${x0} <= ${bbox[2]} and ${x1} >= ${bbox[0]} and ${y0} <= ${bbox[3]} and ${y1} >= ${bbox[1]}` : '';
  const parts: string[] = [];
  if (wkb.length) {
    const geometry = points.length ? ', case when bbox is null then null else struct_pack(x := bbox.xmin, y := bbox.ymin) end as geometry' : '';
    parts.push(
      `select ${itemId}, * exclude (filename, bbox${points.length ? ', geometry' : ''})${geometry} from read_parquet(${list(wkb)}, union_by_name = true, filename = true)${box('bbox.xmin', 'bbox.xmax', 'bbox.ymin', 'bbox.ymax')}`
    );
  }
  if (points.length) {
    parts.push(
      `select ${itemId}, * exclude (filename) from read_parquet(${list(points)}, union_by_name = true, filename = true)${box('geometry.x', 'geometry.x', 'geometry.y', 'geometry.y')}`
    );
  }
  return { text: parts.join(' union all by name '), points: points.length > 0 };
}

/** A row's geometry as GeoJSON: WKB, or a GeoArrow point ({x, y}). */
function geometryOf(value: unknown): Geometry | null {
  if (!value) return null;
  if (value instanceof Uint8Array) return fromWkb(new Uint8Array(value));
  const { x, y } = value as { x: number; y: number };
  return { type: 'Point', coordinates: [x, y] };
}
