import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Router, type NextFunction, type Request, type Response } from 'express';
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
    if (!objects.folder) return sendObject(objects, rel, req, res, next, options).catch(next);
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

/**
 * An object of an S3 store: streamed through the gateway with the client's Range and conditions forwarded, or (the
 * `redirect` setting) a redirect to a presigned URL valid for a few minutes, given only after the access check.
 */
async function sendObject(
  objects: ObjectStore,
  key: string,
  req: Request,
  res: Response,
  next: NextFunction,
  options: { access: 'proxy' | 'redirect'; presignSeconds: number }
): Promise<void> {
  const type = TYPES[path.extname(key).toLowerCase()];
  const personal = res.getHeader('Cache-Control') === 'private';
  // A HEAD is answered here (a presigned URL is signed for GET only): range readers learn the size, then get redirected.
  if (options.access === 'redirect' && req.method !== 'HEAD') {
    if (!(await objects.head(key))) return next(new NotFoundError(`no asset at /${key}`));
    const url = await objects.presign(key, options.presignSeconds);
    // The URL is a credential of its own: never cached, never shared.
    res.setHeader('Cache-Control', 'private, no-store');
    return res.redirect(307, url!);
  }
  const answer = await objects.read(key, {
    range: req.get('range'),
    ifNoneMatch: req.get('if-none-match'),
    ifModifiedSince: req.get('if-modified-since'),
    ifRange: req.get('if-range')
  });
  if (!answer) return next(new NotFoundError(`no asset at /${key}`));
  if (type) res.type(type);
  res.setHeader('Cache-Control', personal ? 'private, no-cache' : 'public, no-cache');
  for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
  res.status(answer.status);
  if (!answer.body || req.method === 'HEAD') {
    answer.body?.destroy();
    return void res.end();
  }
  await pipeline(answer.body, res).catch((error: unknown) => {
    // A client that goes away mid-download is no error of ours; a store failing mid-stream ends the response.
    if (!res.writableEnded) res.destroy(error as Error);
  });
}
