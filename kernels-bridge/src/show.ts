import type { Item } from '@hysope/api';
import { MimeTypes, type MimeBundle } from './mime.js';
import { readsBundle } from './reads.js';
import { kernelHost } from './host.js';

/** A point of a time series. */
export interface SeriesPoint {
  time: string | Date;
  value: number | null;
}

/** One series of a {@link timeseries} display. */
export interface Series {
  name: string;
  points: SeriesPoint[];
  units?: string;
  source?: string;
  vertical_reference?: string;
}

/** Where bundles go: tslab's display in a kernel; the caller's sink elsewhere. */
export type Display = (bundle: MimeBundle) => void;

// The same entities as Python's html.escape, so both languages emit identical bundles.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' };
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

function htmlTable(columns: string[], rows: unknown[][], max = 20): string {
  const head = columns.map((c) => `<th>${escape(c)}</th>`).join('');
  const body = rows
    .slice(0, max)
    .map((r) => `<tr>${r.map((v) => `<td>${escape(v === null || v === undefined ? '' : String(v))}</td>`).join('')}</tr>`)
    .join('');
  const more = rows.length > max ? `<p>${rows.length - max} more rows</p>` : '';
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${more}`;
}

/** The MIME bundle of a map of STAC items (footprints) and GeoJSON layers. */
export function mapBundle(items: Item[], options: { title?: string } = {}): MimeBundle {
  const data = { title: options.title, layers: [{ kind: 'items', items }] };
  const rows = items.map((i) => [i.collection ?? '', i.id, String(i.properties.datetime ?? '')]);
  return {
    [MimeTypes.map]: data,
    'text/html': `<p><b>${escape(options.title ?? 'HYSOPE map')}</b>: ${items.length} items (install the HYSOPE swath viewer to see the map)</p>${htmlTable(['collection', 'id', 'datetime'], rows)}`,
    'text/plain': `HYSOPE map: ${items.length} items${options.title ? ` — ${options.title}` : ''}`
  };
}

/** The MIME bundle of one or more time series. */
export function timeseriesBundle(series: Series[], options: { title?: string } = {}): MimeBundle {
  const normalised = series.map((s) => ({
    ...s,
    points: s.points.map((p) => ({ time: p.time instanceof Date ? p.time.toISOString() : p.time, value: p.value }))
  }));
  const summary = normalised.map((s) => `${s.name}: ${s.points.length} points${s.units ? ` (${s.units})` : ''}`);
  return {
    [MimeTypes.timeseries]: { title: options.title, series: normalised },
    'text/html': `<p><b>${escape(options.title ?? 'HYSOPE time series')}</b></p><ul>${summary.map((l) => `<li>${escape(l)}</li>`).join('')}</ul>`,
    'text/plain': [options.title ?? 'HYSOPE time series', ...summary].join('\n')
  };
}

/** The MIME bundle of a table (rows of values). */
export function tableBundle(columns: string[], rows: unknown[][], options: { title?: string } = {}): MimeBundle {
  return {
    [MimeTypes.table]: { title: options.title, columns, rows },
    'text/html': htmlTable(columns, rows),
    'text/plain': [columns.join('\t'), ...rows.slice(0, 20).map((r) => r.join('\t'))].join('\n')
  };
}

type TslabJupyter = { lastWriteDisplayData: ((msg: { data: MimeBundle; metadata: object; transient: object }, update: boolean) => void) | null };

/**
 * The display of the tslab kernel this code runs in, if any. tslab answers `import 'tslab'` only for the
 * notebook's own code; a package reaches the same kernel through the tslab module Node has already loaded
 * (same file, same module cache), and sends the whole bundle at once (JSON MIME types as JSON, not text).
 */
function tslabDisplay(): Display | null {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const mod = proc?.getBuiltinModule?.('node:module') as
      { createRequire(from: string): ((id: string) => unknown) & { resolve(id: string): string } } | undefined;
    if (!mod) return null;
    const req = mod.createRequire(import.meta.url);
    const jupyter = req(req.resolve('tslab').replace(/public\.js$/, 'jupyter.js')) as TslabJupyter;
    const write = jupyter.lastWriteDisplayData;
    if (!write) return null;
    return (bundle) => write({ data: bundle, metadata: {}, transient: {} }, false);
  } catch {
    return null;
  }
}

/** The display of a Deno Jupyter kernel (`deno jupyter`), if this code runs in one. */
function denoDisplay(): Display | null {
  const deno = (globalThis as { Deno?: { jupyter?: { display(bundle: MimeBundle, options: { raw: boolean }): unknown } } }).Deno;
  const display = deno?.jupyter?.display;
  return display ? (bundle) => void display(bundle, { raw: true }) : null;
}

/** Display helpers: emit the viewer's MIME bundles (with text and HTML fallbacks). */
export function createShow(display?: Display | null) {
  const out = (bundle: MimeBundle) => {
    // Undefined: the kernel's display, looked up at each call (tslab sets it per execution); null: none.
    const d = display === undefined ? (tslabDisplay() ?? denoDisplay() ?? kernelHost()?.display ?? null) : display;
    if (d) d(bundle);
    // Shown by the kernel: nothing more to print (a returned bundle would also print as text).
    return (display === undefined && d ? undefined : bundle) as MimeBundle;
  };
  return {
    map: (items: Item[], options?: { title?: string }) => out(mapBundle(items, options)),
    timeseries: (series: Series[], options?: { title?: string }) => out(timeseriesBundle(series, options)),
    table: (columns: string[], rows: unknown[][], options?: { title?: string }) => out(tableBundle(columns, rows, options)),
    /** The catalog items read so far (the gallery pins them when the notebook is published). */
    reads: () => out(readsBundle())
  };
}

/** Display helpers bound to the kernel's display (tslab, Deno, or the browser kernel's) when there is one. */
export const show = createShow();
