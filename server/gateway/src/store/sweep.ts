import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from './database.js';
import type { ObjectStore, StoredObject } from './object-store.js';

const TMP = /\.tmp-\d+-\d+$/;
const OLD = /\.old(\.tmp-\d+-\d+)$/;

/** What a sweep did. */
export interface SweepReport {
  /** Temporary files of interrupted ingests, removed. */
  temporary: number;
  /** Files no item references (an ingest interrupted before its commit), removed. */
  orphans: number;
  /** Files an interrupted re-ingest had set aside, put back. */
  restored: number;
}

/**
 * Makes the object store agree with the catalog after a crash: temporary files go, files that no item
 * references go, and a file an interrupted re-ingest had set aside is put back. Only entries older than
 * `minAgeMs` are touched (other gateways may be ingesting right now on a shared store; 0 for the
 * embedded database, which one process holds).
 */
export async function sweepObjectStore(dataDir: string, db: Database, minAgeMs: number): Promise<SweepReport> {
  const report: SweepReport = { temporary: 0, orphans: 0, restored: 0 };
  const rows = await db.query<{ collection: string; id: string }>('select collection, id from items');
  const items = new Set(rows.map((r) => `${r.collection}/${r.id}`));
  const ids = new Set(rows.map((r) => r.id));
  // Time-series parts are referenced by the store's index (listed in the ingest's transaction), or, written before
  // the index, by their item.
  const parts = new Set((await db.query<{ path: string }>('select distinct path from ts_parts')).map((r) => r.path));
  const now = Date.now();
  const list = async (dir: string) => readdir(dir, { withFileTypes: true }).catch(() => []);
  const oldEnough = async (p: string) => {
    const s = await stat(p).catch(() => null);
    return s !== null && now - s.mtimeMs >= minAgeMs;
  };
  /** One entry of a folder whose final names map to items by `referenced`. */
  const visit = async (dir: string, name: string, referenced: (finalName: string) => boolean) => {
    const full = path.join(dir, name);
    if (!(await oldEnough(full))) return;
    const old = OLD.exec(name);
    if (old) {
      const final = path.join(dir, name.slice(0, -`.old${old[1]}`.length));
      const finalThere = await stat(final).then(
        () => true,
        () => false
      );
      if (finalThere) {
        await rm(full, { recursive: true, force: true });
        report.temporary++;
      } else {
        await rename(full, final);
        report.restored++;
      }
      return;
    }
    if (TMP.test(name)) {
      await rm(full, { recursive: true, force: true });
      report.temporary++;
      return;
    }
    if (!referenced(name)) {
      await rm(full, { recursive: true, force: true });
      report.orphans++;
    }
  };
  for (const c of await list(path.join(dataDir, 'products'))) {
    if (!c.isDirectory()) continue;
    const dir = path.join(dataDir, 'products', c.name);
    // <item>.parquet, or <item>.<table>.parquet for an item's auxiliary tables
    for (const f of await list(dir))
      await visit(
        dir,
        f.name,
        (n) => items.has(`${c.name}/${n.replace(/\.parquet$/, '')}`) || items.has(`${c.name}/${n.replace(/(\.[a-z]+)?\.parquet$/, '')}`)
      );
  }
  for (const c of await list(path.join(dataDir, 'sources'))) {
    if (!c.isDirectory()) continue;
    const dir = path.join(dataDir, 'sources', c.name);
    for (const itemDir of await list(dir)) {
      if (!itemDir.isDirectory()) continue;
      const inner = path.join(dir, itemDir.name);
      if (!items.has(`${c.name}/${itemDir.name}`)) {
        await visit(dir, itemDir.name, () => false);
        continue;
      }
      for (const f of await list(inner)) await visit(inner, f.name, () => true);
    }
  }
  for (const feature of await list(path.join(dataDir, 'timeseries'))) {
    if (!feature.isDirectory()) continue;
    for (const continent of await list(path.join(dataDir, 'timeseries', feature.name))) {
      // Compacted parts are the index's to list and retire (reconcileTimeseries), not the items'.
      if (!continent.isDirectory() || continent.name === 'compacted') continue;
      const dir = path.join(dataDir, 'timeseries', feature.name, continent.name);
      for (const f of await list(dir))
        await visit(dir, f.name, (n) => parts.has(path.relative(dataDir, path.join(dir, n))) || ids.has(n.replace(/\.parquet$/, '')));
    }
  }
  return report;
}

/**
 * The same sweep over an object store that is not a folder (S3), for products and sources: objects an interrupted
 * ingest set aside are put back (or dropped when their key holds an object again), objects no item references go.
 */
export async function sweepObjects(objects: ObjectStore, db: Database, minAgeMs: number): Promise<SweepReport> {
  const report: SweepReport = { temporary: 0, orphans: 0, restored: 0 };
  const items = new Set((await db.query<{ collection: string; id: string }>('select collection, id from items')).map((r) => `${r.collection}/${r.id}`));
  const now = Date.now();
  for (const kind of ['products', 'sources']) {
    const found: StoredObject[] = [];
    for await (const o of objects.list(`${kind}/`)) found.push(o);
    const keys = new Set(found.map((o) => o.key));
    const drop: string[] = [];
    for (const o of found) {
      if (now - o.lastModified.getTime() < minAgeMs) continue;
      const [, collection, name] = o.key.split('/');
      const old = OLD.exec(o.key);
      if (old) {
        const final = o.key.slice(0, -`.old${old[1]}`.length);
        if (keys.has(final)) {
          drop.push(o.key);
          report.temporary++;
        } else {
          await objects.move(o.key, final);
          report.restored++;
        }
        continue;
      }
      const item = kind === 'products' ? (name ?? '').replace(/(\.[a-z]+)?\.parquet$/, '') : (name ?? '');
      if (!items.has(`${collection}/${item}`) && !items.has(`${collection}/${(name ?? '').replace(/\.parquet$/, '')}`)) {
        drop.push(o.key);
        report.orphans++;
      }
    }
    if (drop.length) await objects.delete(drop);
  }
  return report;
}
