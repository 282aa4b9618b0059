import { randomUUID } from 'node:crypto';
import path from 'node:path';
import express, { type Request } from 'express';
import { pino, type Logger } from 'pino';
import { HubAuthenticator } from './auth/hub.js';
import { authenticate, principalOf, rateLimit } from './auth/middleware.js';
import { UserStore } from './auth/users.js';
import { CatalogService } from './catalog/service.js';
import type { IngestResult } from './catalog/ingest.js';
import { CatalogStore } from './catalog/store.js';
import { catalogRoutes } from './catalog/routes.js';
import type { Config } from './config.js';
import { assetRoutes } from './dissemination/assets.js';
import { exportRoutes } from './dissemination/export.js';
import { HarmonizedService, harmonizedRoutes } from './dissemination/harmonized.js';
import { hydrocronRoutes } from './dissemination/hydrocron.js';
import { TimeseriesService } from './dissemination/timeseries.js';
import { timeseriesRoutes } from './dissemination/timeseries-routes.js';
import { errorHandler, notFoundHandler } from './http/errors.js';
import { healthRoutes } from './monitoring/health.js';
import { EventBus, eventRoutes } from './monitoring/events.js';
import { Metrics } from './monitoring/metrics.js';
import { startWatchdog } from './monitoring/watchdog.js';
import { LocalExecutor } from './production/local-executor.js';
import { SlurmExecutor } from './production/slurm-executor.js';
import { KubernetesExecutor } from './production/kubernetes-executor.js';
import { BUILTIN_PROCESSES } from './production/processes/index.js';
import { processRoutes } from './production/routes.js';
import { JobService } from './production/service.js';
import { JobStore } from './production/store.js';
import { openDatabase, type Database } from './store/database.js';
import { migrate } from './store/schema.js';

/** A running gateway's parts. */
export interface Gateway {
  app: express.Express;
  db: Database;
  store: CatalogStore;
  catalog: CatalogService;
  users: UserStore;
  /** Counts an ingest and tells the event stream (pass as ingestFile's `observe`). */
  observeIngest(result: IngestResult): void;
  jobs: JobService;
  metrics: Metrics;
  bus: EventBus;
  /** Tells the job service where this gateway listens (workers call it back). */
  setListenUrl(url: string): void;
  config: Config;
  log: Logger;
  close(): Promise<void>;
}

/** Opens the store (PGlite in `<dataDir>/db` or PostgreSQL), migrates it and makes sure the collections exist. */
export async function openCatalog(config: Config): Promise<{ db: Database; store: CatalogStore }> {
  const db = await openDatabase({ url: config.databaseUrl, dataDir: path.join(config.dataDir, 'db') });
  await migrate(db);
  const store = new CatalogStore(db);
  await store.ensureCollections();
  return { db, store };
}

