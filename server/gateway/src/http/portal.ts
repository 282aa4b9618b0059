// The portal (server/portal's build) served by the gateway: its pages at /portal/... (and at / for browsers, by
// content negotiation), its hashed files from /portal/assets cached for good, each sent pre-compressed (brotli or
// gzip, made at build time) when the browser takes it.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Request, type Response } from 'express';
import { NotFoundError } from '../errors.js';
import { asyncHandler } from './errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.svg': 'image/svg+xml'
};

/** Where the portal's build is when not configured: beside the gateway in the repository. */
export function defaultPortalDir(): string {
  return fileURLToPath(new URL('../../../portal/dist', import.meta.url));
}

/** The encoding to send: brotli, then gzip, when the browser accepts it and the build made it. */
export function pickEncoding(acceptEncoding: string | undefined, available: { br: boolean; gzip: boolean }): 'br' | 'gzip' | null {
  const accepted = new Map(
    (acceptEncoding ?? '')
      .split(',')
      .map((part) => part.trim().split(';'))
      .filter(([name]) => name)
      .map(([name, ...params]) => {
        const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
        return [name!.trim().toLowerCase(), q === undefined ? 1 : Number(q)] as const;
      })
  );
  const ok = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (available.br && ok('br')) return 'br';
  if (available.gzip && ok('gzip')) return 'gzip';
  return null;
}

async function sendFile(req: Request, res: Response, file: string, cache: string, vary = 'Accept-Encoding'): Promise<void> {
  const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
  const encoding = pickEncoding(req.get('accept-encoding'), { br: existsSync(`${file}.br`), gzip: existsSync(`${file}.gz`) });
  const sent = encoding ? `${file}.${encoding === 'br' ? 'br' : 'gz'}` : file;
  const info = await stat(sent);
  const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}${encoding ? `-${encoding}` : ''}"`;
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', cache);
  res.setHeader('Vary', vary);
  res.setHeader('ETag', etag);
  if (encoding) res.setHeader('Content-Encoding', encoding);
  if (req.get('if-none-match') === etag) return void res.status(304).end();
  res.setHeader('Content-Length', String(info.size));
  res.end(req.method === 'HEAD' ? undefined : await readFile(sent));
}

/** Whether a request for `/` comes from a browser wanting a page (API clients get the JSON landing page). */
export function wantsPage(req: Request): boolean {
  return req.accepts(['application/json', 'text/html']) === 'text/html';
}

/** The portal's routes, to mount at `/portal`. */
export function portalRoutes(dir: string): { router: Router; page: (req: Request, res: Response) => Promise<void>; built: boolean } {
  const index = path.join(dir, 'index.html');
  const built = existsSync(index);
  const page = async (req: Request, res: Response) => {
    if (!existsSync(index)) throw new NotFoundError(`the portal is not built (no ${index}): run npm run build`);
    await sendFile(req, res, index, 'no-cache', 'Accept, Accept-Encoding');
  };
  const r = Router();
  r.get(
    '/assets/:file',
    asyncHandler(async (req: Request, res: Response) => {
      const name = String(req.params['file']);
      const file = path.join(dir, 'assets', name);
      if (name.includes('/') || name.startsWith('.') || /\.(br|gz)$/.test(name) || !existsSync(file)) throw new NotFoundError(`no portal file ${name}`);
      await sendFile(req, res, file, 'public, max-age=31536000, immutable');
    })
  );
  // Every other portal address is a page of the single-page portal (feature pages, the search with its query).
  r.get(/^(\/.*)?$/, asyncHandler(page));
  return { router: r, page, built };
}
