import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import express from 'express';
import { pino, type Logger } from 'pino';
import { ErrorTypes } from '@hysope/api';
import { alertsCapability } from './alerts/capability.js';
import { smtpMailer } from './alerts/mailer.js';
import { accessCapability } from './auth/capability.js';
import { UserStore } from './auth/users.js';
import { catalogCapability } from './catalog/capability.js';
import type { IngestResult } from './catalog/ingest.js';
import { CatalogService } from './catalog/service.js';
import { CatalogStore } from './catalog/store.js';
import type { Config } from './config.js';
import { disseminationCapability } from './dissemination/capability.js';
import { SeriesFiles } from './dissemination/timeseries-files.js';
import type { Compactor } from './dissemination/timeseries-parts.js';
import { timeseriesSink } from './dissemination/timeseries-sink.js';
import type { TimeseriesService } from './dissemination/timeseries.js';
import { setEncoderMemory } from './formats/pixc-stream.js';
import { harvestCapability } from './harvest/capability.js';
import { startHarvestScheduler } from './harvest/scheduler.js';
import { HarvestState } from './harvest/state.js';
import { errorHandler, exceptionBody, notFoundHandler } from './http/errors.js';
import { landingRoutes } from './http/landing.js';
import { linkBase, requestPipeline } from './http/pipeline.js';
import { Messaging } from './messaging/amqp.js';
import { monitoringCapability } from './monitoring/capability.js';
import type { EventBus } from './monitoring/events.js';
import type { Metrics } from './monitoring/metrics.js';
import { productionCapability, type Production } from './production/capability.js';
import type { JobService } from './production/service.js';
import { fromTemplate, openDatabase, type Database } from './store/database.js';
import { S3Store, openObjectStore } from './store/object-store.js';
import { migrate, SCHEMA_KEY } from './store/schema.js';
import { sweepObjectStore, sweepObjects } from './store/sweep.js';

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
  /** Compacts the time-series store's buckets (after ingests, and on the watchdog's timer). */
  compactor: Compactor;
  series: TimeseriesService;
  metrics: Metrics;
  bus: EventBus;
  /** Tells the job service where this gateway listens (workers call it back). */
  setListenUrl(url: string): void;
  config: Config;
  log: Logger;
  close(): Promise<void>;
}

/** Opens the store (PGlite in `<dataDir>/db` or PostgreSQL), migrates it and makes sure the collections exist. */
export async function openCatalog(config: Config, log?: Logger): Promise<{ db: Database; store: CatalogStore; seriesFiles: SeriesFiles }> {
  const dbDir = path.join(config.dataDir, 'db');
  // A new embedded database is made aside and moved into place once its schema is in: a crash while it is
  // created leaves no half-made database behind.
  if (!config.databaseUrl) await createEmbeddedOnce(dbDir);
  const db = await openDatabase({
    url: config.databaseUrl,
    dataDir: dbDir,
    onError: (error) => log?.warn({ err: error }, 'PostgreSQL connection lost; it is replaced on the next query')
  });
  await migrate(db);
  // Pixel clouds are encoded by one DuckDB instance per process, capped as configured.
  setEncoderMemory(config.ingestMemory);
  const store = new CatalogStore(db, await openObjectStore(config.objectStore, path.join(config.dataDir, 'cache', 'objects')));
  // Each ingest also writes the granule's observations to the time-series store, in its transaction.
  const seriesFiles = SeriesFiles.of(store.objects, config.dataDir);
  store.sinks.push(timeseriesSink(seriesFiles));
  await store.ensureCollections();
  // After a crash: the object store made to agree with the catalog (at once for the embedded database,
  // which this process holds; files older than an hour on a shared PostgreSQL, where others may be ingesting).
  const swept = await sweepObjectStore(config.dataDir, db, config.databaseUrl ? 3_600_000 : 0);
  if (swept.temporary + swept.orphans + swept.restored > 0) log?.warn(swept, 'object store swept after an interrupted ingest');
  if (store.objects.folder !== config.dataDir) {
    const minAge = config.databaseUrl ? 3_600_000 : 0;
    const elsewhere = store.objects.folder ? await sweepObjectStore(store.objects.folder, db, minAge) : await sweepObjects(store.objects, db, minAge);
    if (elsewhere.temporary + elsewhere.orphans + elsewhere.restored > 0) log?.warn(elsewhere, `${store.objects.url} swept after an interrupted ingest`);
  }
  return { db, store, seriesFiles };
}

async function createEmbeddedOnce(dbDir: string): Promise<void> {
  const parent = path.dirname(dbDir);
  await mkdir(parent, { recursive: true });
  for (const e of await readdir(parent)) if (e.startsWith(`${path.basename(dbDir)}.init-`)) await rm(path.join(parent, e), { recursive: true, force: true });
  if (existsSync(path.join(dbDir, 'PG_VERSION'))) return;
  const staging = `${dbDir}.init-${process.pid}`;
  // A copy of an empty catalog made once per schema; else (no cache to keep it in) made here.
  if (!(await fromTemplate(staging, { key: `schema-${SCHEMA_KEY}`, prepare: migrate }))) {
    const fresh = await openDatabase({ dataDir: staging });
    await migrate(fresh);
    await fresh.close();
  }
  // A folder holding only our lock file (an older start) gives way to the new database.
  const lock = path.join(dbDir, 'hysope.pid');
  const kept = existsSync(lock) ? await readFile(lock, 'utf8') : null;
  await rm(dbDir, { recursive: true, force: true });
  await rename(staging, dbDir);
  if (kept !== null) await writeFile(lock, kept);
}

