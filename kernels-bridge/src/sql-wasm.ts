// SQL over GeoParquet assets in the browser: DuckDB-WASM 1.28 reading the assets by HTTP range requests.
// NOTE: 1.28 has Parquet built in; 1.32 fetches its parquet extension from the internet at first use and
// fails offline, hence the pinned version.
import { AsyncDuckDB, ConsoleLogger, DuckDBDataProtocol, LogLevel, type AsyncDuckDBConnection } from '@duckdb/duckdb-wasm';
import type { Table } from 'apache-arrow';

import { wasmBundle } from './wasm-config.js';

export { configureWasm, type WasmBundle } from './wasm-config.js';

let engine: Promise<{ db: AsyncDuckDB; conn: AsyncDuckDBConnection }> | null = null;
const registered = new Map<string, string>();

async function start(): Promise<{ db: AsyncDuckDB; conn: AsyncDuckDBConnection }> {
  const bundle = wasmBundle();
  if (!bundle) throw new Error('DuckDB-WASM is not configured: call configureWasm({ mainModule, mainWorker }) first');
  // A worker from another origin cannot be started directly: start it from a same-origin blob.
  const workerUrl = new URL(bundle.mainWorker, location.href);
  const worker =
    workerUrl.origin === location.origin
      ? new Worker(workerUrl)
      : new Worker(URL.createObjectURL(new Blob([`importScripts(${JSON.stringify(workerUrl.href)});`], { type: 'text/javascript' })));
  const db = new AsyncDuckDB(new ConsoleLogger(LogLevel.WARNING), worker);
  await db.instantiate(new URL(bundle.mainModule, location.href).href);
  const conn = await db.connect();
  return { db, conn };
}

function engineOnce() {
  engine ??= start().catch((e: unknown) => {
    engine = null;
    throw e;
  });
  return engine;
}

/**
 * Starts DuckDB-WASM now (its worker, the module's compilation), in the background, so the first query does not
 * wait for it: pages call it once they are idle. Failures are kept for the first query to report.
 */
export async function warmWasm(): Promise<boolean> {
  if (!wasmBundle()) return false;
  return engineOnce().then(
    () => true,
    () => false
  );
}

/** Signed URLs already obtained, by asset URL, with when they expire (ms). */
const signedUrls = new Map<string, { href: string; until: number }>();

/**
 * The URL DuckDB-WASM fetches: absolute and, with credentials, a short-lived signed URL the gateway gives
 * (`POST /auth/sign`), since no headers can be set on DuckDB-WASM's range requests and keys never go in URLs.
 */
export async function assetUrl(href: string, token?: string, fetchImpl: typeof fetch = fetch): Promise<string> {
  const u = new URL(href, typeof location === 'undefined' ? undefined : location.href);
  if (!token || u.searchParams.has('hysope_sig')) return u.href;
  const hit = signedUrls.get(u.href);
  // Re-signed well before it expires: a view made now is read by ranges for a while.
  if (hit && hit.until - Date.now() > 30 * 60_000) return hit.href;
  const gateway = u.pathname.includes('/assets/') ? u.href.slice(0, u.href.indexOf('/assets/')) : u.origin;
  const res = await fetchImpl(`${gateway}/auth/sign`, {
    method: 'POST',
    headers: { Authorization: `token ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ href: u.href })
  });
  if (!res.ok) throw new Error(`the gateway would not sign ${u.pathname} (HTTP ${res.status})`);
  const signed = (await res.json()) as { href: string; expires: string };
  signedUrls.set(u.href, { href: signed.href, until: Date.parse(signed.expires) });
  return signed.href;
}

/**
 * Runs `query` where each `assets` key names a view over that asset (a Parquet file read by ranges).
 * Views are created once per name and URL; the answer is an Apache Arrow table.
 */
export async function sqlWasm(query: string, assets: Record<string, string>, token?: string): Promise<Table> {
  const { db, conn } = await engineOnce();
  for (const [name, href] of Object.entries(assets)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`"${name}" is not a valid view name`);
    const url = await assetUrl(href, token);
    if (registered.get(name) === url) continue;
    const file = `${name}-${registered.size}.parquet`;
    await db.registerFileURL(file, url, DuckDBDataProtocol.HTTP, false);
    await conn.query(`create or replace view ${name} as select * from read_parquet('${file}')`);
    registered.set(name, url);
  }
  return (await conn.query(query)) as unknown as Table;
}

/** Stops the engine (its worker) — the next query starts a new one. */
export async function closeWasm(): Promise<void> {
  const e = engine;
  engine = null;
  registered.clear();
  if (!e) return;
  const { db, conn } = await e;
  await conn.close();
  await db.terminate();
}
