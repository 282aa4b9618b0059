import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hostname } from 'node:os';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { parseRoleMap } from './auth/oidc.js';
import { parseS3Url } from './store/object-store.js';

/** A DuckDB memory size: `384MB`, `1GB`, `512MiB`... */
const memorySize = z.string().regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'a size such as 512MB or 1GB');

/** The gateway's configuration: read once at start-up (env vars, then CLI flags) and passed down. */
export const Config = z.object({
  /** Data root: the embedded database (`db/`), products and sources (the object store). */
  dataDir: z.string().min(1),
  port: z.number().int().min(0).max(65535),
  host: z.string().min(1),
  /** PostgreSQL URL; when absent the embedded PGlite in `<dataDir>/db` is used. */
  databaseUrl: z.string().url().optional(),
  /** Public base URL for links (behind a proxy); default: from the request's Host. */
  publicUrl: z.string().url().optional(),
  /** JupyterHub REST API (e.g. http://127.0.0.1:8081/hub/api): its tokens are accepted too. */
  hubApiUrl: z.string().url().optional(),
  /** The job engine: local child processes, SLURM (sbatch on this machine's cluster), or Kubernetes Jobs. */
  executor: z.enum(['local', 'slurm', 'kubernetes']),
  /** SLURM: the partition jobs are submitted to (the cluster's default when absent). */
  slurmPartition: z.string().min(1).optional(),
  /** Kubernetes: where job pods run, their image, the claim holding the data folder, the worker inside the image. */
  kubernetes: z.object({ namespace: z.string().min(1), image: z.string().min(1), claim: z.string().min(1), workerPath: z.string().min(1) }),
  /** Watchdog: alert when no SWOT granule arrived for this many hours (0: never). */
  alertStaleSwotHours: z.number().min(0),
  /** Watchdog: alert when the data disk has less than this fraction free. */
  alertMinFree: z.number().min(0).max(1),
  watchdogMs: z.number().int().min(50),
  /** How long a time-series part no longer listed stays readable (queries that listed it may still read it). */
  timeseriesGraceMs: z.number().int().min(0),
  /** How long a gateway follows its jobs unrenewed: another replica takes a dead one's jobs over within about twice that. */
  jobLeaseMs: z.number().int().min(500),
  /**
   * The node this gateway runs on, as jobs record it (a job's process is watched by a gateway of its own node; one of
   * another node follows it through its folder's heartbeat). Default: the host name.
   */
  nodeName: z.string().min(1),
  /**
   * How long a local job's heartbeat (its folder's `heartbeat` file, touched every second) may stand still before a
   * gateway of another node takes its process for dead with its node and runs the job again.
   */
  jobStaleMs: z.number().int().min(2000),
  /**
   * Native DuckDB of the time-series queries: connections of the pool (one slow query does not queue the others), the
   * memory cap of that instance, and the cap of the bulk-export instance (both spill to disk beyond it).
   */
  duckdb: z.object({ connections: z.number().int().min(1).max(32), memory: memorySize, exportMemory: memorySize }),
  /** Memory cap of the DuckDB instance encoding pixel clouds at ingest (it spills beyond it). */
  ingestMemory: memorySize,
  /** Jobs the local executor runs at once. */
  jobConcurrency: z.number().int().min(1).max(256),
  /** Requests per minute per caller (0: no limit). */
  rateLimit: z.number().int().min(0),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /** Browser origins allowed by CORS (`*`: any); none by default (`hysope start` adds its lab's). */
  corsOrigins: z.array(z.string()),
  /** Host headers links may be built from when `publicUrl` is unset (the listen address always is). */
  allowedHosts: z.array(z.string()),
  /** Express "trust proxy": which proxies' X-Forwarded-For gives the client address (none by default). */
  trustProxy: z.union([z.boolean(), z.string()]),
  /** Key of the signed URLs (replicas share it); default: one kept in the data folder. */
  signingKey: z.string().min(32).optional(),
  /** Bearer token of the Prometheus scraper: with it, /metrics shows every collection. */
  metricsToken: z.string().optional(),
  /** Folders `ingest` jobs may read granules from (real paths; nothing else on the server). */
  inboxes: z.array(z.string()),
  /**
   * The message broker (AMQP 0-9-1, RabbitMQ: `amqp://user:pass@host:5672/vhost`): CNM ingest messages consumed, events
   * shared between gateways. Without it everything runs in this process.
   */
  amqp: z
    .object({
      url: z.string().regex(/^amqps?:\/\//, 'an amqp:// or amqps:// URL'),
      /** Whether this gateway consumes ingest messages (a gateway serving only HTTP may not). */
      ingest: z.boolean(),
      /** Whether this gateway runs jobs of the job queue (local executor: jobs go through the broker to the gateways that do). */
      jobs: z.boolean(),
      /** Ingest messages this gateway takes at once. */
      prefetch: z.number().int().min(1).max(64),
      /** Attempts of a message whose failure may pass before it is dead-lettered, and the first wait (×4 after). */
      maxAttempts: z.number().int().min(1).max(100),
      retryMs: z.number().int().min(10)
    })
    .optional(),
  /**
   * Where products, original granules and job results live: a folder (default: the data folder, as on an HPC file
   * system) or an S3 bucket (`HYSOPE_OBJECT_STORE=s3://bucket/prefix`, `HYSOPE_S3_ENDPOINT`, `HYSOPE_S3_REGION`, the AWS
   * SDK's credential variables). The data folder then keeps only what is local to one node (embedded database, caches).
   */
  objectStore: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('folder'), folder: z.string().min(1) }),
    z.object({
      kind: z.literal('s3'),
      bucket: z.string().min(3),
      prefix: z.string(),
      endpoint: z.string().url().optional(),
      region: z.string().min(1),
      /** The S3 address browsers reach, named in presigned URLs (default: the endpoint). */
      publicEndpoint: z.string().url().optional(),
      /** From AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN); else the AWS SDK's other sources (profiles, IAM roles). */
      credentials: z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1), sessionToken: z.string().optional() }).optional()
    })
  ]),
  /**
   * How `/assets` serves objects of an S3 store: through the gateway (`proxy`, Range forwarded) or as a redirect to a
   * presigned URL (`redirect`: the bytes go straight from the store to the client, after the same access check).
   */
  assetAccess: z.enum(['proxy', 'redirect']),
  /** How long a presigned URL stays valid (seconds). */
  presignSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600),
  /** /health/ready fails below this many free bytes on the data disk. */
  minFreeBytes: z.number().int().min(0),
  /**
   * Harvests run on a schedule (`HYSOPE_HARVEST_SCHEDULES`: JSON, or `@file` holding it): each a name, a cron expression
   * (5 fields, or 6 with seconds first), the account it runs as (a producer's) and the `harvest` process's inputs.
   */
  harvestSchedules: z.array(
    z.object({
      name: z.string().regex(/^[\w.-]{1,80}$/, 'a name of letters, digits, . _ -'),
      cron: z.string().refine((c) => {
        try {
          CronExpressionParser.parse(c);
          return true;
        } catch {
          return false;
        }
      }, 'a cron expression (minute hour day month weekday, or seconds first)'),
      as: z.string().min(1),
      inputs: z.record(z.string(), z.unknown())
    })
  ),
  /**
   * Earthdata Login bearer token of PO.DAAC harvests (`HYSOPE_EARTHDATA_TOKEN`, or `HYSOPE_EARTHDATA_TOKEN_FILE` naming a
   * secret file): handed to harvest jobs only, in their own folder; never logged.
   */
  earthdataToken: z.string().min(1).optional(),
  /** hydroweb.next API key of Hydroweb harvests (`HYSOPE_HYDROWEB_API_KEY`, or `HYSOPE_HYDROWEB_API_KEY_FILE`): as the token. */
  hydrowebApiKey: z.string().min(1).optional(),
  /** Limits of every job: wall time (s), CPU time (s), memory (address space, MiB), processes, open files. */
  jobLimits: z.object({
    wallSeconds: z.number().int().min(1),
    cpuSeconds: z.number().int().min(1),
    memoryMb: z.number().int().min(64),
    processes: z.number().int().min(8),
    files: z.number().int().min(64)
  }),
  /** First uid of the per-job accounts (when the gateway runs as root, each job runs as its own uid). */
  jobUidBase: z.number().int().min(1000),
  /** Where the host's gateways reserve their jobs' uids, so that two of them never give one uid to two live jobs. */
  jobUidLedger: z.string().min(1),
  /** The portal's production build (default: `server/portal/dist` beside the gateway). */
  portalDir: z.string().optional(),
  /** The port of the lab `hysope start` runs beside the gateway. */
  labPort: z.number().int().min(1).max(65535),
  /** The lab's production build a workshop site ships (`hysope export-static --lab`; default: this checkout's). */
  labBuild: z.string().optional(),
  /** STYX's `/lab` address people open ("Open in the lab"): a lab, or a hub's `/hub/user-redirect/lab`. */
  labUrl: z.string().url().optional(),
  /** SMTP server of alert e-mails (`smtp://user:pass@host:587`); without it alerts go to the portal and webhooks. */
  smtpUrl: z.string().url().optional(),
  smtpFrom: z.string().min(3),
  /** Single sign-on (OpenID Connect): bearer JWTs of this provider are accepted and the portal logs in with it. */
  oidc: z
    .object({
      issuer: z.string().url(),
      clientId: z.string().min(1),
      audience: z.string().min(1),
      roleClaim: z.string().min(1),
      roles: z.record(z.string(), z.enum(['public', 'educational', 'scientific', 'institutional', 'producer', 'admin'])),
      defaultRole: z.enum(['public', 'educational', 'scientific', 'institutional', 'producer', 'admin']),
      scopes: z.string(),
      clockSkew: z.number().int().min(0).max(600).optional()
    })
    .optional()
});
export type Config = z.infer<typeof Config>;

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function trustProxy(v: string | undefined): boolean | string {
  if (!v || v === 'false') return false;
  if (v === 'true') return true;
  return v;
}

