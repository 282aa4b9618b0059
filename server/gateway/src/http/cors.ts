import type { RequestHandler } from 'express';

/** What browsers on an allowed origin may send and read (the lab's job launcher needs Prefer, PUT, DELETE, Location). */
const ALLOW_METHODS = 'GET, HEAD, POST, PUT, DELETE, OPTIONS';
const ALLOW_HEADERS = 'Authorization, Content-Type, Range, If-None-Match, If-Modified-Since, If-Match, Prefer, X-Request-Id, Accept, Accept-Language';
const EXPOSE_HEADERS =
  'Content-Range, Content-Length, Content-Type, ETag, Accept-Ranges, Last-Modified, Location, Preference-Applied, Retry-After, X-Request-Id, Link';

/**
 * The CORS policy: only the configured origins (`*` for any) get CORS headers; a preflight from another
 * origin is answered without them, so the browser refuses. Credentials are tokens in headers, never
 * cookies, so no `Allow-Credentials`.
 */
export function corsPolicy(origins: string[]): RequestHandler {
  const any = origins.includes('*');
  const allowed = new Set(origins.map((o) => o.replace(/\/+$/, '').toLowerCase()));
  return (req, res, next) => {
    const origin = req.get('origin');
    res.vary('Origin');
    const ok = origin !== undefined && (any || allowed.has(origin.toLowerCase()));
    if (ok) {
      res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
      res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    }
    if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
      if (ok) {
        res.setHeader('Access-Control-Allow-Methods', ALLOW_METHODS);
        res.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS);
        res.setHeader('Access-Control-Max-Age', '600');
      }
      return void res.status(204).end();
    }
    next();
  };
}
