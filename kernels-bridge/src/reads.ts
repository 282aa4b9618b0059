// What a notebook read from the catalog, recorded as it runs, so that publishing it to the gallery pins those item
// versions; and the pins of a published notebook, which a re-run reads instead of whatever is newest.
import type { Item } from '@hysope/api';
import type { MimeBundle } from './mime.js';
import { kernelEnv } from './host.js';

/** The MIME type of the reads output (the gallery takes the pins from it). */
export const READS_MIME = 'application/vnd.hysope.reads+json';

/** One catalog item read, with its version (`properties.version`: CRID and counter). */
export interface ItemRead {
  collection: string;
  id: string;
  version: string | null;
}

const registry = new Map<string, ItemRead>();

/** Notes items read (by {@link Catalog.search}). */
export function recordReads(items: Item[]): void {
  for (const i of items) {
    if (!i.collection) continue;
    const v = (i.properties as Record<string, unknown>)['version'];
    registry.set(`${i.collection}/${i.id}`, { collection: i.collection, id: i.id, version: typeof v === 'string' ? v : null });
  }
}

/** Forgets the items read so far (a notebook that starts over in the same kernel). */
export function clearReads(): void {
  registry.clear();
}

/** The items read so far in this kernel, in the order of their ids. */
export function reads(): ItemRead[] {
  return [...registry.values()].sort((a, b) => `${a.collection}/${a.id}`.localeCompare(`${b.collection}/${b.id}`));
}

/** The reads as an output: the gallery pins them when the notebook is published. */
export function readsBundle(): MimeBundle {
  const list = reads();
  return {
    [READS_MIME]: { reads: list },
    'text/plain': `HYSOPE: ${list.length} catalog item(s) read${list.length ? `\n${list.map((r) => `${r.collection}/${r.id}${r.version ? ` (${r.version})` : ''}`).join('\n')}` : ''}`
  };
}

/** Pins set by {@link usePins} (the lab's "re-run with the pinned versions"); undefined: none set here. */
let sessionPins: { collection: string; id: string }[] | null | undefined;

/**
 * Pins the catalog items later searches read (a gallery notebook's `metadata.hysope.reads`), for this kernel
 * session; `null` reads the catalog as it is today again. Takes precedence over `HYSOPE_PINS`.
 */
export function usePins(pins: { collection: string; id: string }[] | null): void {
  if (pins !== null && !Array.isArray(pins)) throw new Error('usePins takes [{"collection": ..., "id": ...}] or null');
  sessionPins = pins;
}

/**
 * The pinned items of a re-run, by collection: from {@link usePins} or `HYSOPE_PINS` (JSON `[{collection, id}]`,
 * as a published notebook's `metadata.hysope.reads`), or null when nothing is pinned.
 */
export function pinned(): Map<string, string[]> | null {
  let list: unknown = sessionPins;
  if (sessionPins === null) return null;
  if (list === undefined) {
    const raw = kernelEnv()['HYSOPE_PINS'];
    if (!raw) return null;
    try {
      list = JSON.parse(raw);
    } catch {
      throw new Error('HYSOPE_PINS is not JSON: it takes [{"collection": ..., "id": ...}] (a gallery notebook\'s metadata.hysope.reads)');
    }
  }
  if (!Array.isArray(list)) throw new Error('HYSOPE_PINS must be a JSON array of {"collection", "id"}');
  const out = new Map<string, string[]>();
  for (const p of list as { collection?: unknown; id?: unknown }[]) {
    if (typeof p?.collection !== 'string' || typeof p.id !== 'string') continue;
    out.set(p.collection, [...(out.get(p.collection) ?? []), p.id]);
  }
  return out;
}
