import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, sample, startGateway, type TestGateway } from '../helpers.js';

/**
 * Hub'Eau hydrometry replayed on this machine (no internet here): daily values of the Loire at Blois built from the
 * real API answer (`samples/insitu/hubeau`: its record's fields, its paging by `next` links and cursors), with the
 * failure modes a harvester meets — 429 with Retry-After, a 5xx, paging that ends early, a provider that stalls.
 */
const REAL = JSON.parse(readFileSync(sample('insitu/hubeau/obs_elab_K447001001_depuis_2026-08-01_2026-09-13.json'), 'utf8')) as {
  data: Record<string, unknown>[];
  api_version: string;
};
const STATION = 'K447001001';

class HubeauReplay {
  /** Daily values published so far (the real record's fields, one per day from 2026-08-01). */
  days = 26;
  /** Requests seen (path and query). */
  seen: URL[] = [];
  /** Failure modes, each used once: a 429 asking to wait, a 503, paging ending after the first page, a stalled page. */
  fail: { tooMany?: boolean; unavailable?: boolean; endEarly?: boolean; stall?: boolean } = {};
  private server!: Server;
  url = '';

  record(day: number): Record<string, unknown> {
    const real = REAL.data[day % REAL.data.length]!;
    const date = new Date(Date.UTC(2026, 7, 1 + day)).toISOString().slice(0, 10);
    return { ...real, date_obs_elab: date, resultat_obs_elab: 48_524 - day * 61 };
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.answer(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
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
    if (u.pathname !== '/api/v2/hydrometrie/obs_elab' || u.searchParams.get('code_entite') !== STATION) return send(400, { message: 'bad request' });
    const from = u.searchParams.get('date_debut_obs_elab') ?? '1900-01-01';
    const all = Array.from({ length: this.days }, (_, d) => this.record(d)).filter((r) => (r['date_obs_elab'] as string) >= from);
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

describe("harvesting Hub'Eau: incremental, idempotent, through its failures", () => {
  const hubeau = new HubeauReplay();
  let g: TestGateway;
  let producer: Record<string, string>;
  const harvest = (sync = true) =>
    call(`${g.url}/processes/harvest/execution`, {
      json: { inputs: { source: 'hubeau', stations: [STATION], pageSize: 10 } },
      headers: { ...producer, ...(sync ? {} : { Prefer: 'respond-async' }) }
    });
  const sources = async () => (await call(`${g.url}/harvest/sources?source=hubeau`, { headers: producer })).body.sources as Record<string, unknown>[];
  const gauges = async () => {
    const items = (await call(`${g.url}/stac/collections/insitu-gauges/items?limit=100`)).body.features as {
      id: string;
      properties: Record<string, unknown>;
    }[];
    return items.filter((i) => i.id.startsWith(`hubeau-hubeau_obs_elab_${STATION}`));
  };
  const observations = async () => (await gauges()).reduce((a, i) => a + Number(i.properties['insitu:observation_count']), 0);

  beforeAll(async () => {
    await hubeau.start();
    // The job worker reads the provider's address from its environment (passed on by the gateway).
    process.env['HYSOPE_HUBEAU_URL'] = hubeau.url;
    g = await startGateway();
    producer = (await g.user('harvester', 'producer')).headers;
  });
  afterAll(async () => {
    await g?.stop();
    await hubeau.stop();
  });

  it('harvests every page through a 429 and a 503, then only what is new; the marks move once the granules are in the catalog', async () => {
    hubeau.fail = { tooMany: true, unavailable: true };
    const first = await harvest();
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.harvested).toEqual([{ key: `obs_elab/${STATION}/QmnJ`, records: 26, pages: 3, highWater: '2026-08-26' }]);
    expect(await observations()).toBe(26);
    // The 429 and the 503, then three pages: nothing asked twice beyond them.
    expect(hubeau.seen).toHaveLength(5);
    const [s] = await sources();
    expect(s).toMatchObject({ source: 'hubeau', key: `obs_elab/${STATION}/QmnJ`, high_water: '2026-08-26', records: 26, last_error: null });
    expect(s!['lag_seconds']).toBeGreaterThan(0);
    // Three more days published: the next harvest asks from the day after its mark and brings those only.
    hubeau.days = 29;
    hubeau.seen = [];
    const second = await harvest();
    expect(second.body.harvested).toEqual([{ key: `obs_elab/${STATION}/QmnJ`, records: 3, pages: 1, highWater: '2026-08-29' }]);
    expect(hubeau.seen[0]!.searchParams.get('date_debut_obs_elab')).toBe('2026-08-27');
    expect(await observations()).toBe(29);
    // Nothing new: nothing ingested, the source up to date.
    const third = await harvest();
    expect(third.body.harvested).toEqual([]);
    expect(await observations()).toBe(29);
    const metrics = await (await fetch(`${g.url}/metrics`, { headers: producer })).text();
    expect(metrics).toMatch(new RegExp(`hysope_harvest_failing\\{source="hubeau",key="obs_elab/${STATION}/QmnJ"\\} 0`));
    expect(metrics).toMatch(/hysope_harvest_lag_seconds\{source="hubeau",key="obs_elab\/K447001001\/QmnJ"\} \d+/);
  }, 120_000);

  it('fails a paging that ends early, keeping the mark and the reason, and the catalog as it was', async () => {
    hubeau.days = 40;
    hubeau.fail = { endEarly: true };
    const before = await gauges();
    const failed = await harvest();
    expect(failed.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(failed.body)).toMatch(/paging ended after 10 of the 11 records/);
    expect(await gauges()).toEqual(before);
    const [s] = await sources();
    expect(s).toMatchObject({ high_water: '2026-08-29' });
    expect(s!['last_error']).toMatch(/paging ended after/);
    const metrics = await (await fetch(`${g.url}/metrics`, { headers: producer })).text();
    expect(metrics).toMatch(/hysope_harvest_failing\{source="hubeau",key="obs_elab\/K447001001\/QmnJ"\} 1/);
  }, 120_000);

  it('a harvest stopped mid-way is run again from the same mark: every record once', async () => {
    hubeau.fail = { stall: true };
    const started = await harvest(false);
    expect(started.status).toBe(201);
    const job = started.body.jobID as string;
    await expect.poll(() => hubeau.seen.some((u) => u.searchParams.get('cursor')), { timeout: 30_000 }).toBe(true);
    expect((await call(`${g.url}/jobs/${job}`, { method: 'DELETE', headers: producer })).status).toBe(200);
    await expect.poll(async () => (await call(`${g.url}/jobs/${job}`, { headers: producer })).body.status, { timeout: 30_000 }).toBe('dismissed');
    expect((await sources())[0]).toMatchObject({ high_water: '2026-08-29' });
    hubeau.fail = {};
    const again = await harvest();
    expect(again.body.harvested).toEqual([{ key: `obs_elab/${STATION}/QmnJ`, records: 11, pages: 2, highWater: '2026-09-09' }]);
    expect(await observations()).toBe(40);
    expect((await sources())[0]).toMatchObject({ high_water: '2026-09-09', records: 40, last_error: null });
  }, 120_000);
});

describe('harvests on a schedule from the configuration', () => {
  const hubeau = new HubeauReplay();
  let g: TestGateway;
  let producer: Record<string, string>;

  beforeAll(async () => {
    await hubeau.start();
    process.env['HYSOPE_HUBEAU_URL'] = hubeau.url;
    const schedules = [{ name: 'loire-daily', cron: '*/2 * * * * *', as: 'scheduler', inputs: { source: 'hubeau', stations: [STATION], pageSize: 100 } }];
    g = await startGateway({ env: { HYSOPE_HARVEST_SCHEDULES: JSON.stringify(schedules), HYSOPE_WATCHDOG_MS: '500' } });
    producer = (await g.user('scheduler', 'producer')).headers;
  });
  afterAll(async () => {
    await g?.stop();
    await hubeau.stop();
  });

  it('starts the harvest as the schedule says, as its account, and the source follows the provider', async () => {
    const harvests = async () =>
      ((await call(`${g.url}/jobs?processID=harvest&limit=100`, { headers: producer })).body.jobs as { status: string }[]).filter(
        (j) => j.status === 'successful'
      );
    await expect.poll(async () => (await harvests()).length, { timeout: 30_000, interval: 500 }).toBeGreaterThan(0);
    const [s] = (await call(`${g.url}/harvest/sources`, { headers: producer })).body.sources as Record<string, unknown>[];
    expect(s).toMatchObject({ key: `obs_elab/${STATION}/QmnJ`, high_water: '2026-08-26', records: 26 });
    // New days published: a later occurrence brings them.
    hubeau.days = 30;
    await expect
      .poll(async () => ((await call(`${g.url}/harvest/sources`, { headers: producer })).body.sources as Record<string, unknown>[])[0]!['high_water'], {
        timeout: 30_000,
        interval: 500
      })
      .toBe('2026-08-30');
  }, 90_000);
});
