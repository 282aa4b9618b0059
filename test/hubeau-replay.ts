import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sample } from './helpers.js';

/**
 * Hub'Eau hydrometry replayed on this machine (no internet here): daily values of the Loire at Blois built from the
 * real API answer (`samples/insitu/hubeau`: its record's fields, its paging by `next` links and cursors), with the
 * failure modes a harvester meets — 429 with Retry-After, a 5xx, paging that ends early, a provider that stalls.
 */
const REAL = JSON.parse(readFileSync(sample('insitu/hubeau/obs_elab_K447001001_depuis_2026-08-01_2026-09-13.json'), 'utf8')) as {
  data: Record<string, unknown>[];
  api_version: string;
};
export const STATION = 'K447001001';

export class HubeauReplay {
  /** Daily values published so far (the real record's fields, one per day from 2026-08-01). */
  days = 26;
  /** The gauges served: the real one, and others made from it (their codes, positions moved a little). */
  stations = [STATION];
  /** Requests seen (path and query). */
  seen: URL[] = [];
  /** Failure modes, each used once: a 429 asking to wait, a 503, paging ending after the first page, a stalled page. */
  fail: { tooMany?: boolean; unavailable?: boolean; endEarly?: boolean; stall?: boolean } = {};
  private server!: Server;
  url = '';

  record(day: number, station = STATION): Record<string, unknown> {
    const real = REAL.data[day % REAL.data.length]!;
    const date = new Date(Date.UTC(2026, 7, 1 + day)).toISOString().slice(0, 10);
    const k = this.stations.indexOf(station);
    const moved = k > 0 ? { code_station: station, code_site: station.slice(0, 8), longitude: (real['longitude'] as number) + k * 0.01 } : {};
    return { ...real, ...moved, date_obs_elab: date, resultat_obs_elab: 48_524 - day * 61 + k };
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => this.answer(req, res));
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const u = new URL(req.url!, this.url);
    this.seen.push(u);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (this.fail.tooMany) {
      this.fail.tooMany = false;
      return send(429, { message: 'too many requests' }, { 'Retry-After': '1' });
    }
    if (this.fail.unavailable) {
      this.fail.unavailable = false;
      return send(503, { message: 'maintenance' });
    }
    const station = u.searchParams.get('code_entite') ?? '';
    if (u.pathname !== '/api/v2/hydrometrie/obs_elab' || !this.stations.includes(station)) return send(400, { message: 'bad request' });
    const from = u.searchParams.get('date_debut_obs_elab') ?? '1900-01-01';
    const all = Array.from({ length: this.days }, (_, d) => this.record(d, station)).filter((r) => (r['date_obs_elab'] as string) >= from);
    const size = Number(u.searchParams.get('size') ?? 1000);
    const offset = Number(Buffer.from(u.searchParams.get('cursor') ?? '', 'base64').toString() || 0);
    if (offset > 0 && this.fail.stall) return; // never answers: the harvest is stopped while it waits
    const page = all.slice(offset, offset + size);
    const nextUrl = new URL(u);
    nextUrl.searchParams.set('cursor', Buffer.from(String(offset + size)).toString('base64'));
    const ends = this.fail.endEarly && offset > 0;
    if (ends) this.fail.endEarly = false;
    send(200, {
      count: all.length,
      first: u.href,
      prev: null,
      next: offset + size < all.length && !ends ? nextUrl.href : null,
      api_version: REAL.api_version,
      data: ends ? [] : page
    });
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
