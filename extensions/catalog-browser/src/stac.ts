// A STAC API 1.0 client for the browser that follows the API's own links (landing page → search,
// collections), so the catalog browser works with any STAC API, not only HYSOPE's.
import { Collections, ItemCollection, LandingPage, type Collection, type Item, type SearchBody } from '@hysope/api';

/** A catalog the browser can search. */
export interface CatalogSource {
  name: string;
  /** Landing page URL of the STAC API (HYSOPE: `<gateway>/stac`). */
  url: string;
  /** Sent as `Authorization: token ...` (HYSOPE gateways only). */
  token?: string;
}

/** One page of results and how to get the next. */
export interface Page {
  items: Item[];
  matched?: number;
  next: (() => Promise<Page>) | null;
}

/** An error of a STAC API, with the OGC exception's detail when the server sent one. */
export class StacError extends Error {}

async function json(url: string, source: CatalogSource, init: RequestInit = {}): Promise<unknown> {
  const headers = new Headers(init.headers);
  headers.set('Accept', 'application/geo+json, application/json');
  if (source.token) headers.set('Authorization', `token ${source.token}`);
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers });
  } catch (error) {
    throw new StacError(`${source.name} (${source.url}) cannot be reached: ${(error as Error).message}`);
  }
  const body = (await res.json().catch(() => null)) as { detail?: string; title?: string; description?: string } | null;
  if (!res.ok) throw new StacError(`${source.name}: ${body?.detail ?? body?.description ?? body?.title ?? `HTTP ${res.status}`}`);
  return body;
}

interface Link {
  rel: string;
  href: string;
  method?: string;
  body?: unknown;
  merge?: boolean;
  type?: string;
}

/** A STAC API: its landing page links, collections and search. */
export class StacApi {
  private landing: Promise<{ links: Link[]; conformsTo: string[] }> | null = null;

  constructor(readonly source: CatalogSource) {}

  private root() {
    this.landing ??= json(this.source.url, this.source).then((b) => {
      const parsed = LandingPage.safeParse(b);
      if (!parsed.success) throw new StacError(`${this.source.url} is not a STAC API landing page`);
      return { links: parsed.data.links as Link[], conformsTo: (parsed.data as { conformsTo?: string[] }).conformsTo ?? [] };
    });
    return this.landing.catch((e: unknown) => {
      this.landing = null;
      throw e;
    });
  }

  private async link(rel: string): Promise<Link | undefined> {
    return (await this.root()).links.find((l) => l.rel === rel);
  }

  /** Whether the API answers CQL2 filters (the filter extension). */
  async filters(): Promise<boolean> {
    return (await this.root()).conformsTo.some((c) => c.includes('/filter'));
  }

  async collections(): Promise<Collection[]> {
    const l = await this.link('data');
    const href = l?.href ?? `${this.source.url.replace(/\/+$/, '')}/collections`;
    const parsed = Collections.safeParse(await json(href, this.source));
    if (!parsed.success) throw new StacError(`${href} did not answer a list of STAC collections`);
    return parsed.data.collections;
  }

  /** One page of a search (POST when the API offers it, GET otherwise), with a `next` that follows the API's link. */
  async search(body: SearchBody): Promise<Page> {
    const l = await this.link('search');
    if (!l) throw new StacError(`${this.source.name} offers no search`);
    const post =
      (l.method ?? 'GET').toUpperCase() === 'POST' || (await this.root()).links.some((x) => x.rel === 'search' && x.method?.toUpperCase() === 'POST');
    if (post) return this.page(l.href, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(body)) {
      if (v === undefined) continue;
      q.set(k, Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v));
    }
    return this.page(`${l.href}?${q}`, {});
  }

  /**
   * The datetimes of up to `max` items matching `body` (the fields extension trims the answers, so they
   * are not full STAC items and are read without the item schema).
   */
  async datetimes(body: SearchBody, max = 2000): Promise<string[]> {
    const l = await this.link('search');
    const post = (await this.root()).links.find((x) => x.rel === 'search' && x.method?.toUpperCase() === 'POST');
    if (!l || !post) return [];
    const out: string[] = [];
    let request: { url: string; body: unknown } | null = {
      url: post.href,
      body: {
        ...body,
        datetime: undefined,
        limit: Math.min(500, max),
        fields: { include: ['properties.datetime', 'properties.start_datetime'], exclude: ['assets', 'links', 'geometry'] }
      }
    };
    while (request && out.length < max) {
      const fc = (await json(request.url, this.source, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(request.body)
      })) as {
        features?: { properties?: Record<string, unknown> }[];
        links?: Link[];
      };
      for (const f of fc.features ?? []) {
        const d = f.properties?.['datetime'] ?? f.properties?.['start_datetime'];
        if (typeof d === 'string') out.push(d);
      }
      const next = fc.links?.find((x) => x.rel === 'next' && (x.method ?? 'GET').toUpperCase() === 'POST');
      request = next && fc.features?.length ? { url: next.href, body: next.body } : null;
    }
    return out;
  }

  private async page(url: string, init: RequestInit): Promise<Page> {
    const parsed = ItemCollection.safeParse(await json(url, this.source, init));
    if (!parsed.success) throw new StacError(`${this.source.name} answered something that is not a STAC ItemCollection`);
    const fc = parsed.data;
    const next = (fc.links as Link[] | undefined)?.find((x) => x.rel === 'next');
    const matched =
      (fc as { numberMatched?: number; context?: { matched?: number } }).numberMatched ?? (fc as { context?: { matched?: number } }).context?.matched;
    return {
      items: fc.features,
      matched,
      next: next
        ? () =>
            (next.method ?? 'GET').toUpperCase() === 'POST'
              ? this.page(next.href, {
                  method: 'POST',
                  headers: { 'Content-Type': 'application/json' },
                  body: JSON.stringify(next.merge && init.body ? { ...(JSON.parse(String(init.body)) as object), ...(next.body as object) } : next.body)
                })
              : this.page(next.href, {})
        : null
    };
  }
}

/** The CQL2 text filter of the SWOT fields (cycle, pass, continent); null when none is set. */
export function swotFilter(f: { cycle?: string; pass?: string; continent?: string }): string | null {
  const clauses: string[] = [];
  const int = (name: string, v: string | undefined) => {
    if (!v?.trim()) return;
    if (!/^\d+$/.test(v.trim())) throw new StacError(`${name} is a whole number, got "${v}"`);
    clauses.push(`"swot:${name}" = ${Number(v)}`);
  };
  int('cycle', f.cycle);
  int('pass', f.pass);
  if (f.continent?.trim()) {
    if (!/^[A-Za-z]{2}$/.test(f.continent.trim())) throw new StacError(`continent is a two-letter SWOT continent code (NA, EU, AS, ...), got "${f.continent}"`);
    clauses.push(`"swot:continent" = '${f.continent.trim().toUpperCase()}'`);
  }
  return clauses.length ? clauses.join(' and ') : null;
}

/** Parses "west,south,east,north". */
export function parseBbox(text: string): [number, number, number, number] | null {
  if (!text.trim()) return null;
  const n = text.split(',').map((s) => Number(s.trim()));
  if (n.length !== 4 || n.some((x) => !Number.isFinite(x))) throw new StacError(`the area is four numbers, west,south,east,north; got "${text}"`);
  const [w, s, e, north] = n as [number, number, number, number];
  if (s > north || s < -90 || north > 90 || w < -180 || e > 180) throw new StacError(`the area ${text} is not a valid bbox`);
  return [w, s, e, north];
}
