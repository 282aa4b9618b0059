// Alert latency: from an ingest's commit to the webhook delivery, with 10,000 subscriptions (BENCH_SUBSCRIPTIONS),
// beside the same with 100 in the same run. The subscriptions are spread over reaches of many basins, most of
// them on reaches the ingested granules do not hold (as a real user base is), a few hundred on reaches they do.
import { randomInt } from 'node:crypto';
import { ingestFile } from '@hysope/gateway';
import { REACHES_PASS_51, REACH_548, startGateway } from '../helpers.js';
import { startWebhookReceiver } from '../alert-receivers.js';
import { report } from './stats.js';

const percentile = (v: number[], p: number) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function latencies(total: number): Promise<{ p50: number; p99: number; delivered: number; evaluated: number }> {
  const hook = await startWebhookReceiver();
  const g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_WATCHDOG_MS: '60000' } });
  try {
    // 100 subscriptions per person, as a user base spreads them (a person may hold 1,000).
    const people: Record<string, string>[] = [];
    for (let u = 0; u < Math.ceil(total / 100); u++) people.push((await g.user(`user${u}`, 'scientific')).headers);
    // The reaches the granules hold (read from a first gateway's answer would cost an ingest; the ids are known).
    const granules = [REACH_548, ...REACHES_PASS_51];
    const held = new Set<string>();
    {
      const probe = await startGateway();
      for (const f of granules) await probe.ingest(f);
      // The reaches with a valid observation in them (a "new observation" alert needs one).
      const csv = await (await fetch(`${probe.url}/timeseries?feature=Reach&basin=7&fields=reach_id,time&dedupe=true`)).text();
      for (const [id, time] of csv
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')))
        if (time) held.add(id!);
      await probe.stop();
    }
    const heldIds = [...held];
    const hits = Math.min(heldIds.length, Math.max(1, Math.round(total * 0.02)));
    for (let i = 0; i < total; i++) {
      // 2% on reaches the granules hold; the rest on made-up reaches of other basins.
      const id = i < hits ? heldIds[i % heldIds.length]! : `${randomInt(1, 9)}${String(randomInt(0, 1e9)).padStart(9, '0')}1`;
      const r = await fetch(`${g.url}/subscriptions`, {
        method: 'POST',
        headers: { ...people[Math.floor(i / 100)]!, 'Content-Type': 'application/json' },
        body: JSON.stringify({ feature: 'Reach', id, condition: 'new', webhook: hook.url, max_per_hour: 1000 })
      });
      if (r.status !== 201) throw new Error(`subscription ${i}: ${r.status} ${await r.text()}`);
    }
    const lat: number[] = [];
    for (const f of granules) {
      const before = hook.received.length;
      // The clock starts when the ingest tells the gateway it committed (what triggers the evaluation).
      let committed = 0;
      const result = await ingestFile(g.gateway.store, g.dataDir, f, {
        observe: (r) => {
          committed = performance.now();
          g.gateway.observeIngest(r);
        }
      });
      if (!result.ok) throw new Error(result.error);
      // Wait until deliveries stop arriving for this granule.
      let seen = -1;
      while (seen !== hook.received.length) {
        seen = hook.received.length;
        await new Promise((r) => setTimeout(r, 400));
      }
      for (const d of hook.received.slice(before)) lat.push(d.at - committed);
    }
    if (!lat.length) throw new Error(`no alert delivered with ${total} subscriptions`);
    return { p50: percentile(lat, 50), p99: percentile(lat, 99), delivered: lat.length, evaluated: granules.length };
  } finally {
    await g.stop();
    await hook.stop();
  }
}

export async function benchAlerts(total = Number(process.env['BENCH_SUBSCRIPTIONS'] ?? 10_000)): Promise<void> {
  const small = await latencies(100);
  const big = await latencies(total);
  const base = (v: number) => ({ name: '100 subscriptions, same run', value: v, higherIsBetter: false });
  report(
    `alerts: ingest commit → webhook delivered, p50 (${total.toLocaleString('en')} subscriptions, ${big.delivered} deliveries)`,
    big.p50,
    'ms',
    base(small.p50)
  );
  report(`alerts: ingest commit → webhook delivered, p99 (${total.toLocaleString('en')} subscriptions)`, big.p99, 'ms', base(small.p99));
}
