// A static STAC catalog (catalog.json → collections → items, as `hysope export-static` writes it or any static
// catalog does) searched where it is read: the catalog is walked once, following its links, and every search is
// a filter over the items it holds. The catalog browser and kernels-bridge's Catalog both search workshop sites
// this way (a plain web server, no API behind them).
import { Collection, Item } from './stac.js';
import type { SearchBody } from './search.js';

/** Why a static catalog could not be read or searched (its message is meant for the user). */
export class StaticCatalogError extends Error {}

interface Link {
  rel: string;
  href: string;
}

/** Most documents read at once while the catalog is walked. */
const PARALLEL = 8;
/** Most items a static catalog may hold (all are read into memory). */
export const STATIC_CATALOG_MAX_ITEMS = 50_000;

/** Whether a catalog URL names a static document (`catalog.json`, `collection.json`) rather than an API. */
export function isStaticCatalogUrl(url: string): boolean {
  return /\.json($|[?#])/.test(url);
}

/** A document's links with their hrefs made absolute against where it was read. */
function linksOf(doc: Record<string, unknown>, base: string): Link[] {
  const links = Array.isArray(doc['links']) ? (doc['links'] as Link[]) : [];
  return links.filter((l) => typeof l?.href === 'string' && typeof l.rel === 'string').map((l) => ({ ...l, href: new URL(l.href, base).href }));
}

/** Asset and link hrefs of a STAC object made absolute (the viewer and DuckDB read them from anywhere). */
function absolute<T extends { links?: unknown; assets?: unknown }>(doc: T, base: string): T {
  const assets = Object.fromEntries(
    Object.entries((doc.assets ?? {}) as Record<string, { href: string }>).map(([k, a]) => [k, { ...a, href: new URL(a.href, base).href }])
  );
  return { ...doc, links: linksOf(doc as Record<string, unknown>, base), ...(doc.assets ? { assets } : {}) };
}

/** Runs `f` over `xs`, `n` at a time. */
async function pool<T, R>(xs: T[], n: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(xs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, xs.length) }, async () => {
      while (next < xs.length) {
        const i = next++;
        out[i] = await f(xs[i]!);
      }
    })
  );
  return out;
}

/** The `[start, end]` of an item in milliseconds (an instant: both the same; null: no time). */
export function itemTime(item: Item): [number, number] | null {
  const p = item.properties as Record<string, unknown>;
  const start = Date.parse(String(p['start_datetime'] ?? p['datetime'] ?? ''));
  const end = Date.parse(String(p['end_datetime'] ?? p['datetime'] ?? ''));
  return Number.isNaN(start) || Number.isNaN(end) ? null : [start, end];
}

/** A STAC datetime (instant or interval, open ends `..` or empty) as `[from, to]` in milliseconds. */
function interval(datetime: string): [number, number] {
  const [a, b] = datetime.includes('/') ? datetime.split('/') : [datetime, datetime];
  const at = (s: string | undefined, open: number) => {
    if (!s || s === '..') return open;
    const t = Date.parse(s);
    if (Number.isNaN(t)) throw new StaticCatalogError(`datetime "${datetime}" is not a STAC datetime`);
    return t;
  };
  return [at(a, -Infinity), at(b, Infinity)];
}

/**
 * The CQL2 text filters a static catalog answers (`prop = value` terms joined by `and`), as a test on an item's
 * properties; anything else is refused (a static catalog has no query engine).
 */
function cql2Equalities(text: string): (item: Item) => boolean {
  const terms = text.split(/\s+and\s+/i).map((t) => {
    const m = /^\s*"?([\w:.-]+)"?\s*=\s*('((?:[^']|'')*)'|-?\d+(?:\.\d+)?)\s*$/.exec(t);
    if (!m) throw new StaticCatalogError(`a static catalog filters by "property = value" terms only, not "${t.trim()}"`);
    const value: string | number = m[3] !== undefined ? m[3].replace(/''/g, "'") : Number(m[2]);
    return { name: m[1]!, value };
  });
  return (item) => terms.every((t) => (item.properties as Record<string, unknown>)[t.name] === t.value);
}

/** Whether an item's bbox meets `[w, s, e, n]` (an item crossing the antimeridian has w > e). */
function meets(item: Item, [w, s, e, n]: number[]): boolean {
  const b = item.bbox;
  if (!b) return false;
  const [bw, bs, be, bn] = b.length === 6 ? [b[0], b[1], b[3], b[4]] : [b[0], b[1], b[2], b[3]];
  if (bs! > n! || bn! < s!) return false;
  const spans = (x0: number, x1: number) =>
    x0 <= x1
      ? [[x0, x1]]
      : [
          [x0, 180],
          [-180, x1]
        ];
  return spans(bw!, be!).some(([a, c]) => spans(w!, e!).some(([x, y]) => a! <= y! && c! >= x!));
}

/** A STAC document read over HTTP; what went wrong said with the catalog's name. @throws StaticCatalogError */
export async function readCatalogJson(url: string, name: string, fetchImpl: typeof fetch = (...a) => fetch(...a)): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetchImpl(url, { headers: { Accept: 'application/json, application/geo+json' } });
  } catch (error) {
    throw new StaticCatalogError(`${name} (${url}) cannot be reached: ${(error as Error).message}`);
  }
  if (!res.ok) throw new StaticCatalogError(`${name}: ${url} answered HTTP ${res.status}`);
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (!body || typeof body !== 'object') throw new StaticCatalogError(`${name}: ${url} is not JSON`);
  return body;
}

