import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REACHES_PASS_51 } from '../helpers.js';
import { HubeauReplay, STATION } from '../hubeau-replay.js';
import { serveProcess } from '../hysope-serve.js';
import { cnmNotification } from '../messages.js';
import { percentile, report } from './stats.js';

const HYSOPE = fileURLToPath(new URL('../../server/gateway/bin/hysope.js', import.meta.url));

/**
 * Harvest throughput against the Hub'Eau replay server (`stations` gauges of two years of daily values each, pages of
 * 100: 8 requests a gauge), one harvest job through `hysope serve` (fetch, ingest, marks), in granules/min and MB/s;
 * baseline, same run: `hysope ingest` of the very files the harvest wrote. Then CNM over HTTP: `cnm` notifications of
 * distinct reach granules posted one after the other, the time from the POST to the item being found by a search.
 */
export async function benchHarvest(stations = 100, cnm = 40): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hysope-bench-harvest-'));
  // Jobs run under their own accounts when the gateway is root: they pass through this folder.
  chmodSync(root, 0o711);
  const hubeau = new HubeauReplay();
  hubeau.days = 730;
  hubeau.stations = [STATION, ...Array.from({ length: stations - 1 }, (_, i) => `K4470${String(10 + i).padStart(3, '0')}01`)];
  await hubeau.start();
  const data = path.join(root, 'data');
  const inbox = path.join(root, 'inbox');
  spawnSync('mkdir', ['-p', inbox]);
  const made = spawnSync(process.execPath, [HYSOPE, 'user', 'add', 'bench', 'producer', '--data', data], { encoding: 'utf8' });
  const key = /API key[^:]*: (\S+)/.exec(made.stdout)?.[1];
  if (!key) throw new Error(`hysope user add: ${made.stderr}`);
  const headers = { Authorization: `token ${key}`, 'Content-Type': 'application/json' };
  const served = await serveProcess(data, { HYSOPE_HUBEAU_URL: hubeau.url, HYSOPE_INBOXES: inbox, HYSOPE_RATE_LIMIT: '0' });
  try {
    const t0 = performance.now();
    const res = await fetch(`${served.url}/processes/harvest/execution`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ inputs: { source: 'hubeau', stations: hubeau.stations, pageSize: 100 } })
    });
    const body = (await res.json()) as { harvested?: { records: number; pages: number }[] };
    if (res.status !== 200 || !body.harvested) throw new Error(`harvest: ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
    const seconds = (performance.now() - t0) / 1000;
    const jobDirs = readdirSync(path.join(data, 'jobs')).map((d) => path.join(data, 'jobs', d));
    const files = jobDirs.flatMap((d) =>
      readdirSync(d)
        .filter((f) => f.startsWith('hubeau_'))
        .map((f) => path.join(d, f))
    );
    const bytes = files.reduce((a, f) => a + statSync(f).size, 0);
    const records = body.harvested.reduce((a, h) => a + h.records, 0);
    // Baseline: the same files through `hysope ingest` in one process.
    const copies = files.map((f) => {
      const to = path.join(inbox, path.basename(f));
      copyFileSync(f, to);
      return to;
    });
    const t1 = performance.now();
    const plain = spawnSync(process.execPath, [HYSOPE, 'ingest', '--data', path.join(root, 'plain'), ...copies], {
      env: { ...process.env, HYSOPE_LOG_LEVEL: 'warn' },
      encoding: 'utf8'
    });
    if (plain.status !== 0) throw new Error(`hysope ingest: ${plain.stderr.slice(0, 500)}`);
    const plainSeconds = (performance.now() - t1) / 1000;
    // And the same files through the same gateway's `ingest` process (one job, as the harvest is).
    const t2 = performance.now();
    const viaJob = await fetch(`${served.url}/processes/ingest/execution`, { method: 'POST', headers, body: JSON.stringify({ inputs: { files: copies } }) });
    if (viaJob.status !== 200) throw new Error(`ingest job: ${viaJob.status} ${(await viaJob.text()).slice(0, 300)}`);
    await viaJob.arrayBuffer();
    const jobSeconds = (performance.now() - t2) / 1000;
    const label = `Harvest of Hub'Eau (replay: ${stations} gauges x 730 daily values, ${hubeau.seen.length} requests, ${records} records, ${(bytes / 1e6).toFixed(1)} MB)`;
    report(`${label}: granules/min`, (files.length / seconds) * 60, 'granules/min', {
      name: '`hysope ingest` of the same files',
      value: (files.length / plainSeconds) * 60,
      higherIsBetter: true
    });
    report(`${label}: granules/min, against the same gateway's ingest job`, (files.length / seconds) * 60, 'granules/min', {
      name: 'an `ingest` job of the same files on the same gateway',
      value: (files.length / jobSeconds) * 60,
      higherIsBetter: true
    });
    report(`${label}: MB/s`, bytes / 1e6 / seconds, 'MB/s', {
      name: '`hysope ingest` of the same files',
      value: bytes / 1e6 / plainSeconds,
      higherIsBetter: true
    });

    // CNM over HTTP: distinct granules (the sample under new cycle numbers), one after the other.
    const latencies: number[] = [];
    const answered: number[] = [];
    for (let i = 0; i < cnm; i++) {
      const from = REACHES_PASS_51[0]!;
      const file = path.join(inbox, path.basename(from).replace(/_1_51_NA_/, `_${200 + i}_51_NA_`));
      copyFileSync(from, file);
      const id = path.basename(file, '.zip');
      const message = cnmNotification(`bench-${i}`, [file]);
      const start = performance.now();
      const r = await fetch(`${served.url}/cnm`, { method: 'POST', headers, body: JSON.stringify(message) });
      if (r.status !== 200) throw new Error(`POST /cnm: ${r.status} ${(await r.text()).slice(0, 300)}`);
      await r.arrayBuffer();
      answered.push(performance.now() - start);
      for (;;) {
        const found = (await (await fetch(`${served.url}/stac/search?ids=${id}`)).json()) as { features: unknown[] };
        if (found.features.length) break;
      }
      latencies.push(performance.now() - start);
    }
    latencies.sort((a, b) => a - b);
    answered.sort((a, b) => a - b);
    const cnmLabel = `CNM over HTTP, ${cnm} reach granules one after the other`;
    report(`${cnmLabel}: from the POST to the CNM response, p50`, percentile(answered, 50), 'ms');
    report(`${cnmLabel}: from the POST to the item found by a search, p50`, percentile(latencies, 50), 'ms');
    report(`${cnmLabel}: from the POST to the item found by a search, p99`, percentile(latencies, 99), 'ms');
  } finally {
    await served.stop();
    await hubeau.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
