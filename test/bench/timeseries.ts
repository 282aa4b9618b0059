import { statSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { bucketsOf, compactedRewriter, createGateway, ingestFile, listen, loadConfig, registerGranulePart } from '@hysope/gateway';
import { REACH_548 } from '../helpers.js';
import { procMb, report } from './stats.js';

const peakRssMb = () => procMb('VmHWM');

/**
 * Bulk export of the time-series store: `reaches` x `cycles` synthetic observations (basin 71, one granule part per
 * cycle, listed in the store's index as ingest lists them) streamed by `/timeseries?basin=71&format=parquet`: MB/s
 * against DuckDB writing the same selection on its own (measured in the same run), and the growth of the gateway's
 * peak RSS during the export (goal: under 300 MB, whatever the size). One feature's time series against the size
 * of the archive is `benchTimeseriesArchive`.
 */
export async function benchTimeseries(reaches = 100_000, cycles = 50): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hysope-bench-ts-'));
  const gateway = await createGateway(
    loadConfig({ HYSOPE_LOG_LEVEL: process.env['BENCH_LOG'] ?? 'silent', HYSOPE_RATE_LIMIT: '0', HYSOPE_WATCHDOG_MS: '3600000' }, { data: dataDir })
  );
  try {
    const ingested = await ingestFile(gateway.store, dataDir, REACH_548);
    if (!ingested.ok) throw new Error(ingested.error);
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const server = await listen(gateway.app, 0, '127.0.0.1');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const exportDir = path.join(dataDir, 'timeseries', 'feature=Reach', 'continent=NA');
    await mkdir(exportDir, { recursive: true });
    const ids = Array.from({ length: reaches }, (_, i) => String(71000000000 + i * 10 + 1).padStart(11, '0'));
    for (let c = 0; c < cycles; c++) {
      const rel = path.join('timeseries', 'feature=Reach', 'continent=NA', `SYN_${c}.parquet`);
      await duck.run(`copy (select lpad((71000000000 + i * 10 + 1)::varchar, 11, '0') as reach_id, timestamptz '2024-01-01 00:00:00+00' + interval ${21 * c} day + i * interval 1 millisecond as "time",
          ${c + 1} as cycle_id, 11 as pass_id, 100 + random() * 50 as wse, random() * 0.2 as wse_u, 50 + random() * 500 as width, (random() * 3)::int as reach_q,
          -100 + (i % 1000) / 100.0 as p_lon, 40 + (i // 1000) / 100.0 as p_lat, 'PIC0' as crid, 'SYN_${c}.zip' as granuleUR, '2024-01-01T00:00:00Z' as range_start_time
        from range(${reaches}) t(i) order by reach_id) to '${path.join(dataDir, rel)}' (format parquet, compression zstd, row_group_size 4096)`);
      await gateway.db.transaction((tx) => registerGranulePart(tx, 'Reach', rel, `SYN_${c}`, bucketsOf(ids), compactedRewriter(gateway.config.dataDir)));
    }
    const fields = 'reach_id,time,wse,wse_u,width,reach_q,cycle_id';
    // DuckDB alone: the same selection, written as Parquet by a fresh instance (what the export cannot beat).
    const alone = await (await DuckDBInstance.create(':memory:')).connect();
    const ta = performance.now();
    await alone.run(`copy (select ${fields} from read_parquet('${path.join(exportDir, 'SYN_*.parquet')}', union_by_name = true) where starts_with(reach_id, '71')
      order by reach_id, range_start_time, crid) to '${path.join(dataDir, 'alone.parquet')}' (format parquet, compression zstd)`);
    const aloneSeconds = (performance.now() - ta) / 1000;
    const aloneBytes = statSync(path.join(dataDir, 'alone.parquet')).size;
    alone.closeSync();
    // Reset the peak-RSS mark (clear_refs 5), so the figure is the export's, not the synthesis's.
    writeFileSync('/proc/self/clear_refs', '5');
    const rssBefore = peakRssMb();
    const t = performance.now();
    const res = await fetch(`${base}/timeseries?feature=Reach&basin=71&fields=${fields}&format=parquet`);
    if (!res.ok) throw new Error(`export: HTTP ${res.status} ${await res.text()}`);
    const bytes = (await res.arrayBuffer()).byteLength;
    const seconds = (performance.now() - t) / 1000;
    const rows = (await duck.runAndReadAll(`select count(*)::int n from read_parquet('${path.join(exportDir, 'SYN_*.parquet')}')`)).getRowObjectsJS()[0]!['n'];
    report(
      `export ${Number(rows).toLocaleString('en')} observations (${reaches.toLocaleString('en')} reaches x ${cycles} cycles) as Parquet through /timeseries (${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s)`,
      bytes / 1e6 / seconds,
      'MB/s',
      { name: 'DuckDB alone, same selection', value: aloneBytes / 1e6 / aloneSeconds, higherIsBetter: true }
    );
    report(
      'export: growth of the gateway process peak RSS (goal < 300 MB)',
      peakRssMb() - rssBefore,
      `MB (peak ${peakRssMb().toFixed(0)} MB, ${rssBefore.toFixed(0)} MB before)`
    );
    server.closeAllConnections();
    server.close();
  } finally {
    await gateway.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
