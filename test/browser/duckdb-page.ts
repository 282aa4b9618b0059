// Bundled by the test with esbuild: DuckDB-WASM 1.28 (Parquet built in, nothing fetched from the internet)
// reading a GeoParquet asset of the gateway by HTTP range requests.
import { AsyncDuckDB, ConsoleLogger, DuckDBDataProtocol, LogLevel } from '@duckdb/duckdb-wasm';

declare global {
  interface Window {
    bboxCount(url: string, bbox: number[]): Promise<{ count: number; ms: number }>;
  }
}

// NOTE: DuckDB-WASM 1.28 prunes row groups by the statistics of top-level columns only; PIXC has
// top-level longitude/latitude, so the bbox filter is written on them (the points' x/y serve DuckDB 1.1+).
const where = (w: number, s: number, e: number, n: number) => `longitude between ${w} and ${e} and latitude between ${s} and ${n}`;

window.bboxCount = async (url, [w, s, e, n]) => {
  const worker = new Worker('/duckdb-browser-eh.worker.js');
  const db = new AsyncDuckDB(new ConsoleLogger(LogLevel.WARNING), worker);
  await db.instantiate('/duckdb-eh.wasm');
  await db.registerFileURL('remote.parquet', url, DuckDBDataProtocol.HTTP, false);
  const conn = await db.connect();
  const t = performance.now();
  const result = await conn.query(`select count(*)::int as n from read_parquet('remote.parquet') where ${where(w, s, e, n)}`);
  const ms = performance.now() - t;
  const count = Number(result.getChildAt(0)!.get(0));
  await conn.close();
  await db.terminate();
  return { count, ms };
};
