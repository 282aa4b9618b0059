import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ErrorTypes } from '@hysope/api';
import { sendException } from '../http/errors.js';
import type { HubAuthenticator } from './hub.js';
import { anonymous, type Principal } from './principal.js';
import type { UserStore } from './users.js';

/** The caller of a request, as set by {@link authenticate}. */
export function principalOf(res: Response): Principal {
  return res.locals['principal'] as Principal;
}

function tokenOf(req: Request): string | null {
  const header = req.get('authorization');
  const m = header ? /^(?:token|bearer)\s+(.+)$/i.exec(header.trim()) : null;
  if (m) return m[1]!.trim();
  const key = req.query['api_key'];
  return typeof key === 'string' && key ? key : null;
}

/**
 * Resolves the caller: an API key of ours, else a JupyterHub token (when a hub is configured), else
 * anonymous. A token that nobody knows is a 401 (so a typo is not silently served as public).
 */
export function authenticate(users: UserStore, hub: HubAuthenticator | null): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const token = tokenOf(req);
    if (!token) {
      res.locals['principal'] = anonymous(req.ip ?? 'unknown');
      return next();
    }
    (async () => (await users.byKey(token)) ?? (hub ? await hub.verify(token) : null))().then(
      (principal) => {
        if (!principal)
          return sendException(res, 401, ErrorTypes.unauthorized, 'Unauthorized', 'the API key or JupyterHub token is not valid', req.originalUrl);
        res.locals['principal'] = principal;
        next();
      },
      (error) => next(error)
    );
  };
}

/**
 * A token bucket per caller: `perMinute` requests, refilled continuously. Over it: 429 with
 * Retry-After (seconds until one request is allowed again).
 */
export function rateLimit(perMinute: number): RequestHandler {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const rate = perMinute / 60_000;
  return (req, res, next) => {
    if (perMinute <= 0) return next();
    const key = principalOf(res).key;
    const now = Date.now();
    const b = buckets.get(key) ?? { tokens: perMinute, at: now };
    b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * rate);
    b.at = now;
    if (b.tokens < 1) {
      const wait = Math.ceil((1 - b.tokens) / rate / 1000);
      res.setHeader('Retry-After', String(wait));
      buckets.set(key, b);
      return sendException(
        res,
        429,
        ErrorTypes.tooManyRequests,
        'Too Many Requests',
        `rate limit of ${perMinute} requests per minute reached; retry in ${wait} s`,
        req.originalUrl
      );
    }
    b.tokens -= 1;
    buckets.set(key, b);
    if (buckets.size > 100_000) buckets.clear();
    next();
  };
}
