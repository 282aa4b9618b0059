import type { Queryable } from '../store/database.js';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ErrorTypes } from '@hysope/api';
import { sendException } from '../http/errors.js';
import { redactUrl } from '../http/redact.js';
export { redactUrl } from '../http/redact.js';
import type { HubAuthenticator } from './hub.js';
import { looksLikeJwt, type OidcAuthenticator } from './oidc.js';
import { anonymous, type Principal } from './principal.js';
import type { UserStore } from './users.js';
import type { UrlSigner } from './signing.js';

/** The caller of a request, as set by {@link authenticate}. */
export function principalOf(res: Response): Principal {
  return res.locals['principal'] as Principal;
}

/** The credentials of a request: a token, none, or a scheme we do not take (answered 401, never served as anonymous). */
function tokenOf(req: Request): { token: string } | { none: true } | { refused: string } | { signed: true } {
  const header = req.get('authorization');
  if (header) {
    const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header.trim());
    if (m) return { token: m[1]! };
    const scheme = /^\S+/.exec(header.trim())?.[0] ?? '';
    return { refused: `the Authorization scheme "${scheme.slice(0, 20)}" is not accepted; send "Authorization: token KEY" (or Bearer)` };
  }
  if (req.query['api_key'] !== undefined)
    return { refused: 'keys in URLs (api_key) are not accepted: send "Authorization: token KEY", or ask POST /auth/sign for a short-lived signed URL' };
  if (req.query['hysope_sig'] !== undefined) return { signed: true };
  return { none: true };
}

/**
 * Token buckets by key: `perMinute` tokens each, refilled continuously (request rate limits, and failed
 * authentications per address).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly perMinute: number) {}
  /** Seconds until `key` has a token again, or 0 when it has one now. */
  wait(key: string): number {
    const b = this.bucket(key);
    return b.tokens < 1 ? Math.ceil(((1 - b.tokens) / this.perMinute) * 60) : 0;
  }
  /** Spends `n` of `key`'s tokens (one request here, or what other replicas let through). */
  take(key: string, n = 1): void {
    const b = this.bucket(key);
    b.tokens -= n;
    if (this.buckets.size > 100_000) this.buckets.clear();
    this.buckets.set(key, b);
  }
  private bucket(key: string): { tokens: number; at: number } {
    const now = Date.now();
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    b.tokens = Math.min(this.perMinute, b.tokens + ((now - b.at) / 60_000) * this.perMinute);
    b.at = now;
    return b;
  }
}

/**
 * Resolves the caller: an API key of ours, else a JupyterHub token (when a hub is configured), else
 * anonymous. A token that nobody knows is a 401 (so a typo is not silently served as public), and so is
 * an Authorization scheme we do not take (Basic); failed attempts are rate limited per client address
 * (`failuresPerMinute`) before any key is looked up.
 */