/** What a static catalog holds once walked. */
export interface StaticCatalogContents {
  collections: Collection[];
  items: Item[];
}

/** Static catalogs read in this page or kernel, by URL (see {@link StaticCatalogIndex.shared}). */
const sharedIndexes = new Map<string, StaticCatalogIndex>();

/** A static STAC catalog read over HTTP (or any `fetch`) and searched in memory. */
export class StaticCatalogIndex {
  /**
   * The one index of a catalog in this page (or kernel): the catalog browser, the viewer and notebook code walk a
   * catalog once between them (errors name it as its first user did).
   */
  static shared(url: string, name: string = url): StaticCatalogIndex {
    let index = sharedIndexes.get(url);
    if (!index) sharedIndexes.set(url, (index = new StaticCatalogIndex(url, name)));
    return index;
  }

  private loaded: Promise<StaticCatalogContents> | null = null;

  /**
   * @param url the catalog's `catalog.json` (or a collection's document), absolute or relative to the page
   * @param name how errors name it
   */
  constructor(
    readonly url: string,
    readonly name: string = url,
    private readonly fetchImpl: typeof fetch = (...a) => fetch(...a)
  ) {}

  /** Reads the catalog once (a failed read is retried by the next call). */
  load(): Promise<StaticCatalogContents> {
    this.loaded ??= this.walk().catch((error: unknown) => {
      this.loaded = null;
      throw error;
    });
    return this.loaded;
  }

  private getJson(url: string): Promise<Record<string, unknown>> {
    return readCatalogJson(url, this.name, this.fetchImpl);
  }

  /** Reads the catalog, its child catalogs and collections, and their items. */
  private async walk(): Promise<StaticCatalogContents> {
    const collections: Collection[] = [];
    const items: Item[] = [];
    const seen = new Set<string>();
    const visit = async (url: string, inherited: string | null): Promise<void> => {
      if (seen.has(url)) return;
      seen.add(url);
      const doc = await this.getJson(url);
      let collectionId = inherited;
      if (doc['type'] === 'Collection') {
        const parsed = Collection.safeParse(absolute(doc, url));
        if (!parsed.success) throw new StaticCatalogError(`${this.name}: ${url} is not a valid STAC collection`);
        collections.push(parsed.data);
        collectionId = parsed.data.id;
      } else if (doc['type'] !== 'Catalog') throw new StaticCatalogError(`${this.name}: ${url} is neither a STAC catalog nor a collection`);
      const links = linksOf(doc, url);
      const itemUrls = links.filter((l) => l.rel === 'item').map((l) => l.href);
      if (items.length + itemUrls.length > STATIC_CATALOG_MAX_ITEMS)
        throw new StaticCatalogError(`${this.name} holds more than ${STATIC_CATALOG_MAX_ITEMS} items: search it through a STAC API`);
      const read = await pool(itemUrls, PARALLEL, async (href) => {
        const parsed = Item.safeParse(absolute(await this.getJson(href), href));
        if (!parsed.success) throw new StaticCatalogError(`${this.name}: ${href} is not a valid STAC item`);
        return { ...parsed.data, collection: parsed.data.collection ?? collectionId ?? undefined } as Item;
      });
      items.push(...read);
      for (const child of links.filter((l) => l.rel === 'child')) await visit(child.href, collectionId);
    };
    await visit(new URL(this.url, globalThis.location?.href ?? undefined).href, null);
    return { collections, items };
  }

  async collections(): Promise<Collection[]> {
    return (await this.load()).collections;
  }

  /** Every item matching a search body (collections, ids, bbox, datetime, CQL2 equalities, q), newest first. */
  async matching(body: SearchBody): Promise<Item[]> {
    const { items } = await this.load();
    const tests: ((i: Item) => boolean)[] = [];
    if (body.collections?.length) tests.push((i) => body.collections!.includes(i.collection ?? ''));
    if (body.ids?.length) tests.push((i) => body.ids!.includes(i.id));
    if (body.bbox) {
      if (body.bbox.length !== 4 && body.bbox.length !== 6) throw new StaticCatalogError('bbox must have 4 or 6 numbers');
      const b = body.bbox.length === 6 ? [body.bbox[0]!, body.bbox[1]!, body.bbox[3]!, body.bbox[4]!] : body.bbox;
      tests.push((i) => meets(i, b));
    }
    if (body.datetime) {
      const [from, to] = interval(body.datetime);
      tests.push((i) => {
        const t = itemTime(i);
        return t !== null && t[0] <= to && t[1] >= from;
      });
    }
    if (body.filter !== undefined) {
      if (typeof body.filter !== 'string') throw new StaticCatalogError('a static catalog takes CQL2 text filters only');
      tests.push(cql2Equalities(body.filter));
    }
    const words = (Array.isArray(body.q) ? body.q : body.q ? [body.q] : []).flatMap((q) => q.toLowerCase().split(/[\s,]+/)).filter(Boolean);
    if (words.length) {
      tests.push((i) => {
        const text = `${i.id} ${JSON.stringify(i.properties)}`.toLowerCase();
        return words.some((w) => text.includes(w));
      });
    }
    const found = items.filter((i) => tests.every((t) => t(i)));
    return found.sort((a, b) => (itemTime(b)?.[0] ?? 0) - (itemTime(a)?.[0] ?? 0) || a.id.localeCompare(b.id));
  }
}
