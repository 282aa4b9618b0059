import { copyFileSync } from 'node:fs';
import path from 'node:path';
import amqp, { type ChannelModel } from 'amqplib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRabbit, startRabbit } from '../amqp-server.js';
import { loadGranules, startCluster, type Cluster } from '../cluster.js';
import { findHaproxy } from '../haproxy.js';
import { REACHES_PASS_51, call, s3Settings, testDatabaseUrl } from '../helpers.js';
import type { Served } from '../hysope-serve.js';
import { cnmNotification, subscribeEvents, type SseEvent } from '../messages.js';
import { testS3 } from '../s3-server.js';

const PITTSBURGH = '74269900011';

/** A request of the load: when it started and ended, and how it went. */
interface Outcome {
  kind: string;
  start: number;
  end: number;
  ok: boolean;
  detail: string;
}

describe.runIf(testDatabaseUrl() && testS3() && findRabbit() && findHaproxy())(
  'three gateway replicas behind haproxy over PostgreSQL, S3 and RabbitMQ, one killed (SIGKILL) under mixed load',
  () => {
    let broker: Awaited<ReturnType<typeof startRabbit>>;
    let cluster: Cluster;
    let lb: { url: string };
    let client: ChannelModel;
    let gateways: Served[];
    let databaseUrl: string;
    let inbox: string;
    let admin: Record<string, string>;
    const responses: { identifier: string; response: { status: string; errorMessage?: string } }[] = [];

    beforeAll(async () => {
      broker = await startRabbit(findRabbit()!);
      const amqpUrl = broker.vhost('replicas');
      cluster = await startCluster({
        replicas: 3,
        postgresUrl: testDatabaseUrl()!,
        name: `replicas_${process.pid}`,
        env: { HYSOPE_AMQP_URL: amqpUrl, ...s3Settings(), HYSOPE_JOB_LEASE_MS: '2000' }
      });
      ({ databaseUrl, inbox, admin, gateways } = cluster);
      lb = { url: cluster.url };
      client = await amqp.connect(amqpUrl);
      const ch = await client.createChannel();
      await ch.assertExchange('hysope.cnm.responses', 'topic', { durable: true });
      const { queue } = await ch.assertQueue('', { exclusive: true });
      await ch.bindQueue(queue, 'hysope.cnm.responses', '#');
      await ch.consume(queue, (m) => m && responses.push(JSON.parse(m.content.toString()) as (typeof responses)[number]), { noAck: true });
    }, 180_000);

    afterAll(async () => {
      await client?.close().catch(() => undefined);
      await cluster?.stop();
      await broker?.stop();
    }, 60_000);

    it('loses and duplicates no ingest nor job, every SSE subscriber gets every event, and only requests in flight at the kill fail', async () => {
      const ch = await client.createChannel();
      const send = (id: string, file: string) =>
        ch.sendToQueue('hysope.ingest', Buffer.from(JSON.stringify(cnmNotification(id, [file]))), { persistent: true });
      const copy = (file: string, name = path.basename(file)) => {
        const to = path.join(inbox, name);
        copyFileSync(file, to);
        return to;
      };
      const answered = (ids: string[], timeout: number) =>
        expect.poll(() => ids.every((id) => responses.some((r) => r.identifier === id)), { timeout, interval: 200 }).toBe(true);
      // Before the load: one pass of reaches, so time series and assets have something to serve.
      REACHES_PASS_51.forEach((f, i) => send(`pre-${i}`, copy(f)));
      await answered(['pre-0', 'pre-1', 'pre-2'], 60_000);
      const item = (await call(`${lb.url}/stac/search?collections=swot-riversp-reach&limit=1`)).body.features[0];
      const asset = item.assets.data.href as string;
      expect(asset, asset).toMatch(new RegExp(`^${lb.url}/assets/`));
      const assetPath = new URL(asset).pathname;

      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      const firstEvent = Number((await db.query(`select coalesce(max(id), 0) as id from events`)).rows[0].id);

      // SSE subscribers through the balancer: when a stream ends (its gateway died), they come back with Last-Event-ID.
      let loading = true;
      // The last event recorded once the load is over (the subscribers read up to it).
      let lastRecorded = Number.MAX_SAFE_INTEGER;
      const subscribers = [0, 1].map(() => {
        const seen: SseEvent[] = [];
        let reconnects = 0;
        const run = (async () => {
          let last: number | undefined = firstEvent;
          while (loading || seen.length === 0 || seen.at(-1)!.id < lastRecorded) {
            try {
              const s = await subscribeEvents(lb.url, admin, last);
              const poll = setInterval(() => {
                if (!loading && seen.length && seen.at(-1)!.id >= lastRecorded) s.close();
              }, 200);
              await new Promise<void>((resolve) => {
                const copyOut = setInterval(() => {
                  while (s.events.length) seen.push(s.events.shift()!);
                }, 20);
                void s.ended.then(() => {
                  clearInterval(copyOut);
                  while (s.events.length) seen.push(s.events.shift()!);
                  resolve();
                });
              });
              clearInterval(poll);
              if (seen.length) last = seen.at(-1)!.id;
            } catch {
              await new Promise((r) => setTimeout(r, 200));
            }
            if (loading || seen.length === 0 || seen.at(-1)!.id < lastRecorded) reconnects++;
          }
        })();
        return { seen, run, reconnects: () => reconnects };
      });

      // Readers: search, time series, asset ranges, until the load ends.
      const outcomes: Outcome[] = [];
      const timed = async (kind: string, fn: () => Promise<Response>, ok: (r: Response) => boolean) => {
        const start = Date.now();
        try {
          const r = await fn();
          const body = await r.arrayBuffer();
          outcomes.push({ kind, start, end: Date.now(), ok: ok(r), detail: `${r.status} ${Buffer.from(body).toString().slice(0, 120)}` });
        } catch (error) {
          const cause = (error as { cause?: { code?: string; message?: string } }).cause;
          outcomes.push({ kind, start, end: Date.now(), ok: false, detail: `${(error as Error).message} (${cause?.code ?? cause?.message ?? ''})` });
        }
      };
      const readers = [
        ['search', () => fetch(`${lb.url}/stac/search?collections=swot-riversp-reach&limit=10`), (r: Response) => r.status === 200],
        [
          'timeseries',
          () =>
            fetch(
              `${lb.url}/hydrocron/v1/timeseries?feature=Reach&feature_id=${PITTSBURGH}&start_time=2000-01-01T00:00:00Z&end_time=2030-01-01T00:00:00Z&fields=reach_id,time_str,wse&output=csv`
            ),
          (r: Response) => r.status === 200
        ],
        ['asset', () => fetch(`${lb.url}${assetPath}`, { headers: { Range: 'bytes=0-1023' } }), (r: Response) => r.status === 206]
      ] as const;
      const reading = readers.map(async ([kind, fn, ok]) => {
        while (loading) await timed(kind, fn, ok);
      });

      // Jobs and ingests during the load.
      const jobs: string[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await call(`${lb.url}/processes/echo/execution`, {
          json: { inputs: { message: `job-${i}`, seconds: 2 } },
          headers: { ...admin, Prefer: 'respond-async' }
        });
        expect(r.status).toBe(201);
        jobs.push(r.body.jobID as string);
      }
      const files = loadGranules(inbox, 'PZZ9');
      const ids = files.map((_, i) => `load-${i}`);
      files.forEach((f, i) => send(ids[i]!, f));

      // The kill, while jobs run, ingests wait and readers read.
      await new Promise((r) => setTimeout(r, 1500));
      const victim = gateways[1]!;
      const killedAt = Date.now();
      victim.kill();
      // Killed, a process still holds its sockets (connections are accepted, then reset) until it has ended.
      const deadAt = await victim.exited;
      await answered(ids, 120_000);
      const states = async () => Promise.all(jobs.map(async (j) => (await call(`${lb.url}/jobs/${j}`, { headers: admin })).body.status as string));
      await expect.poll(async () => (await states()).every((s) => s === 'successful'), { timeout: 60_000, interval: 200 }).toBe(true);
      const resumed = (Date.now() - killedAt) / 1000;
      await new Promise((r) => setTimeout(r, 1000));
      loading = false;
      await Promise.all(reading);
      lastRecorded = Number((await db.query(`select coalesce(max(id), 0) as id from events`)).rows[0].id);
      await Promise.all(subscribers.map((s) => s.run));

      // Ingests: one success per message, each granule once in the catalog.
      for (const id of ids) {
        const got = responses.filter((r) => r.identifier === id);
        expect(got.length, id).toBeGreaterThanOrEqual(1);
        expect(
          got.every((r) => r.response.status === 'SUCCESS'),
          `${id}: ${JSON.stringify(got)}`
        ).toBe(true);
      }
      const items = (await db.query(`select id, count(*)::int as n from items group by id having count(*) > 1`)).rows;
      expect(items).toEqual([]);
      // Every message's granule (the newer processings beside the ones they supersede) and the preloaded ones.
      const ingested = Number((await db.query(`select count(*)::int as n from items`)).rows[0].n);
      // (A granule whose name has no CRID to change is sent twice, as the same granule: one item.)
      expect(ingested).toBe(REACHES_PASS_51.length + new Set(files.map((f) => path.basename(f))).size);
      // Jobs: each ended once, successfully.
      const ends = (
        await db.query(`select data->>'job' as job, count(*)::int as n from events where type = 'job.status' and data->>'status' = 'successful' group by 1`)
      ).rows.filter((r) => jobs.includes(r.job));
      expect(ends.map((r) => r.n)).toEqual(jobs.map(() => 1));
      // SSE: every event recorded during the run, to each subscriber, once, in order.
      const recorded = (await db.query(`select id from events where id > $1 and id <= $2 order by id`, [firstEvent, lastRecorded])).rows.map((r) =>
        Number(r.id)
      );
      for (const s of subscribers) expect(s.seen.map((e) => e.id).filter((id) => id <= lastRecorded)).toEqual(recorded);
      // Failed requests: only those in flight when the replica was killed.
      const failed = outcomes.filter((o) => !o.ok);
      const outside = failed.filter((o) => !(o.start <= deadAt && o.end >= killedAt));
      expect(outside.map((o) => `${o.kind}: ${o.detail}, ${o.start - killedAt} to ${o.end - killedAt} ms from the kill`)).toEqual([]);
      await db.end();
      console.log(
        `replicas: ${outcomes.length} reads (${failed.length} failed, all in flight while the killed replica died: ${deadAt - killedAt} ms), ${ids.length} CNM ingests, ${jobs.length} jobs, ` +
          `${recorded.length} events to ${subscribers.length} SSE subscribers (${subscribers.map((s) => s.reconnects()).join('+')} reconnections); ` +
          `all work of the killed replica done ${resumed.toFixed(1)} s after the kill`
      );
    }, 240_000);
  }
);
