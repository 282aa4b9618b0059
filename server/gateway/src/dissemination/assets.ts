import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { Router, type Response } from 'express';
import { sendStoredObject } from '../http/objects.js';
import type { ObjectStore } from '../store/object-store.js';
import { NotFoundError } from '../errors.js';

const TYPES: Record<string, string> = {
  '.parquet': 'application/vnd.apache.parquet',
  '.zip': 'application/zip',
  '.nc': 'application/x-netcdf',
  '.json': 'application/json',
  '.csv': 'text/csv'
};

/**
 * `/assets/...`: products and original granules from the object store, with HTTP Range (206),
 * ETag, Last-Modified and conditional requests, so DuckDB reads GeoParquet remotely by ranges.
 * No path can leave the object store root.
 */
export function assetRoutes(
  objects: ObjectStore,
  canRead: (res: Response, collection: string, itemId: string) => Promise<boolean>,
  options: { access: 'proxy' | 'redirect'; presignSeconds: number } = { access: 'proxy', presignSeconds: 300 }
): Router {
  const root = path.resolve(objects.folder ?? '.');
  const r = Router();
  r.get(/^\/(products|sources)\/(.+)$/, async (req, res, next) => {
    let rel: string;
    try {
      rel = decodeURIComponent(req.path).replace(/^\/+/, '');
    } catch {
      return next(new NotFoundError(`no asset at ${req.path}`));
    }
    // products/<collection>/<item>[.<table>].parquet or sources/<collection>/<item>/<file>
    const [kind, collection, name] = rel.split('/');
    const itemId = kind === 'products' ? (name ?? '').replace(/(\.[a-z]+)?\.parquet$/, '') : (name ?? '');
    if (rel.includes('\0') || rel.split('/').some((p) => p === '..' || p.startsWith('.'))) return next(new NotFoundError(`no asset at ${req.path}`));
    // A store outage is an error (503), never "not found": clients would take the asset for deleted.
    let allowed: boolean;
    try {
      allowed = !!collection && !!itemId && (await canRead(res, collection, itemId));
    } catch (error) {
      return next(error);
    }
    if (!allowed) return next(new NotFoundError(`no asset at ${req.path}`));
    if (!objects.folder)
      return sendStoredObject(objects, rel, req, res, { ...options, type: TYPES[path.extname(rel).toLowerCase()] })
        .then((found) => (found ? undefined : next(new NotFoundError(`no asset at ${req.path}`))))
        .catch(next);
    // Containment on real paths: a link (planted or not) can never lead out of the object store.
    const realRoot = await realpath(root).catch(() => root);
    const full = await realpath(path.resolve(root, rel)).catch(() => null);
    if (!full || !full.startsWith(realRoot + path.sep)) return next(new NotFoundError(`no asset at ${req.path}`));
    const type = TYPES[path.extname(full).toLowerCase()];
    if (type) res.type(type);
    const personal = res.getHeader('Cache-Control') === 'private';
    res.setHeader('Cache-Control', personal ? 'private, no-cache' : 'public, no-cache');
    res.sendFile(full, { dotfiles: 'deny', acceptRanges: true, etag: true, lastModified: true, cacheControl: false }, (error) => {
      if (!error) return;
      const status = (error as { status?: number }).status;
      if (status === 404 || (error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR')
        next(new NotFoundError(`no asset at ${req.path}`));
      else next(error);
    });
  });
  return r;
}
