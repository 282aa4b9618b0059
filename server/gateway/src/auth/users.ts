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
  async addUser(name: string, role: string): Promise<string> {
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new ValidationError(`user names are 1-64 letters, digits or ._@-, got "${name}"`);
    if (!ROLES.includes(role as Role)) throw new ValidationError(`role must be one of ${ROLES.join(', ')}, got "${role}"`);
    const key = `hy_${randomBytes(24).toString('base64url')}`;
    await this.db.transaction(async (tx) => {
      await tx.query('insert into users (name, role) values ($1, $2) on conflict (name) do update set role = excluded.role', [name, role]);
      await tx.query('insert into api_keys (hash, user_name) values ($1, $2)', [hash(key), name]);
    });
    return key;
  }

  /**
   * A new API key for an existing user (jobs act for their owner), or null when the user is not one of
   * ours (a JupyterHub user: the job then sees public data only).
   */
  async issueKey(name: string): Promise<{ key: string; revoke: () => Promise<void> } | null> {
    const exists = await this.db.query('select 1 from users where name = $1', [name]);
    if (exists.length === 0) return null;
    const key = `hyj_${randomBytes(24).toString('base64url')}`;
    await this.db.query('insert into api_keys (hash, user_name) values ($1, $2)', [hash(key), name]);
    return { key, revoke: async () => void (await this.db.query('delete from api_keys where hash = $1', [hash(key)])) };
  }

  /** The user an API key belongs to, or null. */
  async byKey(key: string): Promise<Principal | null> {
    const rows = await this.db.query<{ name: string; role: Role }>(
      'select u.name, u.role from api_keys k join users u on u.name = k.user_name where k.hash = $1',
      [hash(key)]
    );
    const u = rows[0];
    return u ? { name: u.name, role: u.role, key: `user:${u.name}` } : null;
  }
}
