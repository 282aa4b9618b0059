import { EventEmitter } from 'node:events';
import { Router } from 'express';
import { principalOf } from '../auth/middleware.js';
import { atLeast, type Principal } from '../auth/principal.js';
import type { Queryable } from '../store/database.js';

/** A notable event: ingest done/failed, job state changes, time-series compactions, alerts. */
export interface HydraEvent {
  /** Its number in the events of every gateway sharing the database (absent if it could not be recorded). */
  id?: number;
  type: 'ingest.done' | 'ingest.failed' | 'job.status' | 'timeseries.compacted' | 'alert';
  at: string;
  data: Record<string, unknown>;
}

/** Events kept in the database for subscribers that reconnect (`Last-Event-ID`). */
export const EVENTS_KEPT = 10_000;

/**
 * The event bus of HYDRA; the last events are kept for late subscribers. With a database, each event is first
 * recorded there (its id, in order), so a subscriber that reconnects, here or to another gateway, gets what it missed.
 */
export class EventBus extends EventEmitter {
  private readonly recent: HydraEvent[] = [];
  private recorded: Promise<unknown> = Promise.resolve();
  private inserts = 0;

  constructor(private readonly db?: Queryable) {
    super();
  }

  /** An event of this process: recorded, then heard here (`event`) and, with a broker, sent to the others (`local`). */
  publish(type: HydraEvent['type'], data: Record<string, unknown>): void {
    const event: HydraEvent = { type, at: new Date().toISOString(), data };
    const db = this.db;
    if (!db) {
      this.relay(event);
      this.emit('local', event);
      return;
    }
    // One after the other: events are heard in the order of their ids.
    this.recorded = this.recorded
      .then(async () => {
        const [row] = await db.query<{ id: string }>(`insert into events (type, at, data) values ($1, $2, $3::jsonb) returning id`, [
          type,
          event.at,
          JSON.stringify(data)
        ]);
        event.id = Number(row!.id);
        if (++this.inserts % 1000 === 0) await db.query(`delete from events where id <= $1`, [event.id - EVENTS_KEPT]);
      })
      .catch(() => undefined)
      .then(() => {
        this.relay(event);
        this.emit('local', event);
      });
  }

  /**
   * Records an event in the caller's transaction (recorded with what it announces, or not at all); once that commits,
   * {@link announce} makes it heard here and by the other gateways.
   */
  async insert(tx: Queryable, type: HydraEvent['type'], data: Record<string, unknown>): Promise<HydraEvent> {
    const event: HydraEvent = { type, at: new Date().toISOString(), data };
    const [row] = await tx.query<{ id: string }>(`insert into events (type, at, data) values ($1, $2, $3::jsonb) returning id`, [
      type,
      event.at,
      JSON.stringify(data)
    ]);
    event.id = Number(row!.id);
    return event;
  }

  /** An event recorded by {@link insert}, its transaction committed: heard here and sent to the others. */
  announce(event: HydraEvent): void {
    this.recorded = this.recorded.then(() => {
      this.relay(event);
      this.emit('local', event);
    });
  }

  /** An event of another process (through the broker): heard here only. */
  relay(event: HydraEvent): void {
    this.recent.push(event);
    if (this.recent.length > 200) this.recent.shift();
    this.emit('event', event);
  }

  last(n: number): HydraEvent[] {
    return this.recent.slice(-n);
  }

  /** Recorded events after `id` (every gateway's), oldest first, at most `limit`. */
  async since(id: number, limit = 1000): Promise<HydraEvent[]> {
    if (!this.db) return this.recent.filter((e) => e.id !== undefined && e.id > id);
    const rows = await this.db.query<{ id: string; type: HydraEvent['type']; at: Date | string; data: Record<string, unknown> }>(
      `select id, type, at, data from events where id > $1 order by id limit $2`,
      [id, limit]
    );
    return rows.map((r) => ({ id: Number(r.id), type: r.type, at: new Date(r.at).toISOString(), data: r.data }));
  }

  /** Waits for the events published so far to be recorded and heard. */
  async flushed(): Promise<void> {
    await this.recorded;
  }
}

/**
 * Whether a caller may hear an event: a job's states go to its owner (and admins); an ingest to those who
 * may see its collection (a private one to its owner); failed ingests (server paths) to producers and
 * admins; alerts to everyone.
 */
export function mayHear(p: Principal, e: HydraEvent, visible: Set<string>): boolean {
  const admin = p.role === 'admin';
  switch (e.type) {
    case 'job.status':
      return admin || (p.name !== null && e.data['owner'] === p.name);
    case 'ingest.done': {
      const owner = e.data['owner'] as string | null | undefined;
      if (owner) return admin || owner === p.name;
      return admin || visible.has(String(e.data['collection']));
    }
    case 'ingest.failed':
    case 'timeseries.compacted':
      return atLeast(p.role, 'producer');
    case 'alert':
      return true;
  }
}

