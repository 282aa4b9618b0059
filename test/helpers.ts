import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGateway, ingestFile, listen, loadConfig, type Gateway } from '@hysope/gateway';
import { testS3 } from './s3-server.js';

/** The repository's sample data. */
export const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../samples');
export const sample = (...parts: string[]) => path.join(SAMPLES, ...parts);

export const REACH_548 = sample('swot/riversp/SWOT_L2_HR_RiverSP_Reach_548_011_NA_20230610T193337_20230610T193344_PIA1_01.zip');
export const PIXC_NORMANDY = sample('swot/pixc/SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01.nc');
/**
 * The PIXC sample with 64 KiB in the middle of its pixel chunks scrambled, written into `folder` under its own name:
 * its metadata and nadir track read, a chunk of its pixels does not inflate (found only while the pixels are written).
 */
export function damagedPixc(folder: string): string {
  const bytes = readFileSync(PIXC_NORMANDY);
  for (let i = Math.floor(bytes.length / 2); i < Math.floor(bytes.length / 2) + 65536; i++) bytes[i] = (i * 7919) & 0xff;
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, path.basename(PIXC_NORMANDY));
  writeFileSync(file, bytes);
  return file;
}
export const LAKE_GREENLAND = sample('swot/lakesp/SWOT_L2_HR_LakeSP_Prior_018_100_GR_20240713T111741_20240713T112027_PIC0_01.zip');
export const REACHES_PASS_51 = [1, 2, 3].map((c) =>
  sample(
    'swot/riversp',
    {
      1: 'SWOT_L2_HR_RiverSP_Reach_1_51_NA_20100816T184024_20100816T184031_PGA2_03.zip',
      2: 'SWOT_L2_HR_RiverSP_Reach_2_51_NA_20100906T152521_20100906T152528_PGA2_03.zip',
      3: 'SWOT_L2_HR_RiverSP_Reach_3_51_NA_20100927T121018_20100927T121025_PGA2_03.zip'
    }[c]!
  )
);
/** The Hydroweb virtual stations and their series, and the Hub'Eau observations of the samples. */
export const HYDROWEB = readdirSync(sample('altimetry/hydroweb'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => sample('altimetry/hydroweb', f));
export const HUBEAU = readdirSync(sample('insitu/hubeau'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => sample('insitu/hubeau', f));
export const NODE_WITHOUT_DBF = sample('swot/riversp/SWOT_L2_HR_RiverSP_Node_540_010_AS_20230602T193520_20230602T193521_PIA1_01');

/** A real gateway on a free port, over a fresh data folder (PGlite) or the given PostgreSQL URL. */
export interface TestGateway {
  url: string;
  gateway: Gateway;
  dataDir: string;
  ingest(file: string, owner?: string): ReturnType<typeof ingestFile>;
  /** Every stored file: the data folder's (but the embedded database), then the S3 store's objects (`s3:<key>`). */
  stored(): Promise<string[]>;
  /** Creates a user (or changes its role) and returns the headers that authenticate as them. */
  user(name: string, role: string): Promise<{ key: string; headers: Record<string, string> }>;
  stop(): Promise<void>;
}

/**
 * The PostgreSQL server the store tests also run on (CI starts Debian's PostgreSQL and sets it).
 * In CI its absence is an error, so the PostgreSQL half of the suite cannot silently vanish.
 */
export function testDatabaseUrl(): string | undefined {
  const url = process.env['HYSOPE_TEST_DATABASE_URL'];
  if (!url && process.env['CI']) throw new Error('HYSOPE_TEST_DATABASE_URL must be set in CI: the store tests run on PostgreSQL too');
  return url;
}

/** The backends the catalog tests run on: embedded PGlite always, PostgreSQL when a server is given. */
export function backends(): { name: string; databaseUrl?: string }[] {
  const url = testDatabaseUrl();
  return [{ name: 'PGlite' }, ...(url ? [{ name: 'PostgreSQL', databaseUrl: url }] : [])];
}

/**
 * The backends of the tests about stored files: the catalog's backends on the folder store, and PostgreSQL (PGlite when
 * there is no server) with an S3 object store (Ceph's RADOS Gateway) when one runs.
 */
export function objectStoreBackends(): { name: string; databaseUrl?: string; s3?: boolean }[] {
  const url = testDatabaseUrl();
  return [...backends(), ...(testS3() ? [{ name: `${url ? 'PostgreSQL' : 'PGlite'} + S3`, databaseUrl: url, s3: true }] : [])];
}

/** The settings of a gateway on a fresh bucket of the test S3 server. */
export function s3Settings(): Record<string, string> {
  const s3 = testS3();
  if (!s3) throw new Error('no S3 test server (HYSOPE_TEST_S3_ENDPOINT)');
  return { ...s3, HYSOPE_OBJECT_STORE: `s3://hysope-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}/store` };
}

/** A fresh schema on the PostgreSQL server, so test files do not see each other's tables. */
async function isolatedUrl(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const pg = (await import('pg')).default;
  const schema = `hysope_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    }
  };
}

export async function startGateway(
  options: {
    databaseUrl?: string;
    env?: Record<string, string>;
    /** Another replica of this gateway: same data folder and database (left to the first to clean up). */
    replicaOf?: TestGateway;
    /** Products and granules on a fresh bucket of the test S3 server. */
    s3?: boolean;
    /** With `replicaOf`: a data folder of its own (a replica on another node, sharing only the database and object store). */
    ownDataDir?: boolean;
  } = {}
): Promise<TestGateway> {
  const first = options.replicaOf;
  const dataDir = first && !options.ownDataDir ? first.dataDir : await mkdtemp(path.join(os.tmpdir(), 'hysope-test-'));
  const isolated = first ? null : options.databaseUrl ? await isolatedUrl(options.databaseUrl) : null;
  const databaseUrl = first ? first.gateway.config.databaseUrl : isolated?.url;
  const config = loadConfig(
    {
      HYSOPE_LOG_LEVEL: process.env['HYSOPE_TEST_LOG'] ?? 'silent',
      ...(databaseUrl ? { HYSOPE_DATABASE_URL: databaseUrl } : {}),
      ...(options.s3 ? s3Settings() : {}),
      ...options.env
    },
    { data: dataDir, port: '0' }
  );
  const gateway = await createGateway(config);
  const server = await listen(gateway.app, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  gateway.setListenUrl(url);
  await gateway.jobs.recover();
  return {
    url,
    gateway,
    dataDir,
    ingest: (file, owner?: string) => ingestFile(gateway.store, dataDir, file, { owner, observe: gateway.observeIngest }),
    async stored() {
      const out = (await walk(dataDir, true)).map((f) => path.relative(dataDir, f)).filter((f) => !f.startsWith(`db${path.sep}`));
      const objects = gateway.store.objects;
      if (!objects.folder) for await (const o of objects.list('')) out.push(`s3:${o.key}`);
      return out.sort();
    },
    async user(name: string, role: string) {
      const key = await gateway.users.addUser(name, role);
      return { key, headers: { Authorization: `token ${key}` } };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      // A test bucket's objects go with it (the test S3 server keeps them in memory).
      const objects = gateway.store.objects;
      if (!first && !objects.folder) {
        const keys: string[] = [];
        for await (const o of objects.list('')) keys.push(o.key);
        await objects.delete(keys);
      }
      await gateway.close();
      await isolated?.drop();
      if (!first || options.ownDataDir) await rm(dataDir, { recursive: true, force: true });
    }
  };
}

/** GET/POST JSON and return status, headers and body. */
export async function call(url: string, init: RequestInit & { json?: unknown } = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const { json, ...rest } = init;
  const res = await fetch(
    url,
    json !== undefined
      ? { ...rest, method: rest.method ?? 'POST', body: JSON.stringify(json), headers: { 'Content-Type': 'application/json', ...(rest.headers ?? {}) } }
      : rest
  );
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body };
}

/** The one-node SLURM cluster that scripts/slurm.sh starts (CI runs it; its absence in CI is an error). */
export function slurmReady(): boolean {
  const r = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8' });
  const ok = r.status === 0 && /idle|mixed|alloc/.test(r.stdout);
  if (!ok && process.env['CI']) throw new Error('SLURM is not running: .ci/run starts it with scripts/slurm.sh');
  return ok;
}

/** Credentials every call of a test file carries (set once its users exist). */
export const session: { headers: Record<string, string> } = { headers: {} };

/** {@link call} with the session's credentials (explicit headers win). */
export function authed(url: string, init: RequestInit & { json?: unknown } = {}): ReturnType<typeof call> {
  return call(url, { ...init, headers: { ...session.headers, ...((init.headers as Record<string, string>) ?? {}) } });
}

/** fetch with the session's credentials. */
export function authedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...session.headers, ...((init.headers as Record<string, string>) ?? {}) } });
}

/**
 * Runs `task` on every item, at most `concurrency` at a time (a test's requests to a gateway overlap the client's work
 * with the server's); rejects with the first failure once the tasks running have settled.
 */
export async function eachConcurrently<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  const lanes = await Promise.allSettled(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Runs a command to its end without blocking the test's process (unlike `spawnSync`): vitest's worker answers its
 * runner on the event loop, and a call blocked for more than a minute (a build, a kernel install, a synthesized granule
 * under a full run's load) fails the whole run with `Timeout calling "onTaskUpdate"` though every test passed.
 * Resolves with the exit status (null when killed), the signal and the outputs; rejects only when the command cannot start.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: Omit<SpawnOptions, 'stdio'> & { input?: string; timeout?: number } = {}
): Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const { input, timeout, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = timeout ? setTimeout(() => child.kill('SIGTERM'), timeout) : undefined;
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    child.stdin!.on('error', () => {}); // a command that exits without reading its input
    child.stdin!.end(input ?? '');
  });
}

/** Every path under a folder (files, and folders too unless `filesOnly`), depth first; none when it does not exist. */
export async function walk(dir: string, filesOnly = false): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, e.name);
    if (!e.isDirectory() || !filesOnly) out.push(full);
    if (e.isDirectory()) out.push(...(await walk(full, filesOnly)));
  }
  return out;
}
