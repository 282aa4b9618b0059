import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { ObjectStore } from '../store/object-store.js';

/**
 * Sends an object of a store that is not a folder (S3): streamed through the gateway with the client's Range and
 * conditions forwarded, or (`redirect`) as a redirect to a presigned URL valid for a few minutes — given only to a
 * caller the route already let through. A HEAD is always answered here (a presigned URL is signed for GET only):
 * range readers learn the size, then get redirected. Resolves to false when there is no such object.
 */
export async function sendStoredObject(
  objects: ObjectStore,
  key: string,
  req: Request,
  res: Response,
  options: { access: 'proxy' | 'redirect'; presignSeconds: number; type?: string }
): Promise<boolean> {
  const personal = res.getHeader('Cache-Control') === 'private';
  if (options.access === 'redirect' && req.method !== 'HEAD') {
    if (!(await objects.head(key))) return false;
    const url = await objects.presign(key, options.presignSeconds);
    // The URL is a credential of its own: never cached, never shared.
    res.setHeader('Cache-Control', 'private, no-store');
    res.redirect(307, url!);
    return true;
  }
  const answer = await objects.read(key, {
    range: req.get('range'),
    ifNoneMatch: req.get('if-none-match'),
    ifModifiedSince: req.get('if-modified-since'),
    ifRange: req.get('if-range')
  });
  if (!answer) return false;
  if (options.type) res.type(options.type);
  res.setHeader('Cache-Control', personal ? 'private, no-cache' : 'public, no-cache');
  for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
  res.status(answer.status);
  if (!answer.body || req.method === 'HEAD') {
    answer.body?.destroy();
    res.end();
    return true;
  }
  await pipeline(answer.body, res).catch((error: unknown) => {
    // A client that goes away mid-download is no error of ours; a store failing mid-stream ends the response.
    if (!res.writableEnded) res.destroy(error as Error);
  });
  return true;
}