/**
 * Builds the gateway's Express app over an open catalog (listening is the CLI's job): each capability (monitoring,
 * access, catalog, dissemination, alerts, production) is built by one function from its dependencies and mounts its
 * own routes.
 */
export async function createGateway(config: Config, log: Logger = pino({ level: config.logLevel })): Promise<Gateway> {
  const { db, store, seriesFiles } = await openCatalog(config, log);
  const objects = store.objects;
  if (objects instanceof S3Store && config.assetAccess === 'redirect') await objects.allowBrowsers();
  const catalog = new CatalogService(store);
  const users = new UserStore(db);
  let listenUrl = config.publicUrl ?? `http://${config.host}:${config.port}`;
  const baseUrl = linkBase(config, () => listenUrl);
  // Built later (production needs the broker, the broker the catalog), asked for only once requests come.
  let production: Production | null = null;
  let messaging: Messaging | null = null;
  const monitoring = monitoringCapability({
    db,
    config,
    log,
    objects,
    users,
    catalog,
    executorReady: () => production!.jobs.executor.ready(),
    brokerConnected: () => (messaging ? messaging.connected : null)
  });
  const { metrics, bus } = monitoring;
  // One SMTP client for alerts, account and job notices (none without HYSOPE_SMTP_URL).
  const mailer = config.smtpUrl ? smtpMailer(config.smtpUrl, config.smtpFrom) : null;
  const access = await accessCapability({ db, config, log, store, users, baseUrl, sendsMail: mailer !== null });
  const { audit, levelOf } = access;
  const cataloguing = catalogCapability({ config, store, catalog, audit, levelOf, metrics, bus, baseUrl, listenUrl: () => listenUrl });
  const dissemination = await disseminationCapability({ db, config, log, store, catalog, seriesFiles, audit, levelOf, metrics, bus, baseUrl });
  const alerting = alertsCapability({ db, config, log, seriesFiles, dissemination, mailer, listenUrl: () => listenUrl });
  cataloguing.onIngest(() => dissemination.onIngest());
  cataloguing.onIngest(() => alerting.onIngest());
  const harvests = new HarvestState(db);
  // With a message broker: CNM ingest messages taken here (competing with the other gateways), events shared.
  messaging = config.amqp
    ? await Messaging.start({
        url: config.amqp.url,
        bus,
        log,
        prefetch: config.amqp.prefetch,
        maxAttempts: config.amqp.maxAttempts,
        retryMs: config.amqp.retryMs,
        observe: (outcome) => metrics.cnmMessages.inc({ outcome }),
        ...(config.amqp.ingest ? { take: (body: Buffer, received: Date) => cataloguing.takeCnm(body, received) } : {})
      })
    : null;
  production = await productionCapability({
    db,
    config,
    log,
    store,
    users,
    bus,
    mailer,
    messaging,
    observeIngest: cataloguing.observeIngest,
    harvests,
    listenUrl: () => listenUrl,
    baseUrl
  });
  const jobs = production.jobs;
  const harvesting = harvestCapability({ state: harvests, registry: metrics.registry });
  const stopScheduler = startHarvestScheduler({
    db,
    jobs,
    users,
    schedules: config.harvestSchedules,
    holder: randomUUID(),
    tickMs: Math.min(config.watchdogMs, 60_000),
    log
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', config.trustProxy);
  app.use(requestPipeline(config, log));
  app.use(monitoring.probes);
  app.use(access.gate);
  app.use(cataloguing.routes, harvesting.routes, dissemination.routes, monitoring.routes, production.routes, access.routes, alerting.routes);
  app.use(landingRoutes(config, baseUrl));
  app.use(notFoundHandler);
  app.use(errorHandler(log));
  return {
    app,
    db,
    store,
    catalog,
    users,
    jobs,
    observeIngest: cataloguing.observeIngest,
    compactor: dissemination.compactor,
    series: dissemination.series,
    metrics,
    bus,
    config,
    log,
    setListenUrl: (url: string) => {
      listenUrl = url.replace(/\/+$/, '');
    },
    close: async () => {
      stopScheduler();
      access.close();
      await messaging?.close();
      await alerting.close();
      await dissemination.close();
      await production!.close();
      await monitoring.close();
      await db.close();
    }
  };
}

/**
 * Listens with the gateway's HTTP settings: requests whose headers or URL exceed Node's limit (16 KB) or
 * that cannot be parsed get the OGC exception shape too (Node would answer with an empty body). An idle connection is
 * kept 65 s (Node's 5 s default closed connections under clients still reading the end of a large streamed answer when
 * they reused them: "other side closed"; and it sits above the 60 s idle timeout of usual proxies and load balancers).
 */
export function listen(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 300_000, keepAliveTimeout: 65_000 }, app);
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return void socket.destroy();
      const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
      const status = tooLarge ? 431 : 400;
      const title = tooLarge ? 'Request Header Fields Too Large' : 'Bad Request';
      const body = JSON.stringify(
        exceptionBody(
          status,
          tooLarge ? ErrorTypes.payloadTooLarge : ErrorTypes.validation,
          title,
          tooLarge
            ? 'the URL and headers are over 16 KB: send long filters, id lists or geometries in a POST body (/stac/search takes JSON)'
            : 'the request could not be parsed as HTTP'
        )
      );
      socket.end(
        `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
      );
    });
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