export function authenticate(
  users: UserStore,
  hub: HubAuthenticator | null,
  failuresPerMinute = 30,
  signer?: UrlSigner,
  oidc?: OidcAuthenticator | null
): RequestHandler {
  const failures = new TokenBuckets(failuresPerMinute);
  return (req: Request, res: Response, next: NextFunction) => {
    const credentials = tokenOf(req);
    const address = req.ip ?? 'unknown';
    if ('none' in credentials) {
      res.locals['principal'] = anonymous(address);
      return next();
    }
    const wait = failures.wait(address);
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      return sendException(
        res,
        429,
        ErrorTypes.tooManyRequests,
        'Too Many Requests',
        `too many failed authentications from this address; retry in ${wait} s`,
        redactUrl(req.originalUrl)
      );
    }
    const unauthorized = (detail: string) => {
      failures.take(address);
      res.setHeader('WWW-Authenticate', 'Bearer realm="hysope"');
      sendException(res, 401, ErrorTypes.unauthorized, 'Unauthorized', detail, redactUrl(req.originalUrl));
    };
    if ('refused' in credentials) return unauthorized(credentials.refused);
    if ('signed' in credentials) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return unauthorized('a signed URL only reads (GET)');
      const p = signer?.verify(new URL(req.originalUrl, 'http://x').pathname, req.query);
      if (!p || 'refused' in p) return unauthorized(p?.refused ?? 'signed URLs are not enabled');
      res.locals['principal'] = { ...p, signed: true };
      res.setHeader('Cache-Control', 'private');
      res.vary('Authorization');
      return next();
    }
    const token = credentials.token;
    // A JWT is the single sign-on provider's; anything else is one of our API keys or a JupyterHub token.
    const verify = async () =>
      oidc && looksLikeJwt(token) ? await oidc.verify(token) : ((await users.byKey(token)) ?? (hub && token.length <= 200 ? await hub.verify(token) : null));
    verify().then(
      (principal) => {
        if (principal && 'refused' in principal) return unauthorized(principal.refused);
        // A signed-on person's keys act with the role their provider gives them now.
        if (principal && principal.key.startsWith('oidc:') && principal.name) void users.syncRole(principal.name, principal.role).catch(() => undefined);
        if (!principal)
          return unauthorized(oidc ? 'the API key, JupyterHub token or sign-on token is not valid' : 'the API key or JupyterHub token is not valid');
        res.locals['principal'] = principal;
        // Answers that depend on who asks are never shared by caches.
        res.setHeader('Cache-Control', 'private');
        res.vary('Authorization');
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
export function rateLimit(perMinute: number, buckets = new TokenBuckets(perMinute), spent?: (key: string) => void): RequestHandler {
  return (req, res, next) => {
    if (perMinute <= 0) return next();
    const key = principalOf(res).key;
    const wait = buckets.wait(key);
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      return sendException(
        res,
        429,
        ErrorTypes.tooManyRequests,
        'Too Many Requests',
        `rate limit of ${perMinute} requests per minute reached; retry in ${wait} s`,
        redactUrl(req.originalUrl)
      );
    }
    buckets.take(key);
    spent?.(key);
    next();
  };
}

/**
 * The rate limit shared by gateway replicas through the database: each replica keeps its callers' token buckets in
 * memory (no round trip per request) and, every `everyMs`, records what it let through and debits what the others
 * did from its own buckets — so a caller spreading requests over N replicas gets the limit once, not N times (give
 * or take one period of requests).
 */
export class SharedRateLimit {
  readonly buckets: TokenBuckets;
  private pending = new Map<string, number>();
  private seen = 0;
  private timer: NodeJS.Timeout | null = null;
  private syncs = 0;

  constructor(
    private readonly db: Queryable,
    perMinute: number,
    private readonly holder: string
  ) {
    this.buckets = new TokenBuckets(perMinute);
  }

  /** Counts one request let through here. */
  spent(key: string): void {
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }

  /** Records this replica's spends and debits the others' (one round trip each way). */
  async sync(): Promise<void> {
    const mine = this.pending;
    this.pending = new Map();
    if (mine.size)
      await this.db
        .query(`insert into rate_spends (holder, key, spent) select $1, k, n from unnest($2::text[], $3::int[]) as t(k, n)`, [
          this.holder,
          [...mine.keys()],
          [...mine.values()]
        ])
        .catch((error: unknown) => {
          // Kept for the next period (the database may be back).
          for (const [k, n] of mine) this.pending.set(k, (this.pending.get(k) ?? 0) + n);
          throw error;
        });
    if (this.seen === 0) {
      // At start: what the others spent in the last minute.
      const [row] = await this.db.query<{ id: string | null }>(`select max(id)::text as id from rate_spends where at < now() - interval '1 minute'`);
      this.seen = Number(row?.id ?? 0);
    }
    const rows = await this.db.query<{ id: string; key: string; spent: number }>(
      `select id::text as id, key, spent from rate_spends where id > $1 and holder <> $2 order by id limit 10000`,
      [this.seen, this.holder]
    );
    for (const r of rows) {
      this.buckets.take(r.key, Number(r.spent));
      this.seen = Math.max(this.seen, Number(r.id));
    }
    if (++this.syncs % 60 === 0) await this.db.query(`delete from rate_spends where at < now() - interval '2 minutes'`);
  }

  start(everyMs: number, onError: (error: unknown) => void): void {
    this.timer = setInterval(() => void this.sync().catch(onError), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
