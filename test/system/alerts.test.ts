import { createHmac } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HYDROWEB, REACHES_PASS_51, REACH_548, call, startGateway, type TestGateway } from '../helpers.js';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from '../alert-receivers.js';

/** A reach of pass 51 with WSE 216.45 m on cycle 1 (216.53 on cycle 2, 216.61 on cycle 3). */
const PITTSBURGH = '74269900011';
const PITTSBURGH_BOX = [-80.1, 40.3, -79.8, 40.6];

describe('subscriptions and alerts: evaluated on each ingest, delivered to the portal, a signed webhook and e-mail', () => {
  let g: TestGateway;
  let hook: WebhookReceiver;
  let smtp: SmtpReceiver;
  let dir: string;
  let alice: { headers: Record<string, string> };
  beforeAll(async () => {
    hook = await startWebhookReceiver();
    smtp = await startSmtpReceiver();
    dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-alerts-'));
    g = await startGateway({
      env: { HYSOPE_SMTP_URL: smtp.url, HYSOPE_SMTP_FROM: 'HYSOPE <alerts@hysope.test>', HYSOPE_WATCHDOG_MS: '300', HYSOPE_RATE_LIMIT: '0' }
    });
    alice = await g.user('alice', 'scientific');
  });
  afterAll(async () => {
    await g?.stop();
    await hook?.stop();
    await smtp?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const subscribe = (body: Record<string, unknown>, headers = alice.headers) => call(`${g.url}/subscriptions`, { headers, json: body });

  it('refuses what cannot be a subscription, with the reason; asks who subscribes', async () => {
    for (const [body, detail] of [
      [{ feature: 'Reach', condition: 'new' }, /exactly one of id .* or bbox/],
      [{ feature: 'Reach', id: '123', condition: 'new' }, /11 digits/],
      [{ feature: 'River', id: PITTSBURGH, condition: 'new' }, /feature must be/],
      [{ feature: 'Reach', id: PITTSBURGH, condition: 'above' }, /needs a threshold/],
      [{ feature: 'Reach', id: PITTSBURGH, condition: 'quality', threshold: 3 }, /0 \(good\), 1 \(suspect\) or 2/],
      [{ feature: 'Reach', bbox: [10, 0, 5, 1], condition: 'new' }, /west ≤ east/],
      [{ feature: 'Reach', bbox: PITTSBURGH_BOX, condition: 'silence', threshold: 3 }, /watches one feature/],
      [{ feature: 'Reach', id: PITTSBURGH, condition: 'new', webhook: 'ftp://x' }, /http\(s\) URL/],
      [{ feature: 'Reach', id: PITTSBURGH, condition: 'new', email: 'not-an-address' }, /not an e-mail address/]
    ] as const) {
      const r = await subscribe(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.detail).toMatch(detail);
    }
    expect((await call(`${g.url}/subscriptions`, { json: { feature: 'Reach', id: PITTSBURGH, condition: 'new' } })).status).toBe(401);
  });

  it('a new observation: a signed webhook, an e-mail with its unsubscribe link, the portal inbox and the history; once only', async () => {
    const s = await subscribe({ feature: 'Reach', id: PITTSBURGH, condition: 'new', webhook: hook.url, email: 'alice@example.org' });
    expect(s.status).toBe(201);
    expect(s.body.secret).toMatch(/^[\w-]{20,}$/);
    const before = hook.received.length;
    expect((await g.ingest(REACHES_PASS_51[0]!)).ok).toBe(true);
    const [delivery] = (await hook.waitFor(before + 1)).slice(before);
    const payload = JSON.parse(delivery!.body);
    expect(payload).toMatchObject({ type: 'hysope.notification', subscription: s.body.id, condition: 'new', feature: 'Reach', feature_id: PITTSBURGH });
    expect(payload.observation.wse).toBeCloseTo(216.451228, 5);
    expect(payload.observation.time).toMatch(/^2010-08-16T18:40/);
    expect(payload.link).toBe(`${g.url}/portal/reach/${PITTSBURGH}`);
    // The receiver checks it came from us: HMAC of "<timestamp>.<body>" with the subscription's secret.
    const expected = createHmac('sha256', s.body.secret).update(`${delivery!.headers['x-hysope-timestamp']}.${delivery!.body}`).digest('hex');
    expect(delivery!.headers['x-hysope-signature']).toBe(`sha256=${expected}`);
    const [mail] = await smtp.waitFor(1);
    expect(mail!.to).toEqual(['alice@example.org']);
    // Headers as sent (folded lines unfolded); the subject is RFC 2047 encoded UTF-8.
    const headers = mail!.data.split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' ');
    const subject = /^Subject: (.*)$/m
      .exec(headers)![1]!
      .replace(/=\?UTF-8\?Q\?(.*?)\?=\s*/g, (_, q: string) => Buffer.from(q.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/g, '%$1'), 'binary').toString());
    expect(decodeURIComponent(subject)).toBe('HYSOPE: Reach 74269900011 — new observation');
    expect(headers).toMatch(/List-Unsubscribe: <http:\/\/127\.0\.0\.1:\d+\/subscriptions\/unsubscribe\?token=[\w-]+>/);
    expect(headers).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const inbox = await call(`${g.url}/notifications`, { headers: alice.headers });
    expect(inbox.body.notifications.map((n: { feature_id: string }) => n.feature_id)).toContain(PITTSBURGH);
    const history = await call(`${g.url}/subscriptions/${s.body.id}`, { headers: alice.headers });
    expect(history.body.history.map((h: { channel: string; status: string }) => `${h.channel}:${h.status}`).sort()).toEqual([
      'email:delivered',
      'portal:delivered',
      'webhook:delivered'
    ]);
    // The same granule again (re-ingested, or copied under another name with the same content): no second alert.
    expect((await g.ingest(REACHES_PASS_51[0]!)).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    expect(hook.received.length).toBe(before + 1);
    // Unsubscribing from the e-mail: a page with one button (a link scanner does not unsubscribe), then done.
    const link = /List-Unsubscribe: <([^>]+)>/.exec(headers)![1]!;
    const confirm = await fetch(link);
    expect(await confirm.text()).toContain('<button type="submit">Unsubscribe</button>');
    expect((await call(`${g.url}/subscriptions/${s.body.id}`, { headers: alice.headers })).status).toBe(200);
    expect((await fetch(link, { method: 'POST' })).status).toBe(200);
    expect((await call(`${g.url}/subscriptions/${s.body.id}`, { headers: alice.headers })).status).toBe(404);
    expect((await fetch(link, { method: 'POST' })).status).toBe(404);
  });

  it('thresholds, quality and areas; a failing webhook is retried with backoff; a subscription over its hourly rate is held back', async () => {
    const above = await subscribe({ feature: 'Reach', id: PITTSBURGH, condition: 'above', threshold: 216.5, webhook: hook.url });
    const below = await subscribe({ feature: 'Reach', id: PITTSBURGH, condition: 'below', threshold: 216.5, webhook: hook.url });
    const area = await subscribe({ feature: 'Reach', bbox: PITTSBURGH_BOX, condition: 'new', max_per_hour: 2 });
    expect([above.status, below.status, area.status]).toEqual([201, 201, 201]);
    // The receiver fails twice before it takes the next one.
    hook.fail.push(500, 503);
    const before = hook.received.length;
    // Cycle 2 (216.53 m: above 216.5, not below).
    expect((await g.ingest(REACHES_PASS_51[1]!)).ok).toBe(true);
    const got = (await hook.waitFor(before + 1, 30_000)).slice(before);
    expect(
      got.map((d) => JSON.parse(d.body).subscription),
      JSON.stringify(got.map((d) => JSON.parse(d.body)))
    ).toEqual([above.body.id]);
    const h = await call(`${g.url}/subscriptions/${above.body.id}`, { headers: alice.headers });
    const webhook = h.body.history.find((x: { channel: string }) => x.channel === 'webhook');
    expect(webhook).toMatchObject({ status: 'delivered', attempts: 3 });
    expect((await call(`${g.url}/subscriptions/${below.body.id}`, { headers: alice.headers })).body.history).toEqual([]);
    // The area holds several reaches of the granule: two notifications, the others held back.
    const areaHistory = (await call(`${g.url}/subscriptions/${area.body.id}`, { headers: alice.headers })).body.history as { status: string }[];
    expect(areaHistory.filter((x) => x.status === 'delivered')).toHaveLength(2);
    expect(areaHistory.filter((x) => x.status === 'suppressed').length).toBeGreaterThan(0);
  });

  it('an ingest made by another process is evaluated on the timer; "no data for N days" fires once', async () => {
    // Pittsburgh's reach was last seen in 2010: more than a day without data.
    const quiet = await subscribe({ feature: 'Reach', id: PITTSBURGH, condition: 'silence', threshold: 1, webhook: hook.url });
    expect(quiet.status).toBe(201);
    await expect
      .poll(async () => (await call(`${g.url}/subscriptions/${quiet.body.id}`, { headers: alice.headers })).body.history.length, { timeout: 10_000 })
      .toBeGreaterThan(0);
    const first = (await call(`${g.url}/subscriptions/${quiet.body.id}`, { headers: alice.headers })).body.history;
    expect(first.find((x: { channel: string }) => x.channel === 'webhook').payload).toMatchObject({
      condition: 'silence',
      feature_id: PITTSBURGH,
      last_observation: expect.stringMatching(/^2010-09-06T15:25/)
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect((await call(`${g.url}/subscriptions/${quiet.body.id}`, { headers: alice.headers })).body.history).toHaveLength(first.length);
    // A granule registered behind the gateway's back (its index written, no in-process event): the timer finds it.
    const renamed = path.join(dir, path.basename(REACH_548));
    await copyFile(REACH_548, renamed);
    const s = await subscribe({ feature: 'Reach', id: '71224100223', condition: 'new', webhook: hook.url });
    const before = hook.received.length;
    const { ingestFile } = await import('@hysope/gateway');
    expect((await ingestFile(g.gateway.store, g.dataDir, renamed)).ok).toBe(true);
    const got = (await hook.waitFor(before + 1)).slice(before).map((d) => JSON.parse(d.body));
    expect(got.some((p) => p.subscription === s.body.id && p.feature_id === '71224100223')).toBe(true);
  });

  it('a Hydroweb virtual station: its new observations (and a threshold) once a newer series is ingested, not what it already held', async () => {
    const station = 'hydroweb-R_PERU-6-BASIN_PERU-6-BASIN_KM0049';
    const file = HYDROWEB.find((f) => f.endsWith('R_PERU-6-BASIN_PERU-6-BASIN_KM0049_mean.json'))!;
    expect((await g.ingest(file)).ok).toBe(true);
    for (const [body, detail] of [
      [{ feature: 'Station', bbox: PITTSBURGH_BOX, condition: 'new' }, /watches one station/],
      [{ feature: 'Station', id: station, condition: 'quality', threshold: 1 }, /no quality flag/],
      [{ feature: 'Gauge', id: 'a b', condition: 'new' }, /not a gauge id/]
    ] as const) {
      const r = await subscribe(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.detail).toMatch(detail);
    }
    const news = await subscribe({ feature: 'Station', id: station, condition: 'new', webhook: hook.url, email: 'alice@example.org' });
    const high = await subscribe({ feature: 'Station', id: station, condition: 'above', threshold: -2, webhook: hook.url });
    expect([news.status, high.status]).toEqual([201, 201]);
    const before = hook.received.length;
    const mails = smtp.mails.length;
    // Hydroweb publishes the series again with one more pass (the last one seen was 2022-09-11 at -2.22 m).
    const series = JSON.parse(await readFile(file, 'utf8')) as { x: Record<string, string>; y: Record<string, number> };
    const n = String(Object.keys(series.x).length);
    series.x[n] = '2022-10-08';
    series.y[n] = -1.87;
    const newer = path.join(dir, path.basename(file));
    await writeFile(newer, JSON.stringify(series));
    expect((await g.ingest(newer)).ok).toBe(true);
    const got = (await hook.waitFor(before + 2)).slice(before).map((d) => JSON.parse(d.body));
    expect(got.map((p) => p.condition).sort()).toEqual(['above', 'new']);
    for (const p of got) {
      expect(p).toMatchObject({ feature: 'Station', feature_id: station, link: `${g.url}/portal/station/${station}` });
      expect(p.observation).toEqual({ time: '2022-10-08T00:00:00Z', variable: 'water_level', value: -1.87, units: 'm' });
    }
    const mail = (await smtp.waitFor(mails + 1))[mails]!;
    expect(mail.data).toMatch(/water level -1\.87 m/);
    // In the portal's (and the lab's) inbox too; the same series ingested again is no news.
    const inbox = await call(`${g.url}/notifications`, { headers: alice.headers });
    expect(inbox.body.notifications.filter((x: { feature_id: string }) => x.feature_id === station)).toHaveLength(2);
    expect((await g.ingest(newer)).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    expect(hook.received.length).toBe(before + 2);
  });

  it("lists, reads and deletes only the caller's subscriptions", async () => {
    const bob = await g.user('bob', 'scientific');
    const mine = await subscribe({ feature: 'PriorLake', id: '9120162992', condition: 'quality', threshold: 1 }, bob.headers);
    expect(mine.status).toBe(201);
    expect((await call(`${g.url}/subscriptions`, { headers: bob.headers })).body.subscriptions).toHaveLength(1);
    expect((await call(`${g.url}/subscriptions/${mine.body.id}`, { headers: alice.headers })).status).toBe(404);
    expect((await call(`${g.url}/subscriptions/${mine.body.id}`, { method: 'DELETE', headers: alice.headers })).status).toBe(404);
    expect((await call(`${g.url}/subscriptions/${mine.body.id}`, { method: 'DELETE', headers: bob.headers })).status).toBe(204);
    expect((await call(`${g.url}/subscriptions`, { headers: bob.headers })).body.subscriptions).toEqual([]);
  });
});
