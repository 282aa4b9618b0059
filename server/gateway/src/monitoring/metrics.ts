import { statfs } from 'node:fs/promises';
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../store/database.js';
import type { ObjectStore } from '../store/object-store.js';

/** HYDRA's Prometheus metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'hysope_http_request_duration_seconds',
    help: 'HTTP request latency by route, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry]
  });
  readonly ingests = new Counter({
    name: 'hysope_ingests_total',
    help: 'Ingested granules by collection and outcome',
    labelNames: ['collection', 'outcome'],
    registers: [this.registry]
  });

  readonly cnmMessages = new Counter({
    name: 'hysope_cnm_messages_total',
    help: 'CNM ingest messages taken from the broker by outcome (success, failure: dead-lettered, retry: sent back to wait)',
    labelNames: ['outcome'],
    registers: [this.registry]
  });

  readonly cnmRequests = new Counter({
    name: 'hysope_cnm_requests_total',
    help: 'CNM notifications posted over HTTP (POST /cnm) by outcome (success, failure, retry: answered 503, to send again)',
    labelNames: ['outcome'],
    registers: [this.registry]
  });
  readonly compactions = new Counter({
    name: 'hysope_timeseries_compactions_total',
    help: "Compactions of the time-series store's buckets by feature type and outcome",
    labelNames: ['feature', 'outcome'],
    registers: [this.registry]
  });

  constructor(db: Database, dataDir: string, objects?: ObjectStore) {
    if (objects)
      new Counter({
        name: 'hysope_object_store_bytes_total',
        help: 'Bytes this gateway read from and wrote to the object store (products, granules, time-series parts, job results)',
        labelNames: ['direction'],
        registers: [this.registry],
        collect() {
          this.reset();
          this.inc({ direction: 'read' }, objects.counts.bytesRead);
          this.inc({ direction: 'written' }, objects.counts.bytesWritten);
        }
      });
    new Gauge({
      name: 'hysope_timeseries_parts',
      help: 'Parts a query of the time-series store may read, by feature type and kind (granule parts not yet compacted, compacted parts)',
      labelNames: ['feature', 'kind'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const r of await db.query<{ feature: string; kind: string; n: number }>(
          "select feature, kind, count(distinct path)::int as n from ts_parts where kind = 'compacted' or compacted_into is null group by 1, 2"
        )) {
          this.set({ feature: r.feature, kind: r.kind }, Number(r.n));
        }
      }
    });
    new Gauge({
      name: 'hysope_data_disk_free_bytes',
      help: 'Free bytes on the file system of the data folder',
      registers: [this.registry],
      async collect() {
        const s = await statfs(dataDir).catch(() => null);
        if (s) this.set(s.bavail * s.bsize);
      }
    });
    new Gauge({
      name: 'hysope_data_disk_size_bytes',
      help: 'Size of the file system of the data folder',
      registers: [this.registry],
      async collect() {
        const s = await statfs(dataDir).catch(() => null);
        if (s) this.set(s.blocks * s.bsize);
      }
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'hysope_' });
    new Gauge({
      name: 'hysope_jobs',
      help: 'Jobs by state and executor',
      labelNames: ['status', 'executor'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const r of await db.query<{ status: string; executor: string; n: number }>(
          'select status, executor, count(*)::int as n from jobs group by 1, 2'
        )) {
          this.set({ status: r.status, executor: r.executor }, Number(r.n));
        }
      }
    });
    new Gauge({
      name: 'hysope_catalog_items',
      help: 'Catalog items per collection',
      labelNames: ['collection'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const r of await db.query<{ id: string; n: number }>(
          'select c.id, count(i.id)::int as n from collections c left join items i on i.collection = c.id group by c.id'
        )) {
          this.set({ collection: r.id }, Number(r.n));
        }
      }
    });
    new Gauge({
      name: 'hysope_data_freshness_seconds',
      help: 'Age of the newest item of each collection (by acquisition end time)',
      labelNames: ['collection'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const r of await db.query<{ collection: string; age: number }>(
          'select collection, extract(epoch from now() - max(end_datetime))::float8 as age from items group by collection'
        )) {
          this.set({ collection: r.collection }, Number(r.age));
        }
      }
    });
    new Gauge({
      name: 'hysope_last_ingest_timestamp_seconds',
      help: 'When the newest item of each collection was ingested (unix time)',
      labelNames: ['collection'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const r of await db.query<{ collection: string; t: number }>(
          'select collection, extract(epoch from max(created))::float8 as t from items group by collection'
        )) {
          this.set({ collection: r.collection }, Number(r.t));
        }
      }
    });
  }

  /** Times every request, labelled by its route pattern (not the raw path: bounded cardinality). */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.httpDuration.startTimer();
      res.on('finish', () => {
        const route = req.route?.path
          ? `${req.baseUrl}${String(req.route.path)}`
          : res.statusCode === 404
            ? 'unmatched'
            : req.baseUrl || req.path.split('/').slice(0, 2).join('/');
        end({ route, method: req.method, status: String(res.statusCode) });
      });
      next();
    };
  }
}

/** Prometheus text without the series of collections outside `visible` (other series untouched). */
export function filterCollections(text: string, visible: Set<string>): string {
  return text
    .split('\n')
    .filter((line) => {
      if (line.startsWith('#')) return true;
      const m = /[{,]collection="((?:[^"\\]|\\.)*)"/.exec(line);
      return !m || m[1] === 'unknown' || visible.has(m[1]!);
    })
    .join('\n');
}
