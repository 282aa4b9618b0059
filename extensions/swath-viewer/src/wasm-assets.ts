// The DuckDB-WASM files, emitted next to the bundle by the bundler (asset modules), never fetched from a CDN.
import mainModule from '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm';
import mainWorker from '@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js';
import { configureWasm } from '@hysope/kernels-bridge/wasm-config';

/** Points the browser `sql` of kernels-bridge at the bundled DuckDB-WASM files. */
export function useBundledWasm(): void {
  configureWasm({ mainModule, mainWorker });
}
