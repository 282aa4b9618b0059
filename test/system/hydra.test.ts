import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAKE_GREENLAND, NODE_WITHOUT_DBF, REACH_548, call, startGateway, testDatabaseUrl, type TestGateway } from '../helpers.js';

const MONITORING = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/gateway/monitoring');

describe('HYDRA: metrics, health, events, alert rules', () => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_METRICS_TOKEN: 'prom-secret' } });
    admin = (await g.user('ops', 'admin')).headers;
  });
  afterAll(async () => g?.stop());
  let admin: Record<string, string>;

  /** The text of /events (?replay=50) as `headers` hear it, until `until` matches or 3 s pass. */
  const listen = async (headers: Record<string, string>, until: RegExp, during: () => Promise<unknown> = async () => undefined) => {
    const controller = new AbortController();
    const res = await fetch(`${g.url}/events?replay=50`, { signal: controller.signal, headers });
    const reader = res.body!.getReader();
    let text = '';
    const stop = setTimeout(() => controller.abort(), 3000);
    const read = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
          if (until.test(text)) break;
        }
      } catch {
        /* aborted */
      }
    })();
    await during();
    await read;
    clearTimeout(stop);
    controller.abort();
    return text;
  };

  it('GET /events streams ingest and job events as they happen', async () => {
    const controller = new AbortController();
    const res = await fetch(`${g.url}/events`, { signal: controller.signal, headers: admin });
    const reader = res.body!.getReader();
    let text = '';
    const read = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
        if (/event: job\.status[\s\S]*"status":"successful"/.test(text)) break;
      }
    })();
    expect((await g.ingest(REACH_548)).ok).toBe(true);
    expect((await g.ingest(NODE_WITHOUT_DBF)).ok).toBe(false);
    await call(`${g.url}/processes/echo/execution`, { json: { inputs: { message: 'hi' } }, headers: admin });
    await read;
    controller.abort();
    expect(text).toMatch(/event: ingest\.done\ndata: .*"collection":"swot-riversp-reach"/);
    expect(text).toMatch(/event: ingest\.failed\ndata: .*\.dbf \(attributes\) is missing/);
    expect(text).toMatch(/event: job\.status\ndata: .*"process":"echo".*"status":"successful"/);
  });

  it('GET /metrics exposes latency by route, jobs by state, ingests, catalog size and freshness', async () => {
    await call(`${g.url}/stac/search?limit=1`);
    const text = (await call(`${g.url}/metrics`)).body as string;
    expect(text).toMatch(/hysope_http_request_duration_seconds_count\{route="\/stac\/search",method="GET",status="200"\} [1-9]/);
    expect(text).toMatch(/hysope_jobs\{status="successful",executor="local"\} [1-9]/);
    expect(text).toMatch(/hysope_ingests_total\{collection="swot-riversp-reach",outcome="ok"\} 1/);
    expect(text).toMatch(/hysope_ingests_total\{collection="unknown",outcome="failed"\} 1/);
    expect(text).toMatch(/hysope_catalog_items\{collection="swot-riversp-reach"\} 1/);
    expect(text).toMatch(/hysope_data_freshness_seconds\{collection="swot-riversp-reach"\} \d/);
    expect(text).toMatch(/hysope_data_disk_free_bytes \d/);
    // The event loop's lag, for the HysopeEventLoopBlocked alert.
    expect(text).toMatch(/hysope_nodejs_eventloop_lag_p99_seconds \d/);
  });

  it('/events and /metrics tell each caller only what it may see', async () => {
    const student = await g.user('student', 'educational');
    const other = await g.user('other', 'educational');
    await call(`${g.url}/processes/echo/execution`, { json: { inputs: { message: 'mine' } }, headers: student.headers });
    expect((await g.ingest(LAKE_GREENLAND, 'student')).ok).toBe(true);
    const own = await listen(student.headers, /LakeSP_Prior/);
    expect(own).toMatch(/event: job\.status\ndata: .*"owner":"student"/);
    expect(own).toMatch(/event: ingest\.done\ndata: .*LakeSP_Prior.*"owner":"student"/);
    expect(own).not.toMatch(/"owner":"ops"/);
    expect(own).not.toMatch(/ingest\.failed/);
    for (const headers of [{}, other.headers]) {
      const text = await listen(headers, /never/);
      expect(text).toMatch(/event: ingest\.done\ndata: .*swot-riversp-reach/);
      expect(text).not.toMatch(/job\.status|ingest\.failed|LakeSP_Prior/);
    }
    // A private collection's series: for the scraper's token and admins only.
    expect(await g.gateway.store.setAccess('swot-riversp-reach', 'institutional', null)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    const anonymous = (await call(`${g.url}/metrics`)).body as string;
    expect(anonymous).not.toMatch(/collection="swot-riversp-reach"/);
    expect(anonymous).toMatch(/hysope_data_disk_free_bytes \d/);
    const scraper = (await call(`${g.url}/metrics`, { headers: { Authorization: 'Bearer prom-secret' } })).body as string;
    expect(scraper).toMatch(/hysope_catalog_items\{collection="swot-riversp-reach"\} 1/);
    expect((await call(`${g.url}/metrics`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await call(`${g.url}/metrics`, { headers: admin })).body as string).toMatch(/collection="swot-riversp-reach"/);
    await g.gateway.store.setAccess('swot-riversp-reach', 'public', null);
  });

  it('GET /health/ready checks the store and the executor; every answer carries its request id', async () => {
    const r = await call(`${g.url}/health/ready`, { headers: { 'X-Request-Id': 'trace-42' } });
    expect(r.headers.get('x-request-id')).toBe('trace-42');
    expect((await call(`${g.url}/stac`)).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.status).toBe(200);
    expect(r.body.checks).toMatchObject({ store: { status: 'ok' }, executor: { status: 'ok' }, object_store: { status: 'ok' }, disk: { status: 'ok' } });
    // Neither paths nor hosts to whoever asks.
    expect(JSON.stringify(r.body)).not.toContain(g.dataDir);
    expect(JSON.stringify(r.body)).not.toMatch(/127\.0\.0\.1|postgres(ql)?:\/\//);
  });

  it('the alert rules pass promtool test rules (Debian prometheus)', () => {
    const check = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: MONITORING, encoding: 'utf8' });
    expect(check.error, 'promtool is installed by scripts/install.sh (Debian prometheus)').toBeUndefined();
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/SUCCESS/);
  });
  it('the watchdog publishes an alert event when SWOT data stops arriving', async () => {
    const w = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_ALERT_STALE_SWOT_HOURS: '0.0001', HYSOPE_WATCHDOG_MS: '200' } });
    try {
      expect((await w.ingest(REACH_548)).ok).toBe(true);
      const res = await fetch(`${w.url}/events?replay=50`);
      const reader = res.body!.getReader();
      let text = '';
      const end = Date.now() + 10_000;
      while (!/"alert":"HysopeNoNewSwotGranule","state":"firing"/.test(text) && Date.now() < end) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      await reader.cancel();
      expect(text).toMatch(/event: alert\ndata: .*"alert":"HysopeNoNewSwotGranule","state":"firing"/);
    } finally {
      await w.stop();
    }
  });

  it('an event whose transaction commits after later ones (a job ending with its event) still reaches a subscriber, in id order', async () => {
    const databaseUrl = testDatabaseUrl();
    if (!databaseUrl) throw new Error('concurrent transactions need PostgreSQL (HYSOPE_TEST_DATABASE_URL)');
    const w = await startGateway({ databaseUrl, env: { HYSOPE_RATE_LIMIT: '0' } });
    try {
      const res = await fetch(`${w.url}/events`);
      const reader = res.body!.getReader();
      let text = '';
      const until = async (re: RegExp) => {
        const end = Date.now() + 10_000;
        while (!re.test(text) && Date.now() < end) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        return re.test(text);
      };
      // The stream under way: its first event heard.
      w.gateway.bus.publish('alert', { alert: 'start', state: 'firing' });
      expect(await until(/"alert":"start"/)).toBe(true);
      // An event recorded in a transaction that commits 1.5 s later; meanwhile another is recorded and heard.
      const late = w.gateway.db.transaction(async (tx) => {
        const e = await w.gateway.bus.insert(tx, 'alert', { alert: 'late', state: 'firing' });
        await new Promise((r) => setTimeout(r, 1500));
        return e;
      });
      await new Promise((r) => setTimeout(r, 200));
      w.gateway.bus.publish('alert', { alert: 'early', state: 'firing' });
      w.gateway.bus.announce(await late);
      expect(await until(/"alert":"late"[\s\S]*"alert":"early"|"alert":"early"[\s\S]*"alert":"late"/)).toBe(true);
      // The late one has the lower id: it comes first, and neither is lost.
      expect(text.indexOf('"alert":"late"')).toBeLessThan(text.indexOf('"alert":"early"'));
      await reader.cancel();
    } finally {
      await w.stop();
    }
  });

  it('among replicas sharing a database, one watchdog raises the alert: one firing event, not one per gateway', async () => {
    const databaseUrl = testDatabaseUrl();
    if (!databaseUrl) throw new Error('replicas need PostgreSQL (HYSOPE_TEST_DATABASE_URL)');
    const env = { HYSOPE_RATE_LIMIT: '0', HYSOPE_ALERT_STALE_SWOT_HOURS: '0.0001', HYSOPE_WATCHDOG_MS: '200' };
    const first = await startGateway({ databaseUrl, env });
    const second = await startGateway({ replicaOf: first, env });
    try {
      expect((await first.ingest(REACH_548)).ok).toBe(true);
      // Both watch every 200 ms for 2 s; the condition holds all along.
      await new Promise((r) => setTimeout(r, 2000));
      for (const g of [first, second]) await g.gateway.bus.flushed();
      const fired = await first.gateway.db.query<{ n: number }>(
        `select count(*)::int as n from events where type = 'alert' and data->>'alert' = 'HysopeNoNewSwotGranule' and data->>'state' = 'firing'`
      );
      expect(fired[0]!.n).toBe(1);
    } finally {
      await second.stop();
      await first.stop();
    }
  });
});
