import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** Something SQL can be run on: the database or an open transaction. */
export interface Queryable {
  /** Runs one statement with `$1..$n` parameters and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/**
 * The catalog and job store, in the PostgreSQL dialect: PGlite embedded (a data folder) by default,
 * a PostgreSQL server when a URL is given. The same SQL runs on both.
 */
export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs several statements (schema scripts), without parameters. */
  exec(sql: string): Promise<void>;
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

class PGliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  constructor(private readonly db: PGlite) {}
  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db.query<T>(sql, params)).rows;
  }
  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn({ query: async <R>(sql: string, params: unknown[] = []) => (await tx.query<R>(sql, params)).rows }));
  }
  async close(): Promise<void> {
    await this.db.close();
  }
}

class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  constructor(private readonly pool: pg.Pool) {}
  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(sql, params)).rows as T[];
  }
  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A connection dropped mid-transaction (server restart, failover) fails the query under way; the client's own
    // 'error' event must not end the process, and the broken client is not given back to the pool.
    let broken: Error | undefined;
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await fn({ query: async <R>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as R[] });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
  async close(): Promise<void> {
    await this.pool.end();
  }
}

// NOTE: int8 and numeric come back as JavaScript numbers on both engines, so results compare equal.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

/**
 * Opens the store: a PostgreSQL server when `url` is given, else PGlite in `dataDir`
 * (`memory://` for a throw-away database).
 */
export async function openDatabase(options: { url?: string; dataDir?: string; onError?: (error: Error) => void }): Promise<Database> {
  if (options.url) {
    // The pool survives server restarts and failovers: a dropped idle connection is reported (never an
    // unhandled 'error' that would end the process) and replaced on the next query.
    const pool = new pg.Pool({ connectionString: options.url, max: 8, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000 });
    pool.on('error', (error) => (options.onError ?? ((e: Error) => console.error(`PostgreSQL: ${e.message}`)))(error));
    await pool.query('select 1');
    return new PostgresDatabase(pool);
  }
  const dir = options.dataDir ?? 'memory://';
  if (!dir.startsWith('memory://')) await fromTemplate(dir);
  const db = await PGlite.create(dir);
  return new PGliteDatabase(db);
}

/** The embedded PostgreSQL's version (the template folder is made per version). */
function pgliteVersion(): string {
  try {
    let at = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
    while (!existsSync(path.join(at, 'package.json')) && path.dirname(at) !== at) at = path.dirname(at);
    return (JSON.parse(readFileSync(path.join(at, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** A prepared embedded database (a schema in): named by what it holds, made once by `prepare` on an empty one. */
export interface Prepared {
  key: string;
  prepare(db: Database): Promise<void>;
}

/**
 * A new embedded database starts as a copy of one made once per PGlite version in the user's cache
 * (`$XDG_CACHE_HOME/hysope`, else `~/.cache/hysope`): PGlite's initdb in WebAssembly takes 4-6 s, a copy of its
 * 39 MB a fraction of that. With `prepared`, the copy is of that empty database once prepared (the catalog's schema
 * in: each new catalog would otherwise open a database only to create its tables, ~1 s more). Only into an empty
 * folder; returns whether it copied (any trouble with the cache, e.g. a read-only home, and PGlite initializes the
 * folder itself, as before).
 */
export async function fromTemplate(dir: string, prepared?: Prepared): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0) return false;
  // What a process killed while copying left beside the folder.
  const parent = path.dirname(path.resolve(dir));
  const stale = `${path.basename(path.resolve(dir))}.tmp-`;
  for (const e of await readdir(parent)) if (e.startsWith(stale)) await rm(path.join(parent, e), { recursive: true, force: true });
  const copy = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    const cache = path.join(process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache'), 'hysope');
    const empty = await template(path.join(cache, `pglite-${pgliteVersion()}`), async (tmp) => {
      await mkdir(cache, { recursive: true });
      await (await PGlite.create(tmp)).close();
    });
    const source = prepared
      ? await template(path.join(cache, `pglite-${pgliteVersion()}-${prepared.key}`), async (tmp) => {
          await copyTree(empty, tmp);
          const db = new PGliteDatabase(await PGlite.create(tmp));
          try {
            await prepared.prepare(db);
          } finally {
            await db.close();
          }
        })
      : empty;
    // Copied beside the folder, then put in its place (over the empty folder, at once): a process killed meanwhile
    // leaves the folder empty, never half a database; one that lost a race to the same folder leaves it alone.
    await copyTree(source, copy);
    await rename(copy, dir);
    return true;
  } catch {
    await rm(copy, { recursive: true, force: true }).catch(() => undefined);
    return false;
  }
}

/** Copies a folder, its files side by side (a database's 1,000 files: half the time of `fs.cp`'s one by one). */
async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to, { mode: (await stat(from)).mode & 0o777 });
  const entries = await readdir(from, { withFileTypes: true });
  await Promise.all(
    entries.map((e) => (e.isDirectory() ? copyTree(path.join(from, e.name), path.join(to, e.name)) : copyFile(path.join(from, e.name), path.join(to, e.name))))
  );
}

/** The template folder `at`, made by `make` into a folder beside it when missing (another process may make it meanwhile: its copy is as good). */
async function template(at: string, make: (tmp: string) => Promise<void>): Promise<string> {
  if (existsSync(path.join(at, 'PG_VERSION'))) return at;
  const tmp = `${at}.tmp-${process.pid}-${Date.now()}`;
  try {
    await make(tmp);
    await rename(tmp, at).catch(() => rm(tmp, { recursive: true, force: true }));
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  return at;
}
