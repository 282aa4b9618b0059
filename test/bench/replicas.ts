import { copyFileSync } from 'node:fs';
import path from 'node:path';
import amqp from 'amqplib';
import { findRabbit, startRabbit } from '../amqp-server.js';
import { loadGranules, startCluster } from '../cluster.js';
import { REACHES_PASS_51 } from '../helpers.js';
import { cnmNotification, subscribeEvents } from '../messages.js';
import { findBin, startPostgres } from '../pg-server.js';
import { haveCeph, startS3 } from '../s3-server.js';
import { percentile, report } from './stats.js';

const PITTSBURGH = '74269900011';

/** Latencies (ms) of one kind of request, and its failures. */
interface Series {
  ms: number[];
  failed: number;
}

/**
 * Mixed load on 1 and on 3 gateway replicas behind haproxy (PostgreSQL, S3 on Ceph's RADOS Gateway, RabbitMQ), the
 * same in both runs: `clients` concurrent readers (search, an item, a reach's time series, a range of a product) for
 * `seconds`, SSE subscribers listening, and CNM ingests arriving meanwhile. Prints throughput and p50/p99 per kind of
 * request, 3 replicas against 1.
 */
export async function benchReplicas(clients: number, seconds: number): Promise<void> {
  const bin = findBin();
  const rabbit = findRabbit();
  if (!bin || !rabbit || !haveCeph()) throw new Error('the replicas benchmark needs PostgreSQL, RabbitMQ and Ceph (scripts/install.sh)');
  const pg = await startPostgres(bin);
  const s3 = await startS3();
  const broker = await startRabbit(rabbit);
  const results: Record<number, { rps: number; all: number[]; kinds: Record<string, Series> }> = {};
  try {
    for (const replicas of [1, 3]) {
      const amqpUrl = broker.vhost(`bench-${replicas}`);
      const cluster = await startCluster({
        replicas,
        postgresUrl: pg.url,
        name: `bench_replicas_${replicas}`,
        env: { HYSOPE_AMQP_URL: amqpUrl, ...s3.env, HYSOPE_OBJECT_STORE: `s3://bench-replicas-${replicas}/store`, HYSOPE_LOG_LEVEL: 'error' }
      });
      const conn = await amqp.connect(amqpUrl);
      const ch = await conn.createChannel();
      const send = (id: string, file: string) =>
        ch.sendToQueue('hysope.ingest', Buffer.from(JSON.stringify(cnmNotification(id, [file]))), { persistent: true });
      const copy = (file: string, name = path.basename(file)) => {
        const to = path.join(cluster.inbox, name);
        copyFileSync(file, to);
        return to;
      };
      const count = async () =>
        ((await (await fetch(`${cluster.url}/stac/search?limit=1`, { headers: cluster.admin })).json()) as { numberMatched?: number }).numberMatched ?? 0;
      try {
        REACHES_PASS_51.forEach((f, i) => send(`pre-${i}`, copy(f)));
        for (let i = 0; i < 600 && (await count()) < REACHES_PASS_51.length; i++) await new Promise((r) => setTimeout(r, 100));
        const item = ((await (await fetch(`${cluster.url}/stac/search?collections=swot-riversp-reach&limit=1`)).json()) as { features: any[] }).features[0];
        const asset = new URL(item.assets.data.href as string).pathname;
        const itemPath = `/stac/collections/swot-riversp-reach/items/${item.id}`;
        const subscribers = await Promise.all([0, 1, 2, 3].map(() => subscribeEvents(cluster.url, cluster.admin)));
        // Ingests arriving during the load: the other samples, then as a newer processing.
        const files = loadGranules(cluster.inbox, 'PZZ8');
        let sent = 0;
        const feeding = setInterval(() => {
          if (sent < files.length) send(`load-${sent}`, files[sent++]!);
        }, 500);
        const kinds: Record<string, Series> = {};
        const requests: [string, () => Promise<Response>, number][] = [
          ['search', () => fetch(`${cluster.url}/stac/search?collections=swot-riversp-reach&limit=10`), 200],
          ['item', () => fetch(`${cluster.url}${itemPath}`), 200],
          [
            'timeseries',
            () =>
              fetch(
                `${cluster.url}/hydrocron/v1/timeseries?feature=Reach&feature_id=${PITTSBURGH}&start_time=2000-01-01T00:00:00Z&end_time=2030-01-01T00:00:00Z&fields=reach_id,time_str,wse&output=csv`
              ),
            200
          ],
          ['asset range', () => fetch(`${cluster.url}${asset}`, { headers: { Range: 'bytes=0-65535' } }), 206]
        ];
        const end = performance.now() + seconds * 1000;
        const all: number[] = [];
        await Promise.all(
          Array.from({ length: clients }, async (_, c) => {
            for (let n = c; performance.now() < end; n++) {
              const [kind, fn, want] = requests[n % requests.length]!;
              const s = (kinds[kind] ??= { ms: [], failed: 0 });
              const t = performance.now();
              try {
                const r = await fn();
                await r.arrayBuffer();
                if (r.status !== want) s.failed++;
              } catch {
                s.failed++;
              }
              const ms = performance.now() - t;
              s.ms.push(ms);
              all.push(ms);
            }
          })
        );
        clearInterval(feeding);
        for (const s of subscribers) s.close();
        results[replicas] = { rps: all.length / seconds, all: all.sort((a, b) => a - b), kinds };
        for (const s of Object.values(kinds)) s.ms.sort((a, b) => a - b);
      } finally {
        await conn.close().catch(() => undefined);
        await cluster.stop();
      }
    }
    const label = (n: number) =>
      `mixed load, ${clients} clients for ${seconds} s + 4 SSE subscribers + CNM ingests, ${n} replica${n > 1 ? 's' : ''} behind haproxy`;
    const one = results[1]!;
    const three = results[3]!;
    report(`${label(1)}: throughput`, one.rps, 'req/s');
    report(`${label(3)}: throughput`, three.rps, 'req/s', { name: '1 replica', value: one.rps, higherIsBetter: true });
    for (const p of [50, 99]) {
      report(`${label(1)}: p${p} of all requests`, percentile(one.all, p), 'ms');
      report(`${label(3)}: p${p} of all requests`, percentile(three.all, p), 'ms', { name: '1 replica', value: percentile(one.all, p), higherIsBetter: false });
    }
    for (const kind of Object.keys(one.kinds)) {
      const [a, b] = [one.kinds[kind]!, three.kinds[kind]!];
      report(
        `  ${kind}: p50 / p99 with 3 replicas (${b.ms.length} requests, ${b.failed} failed) against 1 (${a.ms.length}, ${a.failed} failed), p99`,
        percentile(b.ms, 99),
        'ms',
        {
          name: `1 replica (p50 ${percentile(a.ms, 50).toFixed(1)} ms against ${percentile(b.ms, 50).toFixed(1)} ms)`,
          value: percentile(a.ms, 99),
          higherIsBetter: false
        }
      );
    }
  } finally {
    await broker.stop();
    await s3.stop();
    pg.stop();
  }
}
