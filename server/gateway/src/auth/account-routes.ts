// The caller's account: who they are for the gateway, their access level, their API keys (create, name,
// revoke) and their recent use; and the audit trail of data access for administrators.
import { Router, type Request, type Response } from 'express';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../errors.js';
import { asyncHandler } from '../http/errors.js';
import type { AccessLog } from './audit.js';
import { principalOf } from './middleware.js';
import { ACCESS_LEVELS, canSee, type Principal } from './principal.js';
import type { UserStore } from './users.js';

/** The signed-in person of a request (not anonymous, not a job's key, not a signed URL). */
export function person(res: Response): Principal & { name: string } {
  const p = principalOf(res);
  if (!p.name) throw new UnauthorizedError('sign in first (single sign-on, an API key or a JupyterHub token)');
  if (p.job || p.signed) throw new ForbiddenError('a job key or a signed URL has no account');
  return p as Principal & { name: string };
}

const how = (p: Principal) => (p.key.startsWith('oidc:') ? 'single sign-on' : p.key.startsWith('hub:') ? 'JupyterHub' : 'API key');

function instant(v: unknown, name: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  const t = Date.parse(String(v));
  if (!Number.isFinite(t)) throw new ValidationError(`${name} must be an RFC 3339 instant, got "${String(v)}"`);
  return new Date(t).toISOString();
}

export function accountRoutes(users: UserStore, audit: AccessLog, options: { sendsMail: boolean } = { sendsMail: false }): Router {
  const r = Router();
  r.get(
    '/auth/account',
    asyncHandler(async (_req: Request, res: Response) => {
      const p = person(res);
      res.json({
        name: p.name,
        role: p.role,
        signed_in_with: how(p),
        access_levels: ACCESS_LEVELS.filter((l) => l !== 'private' && canSee(p, l, null)),
        keys: await users.keys(p.name),
        recent_access: await audit.query({ user: p.name, limit: 20 }),
        // Whether this gateway can write to the person (alert e-mails, "your download is ready").
        sends_mail: options.sendsMail
      });
    })
  );
  r.get(
    '/auth/keys',
    asyncHandler(async (_req: Request, res: Response) => {
      res.json({ keys: await users.keys(person(res).name) });
    })
  );
  r.post(
    '/auth/keys',
    asyncHandler(async (req: Request, res: Response) => {
      const name = (req.body as { name?: unknown } | undefined)?.name;
      if (typeof name !== 'string') throw new ValidationError('give the key a name: {"name": "my laptop"}');
      res.status(201).json(await users.createKey(person(res), name));
    })
  );
  r.delete(
    '/auth/keys/:id',
    asyncHandler(async (req: Request, res: Response) => {
      if (!(await users.revokeKey(person(res).name, String(req.params['id'])))) throw new NotFoundError(`you have no API key "${req.params['id']}"`);
      res.status(204).end();
    })
  );
  r.get(
    '/audit',
    asyncHandler(async (req: Request, res: Response) => {
      const p = principalOf(res);
      if (!p.name) throw new UnauthorizedError('the audit trail is for administrators: sign in');
      if (p.role !== 'admin' || p.job || p.signed) throw new ForbiddenError(`the audit trail is for administrators (you are ${p.role})`);
      const q = req.query as Record<string, unknown>;
      const limit = q['limit'] === undefined ? 100 : Number(q['limit']);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new ValidationError('limit is 1 to 10000');
      const level = q['level'] === undefined ? undefined : String(q['level']);
      if (level !== undefined && !ACCESS_LEVELS.includes(level as never)) throw new ValidationError(`level is one of ${ACCESS_LEVELS.join(', ')}`);
      res.json({
        entries: await audit.query({
          user: q['user'] === undefined ? undefined : String(q['user']),
          collection: q['collection'] === undefined ? undefined : String(q['collection']),
          level,
          since: instant(q['since'], 'since'),
          until: instant(q['until'], 'until'),
          limit
        })
      });
    })
  );
  return r;
}
