import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createGateway, ingestFile, loadConfig } from '@hysope/gateway';
import { REACH_548 } from '../helpers.js';
import { percentile, report } from './stats.js';

const peakRssMb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

/**
 * Time-series benchmarks on the real RiverSP reach granule:
 * - one reach across 100 cycles (the granule's observations re-dated per cycle): p50 of the server time
 *   that /hydrocron/v1/timeseries reports, against Hydrocron's documented 550-850 ms;
 * - exporting `reaches` x `cycles` observations as Parquet through /timeseries: MB/s and peak RSS.
 */
export async function benchTimeseries(reaches = 100_000, cycles = 50): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hysope-bench-ts-'));
  const gateway = await createGateway(loadConfig({ HYSOPE_LOG_LEVEL: 'silent', HYSOPE_RATE_LIMIT: '0' }, { data: dataDir }));
  try {
    const ingested = await ingestFile(gateway.store, dataDir, REACH_548);
    if (!ingested.ok) throw new Error(ingested.error);
    const dir = path.join(dataDir, 'timeseries', 'feature=Reach', 'continent=NA');
    const real = path.join(dir, `${ingested.id}.parquet`);
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    // 99 more cycles of the same pass, 21 days apart, with the same reaches.
    for (let c = 1; c < 100; c++) {
      const id = ingested.id.replace('_548_', `_${String(548 + c)}_`);
      await duck.run(`copy (select * replace (cycle_id + ${c} as cycle_id, "time" + interval ${21 * c} day as "time", time_raw + ${21 * c * 86400} as time_raw,
        strftime(range_start_time::timestamp + interval ${21 * c} day, '%Y-%m-%dT%H:%M:%SZ') as range_start_time) from '${real}' order by reach_id)
        to '${path.join(dir, `${id}.parquet`)}' (format parquet, compression zstd, row_group_size 256)`);
    }
    const server = gateway.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const reach = (await duck.runAndReadAll(`select reach_id from '${real}' where wse is not null limit 1`)).getRowObjectsJS()[0]!['reach_id'];
    const serverMs: number[] = [];
    const wallMs: number[] = [];
    let hits = 0;
    for (let i = 0; i < 60; i++) {
      const t = performance.now();
      const r = (await (
        await fetch(
          `${base}/hydrocron/v1/timeseries?feature=Reach&feature_id=${reach}&start_time=2023-01-01T00:00:00Z&end_time=2030-01-01T00:00:00Z&fields=reach_id,time_str,wse,width,slope,reach_q&output=csv`
        )
      ).json()) as { time: number; hits: number };
      if (i >= 10) {
        serverMs.push(r.time);
        wallMs.push(performance.now() - t);
        hits = r.hits;
      }
    }
    serverMs.sort((a, b) => a - b);
    wallMs.sort((a, b) => a - b);
    report(`hydrocron drop-in, one reach x ${hits} cycles: p50 server time`, percentile(serverMs, 50), 'ms', {
      name: 'Hydrocron documented (best case)',
      value: 550,
      higherIsBetter: false
    });
    report('hydrocron drop-in, one reach: p50 / p99 round trip on loopback', percentile(wallMs, 50), `ms (p99 ${percentile(wallMs, 99).toFixed(1)} ms)`);

    // Export: `reaches` synthetic reaches (basin 7) x `cycles` cycles, streamed as Parquet.
    const exportDir = path.join(dataDir, 'timeseries', 'feature=Reach', 'continent=NA');
    await mkdir(exportDir, { recursive: true });
    for (let c = 0; c < cycles; c++) {
      await duck.run(`copy (select lpad((71000000000 + i * 10 + 1)::varchar, 11, '0') as reach_id, timestamptz '2024-01-01 00:00:00+00' + interval ${21 * c} day + i * interval 1 millisecond as "time",
          ${c + 1} as cycle_id, 11 as pass_id, 100 + random() * 50 as wse, random() * 0.2 as wse_u, 50 + random() * 500 as width, (random() * 3)::int as reach_q,
          -100 + (i % 1000) / 100.0 as p_lon, 40 + (i // 1000) / 100.0 as p_lat, 'PIC0' as crid, 'SYN_${c}.zip' as granuleUR, '2024-01-01T00:00:00Z' as range_start_time
        from range(${reaches}) t(i) order by reach_id) to '${path.join(exportDir, `SYN_${c}.parquet`)}' (format parquet, compression zstd, row_group_size 4096)`);
    }
    // Reset the peak-RSS mark (clear_refs 5), so the figure is the export's, not the synthesis's.
    writeFileSync('/proc/self/clear_refs', '5');
    const rssBefore = peakRssMb();
    const t = performance.now();
    const res = await fetch(`${base}/timeseries?feature=Reach&basin=71&fields=reach_id,time,wse,wse_u,width,reach_q,cycle_id&format=parquet`);
    const bytes = (await res.arrayBuffer()).byteLength;
    const seconds = (performance.now() - t) / 1000;
    const rows = (await duck.runAndReadAll(`select count(*)::int n from read_parquet('${path.join(exportDir, 'SYN_*.parquet')}')`)).getRowObjectsJS()[0]!['n'];
    report(
      `export ${Number(rows).toLocaleString('en')} observations (${reaches.toLocaleString('en')} reaches x ${cycles} cycles) as Parquet`,
      bytes / 1e6 / seconds,
      `MB/s (${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s, ${(Number(rows) / seconds / 1e6).toFixed(2)} M rows/s)`
    );
    report('export peak RSS of the gateway process (before -> after)', peakRssMb(), `MB (was ${rssBefore.toFixed(0)} MB)`);
    server.closeAllConnections();
    server.close();
  } finally {
    await gateway.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
