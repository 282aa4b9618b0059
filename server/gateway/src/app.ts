import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sweepObjectStore, sweepObjects } from './store/sweep.js';
import { S3Store, openObjectStore } from './store/object-store.js';
import { COMPACT_AFTER, Compactor, reconcileTimeseries } from './dissemination/timeseries-parts.js';
import { createServer, type Server } from 'node:http';
import express, { type Request } from 'express';
import { pino, type Logger } from 'pino';
import { HubAuthenticator } from './auth/hub.js';
import { OidcAuthenticator } from './auth/oidc.js';
import { AccessLog } from './auth/audit.js';
import { accountRoutes } from './auth/account-routes.js';
import { Alerts, SERIES_FEATURES, type AlertFeature } from './alerts/subscriptions.js';
import { JobCallbacks } from './production/callbacks.js';
import { alertRoutes } from './alerts/routes.js';
import { Gallery } from './dissemination/gallery.js';
import { galleryRoutes } from './dissemination/gallery-routes.js';
import { smtpMailer } from './alerts/mailer.js';
import { SharedRateLimit, authenticate, principalOf, rateLimit, redactUrl } from './auth/middleware.js';
import { corsPolicy } from './http/cors.js';
import { UserStore } from './auth/users.js';
import { CatalogService } from './catalog/service.js';
import { takeCnmMessage } from './catalog/cnm.js';
import { GATEWAY_VERSION, ingestFile, type IngestResult } from './catalog/ingest.js';
import { Messaging } from './messaging/amqp.js';
import { timeseriesSink } from './dissemination/timeseries-sink.js';
import { SeriesFiles } from './dissemination/timeseries-files.js';
import { CatalogStore } from './catalog/store.js';
import { catalogRoutes } from './catalog/routes.js';
import type { Config } from './config.js';
import { assetRoutes } from './dissemination/assets.js';
import { exportRoutes } from './dissemination/export.js';
import { HarmonizedService, harmonizedRoutes } from './dissemination/harmonized.js';
import { hydrocronRoutes } from './dissemination/hydrocron.js';
import { TimeseriesService } from './dissemination/timeseries.js';
import { timeseriesRoutes } from './dissemination/timeseries-routes.js';
import { asyncHandler, errorHandler, exceptionBody, notFoundHandler, sendException } from './http/errors.js';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from './errors.js';
import { UrlSigner, signable } from './auth/signing.js';
import { ErrorTypes, OPENAPI_MEDIA_TYPE, openApiDocument } from '@hysope/api';
import { serviceDocHtml } from './http/service-doc.js';
import { defaultPortalDir, portalRoutes, wantsPage } from './http/portal.js';
import { anonymous, canSee } from './auth/principal.js';
import { filterCollections } from './monitoring/metrics.js';
import { safeEqual } from './auth/secrets.js';
import { healthRoutes } from './monitoring/health.js';
import { EventBus, eventRoutes } from './monitoring/events.js';
import { Metrics } from './monitoring/metrics.js';
import { startWatchdog } from './monitoring/watchdog.js';
import { BUILTIN_PROCESSES } from './production/processes/index.js';
import { processRoutes } from './production/routes.js';
import { JobService } from './production/service.js';
import { JobStore, type JobRow } from './production/store.js';
import { createExecutor } from './production/executor.js';
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
  const fresh = await openDatabase({ dataDir: staging });
  await migrate(fresh);
  await fresh.close();
  // A folder holding only our lock file (an older start) gives way to the new database.
  const lock = path.join(dbDir, 'hysope.pid');
  const kept = existsSync(lock) ? await readFile(lock, 'utf8') : null;
  await rm(dbDir, { recursive: true, force: true });
  await rename(staging, dbDir);
  if (kept !== null) await writeFile(lock, kept);
}

