// The audit trail of data access: who read or downloaded data above the educational level (scientific,
// institutional, private), what and when; queryable by administrators (`GET /audit`). A client reading one file
// by many HTTP ranges is one entry (the same person, action and item within ten minutes count once).
import type { Database } from '../store/database.js';
import type { Principal } from './principal.js';

/** Levels whose reads are recorded. */
export const AUDITED_LEVELS = new Set(['scientific', 'institutional', 'private']);
const WINDOW_MS = 10 * 60_000;

export interface AccessEntry {
  at: string;
  user: string | null;
  role: string;
  action: 'download' | 'read' | 'timeseries';
  collection: string;
  item: string | null;
  level: string;
}

export class AccessLog {
  private readonly recent = new Map<string, number>();

  constructor(private readonly db: Database) {}

  /** Records one access when its level is audited (at most once per window for the same person, action and item). */
  async record(p: Principal, action: AccessEntry['action'], collection: string, item: string | null, level: string): Promise<void> {
    if (!AUDITED_LEVELS.has(level) || p.job) return;
    const key = `${p.key}|${action}|${collection}|${item ?? ''}`;
    const now = Date.now();
    if ((this.recent.get(key) ?? 0) > now - WINDOW_MS) return;
    this.recent.set(key, now);
    if (this.recent.size > 50_000) for (const [k, t] of this.recent) if (t < now - WINDOW_MS) this.recent.delete(k);
    await this.db.query('insert into access_log (user_name, role, action, collection, item, level) values ($1, $2, $3, $4, $5, $6)', [
      p.name,
      p.role,
      action,
      collection,
      item,
      level
    ]);
  }

  /** Entries, newest first, filtered by person, collection, level and time window. */
  async query(f: { user?: string; collection?: string; level?: string; since?: string; until?: string; limit?: number }): Promise<AccessEntry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.user) add('user_name = ?', f.user);
    if (f.collection) add('collection = ?', f.collection);
    if (f.level) add('level = ?', f.level);
    if (f.since) add('at >= ?::timestamptz', f.since);
    if (f.until) add('at <= ?::timestamptz', f.until);
    params.push(Math.min(Math.max(f.limit ?? 100, 1), 10_000));
    const rows = await this.db.query<{
      at: Date | string;
      user_name: string | null;
      role: string;
      action: AccessEntry['action'];
      collection: string;
      item: string | null;
      level: string;
    }>(
      `select at, user_name, role, action, collection, item, level from access_log ${where.length ? `where ${where.join(' and ')}` : ''} order by at desc limit $${params.length}`,
      params
    );
    return rows.map((r) => ({
      at: new Date(r.at).toISOString(),
      user: r.user_name,
      role: r.role,
      action: r.action,
      collection: r.collection,
      item: r.item,
      level: r.level
    }));
  }
}