function objectStoreOf(env: NodeJS.ProcessEnv, dataDir: string): unknown {
  const url = env['HYSOPE_OBJECT_STORE'];
  if (!url) return { kind: 'folder', folder: dataDir };
  if (!url.startsWith('s3://')) return { kind: 'folder', folder: path.resolve(url.replace(/^file:\/\//, '')) };
  const { bucket, prefix } = parseS3Url(url);
  return {
    kind: 's3',
    bucket,
    prefix,
    endpoint: env['HYSOPE_S3_ENDPOINT'] || undefined,
    region: env['HYSOPE_S3_REGION'] || env['AWS_REGION'] || 'us-east-1',
    publicEndpoint: env['HYSOPE_S3_PUBLIC_ENDPOINT'] || undefined,
    credentials:
      env['AWS_ACCESS_KEY_ID'] && env['AWS_SECRET_ACCESS_KEY']
        ? { accessKeyId: env['AWS_ACCESS_KEY_ID'], secretAccessKey: env['AWS_SECRET_ACCESS_KEY'], sessionToken: env['AWS_SESSION_TOKEN'] || undefined }
        : undefined
  };
}

/** The harvest schedules' JSON, given inline or as `@file`. */
function schedulesOf(v: string | undefined): unknown {
  if (!v) return [];
  const text = v.startsWith('@') ? readFileSync(path.resolve(v.slice(1)), 'utf8') : v;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`invalid configuration harvestSchedules: not JSON (${(error as Error).message})`);
  }
}

/** CLI flags that override the environment. */
export interface ConfigFlags {
  data?: string;
  port?: string;
  host?: string;
}

/**
 * Builds the configuration from `HYSOPE_*` environment variables and CLI flags.
 * @throws Error naming the bad setting
 */
export function loadConfig(env: NodeJS.ProcessEnv, flags: ConfigFlags = {}): Config {
  const dataDir = path.resolve(flags.data ?? env['HYSOPE_DATA_DIR'] ?? './data');
  const port = flags.port ?? env['HYSOPE_PORT'] ?? '8080';
  if (!/^\d+$/.test(port)) throw new Error(`port must be a number, got "${port}"`);
  const parsed = Config.safeParse({
    dataDir,
    objectStore: objectStoreOf(env, dataDir),
    assetAccess: env['HYSOPE_ASSET_ACCESS'] || 'proxy',
    presignSeconds: Number(env['HYSOPE_PRESIGN_SECONDS'] ?? 300),
    port: Number(port),
    host: flags.host ?? env['HYSOPE_HOST'] ?? '127.0.0.1',
    databaseUrl: env['HYSOPE_DATABASE_URL'] || undefined,
    publicUrl: env['HYSOPE_PUBLIC_URL'] || undefined,
    hubApiUrl: env['HYSOPE_HUB_API_URL'] || env['JUPYTERHUB_API_URL'] || undefined,
    rateLimit: Number(env['HYSOPE_RATE_LIMIT'] ?? 1200),
    duckdb: {
      connections: Number(env['HYSOPE_DUCKDB_CONNECTIONS'] ?? 4),
      memory: env['HYSOPE_DUCKDB_MEMORY'] || '1GB',
      exportMemory: env['HYSOPE_EXPORT_MEMORY'] || '192MB'
    },
    ingestMemory: env['HYSOPE_INGEST_MEMORY'] || '384MB',
    jobConcurrency: Number(env['HYSOPE_JOB_CONCURRENCY'] ?? 2),
    jobLeaseMs: Number(env['HYSOPE_JOB_LEASE_MS'] ?? 15_000),
    nodeName: env['HYSOPE_NODE_NAME'] || hostname(),
    jobStaleMs: Number(env['HYSOPE_JOB_STALE_MS'] ?? 30_000),
    alertStaleSwotHours: Number(env['HYSOPE_ALERT_STALE_SWOT_HOURS'] ?? 6),
    alertMinFree: Number(env['HYSOPE_ALERT_MIN_FREE'] ?? 0.1),
    watchdogMs: Number(env['HYSOPE_WATCHDOG_MS'] ?? 60_000),
    timeseriesGraceMs: Number(env['HYSOPE_TIMESERIES_GRACE_MS'] ?? 120_000),
    executor: env['HYSOPE_EXECUTOR'] ?? 'local',
    slurmPartition: env['HYSOPE_SLURM_PARTITION'] || undefined,
    kubernetes: {
      namespace: env['HYSOPE_K8S_NAMESPACE'] || 'hysope',
      image: env['HYSOPE_K8S_IMAGE'] || 'hysope/gateway:0.1.0',
      claim: env['HYSOPE_K8S_CLAIM'] || 'hysope-data',
      workerPath: env['HYSOPE_K8S_WORKER'] || '/app/server/gateway/dist/production/worker.js'
    },
    logLevel: env['HYSOPE_LOG_LEVEL'] ?? 'info',
    corsOrigins: list(env['HYSOPE_CORS_ORIGINS']),
    allowedHosts: list(env['HYSOPE_ALLOWED_HOSTS']),
    trustProxy: trustProxy(env['HYSOPE_TRUST_PROXY']),
    metricsToken: env['HYSOPE_METRICS_TOKEN'] || undefined,
    signingKey: env['HYSOPE_SIGNING_KEY'] || undefined,
    inboxes: list(env['HYSOPE_INBOXES']).map((p) => path.resolve(p)),
    amqp: env['HYSOPE_AMQP_URL']
      ? {
          url: env['HYSOPE_AMQP_URL'],
          ingest: (env['HYSOPE_AMQP_INGEST'] ?? 'true') !== 'false',
          jobs: (env['HYSOPE_AMQP_JOBS'] ?? 'true') !== 'false',
          prefetch: Number(env['HYSOPE_AMQP_PREFETCH'] ?? 1),
          maxAttempts: Number(env['HYSOPE_AMQP_MAX_ATTEMPTS'] ?? 5),
          retryMs: Number(env['HYSOPE_AMQP_RETRY_MS'] ?? 1000)
        }
      : undefined,
    minFreeBytes: Number(env['HYSOPE_MIN_FREE_BYTES'] ?? 256 * 1024 * 1024),
    harvestSchedules: schedulesOf(env['HYSOPE_HARVEST_SCHEDULES']),
    earthdataToken: env['HYSOPE_EARTHDATA_TOKEN_FILE']
      ? readFileSync(path.resolve(env['HYSOPE_EARTHDATA_TOKEN_FILE']), 'utf8').trim()
      : env['HYSOPE_EARTHDATA_TOKEN'] || undefined,
    hydrowebApiKey: env['HYSOPE_HYDROWEB_API_KEY_FILE']
      ? readFileSync(path.resolve(env['HYSOPE_HYDROWEB_API_KEY_FILE']), 'utf8').trim()
      : env['HYSOPE_HYDROWEB_API_KEY'] || undefined,
    jobLimits: {
      wallSeconds: Number(env['HYSOPE_JOB_WALL_SECONDS'] ?? 6 * 3600),
      cpuSeconds: Number(env['HYSOPE_JOB_CPU_SECONDS'] ?? 6 * 3600),
      memoryMb: Number(env['HYSOPE_JOB_MEMORY_MB'] ?? 16384),
      processes: Number(env['HYSOPE_JOB_PROCESSES'] ?? 256),
      files: Number(env['HYSOPE_JOB_FILES'] ?? 4096)
    },
    jobUidBase: Number(env['HYSOPE_JOB_UID_BASE'] ?? 200000),
    jobUidLedger: path.resolve(env['HYSOPE_JOB_UID_LEDGER'] || '/run/hysope/job-uids'),
    portalDir: env['HYSOPE_PORTAL_DIR'] ? path.resolve(env['HYSOPE_PORTAL_DIR']) : undefined,
    labUrl: env['HYSOPE_LAB_URL'] || undefined,
    labPort: Number(env['HYSOPE_LAB_PORT'] || 8888),
    labBuild: env['HYSOPE_LAB_BUILD'] ? path.resolve(env['HYSOPE_LAB_BUILD']) : undefined,
    smtpUrl: env['HYSOPE_SMTP_URL'] || undefined,
    smtpFrom: env['HYSOPE_SMTP_FROM'] ?? 'HYSOPE alerts <alerts@localhost>',
    oidc: env['HYSOPE_OIDC_ISSUER']
      ? {
          issuer: env['HYSOPE_OIDC_ISSUER'],
          clientId: env['HYSOPE_OIDC_CLIENT_ID'] ?? 'hysope',
          audience: env['HYSOPE_OIDC_AUDIENCE'] ?? env['HYSOPE_OIDC_CLIENT_ID'] ?? 'hysope',
          roleClaim: env['HYSOPE_OIDC_ROLE_CLAIM'] ?? 'groups',
          roles: parseRoleMap(env['HYSOPE_OIDC_ROLES'] ?? ''),
          defaultRole: env['HYSOPE_OIDC_DEFAULT_ROLE'] ?? 'educational',
          scopes: env['HYSOPE_OIDC_SCOPES'] ?? 'openid profile email offline_access',
          clockSkew: Number(env['HYSOPE_OIDC_CLOCK_SKEW'] ?? 30)
        }
      : undefined
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`invalid configuration ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * The settings of a job worker (its own process, on whatever node the executor chose: the gateway's environment for
 * local jobs, the batch job's or the pod's elsewhere).
 */
export interface WorkerConfig {
  /** How CWL application packages run: cwltool where the worker runs, or Toil spreading the steps over a batch system. */
  cwlRunner: 'cwltool' | 'toil';
  /** Toil's batch system (`slurm` on the HPC cluster). */
  toilBatchSystem: string;
  /** Where notebooks given by path are looked up. */
  notebooksDir: string;
  /** Hub'Eau's API root, which `harvest` reads gauges from (a mirror or a replay server elsewhere). */
  hubeauUrl: string;
  /** NASA CMR's search root, where `harvest` finds PO.DAAC's granules. */
  cmrUrl: string;
  /** hydroweb.next's STAC API root, where `harvest` finds virtual stations. */
  hydrowebUrl: string;
  /** NASA CMR-STAC's API of a provider (PO.DAAC), where `harvest` with `source: cmr-stac` finds granules. */
  cmrStacUrl: string;
}

/** Reads a job worker's settings (`HYSOPE_CWL_RUNNER`, `HYSOPE_TOIL_BATCH_SYSTEM`, `HYSOPE_NOTEBOOKS_DIR`, `HYSOPE_HUBEAU_URL`, `HYSOPE_CMR_URL`, `HYSOPE_CMR_STAC_URL`, `HYSOPE_HYDROWEB_URL`). */
export function loadWorkerConfig(env: NodeJS.ProcessEnv, defaultNotebooks: string): WorkerConfig {
  const runner = env['HYSOPE_CWL_RUNNER'] || 'cwltool';
  if (runner !== 'cwltool' && runner !== 'toil') throw new Error(`invalid configuration HYSOPE_CWL_RUNNER: cwltool or toil, got "${runner}"`);
  return {
    cwlRunner: runner,
    toilBatchSystem: env['HYSOPE_TOIL_BATCH_SYSTEM'] || 'slurm',
    notebooksDir: path.resolve(env['HYSOPE_NOTEBOOKS_DIR'] || defaultNotebooks),
    hubeauUrl: env['HYSOPE_HUBEAU_URL'] || 'https://hubeau.eaufrance.fr/api',
    cmrUrl: env['HYSOPE_CMR_URL'] || 'https://cmr.earthdata.nasa.gov/search',
    hydrowebUrl: env['HYSOPE_HYDROWEB_URL'] || 'https://hydroweb.next.theia-land.fr/api/v1/rs-catalog/stac',
    cmrStacUrl: env['HYSOPE_CMR_STAC_URL'] || 'https://cmr.earthdata.nasa.gov/stac/POCLOUD'
  };
}
