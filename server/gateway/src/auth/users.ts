import { createHash, randomBytes } from 'node:crypto';
import { ValidationError } from '../errors.js';
import type { Database } from '../store/database.js';
import { ROLES, type Principal, type Role } from './principal.js';

const hash = (key: string) => createHash('sha256').update(key).digest('hex');

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
      await tx.query('insert into api_keys (hash, user_name) values ($1, $2)', [hash(key), name]);
    });
    return key;
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
    await this.db.query(`insert into api_keys (hash, user_name, job_id, expires) values ($1, $2, $3, now() + make_interval(secs => $4))`, [
      hash(key),
      name,
      jobId,
      ttlSeconds
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
    return u ? { name: u.name, role: u.role, key: `user:${u.name}`, ...(u.job_id ? { job: u.job_id } : {}) } : null;
  }
}
