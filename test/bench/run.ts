/**
 * `npm run bench`: every benchmark, each printed as a ratio against its baseline measured in the same
 * run (or a published figure when the baseline cannot run here). BENCH_ITEMS sets the synthetic catalog
 * size (default 1,000,000), BENCH_ROUNDS the ingest repetitions (default 5).
 */
import { benchGeoParquet } from './geoparquet.js';
import { benchIngest } from './ingest.js';
import { benchJobs, benchSlurmLatency } from './jobs.js';
import { benchPixc } from './pixc.js';
import { benchLab } from './lab.js';
import { benchLite } from './lite.js';
import { benchStaticCatalog } from './static-catalog.js';
import { benchPortal } from './portal.js';
import { benchAlerts } from './alerts.js';
import { benchCnm } from './cnm.js';
import { benchHarvest } from './harvest.js';
import { benchObjects } from './objects.js';
import { benchReplicas } from './replicas.js';
import { benchSearchSideBySide } from './search.js';
import { benchTimeseries } from './timeseries.js';
import { benchTimeseriesArchive } from './timeseries-archive.js';
import { benchViewer } from './viewer.js';
import { benchViewerClicks } from './viewer-clicks.js';
import { findBin, startPostgres } from '../pg-server.js';

const items = Number(process.env['BENCH_ITEMS'] ?? 1_000_000);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);
const only = process.argv[2];

if (!only || only === 'ingest') await benchIngest(rounds);
if (!only || only === 'geoparquet') await benchGeoParquet();
if (!only || only === 'pixc') await benchPixc((process.env['BENCH_PIXC_PIXELS'] ?? '2000000,8000000').split(',').map(Number));
if (!only || only === 'lab') await benchLab();
if (!only || only === 'lite') await benchLite(Number(process.env['BENCH_LITE_RUNS'] ?? 3));
if (!only || only === 'static') await benchStaticCatalog((process.env['BENCH_STATIC_ITEMS'] ?? '1000,10000').split(',').map(Number));
if (!only || only === 'portal') await benchPortal();
if (!only || only === 'alerts') await benchAlerts();
if (!only || only === 'cnm') await benchCnm(Number(process.env['BENCH_CNM_GRANULES'] ?? 80));
if (!only || only === 'harvest') await benchHarvest(Number(process.env['BENCH_HARVEST_STATIONS'] ?? 100), Number(process.env['BENCH_CNM_HTTP'] ?? 40));
if (!only || only === 'objects') await benchObjects(Number(process.env['BENCH_OBJECTS_PIXELS'] ?? 4_000_000));
if (!only || only === 'replicas') await benchReplicas(Number(process.env['BENCH_REPLICAS_CLIENTS'] ?? 16), Number(process.env['BENCH_REPLICAS_SECONDS'] ?? 20));
if (!only || only === 'jobs') await benchJobs(Number(process.env['BENCH_JOBS'] ?? 1000));
if (!only || only === 'slurm') await benchSlurmLatency();
if (!only || only === 'timeseries') await benchTimeseries(Number(process.env['BENCH_REACHES'] ?? 100_000), Number(process.env['BENCH_CYCLES'] ?? 50));
if (!only || only === 'archive') {
  const sizes = (v: string | undefined, d: number[]) => (v === undefined ? d : v.split(',').filter(Boolean).map(Number));
  await benchTimeseriesArchive(
    sizes(process.env['BENCH_REACH_GRANULES'], [100, 1000, 5000, 20000, 50000]),
    sizes(process.env['BENCH_NODE_GRANULES'], [100, 1000, 5000]),
    Number(process.env['BENCH_BASELINE_UP_TO'] ?? 5000),
    process.env['BENCH_ARCHIVE_DIR'] || undefined,
    process.env['BENCH_ARCHIVE_BUILD'] === 'tiers' ? 'tiers' : 'ingest'
  );
}
if (!only || only === 'viewer') await benchViewer();
if (!only || only === 'viewer' || only === 'clicks') await benchViewerClicks();
if (!only || only === 'search') {
  const bin = findBin();
  const pg = bin ? await startPostgres(bin) : null;
  try {
    await benchSearchSideBySide(items, pg?.url ?? null);
  } finally {
    pg?.stop();
  }
}