/** Builds the gateway's Express app over an open catalog (listening is the CLI's job). */
export async function createGateway(config: Config, log: Logger = pino({ level: config.logLevel })): Promise<Gateway> {
  const { db, store } = await openCatalog(config);
  const catalog = new CatalogService(store);
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const baseUrl = (req: Request) => config.publicUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.get('host')}`;
  app.use((req, res, next) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Range, If-None-Match, If-Modified-Since');
    res.setHeader('Access-Control-Expose-Headers', 'Content-Range, Content-Length, ETag, Accept-Ranges, Last-Modified');
    if (req.method === 'OPTIONS') return void res.status(204).end();
    next();
  });
  // Structured JSON logs (pino), one line per request, tied together by a request id the client may give.
  app.use((req, res, next) => {
    const id = req.get('x-request-id')?.slice(0, 100) || randomUUID();
    res.setHeader('X-Request-Id', id);
    const started = performance.now();
    res.on('finish', () =>
      log.info({ req: id, method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request')
    );
    next();
  });
  app.use(express.json({ limit: '5mb', type: ['application/json', 'application/geo+json', 'application/*+json'] }));
  const metrics = new Metrics(db, config.dataDir);
  const bus = new EventBus();
  app.use(metrics.middleware());
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(
    '/health',
    healthRoutes(db, () => jobs.executor.ready(), config.dataDir)
  );
  const users = new UserStore(db);
  app.use(authenticate(users, config.hubApiUrl ? new HubAuthenticator(config.hubApiUrl) : null));
  app.use(rateLimit(config.rateLimit));
  const series = new TimeseriesService(config.dataDir, db);
  app.use('/stac', catalogRoutes(catalog, baseUrl), exportRoutes(catalog, series, config.dataDir, baseUrl));
  app.use(
    '/assets',
    assetRoutes(config.dataDir, (res, collection, item) => catalog.canRead(principalOf(res), collection, item))
  );
  const seriesVisible = async (res: import('express').Response, collection: string) => (await catalog.visible(principalOf(res))).includes(collection);
  app.use('/hydrocron/v1', hydrocronRoutes(series, seriesVisible));
  let listenUrl = config.publicUrl ?? `http://${config.host}:${config.port}`;
  const observeIngest = (r: IngestResult) => {
    metrics.ingests.inc({ collection: r.ok ? r.collection : 'unknown', outcome: r.ok ? 'ok' : 'failed' });
    bus.publish(r.ok ? 'ingest.done' : 'ingest.failed', r.ok ? { collection: r.collection, id: r.id, rows: r.rows } : { file: r.file, error: r.error });
  };
  const jobs = new JobService({
    jobs: new JobStore(db),
    catalog: store,
    users,
    dataDir: config.dataDir,
    gatewayUrl: () => listenUrl,
    processes: BUILTIN_PROCESSES
  });
  jobs.executor =
    config.executor === 'slurm'
      ? new SlurmExecutor(jobs.events, { partition: process.env['HYSOPE_SLURM_PARTITION'] })
      : config.executor === 'kubernetes'
        ? new KubernetesExecutor(jobs.events, {
            namespace: process.env['HYSOPE_K8S_NAMESPACE'] ?? 'hysope',
            image: process.env['HYSOPE_K8S_IMAGE'] ?? 'hysope/gateway:0.1.0',
            claim: process.env['HYSOPE_K8S_CLAIM'] ?? 'hysope-data',
            dataPath: config.dataDir,
            workerPath: process.env['HYSOPE_K8S_WORKER'] ?? '/app/server/gateway/dist/production/worker.js'
          })
        : new LocalExecutor(config.jobConcurrency, jobs.events);
  jobs.on('job', (j: { id: string; process_id: string; status: string; progress: number; error: string | null }) =>
    bus.publish('job.status', { job: j.id, process: j.process_id, status: j.status, progress: j.progress, error: j.error })
  );
  app.use('/events', eventRoutes(bus));
  const stopWatchdog = startWatchdog(db, config.dataDir, bus, {
    staleSwotHours: config.alertStaleSwotHours,
    minFreeFraction: config.alertMinFree,
    intervalMs: config.watchdogMs
  });
  app.use(processRoutes(jobs, baseUrl));
  app.use('/timeseries', harmonizedRoutes(new HarmonizedService(catalog, series, config.dataDir)), timeseriesRoutes(series, seriesVisible));
  // Who the caller is for the gateway (an API key's user, a JupyterHub user, or anonymous) and its access level.
  app.get('/whoami', (_req, res) => {
    const p = principalOf(res);
    res.json({ name: p.name, role: p.role });
  });
  app.get('/', (req, res) => {
    res.json({
      title: 'HYSOPE gateway',
      links: [
        { rel: 'stac', href: `${baseUrl(req)}/stac` },
        { rel: 'health', href: `${baseUrl(req)}/health/ready` },
        { rel: 'whoami', href: `${baseUrl(req)}/whoami` }
      ]
    });
  });
  app.use(notFoundHandler);
  app.use(errorHandler(log));
  return {
    app,
    db,
    store,
    catalog,
    users,
    jobs,
    observeIngest,
    metrics,
    bus,
    config,
    log,
    setListenUrl: (url: string) => {
      listenUrl = url.replace(/\/+$/, '');
    },
    close: async () => {
      stopWatchdog();
      jobs.close();
      await jobs.executor.close();
      await db.close();
    }
  };
}
