/**
 * The MIME types HYSOPE notebooks emit and the swath viewer renders (the one place they are documented).
 *
 * - `application/vnd.hysope.map+json`: `{ title?, layers: [{ kind: 'items' | 'geojson', collection?, items?: STAC items, data?: GeoJSON, color? }], bbox? }`
 * - `application/vnd.hysope.timeseries+json`: `{ title?, series: [{ name, source?, units?, vertical_reference?, points: [{ time, value }] }] }`
 * - `application/vnd.hysope.table+json`: `{ title?, columns: string[], rows: unknown[][] }`
 *
 * Every bundle also carries `text/plain` and `text/html` fallbacks, so a lab without the viewer still shows something useful.
 */
export const MimeTypes = {
  map: 'application/vnd.hysope.map+json',
  timeseries: 'application/vnd.hysope.timeseries+json',
  table: 'application/vnd.hysope.table+json'
} as const;

/** A Jupyter MIME bundle. */
export type MimeBundle = Record<string, unknown>;
