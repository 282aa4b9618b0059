/**
 * @hysope/api: the one contract of HYSOPE. Every shape that crosses a wire is a
 * zod schema here, its type inferred from it; the gateway, the extensions and
 * kernels-bridge import them, nothing is declared twice.
 */
export * from './errors.js';
export * from './geometry.js';
export * from './stac.js';
export * from './search.js';
export * from './client.js';
export * from './processes.js';
export * from './series.js';
export * from './openapi.js';
export * from './swot.js';
export * from './alerts.js';
export * from './gallery.js';
export * from './static-catalog.js';
