import path from 'node:path';
import { Router, type Response } from 'express';
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
export function assetRoutes(dataDir: string, canRead: (res: Response, collection: string, itemId: string) => Promise<boolean>): Router {
  const root = path.resolve(dataDir);
  const r = Router();
  r.get(/^\/(products|sources)\/(.+)$/, async (req, res, next) => {
    const rel = decodeURIComponent(req.path).replace(/^\/+/, '');
    // products/<collection>/<item>[.<table>].parquet or sources/<collection>/<item>/<file>
    const [kind, collection, name] = rel.split('/');
    const itemId = kind === 'products' ? (name ?? '').replace(/(\.[a-z]+)?\.parquet$/, '') : (name ?? '');
    if (!collection || !itemId || !(await canRead(res, collection, itemId).catch(() => false))) {
      next(new NotFoundError(`no asset at ${req.path}`));
      return;
    }
    const full = path.resolve(root, rel);
    if (!full.startsWith(root + path.sep) || rel.split('/').some((p) => p === '..' || p.startsWith('.'))) {
      next(new NotFoundError(`no asset at ${req.path}`));
      return;
    }
    const type = TYPES[path.extname(full).toLowerCase()];
    if (type) res.type(type);
    res.sendFile(full, { dotfiles: 'deny', acceptRanges: true, etag: true, lastModified: true }, (error) => {
      if (!error) return;
      const status = (error as { status?: number }).status;
      if (status === 404 || (error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR')
        next(new NotFoundError(`no asset at ${req.path}`));
      else next(error);
    });
  });
  return r;
}
