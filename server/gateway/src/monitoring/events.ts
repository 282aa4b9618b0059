import { EventEmitter } from 'node:events';
import { Router } from 'express';
import { principalOf } from '../auth/middleware.js';
import { atLeast, type Principal } from '../auth/principal.js';

/** A notable event: ingest done/failed, job state changes, time-series compactions, alerts. */
export interface HydraEvent {
  type: 'ingest.done' | 'ingest.failed' | 'job.status' | 'timeseries.compacted' | 'alert';
  at: string;
  data: Record<string, unknown>;
}

/** The event bus of HYDRA; the last events are kept for late subscribers. */
export class EventBus extends EventEmitter {
  private readonly recent: HydraEvent[] = [];

  /** An event of this process: heard here (`event`) and, with a broker, sent to the others (`local`). */
  publish(type: HydraEvent['type'], data: Record<string, unknown>): void {
    const event: HydraEvent = { type, at: new Date().toISOString(), data };
    this.relay(event);
    this.emit('local', event);
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
    const send = (e: HydraEvent) => {
      if (mayHear(p, e, visible)) res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    };
    const replay = Math.min(200, Math.max(0, Number(req.query['replay'] ?? 0) || 0));
    for (const e of bus.last(replay)) send(e);
    bus.on('event', send);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(keepAlive);
      clearInterval(refreshed);
      bus.off('event', send);
    });
  });
  return r;
}
