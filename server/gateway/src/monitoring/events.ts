import { EventEmitter } from 'node:events';
import { Router } from 'express';

/** A notable event: ingest done/failed, job state changes, alerts. */
export interface HydraEvent {
  type: 'ingest.done' | 'ingest.failed' | 'job.status' | 'alert';
  at: string;
  data: Record<string, unknown>;
}

/** The event bus of HYDRA; the last events are kept for late subscribers. */
export class EventBus extends EventEmitter {
  private readonly recent: HydraEvent[] = [];

  publish(type: HydraEvent['type'], data: Record<string, unknown>): void {
    const event: HydraEvent = { type, at: new Date().toISOString(), data };
    this.recent.push(event);
    if (this.recent.length > 200) this.recent.shift();
    this.emit('event', event);
  }

  last(n: number): HydraEvent[] {
    return this.recent.slice(-n);
  }
}

/** `GET /events`: Server-Sent Events of the bus (`?replay=N` sends the last N first). */
export function eventRoutes(bus: EventBus): Router {
  const r = Router();
  r.get('/', (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    const send = (e: HydraEvent) => res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    const replay = Math.min(200, Number(req.query['replay'] ?? 0) || 0);
    for (const e of bus.last(replay)) send(e);
    bus.on('event', send);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(keepAlive);
      bus.off('event', send);
    });
  });
  return r;
}
