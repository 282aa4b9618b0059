import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { AccessLog } from '../auth/audit.js';
import { principalOf } from '../auth/middleware.js';
import { canSee } from '../auth/principal.js';
import type { CatalogService } from '../catalog/service.js';
import type { CatalogStore } from '../catalog/store.js';
import type { Config } from '../config.js';
import type { EventBus } from '../monitoring/events.js';
import type { Metrics } from '../monitoring/metrics.js';
import type { Database } from '../store/database.js';
import { assetRoutes } from './assets.js';
import { exportRoutes } from './export.js';
import { Gallery } from './gallery.js';
import { galleryRoutes } from './gallery-routes.js';
import { HarmonizedService, harmonizedRoutes } from './harmonized.js';
import { hydrocronRoutes } from './hydrocron.js';
import type { SeriesFiles } from './timeseries-files.js';
import { COMPACT_AFTER, Compactor, reconcileTimeseries } from './timeseries-parts.js';
import { TimeseriesService } from './timeseries.js';
import { timeseriesRoutes } from './timeseries-routes.js';

/** HYDROWEB-NG: assets, time series (with the Hydrocron drop-in), exports and the notebook gallery. */
export interface Dissemination {
  series: TimeseriesService;
  /** Compacts the time-series store's buckets (after ingests, and on the watchdog's timer). */
  compactor: Compactor;
  harmonized: HarmonizedService;
  /** A station's or gauge's series, read at its own place (the item's centre). */
  itemSeries(collection: string, id: string): ReturnType<HarmonizedService['itemSeries']> | Promise<null>;
  /** `/assets`, `/stac` exports, `/hydrocron/v1`, `/timeseries`, `/gallery`. */
  routes: Router;
  /** After an ingest of this process: its observations are read at once and their buckets compacted. */
  onIngest(): void;
  close(): Promise<void>;
}

export async function disseminationCapability(deps: {
  db: Database;
  config: Config;
  log: Logger;
  store: CatalogStore;
  catalog: CatalogService;
  seriesFiles: SeriesFiles;
  audit: AccessLog;
  levelOf: (collection: string) => Promise<string>;
  metrics: Metrics;
  bus: EventBus;
  baseUrl: (req: Request) => string;
}): Promise<Dissemination> {
  const { db, config, log, store, catalog, seriesFiles, audit, levelOf, metrics, bus, baseUrl } = deps;
  const objects = store.objects;
  const series = new TimeseriesService(seriesFiles, db, config.duckdb);
  // The time-series store's buckets compacted after ingests (here, and on a timer for ingests by other processes).
  const compactor = new Compactor(
    db,
    seriesFiles,
    () => series.duck(),
    (e) => {
      if (e.type === 'compacted') {
        series.forget();
        metrics.compactions.inc({ feature: e.compaction.feature, outcome: 'ok' });
        bus.publish('timeseries.compacted', { ...e.compaction });
      } else {
        metrics.compactions.inc({ feature: e.feature, outcome: 'failed' });
        log.error({ feature: e.feature, bucket: e.bucket, err: e.error }, 'time-series compaction failed');
      }
    },
    COMPACT_AFTER,
    config.timeseriesGraceMs
  );
  const reconciled = await reconcileTimeseries(db, seriesFiles, () => series.duck(), config.databaseUrl ? config.timeseriesGraceMs : 0);
  if (reconciled.indexed + reconciled.removed > 0) log.info(reconciled, 'time-series store reconciled with its index');
  const compactionTimer = setInterval(() => {
    void compactor.runPending().catch((error: unknown) => log.error({ err: error }, 'time-series compaction failed'));
    void reconcileTimeseries(db, seriesFiles, () => series.duck(), config.timeseriesGraceMs).catch(() => undefined);
  }, config.watchdogMs);
  compactionTimer.unref();
  // Another gateway's ingests and compactions (heard through the broker): this one's lists of parts are stale at once
  // (without a broker they expire within seconds).
  bus.on('event', (e: { type: string }) => {
    if (e.type === 'ingest.done' || e.type === 'timeseries.compacted') series.forget();
  });
  const harmonized = new HarmonizedService(catalog, series, objects);
  const itemSeries = async (collection: string, id: string) => {
    const row = await store.item(collection, id);
    const b = row?.content.bbox;
    if (!row || !b) return null;
    return harmonized.itemSeries(row.content, (b[0]! + b[2]!) / 2, (b[1]! + b[3]!) / 2);
  };
  // One read of the collections' access levels per request (whether the caller sees it, and what the audit records).
  const seriesVisible = async (res: Response, collection: string) => {
    const p = principalOf(res);
    const c = (await store.access()).find((a) => a.id === collection);
    if (!c || !canSee(p, c.access, c.owner)) return false;
    await audit.record(p, 'timeseries', collection, null, c.access);
    return true;
  };
  const routes = Router();
  routes.use('/stac', exportRoutes(catalog, series, objects, baseUrl));
  routes.use(
    '/assets',
    assetRoutes(
      objects,
      async (res, collection, item) => {
        const p = principalOf(res);
        if (!(await catalog.canRead(p, collection, item))) return false;
        // Downloads of restricted data go to the audit trail.
        const owner = (await store.item(collection, item))?.owner ?? null;
        await audit.record(p, 'download', collection, item, owner ? 'private' : await levelOf(collection));
        return true;
      },
      { access: config.assetAccess, presignSeconds: config.presignSeconds }
    )
  );
  routes.use('/hydrocron/v1', hydrocronRoutes(series, seriesVisible));
  routes.use('/timeseries', harmonizedRoutes(harmonized), timeseriesRoutes(series, seriesVisible));
  routes.use(galleryRoutes(new Gallery(db, store), config.labUrl));
  return {
    series,
    compactor,
    harmonized,
    itemSeries,
    routes,
    onIngest: () => {
      series.forget();
      void compactor.runPending().catch(() => undefined);
    },
    close: async () => {
      clearInterval(compactionTimer);
      await compactor.idle();
    }
  };
}
