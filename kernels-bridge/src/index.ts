/** @hysope/kernels-bridge: what a HYSOPE notebook imports (Node kernel and browser alike). */
export { Catalog, type CatalogOptions } from './catalog.js';
export { timeseries, type TimeseriesQuery } from './timeseries.js';
export { sql, column, numbers, rows, type SqlOptions } from './sql.js';
export { show, createShow, mapBundle, timeseriesBundle, tableBundle, type Series, type SeriesPoint, type Display } from './show.js';
export { MimeTypes, type MimeBundle } from './mime.js';
export { configureWasm, type WasmBundle } from './wasm-config.js';
export { reads, readsBundle, clearReads, pinned, usePins, READS_MIME, type ItemRead } from './reads.js';
export { KERNEL_HOST, kernelHost, kernelEnv, type KernelHost } from './host.js';
