import type { Database, Queryable } from '../store/database.js';

/** OGC API - Processes job states. */
export type JobStatus = 'accepted' | 'running' | 'successful' | 'failed' | 'dismissed';

/** A job row. */
export interface JobRow {
  id: string;
  process_id: string;
  status: JobStatus;
  progress: number;
  message: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
  error: string | null;
  /** `input` when the job failed on its input (the caller's to fix), else null. */
  error_kind: string | null;
  /** How the execute request asked for the results (`outputs` selection and transmission modes, `response`), or null. */
  delivery: Delivery | null;
  owner: string | null;
  executor: string;
  pid: number | null;
  /** The host of the gateway that started the job's process (the local executor's pid is that host's). */
  host?: string | null;
  /** The gateway (its job service) that started the job's process. */
  runner?: string | null;
  external_id: string | null;
  dir: string;
  /** The job's own uid (root gateway), or null. */
  uid: number | null;
  created: Date | string;
  started: Date | string | null;
  finished: Date | string | null;
  updated: Date | string;
}

/** What an execute request asked of its results (OGC API - Processes `outputs` and `response`). */
export interface Delivery {
  outputs?: Record<string, { transmissionMode?: 'value' | 'reference' }>;
  response?: 'document' | 'raw';
  /** Whom to tell of the job's states (OGC API - Processes callbacks; mailto: for an e-mail). */
  subscriber?: Subscriber;
}

export interface Subscriber {
  successUri?: string;
  failedUri?: string;
  inProgressUri?: string;
}

/** Filters of the job list (OGC API - Processes `/jobs`). */
export interface JobFilter {
  owner?: string | null;
  status?: string[];
  processId?: string[];
  /** Created within (epoch ms; null ends are open). */
  created?: { start: number | null; end: number | null };
  /** Seconds run (finished or now, minus started), at least / at most. */
  minDuration?: number;
  maxDuration?: number;
  limit: number;
}

/** Jobs in the store (PGlite or PostgreSQL): they survive a gateway restart. */
export class JobStore {
  constructor(private readonly db: Database) {}

  async create(job: Pick<JobRow, 'id' | 'process_id' | 'inputs' | 'owner' | 'executor' | 'dir' | 'uid'> & { delivery?: Delivery | null }): Promise<void> {
    await this.db.query(
      'insert into jobs (id, process_id, status, inputs, owner, executor, dir, uid, delivery) values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9::jsonb)',
      [
        job.id,
        job.process_id,
        'accepted',
        JSON.stringify(job.inputs),
        job.owner,
        job.executor,
        job.dir,
        job.uid,
        job.delivery ? JSON.stringify(job.delivery) : null
      ]
    );
  }

  async get(id: string): Promise<JobRow | null> {
    return (await this.db.query<JobRow>('select * from jobs where id = $1', [id]))[0] ?? null;
  }

  async list(filter: JobFilter): Promise<JobRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.owner === null) where.push('owner is null');
    else if (filter.owner !== undefined) {
      params.push(filter.owner);
      where.push(`owner = $${params.length}`);
    }
    if (filter.status?.length) {
      params.push(filter.status);
      where.push(`status = any($${params.length}::text[])`);
    }
    if (filter.processId?.length) {
      params.push(filter.processId);
      where.push(`process_id = any($${params.length}::text[])`);
    }
    if (filter.created?.start != null) {
      params.push(new Date(filter.created.start).toISOString());
      where.push(`created >= $${params.length}::timestamptz`);
    }
    if (filter.created?.end != null) {
      params.push(new Date(filter.created.end).toISOString());
      where.push(`created <= $${params.length}::timestamptz`);
    }
    const duration = 'extract(epoch from (coalesce(finished, now()) - started))';
    if (filter.minDuration !== undefined) {
      params.push(filter.minDuration);
      where.push(`started is not null and ${duration} >= $${params.length}::float8`);
    }
    if (filter.maxDuration !== undefined) {
      params.push(filter.maxDuration);
      where.push(`started is not null and ${duration} <= $${params.length}::float8`);
    }
    params.push(filter.limit);
    return this.db.query<JobRow>(
      `select * from jobs ${where.length ? `where ${where.join(' and ')}` : ''} order by created desc limit $${params.length}`,
      params
    );
  }

  async byStatus(statuses: JobStatus[]): Promise<JobRow[]> {
    return this.db.query<JobRow>('select * from jobs where status = any($1::text[]) order by created', [statuses]);
  }

  async counts(): Promise<{ status: string; executor: string; n: number }[]> {
    return this.db.query('select status, executor, count(*)::int as n from jobs group by status, executor');
  }

  /** Updates some columns (and `updated`). */
  /**
   * Changes a job's row. `unlessFinal`: only while the job has not ended (its end is recorded once, whichever gateway
   * reports it); returns whether the row changed.
   */
  /**
   * Updates a job (`unlessFinal`: not one that has ended); `also` runs in the same transaction when the row was updated
   * (what must be recorded with it or not at all: a job's end and its event).
   */
  async update(
    id: string,
    patch: Partial<Omit<JobRow, 'id'>>,
    options: { unlessFinal?: boolean; also?: (tx: Queryable) => Promise<void> } = {}
  ): Promise<boolean> {
    const keys = Object.keys(patch) as (keyof typeof patch)[];
    if (keys.length === 0) return false;
    const sets = keys.map((k, i) => `${k} = $${i + 2}${k === 'outputs' ? '::jsonb' : ''}`);
    const values = keys.map((k) => (k === 'outputs' ? JSON.stringify(patch[k]) : patch[k] instanceof Date ? (patch[k] as Date).toISOString() : patch[k]));
    const guard = options.unlessFinal ? ` and status not in ('successful', 'failed', 'dismissed')` : '';
    const sql = `update jobs set ${sets.join(', ')}, updated = now() where id = $1${guard} returning id`;
    const also = options.also;
    if (!also) return (await this.db.query(sql, [id, ...values])).length > 0;
    return this.db.transaction(async (tx) => {
      const updated = (await tx.query(sql, [id, ...values])).length > 0;
      if (updated) await also(tx);
      return updated;
    });
  }
}