/** How long an event ahead of the next id waits for the ones before it (then they are read from the database). */
const GAP_WAIT_MS = 300;
/**
 * How long a gap is waited for at most. An event's id is taken when its transaction inserts it, so a transaction
 * still running (a job's end with its event) leaves a hole the database fills once it commits; only an id whose
 * transaction rolled back never comes, and the events after it wait this long.
 */
const GAP_GIVE_UP_MS = 10_000;

/** `GET /events`: Server-Sent Events of the bus (`?replay=N` sends the last N first), each caller hearing its own. */

export function eventRoutes(bus: EventBus, visibleTo: (p: Principal) => Promise<Set<string>>): Router {
  const r = Router();
  r.get('/', async (req, res, next) => {
    const p = principalOf(res);
    let visible: Set<string>;
    try {
      visible = await visibleTo(p);
    } catch (error) {
      return next(error);
    }
    const refreshed = setInterval(
      () =>
        void visibleTo(p).then(
          (v) => (visible = v),
          () => undefined
        ),
      30_000
    );
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'private, no-cache', Connection: 'keep-alive' });
    let lastSent = 0;
    const write = (e: HydraEvent) => {
      if (e.id !== undefined) lastSent = e.id;
      if (mayHear(p, e, visible)) res.write(`${e.id !== undefined ? `id: ${e.id}\n` : ''}event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    };
    // Events of other gateways arrive through the broker in any order: one ahead of the next id waits (so the stream
    // stays in id order and none is skipped); a gap still open after a moment is filled from the database (the event
    // went to another gateway's subscribers first, or its relay was lost).
    const ahead = new Map<number, HydraEvent>();
    let filling: NodeJS.Timeout | null = null;
    /** When the gap waited for opened (0: none). */
    let gapOpened = 0;
    const drain = () => {
      for (let next = ahead.get(lastSent + 1); next; next = ahead.get(lastSent + 1)) {
        ahead.delete(next.id!);
        write(next);
      }
      for (const id of ahead.keys()) if (id <= lastSent) ahead.delete(id);
      if (ahead.size === 0) gapOpened = 0;
    };
    const fill = async () => {
      filling = null;
      if (ahead.size === 0) return;
      const missed = await bus.since(lastSent).catch(() => [] as HydraEvent[]);
      const patient = Date.now() - gapOpened < GAP_GIVE_UP_MS;
      for (const e of missed) {
        if (e.id! <= lastSent) continue;
        // A hole in what is committed: an event whose transaction has not committed yet (it will be heard then).
        if (e.id !== lastSent + 1 && patient) break;
        write(e);
      }
      drain();
      if (ahead.size === 0) return;
      if (patient) {
        filling = setTimeout(() => void fill(), GAP_WAIT_MS);
        return;
      }
      // Waited long enough: an id the database never got (its transaction rolled back) is no gap to wait for.
      for (const id of [...ahead.keys()].sort((a, b) => a - b)) {
        const e = ahead.get(id)!;
        ahead.delete(id);
        if (id > lastSent) write(e);
      }
      gapOpened = 0;
    };
    const send = (e: HydraEvent) => {
      if (e.id === undefined) return write(e);
      if (e.id <= lastSent) return;
      // A new subscriber's first event starts its stream.
      if (lastSent === 0 || e.id === lastSent + 1) {
        write(e);
        drain();
        return;
      }
      ahead.set(e.id, e);
      if (gapOpened === 0) gapOpened = Date.now();
      filling ??= setTimeout(() => void fill(), GAP_WAIT_MS);
    };
    // A subscriber reconnecting (EventSource sends the last id it saw): every event since, from every gateway, then
    // live ones; those heard while the missed ones are read wait, and none is sent twice.
    const resume = Number(req.get('Last-Event-ID') ?? req.query['lastEventId']);
    if (Number.isInteger(resume) && resume >= 0) {
      const waiting: HydraEvent[] = [];
      const hold = (e: HydraEvent) => waiting.push(e);
      bus.on('event', hold);
      let missed: HydraEvent[] = [];
      try {
        missed = await bus.since(resume);
      } catch {
        // Not readable now: live events only.
      }
      bus.off('event', hold);
      lastSent = resume;
      for (const e of [...missed, ...waiting].sort((a, b) => (a.id ?? Infinity) - (b.id ?? Infinity))) send(e);
    } else {
      const replay = Math.min(200, Math.max(0, Number(req.query['replay'] ?? 0) || 0));
      for (const e of bus.last(replay)) send(e);
    }
    bus.on('event', send);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    req.on('close', () => {
      if (filling) clearTimeout(filling);
      clearInterval(keepAlive);
      clearInterval(refreshed);
      bus.off('event', send);
    });
  });
  return r;
}
