import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { atLeast, type Principal } from '../auth/principal.js';
import type { UserStore } from '../auth/users.js';
import { registerDerived } from '../catalog/derived.js';
import type { HarvestState } from '../harvest/state.js';
import type { Queryable } from '../store/database.js';
import { ingestFile, type IngestResult } from '../catalog/ingest.js';
import { inboxPath } from '../catalog/inbox.js';
import type { CatalogStore } from '../catalog/store.js';
import { holdLease } from '../store/lease.js';
import { ConflictError, ForbiddenError, NotFoundError, PROCESS_EXCEPTIONS, UnauthorizedError, ValidationError } from '../errors.js';
import { canSwitchUser, prepareJobDir, UidLedger } from './sandbox.js';
import { describeCwl } from './cwl.js';
import type { Executor, ExecutorExit } from './executor.js';
import type { ProcessDefinition, ProcessResult } from './process.js';
import { harvestKeys } from './processes/harvest.js';
import { JobStore, type Delivery, type JobRow, type JobStatus, type Subscriber } from './store.js';

const FINAL: JobStatus[] = ['successful', 'failed', 'dismissed'];

/** The OGC statusInfo of a job. */
export function statusInfo(job: JobRow, base: string): Record<string, unknown> {
  const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : undefined);
  return {
    type: 'process',
    processID: job.process_id,
    jobID: job.id,
    status: job.status,
    message: job.error ?? job.message,
    progress: job.progress,
    created: iso(job.created),
    started: iso(job.started),
    finished: iso(job.finished),
    updated: iso(job.updated),
    links: [
      { href: `${base}/jobs/${job.id}`, rel: 'self', type: 'application/json', title: 'this job' },
      { href: `${base}/jobs/${job.id}/events`, rel: 'monitor', type: 'text/event-stream', title: 'live status and log' },
      { href: `${base}/jobs/${job.id}/log`, rel: 'log', type: 'text/plain', title: 'job log' },
      ...(job.status === 'successful'
        ? [{ href: `${base}/jobs/${job.id}/results`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/results', type: 'application/json', title: 'results' }]
        : [])
    ]
  };
}

/** The subscriber of an execute request, checked: http(s) or mailto: URIs. @throws ValidationError */
export function subscriberOf(body: unknown): Subscriber | null {
  const s = (body as { subscriber?: unknown } | null)?.subscriber;
  if (s === undefined) return null;
  if (!s || typeof s !== 'object' || Array.isArray(s)) throw new ValidationError('subscriber is an object: {"successUri", "failedUri", "inProgressUri"}');
  const out: Subscriber = {};
  for (const [k, v] of Object.entries(s as Record<string, unknown>)) {
    if (k !== 'successUri' && k !== 'failedUri' && k !== 'inProgressUri')
      throw new ValidationError(`subscriber has no "${k}": its URIs are successUri, failedUri, inProgressUri`);
    let u: URL;
    try {
      u = new URL(String(v));
    } catch {
      throw new ValidationError(`subscriber.${k} is not a URI: ${JSON.stringify(v).slice(0, 100)}`);
    }
    if (u.protocol === 'mailto:') {
      if (!/^[^\s@<>,]+@[^\s@<>,]+\.[^\s@<>,]+$/.test(decodeURIComponent(u.pathname)))
        throw new ValidationError(`subscriber.${k}: "${u.pathname}" is not one e-mail address`);
    } else if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ValidationError(`subscriber.${k} is an http(s) or mailto: URI`);
    out[k] = u.href;
  }
  return out;
}

/**
 * What an execute request asks of the results: which outputs (all when `outputs` is absent), each by value or by
 * reference, and whether the answer is the results document or the raw output.
 * @throws ValidationError for an unknown output, transmission mode or response
 */
export function deliveryOf(def: Pick<ProcessDefinition, 'id' | 'outputs'>, body: unknown): Delivery | null {
  const b = (body ?? {}) as { outputs?: unknown; response?: unknown };
  const delivery: Delivery = {};
  if (b.response !== undefined) {
    if (b.response !== 'document' && b.response !== 'raw') throw new ValidationError(`response is "document" or "raw", got ${JSON.stringify(b.response)}`);
    delivery.response = b.response;
  }
  if (b.outputs !== undefined) {
    if (typeof b.outputs !== 'object' || b.outputs === null || Array.isArray(b.outputs))
      throw new ValidationError('outputs is an object: {"<output>": {"transmissionMode": "value" | "reference"}}');
    delivery.outputs = {};
    for (const [name, ask] of Object.entries(b.outputs as Record<string, unknown>)) {
      if (!Object.hasOwn(def.outputs, name))
        throw new ValidationError(`process ${def.id} has no output "${name}"; its outputs are ${Object.keys(def.outputs).join(', ')}`);
      const mode = (ask as { transmissionMode?: unknown } | null)?.transmissionMode;
      if (mode !== undefined && mode !== 'value' && mode !== 'reference')
        throw new ValidationError(`transmissionMode of "${name}" is "value" or "reference", got ${JSON.stringify(mode)}`);
      delivery.outputs[name] = mode === undefined ? {} : { transmissionMode: mode };
    }
  }
  const subscriber = subscriberOf(body);
  if (subscriber) delivery.subscriber = subscriber;
  return delivery.response || delivery.outputs || delivery.subscriber ? delivery : null;
}

/**
 * HYMOTEP's job service: validates inputs against the process description, persists jobs, hands them to
 * the executor, follows their progress, and once a job succeeded does what only the gateway may do
 * (ingest into the catalog, register derived products with their lineage).
 */
export class JobService extends EventEmitter {
  readonly jobs: JobStore;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly waiters = new Map<string, ((job: JobRow) => void)[]>();
  private readonly pollers = new Map<string, NodeJS.Timeout>();
  /** This gateway, as the holder of the leases of the jobs it follows and the runner of those it started. */
  readonly holder = randomUUID();
  private readonly followed = new Set<string>();
  /** Jobs taken from the job queue, each released (its message acknowledged) once this gateway is done with it. */
  private readonly releases = new Map<string, () => void>();
  private readonly uids: UidLedger;
  private renewer: NodeJS.Timeout | null = null;
  private adopter: NodeJS.Timeout | null = null;
  private get node(): string {
    return this.opts.node ?? hostname();
  }

  private get leaseMs(): number {
    return this.opts.leaseMs ?? 15_000;
  }
  /** Set at shutdown: an executor's late report (a job ending after the store closed) is left to the next start's recovery. */
  private closed = false;
  executor!: Executor;

  constructor(
    private readonly opts: {
      jobs: JobStore;
      catalog: CatalogStore;
      /** Whether mailto: callbacks can be sent (an SMTP server is configured). */
      sendsMail?: boolean;
      users: UserStore;
      dataDir: string;
      gatewayUrl: () => string;
      processes: Record<string, ProcessDefinition>;
      observeIngest?: (r: IngestResult) => void;
      /** Records a job's end event in the transaction that ends it (its result is passed on with the `job` emission). */
      recordEnd?: (tx: Queryable, job: JobRow) => Promise<unknown>;
      /** Secrets processes may declare (`earthdata`: the Earthdata Login token of PO.DAAC harvests; `hydroweb`: the hydroweb.next API key). */
      secrets?: Partial<Record<'earthdata' | 'hydroweb', string>>;
      /** Where harvests' high-water marks are kept (moved once a harvest's granules are in the catalog). */
      harvests?: HarvestState;
      /** Folders `ingest` may read from (real paths). */
      inboxes?: string[];
      /** Wall time of a job (its key expires a little after). */
      wallSeconds?: number;
      /** First uid of the per-job accounts (root gateway). */
      uidBase?: number;
      /** The folder where the host's gateways reserve their jobs' uids (default `/run/hysope/job-uids`). */
      uidLedger?: string;
      /** Where a job report that could not be recorded is said. */
      log?: { error(details: object, message: string): void };
      /**
       * How long this gateway's lease of following a job lasts unrenewed: a dead gateway's jobs are taken over by another
       * within about twice that.
       */
      leaseMs?: number;
      /** The node this gateway runs on, as its jobs record it (default: the host name). */
      node?: string;
      /**
       * Hands a new job to the message broker's job queue (the local executor of any gateway that takes jobs runs it)
       * instead of this gateway's executor.
       */
      dispatch?: (id: string) => Promise<void>;
    }
  ) {
    super();
    this.jobs = opts.jobs;
    this.uids = new UidLedger(opts.uidLedger ?? '/run/hysope/job-uids');
  }

  /** A built-in process by id (own entries only: no inherited name is a process). */
  private builtin(id: string): ProcessDefinition | undefined {
    return Object.hasOwn(this.opts.processes, id) ? this.opts.processes[id] : undefined;
  }

  /** Built-in and deployed process definitions. */
  async processes(): Promise<Omit<ProcessDefinition, 'run'>[]> {
    const deployed = await this.opts.catalog.db.query<{ description: Omit<ProcessDefinition, 'run'> }>(
      'select description from deployed_processes order by id'
    );
    return [...Object.values(this.opts.processes), ...deployed.map((d) => d.description)];
  }

  /** @throws NotFoundError for an unknown process */
  async process(id: string): Promise<Omit<ProcessDefinition, 'run'> & { cwl?: string }> {
    const p = this.builtin(id);
    if (p) return p;
    const rows = await this.opts.catalog.db.query<{ description: Omit<ProcessDefinition, 'run'>; cwl: string }>(
      'select description, cwl from deployed_processes where id = $1',
      [id]
    );
    if (!rows[0]) throw new NotFoundError(`process "${id}" does not exist; see /processes`, PROCESS_EXCEPTIONS.noSuchProcess);
    return { ...rows[0].description, cwl: rows[0].cwl };
  }

  /**
   * Deploys (or, with `replace`, replaces) a CWL application package (OGC API - Processes - Part 2).
   * @throws ValidationError for a bad package; ConflictError when the id is taken (or built in)
   */
  async deploy(cwlText: string, requestedId: string | undefined, p: Principal, replace: boolean): Promise<Omit<ProcessDefinition, 'run'>> {
    this.mayDeploy(p);
    const deployed = describeCwl(cwlText, requestedId);
    if (this.builtin(deployed.id)) throw new ConflictError(`"${deployed.id}" is a built-in process`);
    const rows = await this.opts.catalog.db.query<{ owner: string | null }>('select owner from deployed_processes where id = $1', [deployed.id]);
    const exists = rows.length > 0;
    if (exists && !replace) throw new ConflictError(`process "${deployed.id}" is already deployed; PUT /processes/${deployed.id} replaces it`);
    if (!exists && replace) throw new NotFoundError(`process "${deployed.id}" is not deployed`, PROCESS_EXCEPTIONS.noSuchProcess);
    if (exists) this.mayManage(p, deployed.id, rows[0]!.owner);
    await this.opts.catalog.db.query(
      'insert into deployed_processes (id, cwl, description, owner) values ($1, $2, $3::jsonb, $4) on conflict (id) do update set cwl = excluded.cwl, description = excluded.description, owner = deployed_processes.owner',
      [deployed.id, deployed.cwl, JSON.stringify(deployed.description), p.name]
    );
    this.validators.clear();
    return deployed.description;
  }

  /** Removes a deployed process. @throws ConflictError for a built-in one, NotFoundError for an unknown one */
  async undeploy(id: string, p: Principal): Promise<void> {
    this.mayDeploy(p);
    if (this.builtin(id)) throw new ConflictError(`"${id}" is a built-in process and cannot be undeployed`);
    const rows = await this.opts.catalog.db.query<{ owner: string | null }>('select owner from deployed_processes where id = $1', [id]);
    if (rows.length === 0) throw new NotFoundError(`process "${id}" is not deployed`, PROCESS_EXCEPTIONS.noSuchProcess);
    this.mayManage(p, id, rows[0]!.owner);
    await this.opts.catalog.db.query('delete from deployed_processes where id = $1', [id]);
  }

  /** Deploying runs code on the cluster: producers and admins only, with their own credentials (not a job's). */
  private mayDeploy(p: Principal): void {
    if (!p.name) throw new UnauthorizedError('deploying processes needs an API key of a producer or an admin');
    if (p.job) throw new ForbiddenError("a job's key cannot deploy processes");
    if (!atLeast(p.role, 'producer')) throw new ForbiddenError(`deploying processes needs the producer or admin role (you are ${p.role})`);
  }

  /** A deployed process is replaced or undeployed by whoever deployed it, or an admin. */
  private mayManage(p: Principal, id: string, owner: string | null): void {
    if (p.role !== 'admin' && owner !== p.name) throw new ForbiddenError(`process "${id}" was deployed by another user; only they or an admin may change it`);
  }

  /**
   * Who may execute: signed-in users only (every job has an owner), not with a job's key (no job starts
   * jobs), and with at least the process's role.
   */
  private mayExecute(def: Omit<ProcessDefinition, 'run'>, p: Principal): void {
    if (!p.name) throw new UnauthorizedError('executing a process needs an API key or a JupyterHub token (Authorization: token ...)');
    if (p.job) throw new ForbiddenError("a job's key cannot start other jobs");
    const need = def.execute ?? 'public';
    if (!atLeast(p.role, need)) throw new ForbiddenError(`process "${def.id}" needs the ${need} role (you are ${p.role})`);
  }

  /** The folders ingest may read from. */
  inboxes(): string[] {
    return this.opts.inboxes ?? [];
  }

  /**
   * Checks that every server path of the inputs is a real path inside an inbox. A path outside gets the
   * same answer whether or not it exists (nothing about the server's files is told).
   */
  private async checkServerPaths(def: Omit<ProcessDefinition, 'run'>, inputs: Record<string, unknown>): Promise<void> {
    for (const name of def.serverPaths ?? []) {
      const value = inputs[name];
      const paths = Array.isArray(value) ? value : value === undefined ? [] : [value];
      for (const given of paths) {
        if (typeof given !== 'string') continue;
        await inboxPath(given, this.inboxes(), name);
      }
    }
  }

  private validate(def: Omit<ProcessDefinition, 'run'>, inputs: unknown): Record<string, unknown> {
    if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) throw new ValidationError('the execute request needs an "inputs" object');
    const given = inputs as Record<string, unknown>;
    const unknown = Object.keys(given).filter((k) => !Object.hasOwn(def.inputs, k));
    if (unknown.length) throw new ValidationError(`unknown input(s) for ${def.id}: ${unknown.join(', ')}; inputs are ${Object.keys(def.inputs).join(', ')}`);
    const out: Record<string, unknown> = {};
    for (const [name, d] of Object.entries(def.inputs)) {
      const value = given[name];
      if (value === undefined) {
        if ((d.minOccurs ?? 1) > 0) throw new ValidationError(`input "${name}" is required (${d.title})`);
        if ('default' in d.schema) out[name] = d.schema['default'];
        continue;
      }
      const key = `${def.id}/${name}`;
      let check = this.validators.get(key);
      if (!check) {
        check = new Ajv({ strict: false, allErrors: true }).compile(d.schema);
        this.validators.set(key, check);
      }
      if (!check(value)) {
        const e = check.errors![0]!;
        throw new ValidationError(`input "${name}"${e.instancePath ? ` ${e.instancePath}` : ''} ${e.message} (got ${JSON.stringify(value).slice(0, 80)})`);
      }
      out[name] = value;
    }
    return out;
  }

  /**
   * Creates a job and starts it.
   * @throws ValidationError naming the input and why; NotFoundError for an unknown process
   */
  async execute(processId: string, body: unknown, p: Principal): Promise<JobRow> {
    const def = await this.process(processId);
    this.mayExecute(def, p);
    const inputs = this.validate(def, (body as { inputs?: unknown } | null)?.inputs ?? {});
    const problem = this.builtin(def.id)?.checkInputs?.(inputs) ?? null;
    if (problem) throw new ValidationError(problem);
    await this.checkServerPaths(def, inputs);
    const delivery = deliveryOf(def, body);
    if (!this.opts.sendsMail && Object.values(delivery?.subscriber ?? {}).some((u) => u.startsWith('mailto:')))
      throw new ValidationError('this gateway sends no e-mail (no SMTP server configured): give an http(s) callback instead of mailto:');
    const id = randomUUID();
    const dir = path.join(this.opts.dataDir, 'jobs', id);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Each job its own uid when the gateway is root: offered by the catalog's sequence, reserved host-wide (a uid that
    // another gateway of the host gave to a job not yet over is skipped).
    let uid: number | null = null;
    if (canSwitchUser()) {
      const next = async () =>
        (this.opts.uidBase ?? 200000) + (Number((await this.opts.catalog.db.query<{ n: number }>("select nextval('job_uids')::int as n"))[0]!.n) % 100000);
      uid = await this.uids.reserve(dir, next);
    }
    await this.jobs.create({ id, process_id: processId, inputs, owner: p.name, executor: this.executor.name, dir, uid, delivery });
    if (!this.opts.dispatch) await this.follow(id);
    try {
      const key = p.name ? await this.opts.users.issueJobKey(p.name, id, (this.opts.wallSeconds ?? 6 * 3600) + 600) : null;
      let cwlFile: string | undefined;
      if (def.cwl) {
        cwlFile = path.join(dir, 'package.cwl');
        await writeFile(cwlFile, def.cwl);
      }
      // The secrets a process declared, in its job's own folder (mode 0600, the job's uid) and nowhere else.
      const secrets = Object.fromEntries((this.builtin(def.id)?.secrets ?? []).flatMap((k) => (this.opts.secrets?.[k] ? [[k, this.opts.secrets[k]]] : [])));
      await writeFile(
        path.join(dir, 'job.json'),
        JSON.stringify({ processId, inputs, gatewayUrl: this.opts.gatewayUrl(), token: key ?? undefined, cwlFile, secrets }),
        {
          mode: 0o600
        }
      );
      await prepareJobDir(this.opts.dataDir, dir, uid);
    } catch (error) {
      // A job that cannot be prepared (disk full, a folder the job accounts cannot pass) fails, never hangs.
      await this.finish(id, { status: 'failed', error: `the job could not be prepared: ${(error as Error).message}` }).catch(() => undefined);
      throw error;
    }
    if (this.opts.dispatch) {
      try {
        await this.opts.dispatch(id);
      } catch (error) {
        await this.finish(id, { status: 'failed', error: `the job could not be queued: ${(error as Error).message}` }).catch(() => undefined);
        throw error;
      }
    } else this.executor.submit({ id, dir, uid });
    const job = (await this.jobs.get(id))!;
    this.emit('job', job);
    return job;
  }

  /** Resolves when the job reaches a final state (or after `timeoutMs`, with its current state). */
  async wait(id: string, timeoutMs: number): Promise<JobRow> {
    const job = await this.jobs.get(id);
    if (!job || FINAL.includes(job.status)) return job!;
    return new Promise((resolve) => {
      // Another gateway may run it (the job queue, a take-over): its end is read from the database too.
      const poll = setInterval(
        () =>
          void this.jobs.get(id).then(
            (j) => j && FINAL.includes(j.status) && done(j),
            () => undefined
          ),
        500
      );
      const done = (j: JobRow) => {
        clearTimeout(t);
        clearInterval(poll);
        resolve(j);
      };
      const t = setTimeout(async () => done((await this.jobs.get(id))!), timeoutMs);
      const list = this.waiters.get(id) ?? [];
      list.push(done);
      this.waiters.set(id, list);
    });
  }

  /** A job the principal may see. @throws NotFoundError */
  async job(id: string, p: Principal): Promise<JobRow> {
    const job = await this.jobs.get(id);
    if (!job || !p.name || (job.owner !== p.name && p.role !== 'admin')) throw new NotFoundError(`job "${id}" does not exist`, PROCESS_EXCEPTIONS.noSuchJob);
    return job;
  }

  /** Cancels a running job or removes a finished one from the list. */
  async dismiss(id: string, p: Principal): Promise<JobRow> {
    const job = await this.job(id, p);
    const running = !FINAL.includes(job.status);
    // Dismissed first, then stopped: the executor's report of the killed process finds the job final and leaves it
    // (its message stays the dismissal, not the signal).
    await this.finish(id, { status: 'dismissed', message: 'dismissed by the user', error: null, error_kind: null }, true);
    if (running) await this.executor.cancel(id);
    return (await this.jobs.get(id))!;
  }

  /** Executor callbacks. */
  readonly events = {
    submitted: (id: string, externalId: string) => {
      (this.executor as { track?: (id: string, externalId: string) => void }).track?.(id, externalId);
      void this.jobs.update(id, { external_id: externalId });
    },
    started: (id: string, handle: { pid?: number; externalId?: string }) => {
      if (this.closed) return;
      void (async () => {
        // A job already ended (dismissed meanwhile) stays ended.
        const changed = await this.jobs.update(
          id,
          {
            status: 'running',
            started: new Date(),
            pid: handle.pid ?? null,
            host: this.node,
            runner: this.holder,
            external_id: handle.externalId ?? null,
            message: 'running'
          },
          { unlessFinal: true }
        );
        if (handle.externalId) (this.executor as { track?: (id: string, externalId: string) => void }).track?.(id, handle.externalId);
        if (!changed) return;
        this.emit('job', await this.jobs.get(id));
        this.poll(id);
      })().catch((error: Error) => this.lateReport(id, error));
    },
    exited: (id: string, exit: ExecutorExit) => {
      if (this.closed) return;
      void this.onExit(id, exit).catch((error: Error) => this.lateReport(id, error));
    }
  };

  private poll(id: string): void {
    if (this.pollers.has(id)) return;
    let last = '';
    const tick = async () => {
      const job = await this.jobs.get(id);
      if (!job || job.status !== 'running') return;
      const text = await readFile(path.join(job.dir, 'progress.json'), 'utf8').catch(() => '');
      if (text && text !== last) {
        last = text;
        const pr = JSON.parse(text) as { percent: number; message: string };
        // Progress of a running job only: its end, recorded meanwhile (here or by another gateway), is told once, by finish.
        if (!(await this.jobs.update(id, { progress: Math.round(pr.percent), message: pr.message }, { unlessFinal: true }))) return;
        const now = await this.jobs.get(id);
        if (now?.status === 'running') this.emit('job', now);
      }
    };
    // NOTE: progress is best effort; a failed read (store closing, half-written file) waits for the next tick.
    const timer = setInterval(() => void tick().catch(() => undefined), 200);
    this.pollers.set(id, timer);
  }

  private async onExit(id: string, exit: ExecutorExit): Promise<void> {
    clearInterval(this.pollers.get(id));
    this.pollers.delete(id);
    const job = await this.jobs.get(id);
    if (!job || FINAL.includes(job.status)) return;
    // Followed by another gateway now (this one's lease lapsed while it was busy): its end is that gateway's to record.
    if (!(await this.follow(id))) {
      this.followed.delete(id);
      return;
    }
    const result = (await readFile(path.join(job.dir, 'result.json'), 'utf8').then(JSON.parse, () => null)) as ProcessResult | null;
    const error = (await readFile(path.join(job.dir, 'error.json'), 'utf8').then(JSON.parse, () => null)) as { message: string; kind?: string } | null;
    if (result && (exit.code === 0 || exit.code === null)) {
      const stored: string[] = [];
      try {
        const outputs = await this.storeOutputs(job, result, stored);
        await this.register(job, result);
        await this.finish(id, { status: 'successful', progress: 100, message: 'done', outputs });
      } catch (e) {
        // A failed job leaves nothing in the object store.
        if (stored.length) await this.opts.catalog.objects?.delete(stored).catch(() => undefined);
        const input = e instanceof ValidationError || (e as { input?: boolean }).input === true;
        await this.finish(id, {
          status: 'failed',
          error: input ? (e as Error).message : `the results could not be stored: ${(e as Error).message}`,
          error_kind: input ? 'input' : null
        });
      }
      return;
    }
    const reason = exit.reason ?? error?.message ?? (exit.code !== null ? `the process exited with code ${exit.code}` : 'the process ended without a result');
    await this.finish(id, {
      status: exit.reason === 'cancelled' ? 'dismissed' : 'failed',
      error: error && exit.reason ? `${exit.reason}: ${error.message}` : reason,
      error_kind: !exit.reason && error?.kind === 'input' ? 'input' : null
    });
  }

  /**
   * Records a job's end — once: a job another gateway (or a dismissal) already ended stays as it is (`force`: a
   * dismissal of an ended job, which takes it off the list).
   */
  private async finish(id: string, patch: Partial<JobRow>, force = false): Promise<void> {
    // The end and its event are recorded together: a gateway killed between the two would leave an ended job that
    // no event stream ever announces.
    // A failed harvest's reason is kept against its sources in the same transaction: whoever sees the job failed
    // (its synchronous answer, its events) sees the reason at /harvest/sources too.
    const before = this.opts.recordEnd || this.opts.harvests ? await this.jobs.get(id) : null;
    let recorded: unknown;
    const ending = { ...before, ...patch } as JobRow;
    const harvest = this.opts.harvests && ending.process_id === 'harvest' && ending.status === 'failed' ? harvestKeys(ending.inputs ?? {}) : null;
    const also = async (tx: Queryable) => {
      if (harvest) await this.opts.harvests!.failed(harvest.source, harvest.keys, ending.error ?? 'failed', tx);
      if (this.opts.recordEnd) recorded = await this.opts.recordEnd(tx, ending);
    };
    const ended = await this.jobs.update(id, { ...patch, finished: new Date() }, { unlessFinal: !force, ...(before ? { also } : {}) });
    await this.unfollow(id);
    this.release(id);
    await this.opts.users.revokeJob(id);
    const job = (await this.jobs.get(id))!;
    if (job.uid !== null) await this.uids.release(job.uid, job.dir).catch(() => undefined);
    if (ended) this.emit('job', job, recorded);
    for (const w of this.waiters.get(id) ?? []) w(job);
    this.waiters.delete(id);
  }

  /**
   * A job's output files copied to the object store when it is not the data folder (`jobs/<id>/<file>`, their key kept
   * with the output): any gateway then serves them, whichever node the job ran on. `stored` collects the keys written.
   */
  private async storeOutputs(job: JobRow, result: ProcessResult, stored: string[]): Promise<Record<string, unknown>> {
    const objects = this.opts.catalog.objects;
    const outputs = result.outputs as Record<string, { file?: string } & Record<string, unknown>>;
    if (!objects || objects.folder) return outputs;
    const out: Record<string, unknown> = {};
    for (const [name, o] of Object.entries(outputs)) {
      if (!o || typeof o !== 'object' || typeof o.file !== 'string') {
        out[name] = o;
        continue;
      }
      const file = path.resolve(job.dir, o.file);
      if (!file.startsWith(path.resolve(job.dir) + path.sep)) throw new Error(`output ${name}: ${o.file} is outside the job's folder`);
      const key = `jobs/${job.id}/${path.relative(job.dir, file).split(path.sep).join('/')}`;
      await objects.upload(file, key);
      stored.push(key);
      out[name] = { ...o, key };
    }
    return out;
  }

  /** What only the gateway may do with results: ingest granules, register derived products (atomic each). */
  private async register(job: JobRow, result: ProcessResult): Promise<void> {
    for (const file of result.register?.ingest ?? []) {
      // Re-checked here: the gateway reads the file itself, as the job's owner.
      const real = await inboxPath(file, this.inboxes(), 'files');
      const owner = job.owner ? await this.opts.users.role(job.owner) : null;
      const r = await ingestFile(this.opts.catalog, this.opts.dataDir, real, {
        actor: { name: job.owner, admin: owner === 'admin' },
        observe: this.opts.observeIngest
      });
      // Every refusal of a granule (unreadable, a link, someone else's private granule) is about the input.
      if (!r.ok) throw new ValidationError(r.error);
    }
    const harvest = result.register?.harvest;
    if (harvest) {
      for (const g of harvest.granules) {
        const file = path.resolve(job.dir, g.file);
        if (!file.startsWith(path.resolve(job.dir) + path.sep)) throw new Error(`harvested granule ${g.file} is outside the job's folder`);
        const owner = job.owner ? await this.opts.users.role(job.owner) : null;
        const r = await ingestFile(this.opts.catalog, this.opts.dataDir, file, {
          actor: { name: job.owner, admin: owner === 'admin' },
          observe: this.opts.observeIngest
        });
        if (!r.ok) throw new ValidationError(r.error);
      }
      // Only now, with every granule in the catalog, do the marks move.
      await this.opts.harvests?.succeeded(harvest.source, harvest.keys, harvest.granules);
    }
    for (const d of result.register?.derived ?? [])
      await registerDerived(
        this.opts.catalog,
        this.opts.dataDir,
        { ...d, file: path.join(job.dir, d.file) },
        { job: job.id, process: job.process_id, owner: job.owner }
      );
  }

  /** A job report that could not be recorded: after shutdown it is expected (recovery reads it at the next start), before it is an error. */
  private lateReport(id: string, error: Error): void {
    if (!this.closed) this.opts.log?.error({ job: id, err: error.message }, 'a job report could not be recorded');
  }

  /** Stops following jobs (at gateway shutdown, before the store closes); the jobs themselves go on. */
  close(): void {
    this.closed = true;
    if (this.renewer) clearInterval(this.renewer);
    if (this.adopter) clearInterval(this.adopter);
    for (const t of this.pollers.values()) clearInterval(t);
    this.pollers.clear();
  }

  /**
   * At start-up, and then on a timer: the jobs no gateway follows (none did, or the one that did stopped renewing its
   * lease: it died) are taken over — running ones re-attached (or failed with the reason), queued ones started. One
   * gateway of several follows each job (a lease per job), so a job's end is recorded, and its products registered,
   * once.
   */
  async recover(): Promise<void> {
    const db = this.opts.catalog.db;
    if (!this.adopter) {
      // The embedded database has one gateway: leases left by an earlier process of it are void.
      if (db.kind !== 'postgres') await db.query(`delete from leases where name like 'job.%'`);
      this.adopter = setInterval(() => void this.recover().catch((e: Error) => this.opts.log?.error({ err: e.message }, 'job recovery failed')), this.leaseMs);
      this.adopter.unref();
    }
    // Keys of jobs that ended while the gateway was down (or expired) stop working now.
    await this.opts.users.sweepJobKeys();
    for (const job of await this.jobs.byStatus(['running'])) {
      if (this.followed.has(job.id) || !(await this.follow(job.id))) continue;
      this.reattach(job);
    }
    // Queued jobs wait in the broker's job queue, when there is one (a message is redelivered if its taker dies).
    for (const job of this.opts.dispatch ? [] : await this.jobs.byStatus(['accepted'])) {
      if (this.followed.has(job.id) || !(await this.follow(job.id))) continue;
      // Already handed to an engine with a queue of its own (SLURM): follow it, do not submit it twice.
      if (job.external_id) this.executor.reattach({ id: job.id, dir: job.dir, externalId: job.external_id, uid: job.uid ?? null });
      else this.executor.submit({ id: job.id, dir: job.dir, uid: job.uid ?? null });
    }
  }

  /**
   * Runs a job taken from the broker's job queue with this gateway's executor; resolves once this gateway is done
   * with it (the job ended, or another gateway follows it now), when the message may be acknowledged. A job another
   * gateway follows is given back after a lease period (the message is redelivered until the job has ended).
   */
  async runQueued(id: string): Promise<void> {
    const job = await this.jobs.get(id);
    if (!job || FINAL.includes(job.status)) return;
    if (this.followed.has(id) || !(await this.follow(id))) {
      await new Promise((r) => setTimeout(r, this.leaseMs));
      throw new Error(`job ${id} is followed by another gateway`);
    }
    const ended = new Promise<void>((resolve) => this.releases.set(id, resolve));
    // A running one's taker died: re-attached here.
    if (job.status === 'running') this.reattach(job);
    else this.executor.submit({ id, dir: job.dir, uid: job.uid ?? null });
    await ended;
  }

  /**
   * Follows a running job started by this gateway or another: its process watched when it runs on this node, a
   * process of another node (whose gateway died) through its folder (its heartbeat, its result).
   */
  private reattach(job: JobRow): void {
    const remote = job.executor === 'local' && !!job.host && job.host !== this.node;
    this.executor.reattach({ id: job.id, dir: job.dir, pid: remote ? null : job.pid, remote, externalId: job.external_id, uid: job.uid ?? null });
    this.poll(job.id);
  }

  private release(id: string): void {
    this.releases.get(id)?.();
    this.releases.delete(id);
  }

  /** Takes (or renews) the lease of following a job; false when another gateway follows it. */
  private async follow(id: string): Promise<boolean> {
    if (!(await holdLease(this.opts.catalog.db, `job.${id}`, this.holder, this.leaseMs))) return false;
    this.followed.add(id);
    this.renewer ??= setInterval(() => void this.renew().catch(() => undefined), this.leaseMs / 3);
    this.renewer.unref();
    return true;
  }

  private async renew(): Promise<void> {
    for (const id of this.followed) {
      if (await holdLease(this.opts.catalog.db, `job.${id}`, this.holder, this.leaseMs)) continue;
      // Taken over by another gateway (this one stalled past its lease): that one follows the job now.
      this.followed.delete(id);
      clearInterval(this.pollers.get(id));
      this.pollers.delete(id);
      this.release(id);
    }
  }

  private async unfollow(id: string): Promise<void> {
    if (!this.followed.delete(id)) return;
    await this.opts.catalog.db.query(`delete from leases where name = $1 and holder = $2`, [`job.${id}`, this.holder]).catch(() => undefined);
  }
}