/** Builds the gateway's Express app over an open catalog (listening is the CLI's job). */
export async function createGateway(config: Config, log: Logger = pino({ level: config.logLevel })): Promise<Gateway> {
  const { db, store, seriesFiles } = await openCatalog(config, log);
  const objects = store.objects;
  if (objects instanceof S3Store && config.assetAccess === 'redirect') await objects.allowBrowsers();
  const catalog = new CatalogService(store);
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', config.trustProxy);
  let listenUrl = config.publicUrl ?? `http://${config.host}:${config.port}`;
  // Links are built from HYSOPE_PUBLIC_URL, else from the Host header only when it is the listen address or
  // an allowed host; any other Host gets links to the listen address (a forged Host rewrites nothing).
  const allowedHosts = () => {
    const listen = new URL(listenUrl);
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(listen.hostname) ? ['127.0.0.1', 'localhost', '[::1]'].map((h) => `${h}:${listen.port}`) : [];
    return new Set([listen.host, ...loopback, ...config.allowedHosts].map((h) => h.toLowerCase()));
  };
  const baseUrl = (req: Request) => {
    if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
    const host = (req.get('host') ?? '').toLowerCase();
    return host && allowedHosts().has(host) ? `${req.protocol}://${host}` : listenUrl;
  };
  app.use(corsPolicy(config.corsOrigins));
  // Structured JSON logs (pino), one line per request, tied together by a request id the client may give.
  app.use((req, res, next) => {
    const given = req.get('x-request-id');
    const id = given && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);
    res.vary('Authorization');
    const started = performance.now();
    res.on('finish', () =>
      log.info({ req: id, method: req.method, url: redactUrl(req.originalUrl), status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request')
    );
    next();
  });
  // NUL characters end strings in C and in PostgreSQL: refused where requests enter (URL and JSON body).
  app.use((req, _res, next) => {
    if (/%00|\0/.test(req.originalUrl)) return next(new ValidationError('NUL characters (%00) are not allowed in URLs'));
    next();
  });
  const json = (limit: string) =>
    express.json({
      limit,
      type: ['application/json', 'application/geo+json', 'application/*+json'],
      reviver: (key, value) => {
        if ((typeof value === 'string' && value.includes('\0')) || key.includes('\0')) throw new Error('NUL characters (\\u0000) are not allowed in strings');
        return value;
      }
    });
  // Notebooks published to the gallery carry their outputs (images): up to 20 MB there, 5 MB elsewhere.
  app.use('/gallery', json('21mb'));
  app.use(json('5mb'));
  const metrics = new Metrics(db, config.dataDir, objects);
  const bus = new EventBus(db);
  app.use(metrics.middleware());
  app.use(
    '/health',
    healthRoutes(
      db,
      () => jobs.executor.ready(),
      config.dataDir,
      config.minFreeBytes,
      log,
      () => (messaging ? messaging.connected : null),
      objects
    )
  );
  const users = new UserStore(db);
  // Prometheus: every collection for the scraper's token (HYSOPE_METRICS_TOKEN) or an admin, otherwise only
  // the series of the collections the caller may see.
  app.get(
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
  const signer = await UrlSigner.open(config.dataDir, config.signingKey);
  const oidc = config.oidc ? new OidcAuthenticator(config.oidc) : null;
  const audit = new AccessLog(db);
  const levelOf = async (collection: string) => (await store.access()).find((c) => c.id === collection)?.access ?? 'public';
  // Reads of restricted items' metadata go to the audit trail as well as their downloads.
  catalog.onItemRead = async (p, collection, item, owner) => audit.record(p, 'read', collection, item, owner ? 'private' : await levelOf(collection));
  app.use(authenticate(users, config.hubApiUrl ? new HubAuthenticator(config.hubApiUrl) : null, 30, signer, oidc));
  // Short-lived signed URLs for clients that cannot send headers (DuckDB-WASM's range reads, EventSource).
  app.post(
    '/auth/sign',
    asyncHandler(async (req, res) => {
      const p = principalOf(res);
      if (!p.name) throw new UnauthorizedError('signing a URL needs an API key or a JupyterHub token (Authorization: token ...)');
      if (p.signed || p.job) throw new ForbiddenError('signed URLs and job keys cannot sign further URLs');
      const body = (req.body ?? {}) as { href?: unknown; ttl?: unknown };
      if (typeof body.href !== 'string' || body.href.length > 2000) throw new ValidationError('give {"href": "<asset or event-stream URL>"}');
      let url: URL;
      try {
        url = new URL(body.href, `${baseUrl(req)}/`);
      } catch {
        throw new ValidationError(`"${body.href.slice(0, 100)}" is not a URL`);
      }
      if (!signable(url.pathname)) throw new ValidationError('only /assets/..., /jobs/{id}/events and /events can be signed');
      const ttl = body.ttl === undefined ? 3600 : Number(body.ttl);
      if (!Number.isInteger(ttl) || ttl < 10 || ttl > 3600) throw new ValidationError('ttl is 10 to 3600 seconds');
      const { query, expires } = signer.sign(url.pathname, p, ttl);
      for (const k of [...url.searchParams.keys()]) if (k.startsWith('hysope_') || k === 'api_key') url.searchParams.delete(k);
      for (const [k, v] of query) url.searchParams.set(k, v);
      res.setHeader('Cache-Control', 'no-store');
      res.json({ href: `${baseUrl(req)}${url.pathname}${url.search}`, expires: expires.toISOString() });
    })
  );
  // On a shared PostgreSQL (replicas), callers' spends are shared through it each second; the embedded database has one process.
  const shared = config.databaseUrl && config.rateLimit > 0 ? new SharedRateLimit(db, config.rateLimit, randomUUID()) : null;
  shared?.start(1000, (error) => log.warn({ err: error }, 'the shared rate limit could not be synchronised'));
  app.use(shared ? rateLimit(config.rateLimit, shared.buckets, (key) => shared.spent(key)) : rateLimit(config.rateLimit));
  const series = new TimeseriesService(seriesFiles, db);
  app.use('/stac', catalogRoutes(catalog, baseUrl), exportRoutes(catalog, series, objects, baseUrl));
  app.use(
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
  // One read of the collections' access levels per request (whether the caller sees it, and what the audit records).
  const seriesVisible = async (res: import('express').Response, collection: string) => {
    const p = principalOf(res);
    const c = (await store.access()).find((a) => a.id === collection);
    if (!c || !canSee(p, c.access, c.owner)) return false;
    await audit.record(p, 'timeseries', collection, null, c.access);
    return true;
  };
  app.use('/hydrocron/v1', hydrocronRoutes(series, seriesVisible));
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
        log?.error({ feature: e.feature, bucket: e.bucket, err: e.error }, 'time-series compaction failed');
      }
    },
    COMPACT_AFTER,
    config.timeseriesGraceMs
  );
  const reconciled = await reconcileTimeseries(db, seriesFiles, () => series.duck(), config.databaseUrl ? config.timeseriesGraceMs : 0);
  if (reconciled.indexed + reconciled.removed > 0) log?.info(reconciled, 'time-series store reconciled with its index');
  const compactionTimer = setInterval(() => {
    void compactor.runPending().catch((error: unknown) => log?.error({ err: error }, 'time-series compaction failed'));
    void reconcileTimeseries(db, seriesFiles, () => series.duck(), config.timeseriesGraceMs).catch(() => undefined);
  }, config.watchdogMs);
  compactionTimer.unref();
  // Subscriptions: evaluated on each ingest (this process's at once; other processes' on the timer), delivered
  // with retries; "no data for N days" on the timer too.
  const harmonized = new HarmonizedService(catalog, series, objects);
  // One SMTP client for alerts and job notices (none without HYSOPE_SMTP_URL).
  const mailer = config.smtpUrl ? smtpMailer(config.smtpUrl, config.smtpFrom) : null;
  // A station's or gauge's series, read at its own place (the item's centre).
  const itemSeries = async (collection: string, id: string) => {
    const row = await store.item(collection, id);
    const b = row?.content.bbox;
    if (!row || !b) return null;
    return harmonized.itemSeries(row.content, (b[0]! + b[2]!) / 2, (b[1]! + b[3]!) / 2);
  };
  const alerts = new Alerts({
    db,
    dataDir: seriesFiles,
    duck: () => series.duck(),
    publicUrl: () => listenUrl,
    mailer,
    itemSeries,
    log
  });
  const latestObservation = async (feature: AlertFeature, id: string) => {
    if (feature === 'Station' || feature === 'Gauge') return (await itemSeries(SERIES_FEATURES[feature], id))?.points.at(-1)?.time ?? null;
    const obs = await series.query({ feature, ids: [id], fields: ['time'], times: 'text', withGeometry: false });
    return obs.reduce<string | null>((a, o) => (typeof o.values['time'] === 'string' && (!a || o.values['time'] > a) ? (o.values['time'] as string) : a), null);
  };
  const alertTimer = setInterval(() => {
    void alerts.evaluate().catch((error: unknown) => log?.warn({ err: error }, 'alert evaluation failed'));
    void alerts.checkSilence(latestObservation).catch((error: unknown) => log?.warn({ err: error }, 'silence check failed'));
  }, config.watchdogMs);
  alertTimer.unref();
  void alerts.evaluate().then(
    () => alerts.kick(),
    (error: unknown) => log?.warn({ err: error }, 'alert evaluation failed')
  );
  // Another gateway's ingests and compactions (heard through the broker): this one's lists of parts are stale at once
  // (without a broker they expire within seconds).
  bus.on('event', (e: { type: string }) => {
    if (e.type === 'ingest.done' || e.type === 'timeseries.compacted') series.forget();
  });
  const observeIngest = (r: IngestResult) => {
    if (r.ok) {
      void alerts.evaluate().catch((error: unknown) => log?.warn({ err: error }, 'alert evaluation failed'));
      series.forget();
      void compactor.runPending().catch(() => undefined);
    }
    metrics.ingests.inc({ collection: r.ok ? r.collection : 'unknown', outcome: r.ok ? 'ok' : 'failed' });
    bus.publish(
      r.ok ? 'ingest.done' : 'ingest.failed',
      r.ok ? { collection: r.collection, id: r.id, rows: r.rows, owner: r.owner ?? null } : { file: r.file, error: r.error }
    );
  };
  // With a message broker: CNM ingest messages taken here (competing with the other gateways), events shared.
  const messaging = config.amqp
    ? await Messaging.start({
        url: config.amqp.url,
        bus,
        log,
        prefetch: config.amqp.prefetch,
        maxAttempts: config.amqp.maxAttempts,
        retryMs: config.amqp.retryMs,
        observe: (outcome) => metrics.cnmMessages.inc({ outcome }),
        ...(config.amqp.ingest
          ? {
              take: (body: Buffer, received: Date) =>
                takeCnmMessage(
                  body,
                  received,
                  config.inboxes,
                  (file) => ingestFile(store, config.dataDir, file, { observe: observeIngest }),
                  (collection, id) => `${listenUrl}/stac/collections/${encodeURIComponent(collection)}/items/${encodeURIComponent(id)}`
                )
            }
          : {})
      })
    : null;
  const jobs = new JobService({
    jobs: new JobStore(db),
    sendsMail: mailer !== null,
    catalog: store,
    users,
    dataDir: config.dataDir,
    gatewayUrl: () => listenUrl,
    processes: BUILTIN_PROCESSES,
    inboxes: config.inboxes.length ? config.inboxes : [path.join(config.dataDir, 'inbox')],
    wallSeconds: config.jobLimits.wallSeconds,
    uidBase: config.jobUidBase,
    log,
    leaseMs: config.jobLeaseMs,
    // With a broker, local jobs go through its job queue: whichever gateway takes jobs runs them.
    dispatch: messaging && config.executor === 'local' ? (id) => messaging.dispatchJob(id) : undefined
  });
  jobs.executor = await createExecutor(config, jobs.events);
  if (messaging && config.executor === 'local' && config.amqp?.jobs) await messaging.consumeJobs((id) => jobs.runQueued(id), config.jobConcurrency);
  jobs.on('job', (j: { id: string; process_id: string; status: string; progress: number; error: string | null; owner: string | null }) =>
    bus.publish('job.status', { job: j.id, process: j.process_id, status: j.status, progress: j.progress, error: j.error, owner: j.owner })
  );
  // The callbacks execute requests asked for (OGC API - Processes subscriber; mailto: for an e-mail).
  const callbacks = new JobCallbacks({ mailer, publicUrl: () => listenUrl, log });
  jobs.on('job', (j: JobRow) => callbacks.onJob(j));
  app.use(
    '/events',
    eventRoutes(bus, async (p) => new Set(await catalog.visible(p)))
  );
  const stopWatchdog = startWatchdog(db, config.dataDir, bus, {
    staleSwotHours: config.alertStaleSwotHours,
    minFreeFraction: config.alertMinFree,
    intervalMs: config.watchdogMs
  });
  app.use(processRoutes(jobs, baseUrl, { store: objects, access: config.assetAccess, presignSeconds: config.presignSeconds }));
  app.use('/timeseries', harmonizedRoutes(harmonized), timeseriesRoutes(series, seriesVisible));
  // Who the caller is for the gateway (an API key's user, a JupyterHub user, or anonymous) and its access level.
  app.get('/whoami', (_req, res) => {
    const p = principalOf(res);
    res.json({ name: p.name, role: p.role });
  });
  app.use(accountRoutes(users, audit, { sendsMail: mailer !== null }));
  app.use(alertRoutes(alerts));
  app.use(galleryRoutes(new Gallery(db, store), config.labUrl));
  // How to sign in (the portal reads it): the OpenID provider and the public client, or 404 when there is none.
  app.get(
    '/auth/oidc',
    asyncHandler(async (_req, res) => {
      if (!oidc) throw new NotFoundError('single sign-on is not configured (HYSOPE_OIDC_ISSUER)');
      res.json(await oidc.publicConfig());
    })
  );
  // The landing page of the OGC APIs (Processes here, the catalog under /stac) with the links their clients follow.
  // The OpenAPI document (service-desc) and its page (service-doc), generated from @hysope/api's route table.
  app.get('/api', (req, res) => {
    res.setHeader(
      'Content-Type',
      /application\/json/.test(req.get('accept') ?? '') && !/openapi/.test(req.get('accept') ?? '') ? 'application/json' : OPENAPI_MEDIA_TYPE
    );
    res.end(JSON.stringify(openApiDocument(baseUrl(req), GATEWAY_VERSION)));
  });
  app.get('/api.html', (req, res) => {
    res.type('html').send(serviceDocHtml(openApiDocument(baseUrl(req), GATEWAY_VERSION), `${baseUrl(req)}/api`));
  });
  // The link relation of the lab in the landing page (the portal's "Open in the lab" follows it).
  const LAB_REL = 'https://hysope.dev/rel/lab';
  // The portal for people (browsers asking for a page at /), the landing document for API clients.
  const portal = portalRoutes(config.portalDir ?? defaultPortalDir());
  app.use('/portal', portal.router);
  app.get(
    '/',
    asyncHandler(async (req, res, next) => {
      if (wantsPage(req) && portal.built) return portal.page(req, res);
      res.setHeader('Vary', 'Accept');
      next();
    })
  );
  app.get('/', (req, res) => {
    const base = baseUrl(req);
    res.json({
      title: 'HYSOPE gateway',
      description: 'Hydrology data, SWOT first: STAC API catalog, time series, Hydrocron drop-in and OGC API - Processes.',
      links: [
        { rel: 'self', href: `${base}/`, type: 'application/json', title: 'this document' },
        { rel: 'service-desc', href: `${base}/api`, type: OPENAPI_MEDIA_TYPE, title: 'the API definition (OpenAPI 3.0)' },
        { rel: 'service-doc', href: `${base}/api.html`, type: 'text/html', title: 'the API documentation' },
        { rel: 'conformance', href: `${base}/conformance`, type: 'application/json', title: 'OGC API - Processes conformance classes' },
        { rel: 'http://www.opengis.net/def/rel/ogc/1.0/conformance', href: `${base}/conformance`, type: 'application/json' },
        { rel: 'http://www.opengis.net/def/rel/ogc/1.0/processes', href: `${base}/processes`, type: 'application/json', title: 'processes' },
        { rel: 'http://www.opengis.net/def/rel/ogc/1.0/job-list', href: `${base}/jobs`, type: 'application/json', title: 'jobs' },
        { rel: 'data', href: `${base}/stac`, type: 'application/json', title: 'STAC API catalog' },
        { rel: 'stac', href: `${base}/stac`, type: 'application/json' },
        { rel: 'health', href: `${base}/health/ready`, type: 'application/json' },
        { rel: 'whoami', href: `${base}/whoami`, type: 'application/json' },
        { rel: 'alternate', href: `${base}/portal/`, type: 'text/html', title: 'the portal (map search, feature pages, downloads)' },
        ...(config.labUrl ? [{ rel: LAB_REL, href: config.labUrl, type: 'text/html', title: 'STYX, the HYSOPE lab (JupyterLab)' }] : [])
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
    compactor,
    series,
    metrics,
    bus,
    config,
    log,
    setListenUrl: (url: string) => {
      listenUrl = url.replace(/\/+$/, '');
    },
    close: async () => {
      shared?.stop();
      await messaging?.close();
      clearInterval(compactionTimer);
      clearInterval(alertTimer);
      alerts.close();
      await alerts.evaluate().catch(() => undefined);
      await compactor.idle();
      stopWatchdog();
      jobs.close();
      await jobs.executor.close();
      await bus.flushed();
      await db.close();
    }
  };
}

/**
 * Listens with the gateway's HTTP settings: requests whose headers or URL exceed Node's limit (16 KB) or
 * that cannot be parsed get the OGC exception shape too (Node would answer with an empty body).
 */
export function listen(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 300_000 }, app);
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
