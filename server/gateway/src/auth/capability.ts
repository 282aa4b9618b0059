import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { CatalogStore } from '../catalog/store.js';
import type { Config } from '../config.js';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../errors.js';
import { asyncHandler } from '../http/errors.js';
import type { Database } from '../store/database.js';
import { accountRoutes } from './account-routes.js';
import { AccessLog } from './audit.js';
import { HubAuthenticator } from './hub.js';
import { SharedRateLimit, authenticate, principalOf, rateLimit } from './middleware.js';
import { OidcAuthenticator } from './oidc.js';
import { UrlSigner, signable } from './signing.js';
import type { UserStore } from './users.js';

/** Who may do what: callers authenticated, signed URLs, rate limits, accounts and the audit trail. */
export interface Access {
  audit: AccessLog;
  /** A collection's access level (what the audit trail records). */
  levelOf(collection: string): Promise<string>;
  /** Authentication, `/auth/sign`, then the rate limit: mounted before every route that knows its caller. */
  gate: Router;
  /** `/whoami`, the account routes, `/auth/oidc`. */
  routes: Router;
  close(): void;
}

export async function accessCapability(deps: {
  db: Database;
  config: Config;
  log: Logger;
  store: CatalogStore;
  users: UserStore;
  baseUrl: (req: Request) => string;
  sendsMail: boolean;
}): Promise<Access> {
  const { db, config, log, store, users, baseUrl } = deps;
  const signer = await UrlSigner.open(config.dataDir, config.signingKey);
  const oidc = config.oidc ? new OidcAuthenticator(config.oidc) : null;
  const audit = new AccessLog(db);
  const levelOf = async (collection: string) => (await store.access()).find((c) => c.id === collection)?.access ?? 'public';
  const gate = Router();
  gate.use(authenticate(users, config.hubApiUrl ? new HubAuthenticator(config.hubApiUrl) : null, 30, signer, oidc));
  // Short-lived signed URLs for clients that cannot send headers (DuckDB-WASM's range reads, EventSource).
  gate.post(
    '/auth/sign',
    asyncHandler(async (req, res) => {
      const p = principalOf(res);
      if (!p.name) throw new UnauthorizedError('signing a URL needs an API key or a JupyterHub token (Authorization: token ...)');
      if (p.signed || p.job) throw new ForbiddenError('signed URLs and job keys cannot sign further URLs');
      const body = (req.body ?? {}) as { href?: unknown; ttl?: unknown };
      if (typeof body.href !== 'string' || body.href.length > 2000) throw new ValidationError('give {"href": "<asset or event-stream URL>"}');
      let url: URL;
      try {
        url = new URL(body.href, `${baseUrl(req)}/`);
      } catch {
        throw new ValidationError(`"${body.href.slice(0, 100)}" is not a URL`);
      }
      if (!signable(url.pathname)) throw new ValidationError('only /assets/..., /jobs/{id}/events and /events can be signed');
      const ttl = body.ttl === undefined ? 3600 : Number(body.ttl);
      if (!Number.isInteger(ttl) || ttl < 10 || ttl > 3600) throw new ValidationError('ttl is 10 to 3600 seconds');
      const { query, expires } = signer.sign(url.pathname, p, ttl);
      for (const k of [...url.searchParams.keys()]) if (k.startsWith('hysope_') || k === 'api_key') url.searchParams.delete(k);
      for (const [k, v] of query) url.searchParams.set(k, v);
      res.setHeader('Cache-Control', 'no-store');
      res.json({ href: `${baseUrl(req)}${url.pathname}${url.search}`, expires: expires.toISOString() });
    })
  );
  // On a shared PostgreSQL (replicas), callers' spends are shared through it each second; the embedded database has one process.
  const shared = config.databaseUrl && config.rateLimit > 0 ? new SharedRateLimit(db, config.rateLimit, randomUUID()) : null;
  shared?.start(1000, (error) => log.warn({ err: error }, 'the shared rate limit could not be synchronised'));
  gate.use(shared ? rateLimit(config.rateLimit, shared.buckets, (key) => shared.spent(key)) : rateLimit(config.rateLimit));

  const routes = Router();
  // Who the caller is for the gateway (an API key's user, a JupyterHub user, or anonymous) and its access level.
  routes.get('/whoami', (_req, res: Response) => {
    const p = principalOf(res);
    res.json({ name: p.name, role: p.role });
  });
  routes.use(accountRoutes(users, audit, { sendsMail: deps.sendsMail }));
  // How to sign in (the portal reads it): the OpenID provider and the public client, or 404 when there is none.
  routes.get(
    '/auth/oidc',
    asyncHandler(async (_req, res) => {
      if (!oidc) throw new NotFoundError('single sign-on is not configured (HYSOPE_OIDC_ISSUER)');
      res.json(await oidc.publicConfig());
    })
  );
  return { audit, levelOf, gate, routes, close: () => shared?.stop() };
}
