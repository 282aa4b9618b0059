/** Where the DuckDB-WASM module and its worker are served from (the bundler of the page decides). */
export interface WasmBundle {
  mainModule: string;
  mainWorker: string;
}

let bundle: WasmBundle | null = null;

/** Tells the browser engine of `sql` where its files are (done once by the page, e.g. the swath viewer). */
export function configureWasm(b: WasmBundle): void {
  bundle = b;
}

/** The configured bundle, or null. */
export function wasmBundle(): WasmBundle | null {
  return bundle;
}
