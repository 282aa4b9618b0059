import { Router, type Request } from 'express';
import type { AccessLog } from '../auth/audit.js';
import type { Config } from '../config.js';
import type { EventBus } from '../monitoring/events.js';
import type { Metrics } from '../monitoring/metrics.js';
import { takeCnmMessage, type CnmOutcome } from './cnm.js';
import { ingestFile, type IngestResult } from './ingest.js';
import { catalogRoutes } from './routes.js';
import type { CatalogService } from './service.js';
import type { CatalogStore } from './store.js';

/** HYGOR: the STAC catalog's routes, and what happens around each ingest wherever it was asked for. */
export interface Catalog {
  /** `/stac`: the STAC API. */
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
  return {
    routes: Router().use('/stac', catalogRoutes(catalog, deps.baseUrl)),
    observeIngest,
    onIngest: (l) => void listeners.push(l),
    takeCnm: (body, received) =>
      takeCnmMessage(body, received, config.inboxes, (file) => ingestFile(store, config.dataDir, file, { observe: observeIngest }), itemUrl)
  };
}
