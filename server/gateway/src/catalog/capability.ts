import { Router, type Request } from 'express';
import { ErrorTypes } from '@hysope/api';
import type { AccessLog } from '../auth/audit.js';
import { principalOf } from '../auth/middleware.js';
import { atLeast } from '../auth/principal.js';
import type { Config } from '../config.js';
import { ForbiddenError, UnauthorizedError, ValidationError } from '../errors.js';
import { asyncHandler, exceptionBody } from '../http/errors.js';
import type { EventBus } from '../monitoring/events.js';
import type { Metrics } from '../monitoring/metrics.js';
import { takeCnmMessage, type CnmOutcome } from './cnm.js';
import { ingestFile, type IngestResult } from './ingest.js';
import { catalogRoutes } from './routes.js';
import type { CatalogService } from './service.js';
import type { CatalogStore } from './store.js';

/** HYGOR: the STAC catalog's routes, and what happens around each ingest wherever it was asked for. */
export interface Catalog {
  /** `/stac`: the STAC API; `/cnm`: CNM notifications posted by providers. */
  routes: Router;
  /** Counts an ingest, tells the other capabilities and the event stream (pass as ingestFile's `observe`). */
  observeIngest(result: IngestResult): void;
  /** Adds what another capability does after each ingest of this process (in the order added). */
  onIngest(listener: (result: IngestResult) => void): void;
  /** Handles one CNM ingest message (from the broker): the granule ingested, the CNM response to publish. */
  takeCnm(body: Buffer, received: Date): Promise<CnmOutcome>;
}

export function catalogCapability(deps: {
  config: Config;
  store: CatalogStore;
  catalog: CatalogService;
  audit: AccessLog;
  levelOf: (collection: string) => Promise<string>;
  metrics: Metrics;
  bus: EventBus;
  baseUrl: (req: Request) => string;
  listenUrl: () => string;
}): Catalog {
  const { config, store, catalog, audit, levelOf, metrics, bus } = deps;
  // Reads of restricted items' metadata go to the audit trail as well as their downloads.
  catalog.onItemRead = async (p, collection, item, owner) => audit.record(p, 'read', collection, item, owner ? 'private' : await levelOf(collection));
  const listeners: ((r: IngestResult) => void)[] = [];
  const observeIngest = (r: IngestResult) => {
    if (r.ok) for (const l of listeners) l(r);
    metrics.ingests.inc({ collection: r.ok ? r.collection : 'unknown', outcome: r.ok ? 'ok' : 'failed' });
    bus.publish(
      r.ok ? 'ingest.done' : 'ingest.failed',
      r.ok ? { collection: r.collection, id: r.id, rows: r.rows, owner: r.owner ?? null } : { file: r.file, error: r.error }
    );
  };
  const itemUrl = (collection: string, id: string) => `${deps.listenUrl()}/stac/collections/${encodeURIComponent(collection)}/items/${encodeURIComponent(id)}`;
  const takeCnm = (body: Buffer, received: Date) =>
    takeCnmMessage(body, received, config.inboxes, (file) => ingestFile(store, config.dataDir, file, { observe: observeIngest }), itemUrl);
  const routes = Router().use('/stac', catalogRoutes(catalog, deps.baseUrl));
  // A provider pushing PO.DAAC-style CNM notifications over HTTP (as over AMQP, the same handler): the granule ingested,
  // the CNM response as the answer. A failure answers 422 (or 503 when it may pass: try again after Retry-After) with
  // the CNM response carrying the gateway's error fields too, so CNM clients and HTTP clients each read theirs.
  routes.post(
    '/cnm',
    asyncHandler(async (req, res) => {
      const p = principalOf(res);
      if (!p.name) throw new UnauthorizedError('posting CNM notifications needs the API key of a producer or an admin');
      if (p.signed || p.job) throw new ForbiddenError('signed URLs and job keys cannot post CNM notifications');
      if (!atLeast(p.role, 'producer')) throw new ForbiddenError(`posting CNM notifications needs the producer or admin role (you are ${p.role})`);
      if (!req.is('application/json') || req.body === undefined)
        throw new ValidationError('send the CNM notification as a JSON body (Content-Type: application/json)');
      const outcome = await takeCnm(Buffer.from(JSON.stringify(req.body)), new Date());
      const r = outcome.response;
      const ok = r.response.status === 'SUCCESS';
      metrics.cnmRequests.inc({ outcome: ok ? 'success' : outcome.transient ? 'retry' : 'failure' });
      res.setHeader('Cache-Control', 'no-store');
      if (ok) return void res.json(r);
      const status = outcome.transient ? 503 : 422;
      if (outcome.transient) res.setHeader('Retry-After', '5');
      const title = outcome.transient ? 'Service Unavailable' : 'Unprocessable CNM Notification';
      const detail = `${r.response.errorCode}: ${r.response.errorMessage ?? ''}`;
      res.status(status).json({ ...exceptionBody(status, outcome.transient ? ErrorTypes.unavailable : ErrorTypes.validation, title, detail, '/cnm'), ...r });
    })
  );
  return { routes, observeIngest, onIngest: (l) => void listeners.push(l), takeCnm };
}
