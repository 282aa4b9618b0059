import type { Database } from './database.js';

/**
 * Runs `fn` while holding the lease `name` (a row of `leases`): work that one gateway of several does at a time
 * (the replicas share the database). The lease lasts `ttlMs` and is renewed while `fn` runs; a gateway that dies
 * holding it lets it expire, and another takes it over. Returns null, without running `fn`, when another holds it.
 */
export async function withLease<T>(db: Database, name: string, holder: string, ttlMs: number, fn: () => Promise<T>): Promise<T | null> {
  if (!(await holdLease(db, name, holder, ttlMs))) return null;
  const renew = setInterval(() => void holdLease(db, name, holder, ttlMs).catch(() => undefined), Math.max(100, ttlMs / 3));
  renew.unref();
  try {
    return await fn();
  } finally {
    clearInterval(renew);
    await db.query(`delete from leases where name = $1 and holder = $2`, [name, holder]).catch(() => undefined);
  }
}

/**
 * Whether `holder` holds the lease `name` now, for `ttlMs` more: taken when free or expired, renewed when its own.
 * Called on each tick of periodic work that one gateway of several does (the watchdog): the holder keeps it while
 * it lives, another takes over once it stops renewing.
 */
export async function holdLease(db: Database, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const taken = await db.query<{ holder: string }>(
    `insert into leases (name, holder, until) values ($1, $2, now() + make_interval(secs => $3))
     on conflict (name) do update set holder = excluded.holder, until = excluded.until
       where leases.until < now() or leases.holder = excluded.holder
     returning holder`,
    [name, holder, ttlMs / 1000]
  );
  return taken.length > 0;
}
