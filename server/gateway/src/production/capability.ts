import path from 'node:path';
import type { Request, Router } from 'express';
import type { Logger } from 'pino';
import type { Mailer } from '../alerts/subscriptions.js';
import type { UserStore } from '../auth/users.js';
import type { IngestResult } from '../catalog/ingest.js';
import type { CatalogStore } from '../catalog/store.js';
import type { Config } from '../config.js';
import type { HarvestState } from '../harvest/state.js';
import type { Messaging } from '../messaging/amqp.js';
import type { EventBus, HydraEvent } from '../monitoring/events.js';
import type { Database } from '../store/database.js';
import { JobCallbacks } from './callbacks.js';
import { createExecutor } from './executor.js';
import { BUILTIN_PROCESSES } from './processes/index.js';
import { processRoutes } from './routes.js';
import { JobService } from './service.js';
import { JobStore, type JobRow } from './store.js';

/** HYMOTEP: OGC API - Processes, jobs run by the configured executor. */
export interface Production {
  jobs: JobService;
  /** `/processes`, `/jobs`, `/conformance`. */
  routes: Router;
  close(): Promise<void>;
}

export async function productionCapability(deps: {
  db: Database;
  config: Config;
  log: Logger;
  store: CatalogStore;
  users: UserStore;
  bus: EventBus;
  mailer: Mailer | null;
  messaging: Messaging | null;
  /** What follows every ingest (the catalog's): an `ingest` job's granules are counted, announced and compacted too. */
  observeIngest: (r: IngestResult) => void;
  harvests: HarvestState;
  listenUrl: () => string;
  baseUrl: (req: Request) => string;
}): Promise<Production> {
  const { db, config, log, bus, mailer, messaging } = deps;
  // With a broker, local jobs go through its job queue: whichever gateway takes jobs runs them.
  const queued = messaging && config.executor === 'local' ? messaging : null;
  const statusOf = (j: JobRow) => ({ job: j.id, process: j.process_id, status: j.status, progress: j.progress, error: j.error, owner: j.owner });
  const jobs = new JobService({
    jobs: new JobStore(db),
    sendsMail: mailer !== null,
    catalog: deps.store,
    users: deps.users,
    dataDir: config.dataDir,
    gatewayUrl: deps.listenUrl,
    processes: BUILTIN_PROCESSES,
    inboxes: config.inboxes.length ? config.inboxes : [path.join(config.dataDir, 'inbox')],
    wallSeconds: config.jobLimits.wallSeconds,
    uidBase: config.jobUidBase,
    uidLedger: config.jobUidLedger,
    log,
    leaseMs: config.jobLeaseMs,
    node: config.nodeName,
    observeIngest: deps.observeIngest,
    harvests: deps.harvests,
    // A job's end and its event in one transaction.
    recordEnd: (tx, j) => bus.insert(tx, 'job.status', statusOf(j)),
    secrets: {
      ...(config.earthdataToken ? { earthdata: config.earthdataToken } : {}),
      ...(config.hydrowebApiKey ? { hydroweb: config.hydrowebApiKey } : {})
    },
    dispatch: queued ? (id) => queued.dispatchJob(id) : undefined
  });
  jobs.executor = await createExecutor(config, jobs.events);
  if (queued && config.amqp?.jobs) await queued.consumeJobs((id) => jobs.runQueued(id), config.jobConcurrency);
  jobs.on('job', (j: JobRow, recorded?: HydraEvent) => (recorded ? bus.announce(recorded) : bus.publish('job.status', statusOf(j))));
  // The callbacks execute requests asked for (OGC API - Processes subscriber; mailto: for an e-mail).
  const callbacks = new JobCallbacks({ mailer, publicUrl: deps.listenUrl, log });
  jobs.on('job', (j: JobRow) => callbacks.onJob(j));
  return {
    jobs,
    routes: processRoutes(jobs, deps.baseUrl, { store: deps.store.objects, access: config.assetAccess, presignSeconds: config.presignSeconds }),
    close: async () => {
      jobs.close();
      await jobs.executor.close();
    }
  };
}
