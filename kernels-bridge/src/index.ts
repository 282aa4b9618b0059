/** @hysope/kernels-bridge: what a HYSOPE notebook imports (Node kernel and browser alike). */
export { Catalog, type CatalogOptions } from './catalog.js';
