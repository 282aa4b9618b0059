import { Router } from 'express';
import type { Logger } from 'pino';
import { ErrorTypes } from '@hysope/api';
import { anonymous } from '../auth/principal.js';
import { safeEqual } from '../auth/secrets.js';
import type { UserStore } from '../auth/users.js';
import type { CatalogService } from '../catalog/service.js';
import type { Config } from '../config.js';
import { asyncHandler, sendException } from '../http/errors.js';
import type { Database } from '../store/database.js';
import type { ObjectStore } from '../store/object-store.js';
import { EventBus, eventRoutes } from './events.js';
import { healthRoutes } from './health.js';
import { Metrics, filterCollections } from './metrics.js';
import { startWatchdog } from './watchdog.js';

/** HYDRA: metrics, health, the event bus and its stream, the watchdog. */
export interface Monitoring {
  metrics: Metrics;
  bus: EventBus;
  /** Request metrics, `/health`, `/metrics` (its own token): mounted before authentication and rate limits. */
  probes: Router;
  /** `/events`: the event stream, each caller seeing the collections it may. */
  routes: Router;
  close(): Promise<void>;
}

export function monitoringCapability(deps: {
  db: Database;
  config: Config;
  log: Logger;
  objects: ObjectStore;
  users: UserStore;
  catalog: CatalogService;
  /** Whether the job executor can take jobs (the production capability's, built later). */
  executorReady: () => Promise<boolean>;
  /** Whether the message broker's connection is up (null: no broker). */
  brokerConnected: () => boolean | null;
}): Monitoring {
  const { db, config, log, objects, users, catalog } = deps;
  const metrics = new Metrics(db, config.dataDir, objects);
  const bus = new EventBus(db);
  const probes = Router();
  probes.use(metrics.middleware());
  probes.use('/health', healthRoutes(db, deps.executorReady, config.dataDir, config.minFreeBytes, log, deps.brokerConnected, objects));
  // Prometheus: every collection for the scraper's token (HYSOPE_METRICS_TOKEN) or an admin, otherwise only
  // the series of the collections the caller may see.
  probes.get(
    '/metrics',
    asyncHandler(async (req, res) => {
      const token = /^(?:token|bearer)\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
      const scraper = config.metricsToken !== undefined && token !== undefined && safeEqual(token, config.metricsToken);
      const caller = scraper ? null : token ? await users.byKey(token) : anonymous(req.ip ?? 'unknown');
      if (!scraper && !caller) return sendException(res, 401, ErrorTypes.unauthorized, 'Unauthorized', 'the metrics token or API key is not valid', '/metrics');
      const text = await metrics.registry.metrics();
      const visible = scraper || caller!.role === 'admin' ? null : new Set(await catalog.visible(caller!));
      res.setHeader('Cache-Control', 'private, no-store');
      res.type(metrics.registry.contentType).send(visible ? filterCollections(text, visible) : text);
    })
  );
  const routes = Router().use(
    '/events',
    eventRoutes(bus, async (p) => new Set(await catalog.visible(p)))
  );
  const stopWatchdog = startWatchdog(db, config.dataDir, bus, {
    staleSwotHours: config.alertStaleSwotHours,
    minFreeFraction: config.alertMinFree,
    intervalMs: config.watchdogMs
  });
  return {
    metrics,
    bus,
    probes,
    routes,
    close: async () => {
      stopWatchdog();
      await bus.flushed();
    }
  };
}
