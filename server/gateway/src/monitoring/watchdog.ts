import { randomUUID } from 'node:crypto';
import { statfs } from 'node:fs/promises';
import { holdLease } from '../store/lease.js';
import type { Database } from '../store/database.js';
import type { EventBus } from './events.js';

/** Thresholds of the in-gateway watchdog (the same conditions as the Prometheus rules, for the event stream). */
export interface WatchdogOptions {
  /** Alert when no SWOT granule was ingested for this long (hours); 0 disables. */
  staleSwotHours: number;
  /** Alert when the data disk has less than this fraction free. */
  minFreeFraction: number;
  intervalMs: number;
}

/**
 * Publishes `alert` events on the event stream when SWOT data stops arriving or the data disk fills,
 * once per condition until it clears (so the status view and the lab hear about it without Prometheus). Among
 * gateway replicas sharing a database, one watches at a time.
 */
export function startWatchdog(db: Database, dataDir: string, bus: EventBus, o: WatchdogOptions): () => void {
  const active = new Set<string>();
  const raise = (name: string, on: boolean, data: Record<string, unknown>) => {
    if (on && !active.has(name)) {
      active.add(name);
      bus.publish('alert', { alert: name, state: 'firing', ...data });
    } else if (!on && active.has(name)) {
      active.delete(name);
      bus.publish('alert', { alert: name, state: 'resolved', ...data });
    }
  };
  const holder = randomUUID();
  const check = async () => {
    // One gateway of several watches (a lease renewed at each check): the others would raise the same alerts.
    if (!(await holdLease(db, 'watchdog', holder, o.intervalMs * 3).catch(() => false))) {
      active.clear();
      return;
    }
    if (o.staleSwotHours > 0) {
      const rows = await db
        .query<{ t: number | null }>("select extract(epoch from max(created))::float8 as t from items where collection like 'swot-%'")
        .catch(() => []);
      const t = rows[0]?.t;
      const ageHours = t ? (Date.now() / 1000 - Number(t)) / 3600 : null;
      raise('HysopeNoNewSwotGranule', ageHours !== null && ageHours > o.staleSwotHours, {
        hours: ageHours === null ? null : Number(ageHours.toFixed(2)),
        threshold: o.staleSwotHours
      });
    }
    const s = await statfs(dataDir).catch(() => null);
    if (s) {
      const free = s.bavail / s.blocks;
      raise('HysopeDiskFilling', free < o.minFreeFraction, { free: Number(free.toFixed(4)), threshold: o.minFreeFraction });
    }
  };
  const timer = setInterval(() => void check(), o.intervalMs);
  timer.unref();
  void check();
  return () => clearInterval(timer);
}
