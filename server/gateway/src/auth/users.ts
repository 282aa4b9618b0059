import { createHash, randomBytes } from 'node:crypto';
import { ValidationError } from '../errors.js';
import type { Database } from '../store/database.js';
import { ROLES, type Principal, type Role } from './principal.js';

const hash = (key: string) => createHash('sha256').update(key).digest('hex');
/** A key's public id (what lists show and revocation names). */
const keyId = () => randomBytes(6).toString('hex');
/** API keys one person may hold at once. */
const MAX_KEYS = 20;

/** Users and their API keys (stored hashed), in the catalog database. */
export class UserStore {
  constructor(private readonly db: Database) {}

  /**
   * Creates (or updates the role of) a user and returns a new API key for them.
   * @throws ValidationError for an unknown role or a bad name
   */
  async addUser(name: string, role: string, options: { replaceKeys?: boolean } = {}): Promise<string> {
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new ValidationError(`user names are 1-64 letters, digits or ._@-, got "${name}"`);
    if (!ROLES.includes(role as Role)) throw new ValidationError(`role must be one of ${ROLES.join(', ')}, got "${role}"`);
    const key = `hy_${randomBytes(24).toString('base64url')}`;
    await this.db.transaction(async (tx) => {
      await tx.query('insert into users (name, role) values ($1, $2) on conflict (name) do update set role = excluded.role', [name, role]);
      if (options.replaceKeys) await tx.query('delete from api_keys where user_name = $1 and job_id is null', [name]);
      await tx.query('insert into api_keys (hash, user_name, id, name) values ($1, $2, $3, $4)', [hash(key), name, keyId(), 'hysope user add']);
    });
    return key;
  }

  /**
   * A new API key for the caller (a person signed in with a key, a hub token or single sign-on), named by them;
   * the user is recorded with their role of now. The key is returned once and kept hashed.
   */
  async createKey(p: Principal, label: string): Promise<{ id: string; name: string; key: string; created: string }> {
    if (!p.name || p.job || p.signed) throw new ValidationError('only a signed-in person (not a job or a signed URL) can create API keys');
    const name = label.trim();
    if (!name || name.length > 80 || [...name].some((c) => c.charCodeAt(0) < 32)) throw new ValidationError('a key name is 1 to 80 printable characters');
    const key = `hy_${randomBytes(24).toString('base64url')}`;
    const id = keyId();
    const created = await this.db.transaction(async (tx) => {
      await tx.query('insert into users (name, role) values ($1, $2) on conflict (name) do update set role = excluded.role', [p.name, p.role]);
      const count = await tx.query<{ n: number }>('select count(*)::int as n from api_keys where user_name = $1 and job_id is null', [p.name]);
      if ((count[0]?.n ?? 0) >= MAX_KEYS) throw new ValidationError(`at most ${MAX_KEYS} API keys per person: revoke one first`);
      const rows = await tx.query<{ created: Date | string }>('insert into api_keys (hash, user_name, id, name) values ($1, $2, $3, $4) returning created', [
        hash(key),
        p.name,
        id,
        name
      ]);
      return new Date(rows[0]!.created).toISOString();
    });
    return { id, name, key, created };
  }

  /** A person's API keys (never the keys themselves): id, name, when made and last used. */
  async keys(user: string): Promise<{ id: string; name: string | null; created: string; last_used: string | null }[]> {
    const rows = await this.db.query<{ id: string; name: string | null; created: Date | string; last_used: Date | string | null }>(
      'select id, name, created, last_used from api_keys where user_name = $1 and job_id is null order by created',
      [user]
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      created: new Date(r.created).toISOString(),
      last_used: r.last_used ? new Date(r.last_used).toISOString() : null
    }));
  }

  /** Revokes one of a person's keys; false when they have no key with that id. */
  async revokeKey(user: string, id: string): Promise<boolean> {
    const rows = await this.db.query('delete from api_keys where user_name = $1 and id = $2 and job_id is null returning id', [user, id]);
    return rows.length > 0;
  }

  private readonly synced = new Map<string, Role>();
  /**
   * Keeps a signed-on person's role in step with their provider (their keys act with it): written only when it
   * changed since this gateway last saw them, and only for people who have keys here.
   */
  async syncRole(name: string, role: Role): Promise<void> {
    if (this.synced.get(name) === role) return;
    await this.db.query('update users set role = $2 where name = $1 and role <> $2', [name, role]);
    this.synced.set(name, role);
    if (this.synced.size > 100_000) this.synced.clear();
  }

  /**
   * A key for one job, acting for its owner (reads as the owner, may not start jobs or deploy), or null
   * when the owner is not one of ours (a JupyterHub user: the job then sees public data only). It expires
   * after `ttlSeconds` (the job's wall time) and is deleted when the job ends ({@link revokeJob}); only its
   * hash is stored.
   */
  async issueJobKey(name: string, jobId: string, ttlSeconds: number): Promise<string | null> {
    const exists = await this.db.query('select 1 from users where name = $1', [name]);
    if (exists.length === 0) return null;
    const key = `hyj_${randomBytes(24).toString('base64url')}`;
    await this.db.query(`insert into api_keys (hash, user_name, job_id, expires, id, name) values ($1, $2, $3, now() + make_interval(secs => $4), $5, 'job')`, [
      hash(key),
      name,
      jobId,
      ttlSeconds,
      keyId()
    ]);
    return key;
  }

  /** Deletes a job's keys (when it ends, and at start-up for jobs that ended while the gateway was down). */
  async revokeJob(jobId: string): Promise<void> {
    await this.db.query('delete from api_keys where job_id = $1', [jobId]);
  }

  /** Deletes the keys of every job that is no longer running, and expired keys. */
  async sweepJobKeys(): Promise<number> {
    const rows = await this.db.query(
      `delete from api_keys where expires < now()
         or (job_id is not null and not exists (select 1 from jobs j where j.id = api_keys.job_id and j.status in ('accepted', 'running')))
       returning hash`
    );
    return rows.length;
  }

  /** A user's role, or null for someone who is not one of ours. */
  async role(name: string): Promise<Role | null> {
    const rows = await this.db.query<{ role: Role }>('select role from users where name = $1', [name]);
    return rows[0]?.role ?? null;
  }

  /** The user an API key belongs to (scoped to a job for a job's key), or null (unknown or expired). */
  async byKey(key: string): Promise<Principal | null> {
    if (key.length > 200) return null;
    const rows = await this.db.query<{ name: string; role: Role; job_id: string | null }>(
      'select u.name, u.role, k.job_id from api_keys k join users u on u.name = k.user_name where k.hash = $1 and (k.expires is null or k.expires > now())',
      [hash(key)]
    );
    const u = rows[0];
    if (!u) return null;
    // When a key was last used, to the minute (one write a minute at most per key).
    await this.db.query(`update api_keys set last_used = now() where hash = $1 and (last_used is null or last_used < now() - interval '1 minute')`, [
      hash(key)
    ]);
    return { name: u.name, role: u.role, key: `user:${u.name}`, ...(u.job_id ? { job: u.job_id } : {}) };
  }
}
