import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { cnmProblems } from '@hysope/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRabbit, findRabbit } from '../amqp-server.js';
import { REACHES_PASS_51, REACH_548, call, damagedPixc, sample, startGateway, testDatabaseUrl, type TestGateway } from '../helpers.js';
import { serveProcess } from '../hysope-serve.js';
import { cnmNotification, subscribeEvents } from '../messages.js';
import { findBin, startPostgres } from '../pg-server.js';

const PASS_372 = sample('swot/riversp/SWOT_L2_HR_RiverSP_Reach_1_372_NA_20100828T061839_20100828T061842_PGA2_03.zip');
/** PO.DAAC's sample messages (test/specs/cnm, with their licence). */
const OFFICIAL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../specs/cnm/samples');

interface Response {
  identifier: string;
  response: { status: string; errorCode?: string; errorMessage?: string; ingestionMetadata?: { catalogId: string; catalogUrl: string } };
}

describe('ingest over AMQP (RabbitMQ): CNM notifications, competing gateways, retries, dead letters, events', () => {
  let broker: Awaited<ReturnType<typeof startRabbit>>;
  let client: ChannelModel;
  let channel: Channel;
  const responses: Response[] = [];
  let inbox: string;
  const gateways: TestGateway[] = [];
  const copy = (file: string) => {
    const to = path.join(inbox, path.basename(file));
    copyFileSync(file, to);
    return to;
  };
  const publish = (body: unknown) =>
    channel.sendToQueue('hysope.ingest', Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), { persistent: true });
  const answered = async (ids: string[], timeout = 60_000) => {
    await expect.poll(() => ids.every((id) => responses.some((r) => r.identifier === id)), { timeout, interval: 200 }).toBe(true);
    return ids.map((id) => responses.find((r) => r.identifier === id)!);
  };
  const metric = async (g: TestGateway, outcome: string) => {
    const text = await (await fetch(`${g.url}/metrics`, { headers: (await g.user('ops', 'admin')).headers })).text();
    return Number(new RegExp(`hysope_cnm_messages_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  };

  /** An SSE subscription to a gateway's `/events`, as an admin (every event). */
  const subscribe = async (g: TestGateway, lastEventId?: number) => subscribeEvents(g.url, (await g.user('watcher', 'admin')).headers, lastEventId);

  /** A PostgreSQL of its own and a virtual host of its own (its queues alone), the CNM responses published there kept. */
  const apart = async (vhost: string) => {
    const bin = findBin();
    if (!bin) throw new Error('PostgreSQL is not installed');
    const pg = await startPostgres(bin);
    const url = broker.vhost(vhost);
    const c = await amqp.connect(url);
    const ch = await c.createChannel();
    await ch.assertExchange('hysope.cnm.responses', 'topic', { durable: true });
    const { queue } = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(queue, 'hysope.cnm.responses', '#');
    const got: Response[] = [];
    await ch.consume(queue, (m) => m && got.push(JSON.parse(m.content.toString()) as Response), { noAck: true });
    const send = (body: unknown) => ch.sendToQueue('hysope.ingest', Buffer.from(JSON.stringify(body)), { persistent: true });
    return { pg, url, ch, got, send, close: async () => (await c.close().catch(() => undefined), pg.stop()) };
  };

  beforeAll(async () => {
    const bin = findRabbit();
    if (!bin) throw new Error('rabbitmq-server is not installed (scripts/install.sh installs it)');
    broker = await startRabbit(bin);
    inbox = mkdtempSync(path.join(os.tmpdir(), 'hysope-inbox-'));
    const env = { HYSOPE_AMQP_URL: broker.url, HYSOPE_INBOXES: inbox, HYSOPE_RATE_LIMIT: '0', HYSOPE_AMQP_RETRY_MS: '200' };
    // Two gateways taking ingest messages over one database and data folder, and one serving HTTP only.
    const databaseUrl = testDatabaseUrl();
    if (!databaseUrl) throw new Error('replicas need PostgreSQL (HYSOPE_TEST_DATABASE_URL)');
    gateways.push(await startGateway({ databaseUrl, env }));
    gateways.push(await startGateway({ replicaOf: gateways[0], env }));
    gateways.push(await startGateway({ replicaOf: gateways[0], env: { ...env, HYSOPE_AMQP_INGEST: 'false', HYSOPE_AMQP_JOBS: 'false' } }));
    client = await amqp.connect(broker.url);
    channel = await client.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, 'hysope.cnm.responses', '#');
    await channel.consume(queue, (m) => m && responses.push(JSON.parse(m.content.toString()) as Response), { noAck: true });
  }, 120_000);

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    for (const g of gateways.reverse()) await g.stop();
    await broker?.stop();
    if (inbox) rmSync(inbox, { recursive: true, force: true });
  }, 60_000);

  it('ingests each notified granule once across competing gateways, answers with schema-valid CNM responses, and relays the events to a gateway that took none', async () => {
    const [a, b, web] = gateways as [TestGateway, TestGateway, TestGateway];
    // Heard on the gateway that takes no ingest message: every ingest comes to it through the broker.
    const sub = await subscribe(web);
    const heard = () => sub.events.filter((e) => e.type === 'ingest.done').map((e) => e.data.id);
    const files = [...REACHES_PASS_51, PASS_372, REACH_548].map(copy);
    const ids = files.map((_, i) => `granule-${i}`);
    files.forEach((f, i) => publish(cnmNotification(ids[i]!, [f], i % 2 ? 'SHA256' : 'md5')));
    const got = await answered(ids);
    for (const r of got) {
      expect(r.response, JSON.stringify(r.response)).toMatchObject({ status: 'SUCCESS' });
      // The official schema accepts the response; its catalog URL is the item.
      expect(cnmProblems(r)).toEqual([]);
      const item = await fetch(r.response.ingestionMetadata!.catalogUrl);
      expect(item.status, `${r.response.ingestionMetadata!.catalogUrl} ${await item.text()} ${web.url}`).toBe(200);
    }
    // Both consuming gateways took some; each granule is one item (no duplicate from two consumers).
    expect(await metric(a, 'success')).toBeGreaterThan(0);
    expect(await metric(b, 'success')).toBeGreaterThan(0);
    expect((await metric(a, 'success')) + (await metric(b, 'success'))).toBe(files.length);
    const search = (await (await fetch(`${web.url}/stac/search?collections=swot-riversp-reach&limit=100`)).json()) as { features: { id: string }[] };
    const found = search.features.map((f) => f.id).filter((id) => files.some((f) => path.basename(f, '.zip') === id));
    expect(found.sort()).toEqual(files.map((f) => path.basename(f, '.zip')).sort());
    // The HTTP-only gateway heard every ingest through the broker.
    await expect.poll(() => files.every((f) => heard().includes(path.basename(f, '.zip'))), { timeout: 10_000 }).toBe(true);
    sub.close();
    // The same notification again: an idempotent re-ingest, still one item.
    publish(cnmNotification('again', [files[0]!]));
    expect((await answered(['again']))[0]!.response.status).toBe('SUCCESS');
    const again = (await (await fetch(`${web.url}/stac/search?collections=swot-riversp-reach&ids=${path.basename(files[0]!, '.zip')}`)).json()) as {
      features: unknown[];
    };
    expect(again.features).toHaveLength(1);
  }, 180_000);

  it('dead-letters what cannot be taken, with the reason, answers each with a failure, and leaves the catalog as it was', async () => {
    const [a, b, web] = gateways as [TestGateway, TestGateway, TestGateway];
    const count = async () => ((await (await fetch(`${web.url}/stac/search?limit=1`)).json()) as { numberMatched: number }).numberMatched;
    const before = await count();
    expect(before).toBeGreaterThan(0);
    const retried = async () => (await metric(a, 'retry')) + (await metric(b, 'retry'));
    const retriedBefore = await retried();
    const good = copy(REACHES_PASS_51[0]!);
    const damaged = path.join(inbox, 'SWOT_L2_HR_RiverSP_Reach_9_51_NA_20101018T121018_20101018T121025_PGA2_03.zip');
    writeFileSync(damaged, 'not a zip file');
    // A pixel cloud a chunk of which does not inflate: found while writing it, yet the granule's fault — not retried.
    const scrambled = damagedPixc(inbox);
    const outside = REACH_548; // a real granule, but not in an inbox
    const official = readdirSync(OFFICIAL).find((f) => f.includes('response_success'))!;
    publish('{ not json');
    publish(readFileSync(path.join(OFFICIAL, official), 'utf8')); // a response, not a notification
    publish({ identifier: 'no-product', version: '1.6.1' }); // fails the schema
    publish(cnmNotification('bad-checksum', [good], 'wrong'));
    publish(cnmNotification('outside', [outside]));
    publish(cnmNotification('damaged', [damaged]));
    publish(cnmNotification('damaged-chunk', [scrambled]));
    const failures = await answered(['no-product', 'bad-checksum', 'outside', 'damaged', 'damaged-chunk']);
    expect(Object.fromEntries(failures.map((r) => [r.identifier, r.response.errorCode]))).toEqual({
      'no-product': 'VALIDATION_ERROR',
      'bad-checksum': 'VALIDATION_ERROR',
      outside: 'TRANSFER_ERROR',
      damaged: 'PROCESSING_ERROR',
      'damaged-chunk': 'PROCESSING_ERROR'
    });
    expect(failures.find((r) => r.identifier === 'damaged-chunk')!.response.errorMessage).toMatch(/cannot be inflated .*damaged/);
    expect(failures.find((r) => r.identifier === 'bad-checksum')!.response.errorMessage).toMatch(/checksum/);
    expect(failures.find((r) => r.identifier === 'outside')!.response.errorMessage).toMatch(/not in an inbox/);
    // Every one in the dead-letter queue, its reason in a header.
    const reasons: string[] = [];
    await expect
      .poll(
        async () => {
          for (let m = await channel.get('hysope.ingest.dead'); m; m = await channel.get('hysope.ingest.dead')) {
            reasons.push(String(m.properties.headers?.['x-hysope-reason']));
            channel.ack(m);
          }
          return reasons.length;
        },
        { timeout: 20_000 }
      )
      .toBe(7);
    expect(reasons.filter((r) => /not JSON/.test(r))).toHaveLength(1);
    expect(reasons.filter((r) => /a CNM response, not a notification/.test(r))).toHaveLength(1);
    expect(reasons.filter((r) => /^PROCESSING_ERROR: .*zip/i.test(r))).toHaveLength(1);
    expect(reasons.filter((r) => /^PROCESSING_ERROR: .*damaged/i.test(r))).toHaveLength(1);
    // None of them went through the retry queue.
    expect(await retried()).toBe(retriedBefore);
    expect(await count()).toBe(before);
    expect(await metric(a, 'failure')).toBeGreaterThan(0);
  }, 120_000);

  it('retries a failure that may pass (the database away) with backoff, then ingests the granule once', async () => {
    // A gateway with a database of its own (halted here) on a virtual host of its own.
    const { pg, url, ch, got, send, close } = await apart('retry');
    const own = await startGateway({
      databaseUrl: pg.url,
      env: { HYSOPE_AMQP_URL: url, HYSOPE_INBOXES: inbox, HYSOPE_RATE_LIMIT: '0', HYSOPE_AMQP_RETRY_MS: '300' }
    });
    try {
      const file = copy(REACHES_PASS_51[1]!);
      pg.halt();
      send(cnmNotification('database-away', [file]));
      // Sent back to wait in the retry queue while the database is away, nothing answered yet.
      await expect.poll(async () => (await ch.checkQueue('hysope.ingest.retry')).messageCount, { timeout: 30_000, interval: 100 }).toBe(1);
      await new Promise((r) => setTimeout(r, 2000));
      expect(got).toEqual([]);
      pg.resume();
      await expect.poll(() => got.length, { timeout: 60_000, interval: 300 }).toBe(1);
      expect(got[0]!.response.status).toBe('SUCCESS');
      const found = (await (await fetch(`${own.url}/stac/search?ids=${path.basename(file, '.zip')}`)).json()) as { features: unknown[] };
      expect(found.features).toHaveLength(1);
      expect(await metric(own, 'success')).toBe(1);
      // Tried at least twice before (backoff 0.3 s, then 1.2 s, ...).
      expect(await metric(own, 'retry')).toBeGreaterThanOrEqual(2);
    } finally {
      await own.stop();
      await close();
    }
  }, 180_000);

  it('jobs go through the job queue: the gateway taking none hands them over, the others run them; a synchronous execution answers all the same', async () => {
    const http = gateways[2]!;
    const { headers } = await http.user('jobber', 'educational');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await call(`${http.url}/processes/echo/execution`, {
        json: { inputs: { message: `q${i}`, seconds: 0.5 } },
        headers: { ...headers, Prefer: 'respond-async' }
      });
      expect(r.status).toBe(201);
      ids.push(r.body.jobID as string);
    }
    const sync = await call(`${http.url}/processes/echo/execution`, { json: { inputs: { message: 'sync' } }, headers });
    expect(sync.status).toBe(200);
    expect(sync.body).toEqual({ message: 'sync' });
    await expect
      .poll(
        async () =>
          (await Promise.all(ids.map(async (id) => (await call(`${http.url}/jobs/${id}`, { headers })).body.status))).every((s) => s === 'successful'),
        {
          timeout: 30_000,
          interval: 200
        }
      )
      .toBe(true);
    const rows = await http.gateway.db.query<{ runner: string }>(`select runner from jobs where id = any($1::text[])`, [ids]);
    const runners = new Set(rows.map((r) => r.runner));
    expect(runners.has(http.gateway.jobs.holder)).toBe(false);
    for (const r of runners) expect([gateways[0]!.gateway.jobs.holder, gateways[1]!.gateway.jobs.holder]).toContain(r);
  });

  it('a subscriber reconnecting to another gateway with Last-Event-ID gets every event it missed, once, in order', async () => {
    const [a, , web] = gateways as [TestGateway, TestGateway, TestGateway];
    const first = await subscribe(a);
    const files = [REACHES_PASS_51[2]!, PASS_372].map(copy);
    publish(cnmNotification('sse-1', [files[0]!]));
    await answered(['sse-1']);
    await expect.poll(() => first.events.some((e) => e.type === 'ingest.done'), { timeout: 10_000 }).toBe(true);
    first.close();
    const seen = Math.max(...first.events.map((e) => e.id));
    // While it is away: two more ingests (taken by either gateway), then it comes back to another gateway.
    publish(cnmNotification('sse-2', [files[1]!]));
    publish(cnmNotification('sse-3', [files[0]!]));
    await answered(['sse-2', 'sse-3']);
    const back = await subscribe(web, seen);
    await expect.poll(() => back.events.filter((e) => e.type === 'ingest.done').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    back.close();
    const ids = back.events.map((e) => e.id);
    expect(ids.every((id) => id > seen)).toBe(true);
    expect(ids).toEqual([...new Set(ids)].sort((x, y) => x - y));
    expect(back.events.filter((e) => e.type === 'ingest.done').map((e) => e.data.id)).toEqual(
      expect.arrayContaining([path.basename(files[1]!, '.zip'), path.basename(files[0]!, '.zip')])
    );
  }, 120_000);

  it('a gateway killed (SIGKILL) mid-load loses no ingest and duplicates none: its unsettled messages go to the other', async () => {
    const { pg, url, got, send, close } = await apart('replicas');
    const data = mkdtempSync(path.join(os.tmpdir(), 'hysope-replicas-'));
    const env = { HYSOPE_DATABASE_URL: pg.url, HYSOPE_AMQP_URL: url, HYSOPE_INBOXES: inbox, HYSOPE_RATE_LIMIT: '0' };
    // Two gateways as deployed: `hysope serve` processes over one database, data folder and broker.
    const [first, second] = [await serveProcess(data, env), await serveProcess(data, env)];
    try {
      const files = [
        ...readdirSync(sample('swot/riversp'))
          .filter((f) => f.endsWith('.zip'))
          .map((f) => sample('swot/riversp', f)),
        ...readdirSync(sample('swot/lakesp')).map((f) => sample('swot/lakesp', f))
      ].map(copy);
      files.forEach((f, i) => send(cnmNotification(`load-${i}`, [f])));
      // Killed while it holds a message (prefetch 1: one granule under way at a time), a few granules in.
      await expect.poll(() => got.length, { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(3);
      const killedAt = Date.now();
      first.kill();
      const ids = files.map((_, i) => `load-${i}`);
      await expect.poll(() => ids.every((id) => got.some((r) => r.identifier === id)), { timeout: 120_000, interval: 100 }).toBe(true);
      const resumed = (Date.now() - killedAt) / 1000;
      // The killed gateway was taking messages (with more queued, it always holds one); the other took the rest.
      const by = (g: { url: string }) => got.filter((r) => r.response.ingestionMetadata?.catalogUrl.startsWith(g.url)).length;
      expect(by(first)).toBeGreaterThan(0);
      expect(by(first) + by(second)).toBe(got.length);
      // Every message answered with success (a message the killed gateway had committed but not settled is taken
      // again: an idempotent re-ingest, answered twice at most); each granule is one item.
      expect(got.filter((r) => r.response.status !== 'SUCCESS')).toEqual([]);
      for (const id of ids) expect(got.filter((r) => r.identifier === id).length).toBeLessThanOrEqual(2);
      const names = files.map((f) => path.basename(f, '.zip'));
      const found = (await (await fetch(`${second.url}/stac/search?ids=${names.join(',')}&limit=100`)).json()) as { features: { id: string }[] };
      expect(found.features.map((f) => f.id).sort()).toEqual([...names].sort());
      console.log(
        `AMQP replicas: ${files.length} CNM ingests, one of two gateways SIGKILLed after ${got.length >= 3 ? 3 : got.length}; the rest taken by the other in ${resumed.toFixed(1)} s; ${got.length - ids.length} answered twice`
      );
    } finally {
      for (const g of [first, second]) g.kill();
      await close();
      rmSync(data, { recursive: true, force: true });
    }
  }, 240_000);
});
