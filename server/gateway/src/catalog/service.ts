import { STAC_VERSION, type Collection, type Item, type ItemCollection, type LandingPage, type Link, type SearchBody } from '@hysope/api';
import { canSee, type Principal } from '../auth/principal.js';
import { NotFoundError } from '../errors.js';
import { queryablesDocument } from './collections.js';
import { applyFields, keysetToken, planSearch } from './search.js';
import type { CatalogStore, ItemRow } from './store.js';

/** Conformance classes the STAC API declares. */
export const CONFORMANCE = [
  'https://api.stacspec.org/v1.0.0/core',
  'https://api.stacspec.org/v1.0.0/collections',
  'https://api.stacspec.org/v1.0.0/ogcapi-features',
  'https://api.stacspec.org/v1.0.0/item-search',
  'https://api.stacspec.org/v1.0.0/item-search#filter',
  'https://api.stacspec.org/v1.0.0/item-search#sort',
  'https://api.stacspec.org/v1.0.0/item-search#fields',
  'https://api.stacspec.org/v1.0.0/ogcapi-features#filter',
  'https://api.stacspec.org/v1.0.0/ogcapi-features#sort',
  'https://api.stacspec.org/v1.0.0/ogcapi-features#fields',
  'https://api.stacspec.org/v1.0.0-rc.1/item-search#free-text',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-json',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison'
];

const GEOJSON = 'application/geo+json';
const JSON_TYPE = 'application/json';

/** How the request asked, so `next` links repeat it. */
export interface RequestShape {
  method: 'GET' | 'POST';
  /** Full URL of a GET request (its query string is reused for `next`). */
  url?: string;
}

/** The catalog as the STAC API serves it: documents with their links, searches with paging. */
export class CatalogService {
  /** Told of each item read by id (the audit trail of restricted data): the caller, the item and its owner. */
  onItemRead: ((p: Principal, collection: string, item: string, owner: string | null) => Promise<void>) | null = null;

  constructor(private readonly store: CatalogStore) {}

  /** `GET /stac` */
  landing(base: string): LandingPage {
    const stac = `${base}/stac`;
    return {
      type: 'Catalog',
      stac_version: STAC_VERSION,
      id: 'hysope',
      title: 'HYSOPE',
      description: 'Hydrology data, SWOT first: SWOT HR river, lake and pixel-cloud products, altimetry virtual stations and in-situ gauges.',
      conformsTo: CONFORMANCE,
      links: [
        { rel: 'self', href: stac, type: JSON_TYPE },
        { rel: 'root', href: stac, type: JSON_TYPE },
        { rel: 'conformance', href: `${stac}/conformance`, type: JSON_TYPE },
        { rel: 'data', href: `${stac}/collections`, type: JSON_TYPE },
        { rel: 'search', href: `${stac}/search`, type: GEOJSON, method: 'GET' },
        { rel: 'search', href: `${stac}/search`, type: GEOJSON, method: 'POST' },
        { rel: 'http://www.opengis.net/def/rel/ogc/1.0/queryables', href: `${stac}/queryables`, type: 'application/schema+json' },
        { rel: 'service-desc', href: `${base}/api`, type: 'application/vnd.oai.openapi+json;version=3.0' },
        { rel: 'service-doc', href: `${base}/api.html`, type: 'text/html', title: 'the API documentation' }
      ]
    };
  }

  /** Ids of the collections a principal may see. */
  async visible(p: Principal): Promise<string[]> {
    return (await this.store.access()).filter((c) => canSee(p, c.access, c.owner)).map((c) => c.id);
  }

  /** `GET /stac/collections` */
  async collections(base: string, p: Principal): Promise<{ collections: Collection[]; links: Link[] }> {
    const visible = new Set(await this.visible(p));
    const all = (await this.store.collections()).filter((c) => visible.has(c.id));
    return {
      collections: all.map((c) => this.withCollectionLinks(c, base)),
      links: [
        { rel: 'self', href: `${base}/stac/collections`, type: JSON_TYPE },
        { rel: 'root', href: `${base}/stac`, type: JSON_TYPE }
      ]
    };
  }

  /**
   * `GET /stac/collections/{id}`
   * @throws NotFoundError for an unknown collection
   */
  async collection(id: string, base: string, p: Principal): Promise<Collection> {
    const c = (await this.visible(p)).includes(id) ? await this.store.collection(id) : null;
    if (!c) throw new NotFoundError(`collection "${id}" does not exist; see /stac/collections`);
    return this.withCollectionLinks(c, base);
  }

  /** `GET /stac/queryables` and `/stac/collections/{id}/queryables` */
  async queryables(base: string, p: Principal, collectionId?: string) {
    if (collectionId) await this.collection(collectionId, base, p);
    return queryablesDocument(base, collectionId);
  }

  /**
   * `GET /stac/collections/{c}/items/{id}`
   * @throws NotFoundError when the collection or the item does not exist
   */
  async item(collectionId: string, id: string, base: string, p: Principal): Promise<Item> {
    await this.collection(collectionId, base, p);
    const row = await this.store.item(collectionId, id);
    if (!row || (row.owner !== null && row.owner !== p.name)) throw new NotFoundError(`item "${id}" is not in collection "${collectionId}"`);
    await this.onItemRead?.(p, collectionId, id, row.owner);
    return this.withItemLinks(row, base);
  }

  /**
   * `/stac/search` and `/stac/collections/{id}/items`: one page of items with `next`/`prev` links.
   * @throws ValidationError on bad parameters
   */
  async search(body: SearchBody, base: string, shape: RequestShape, p: Principal): Promise<ItemCollection> {
    const access = (await this.store.access()).filter((c) => canSee(p, c.access, c.owner));
    const spans = Object.fromEntries(access.map((c) => [c.id, c.max_span]));
    const plan = planSearch(
      body,
      access.map((c) => c.id),
      p.name,
      spans
    );
    const rows: ItemRow[] = [];
    let nextOffset: number | null = null;
    if (!plan.exact) {
      const page = await this.store.page(plan.where, plan.orderBy, plan.limit + 1, plan.offset);
      rows.push(...page.slice(0, plan.limit));
      if (page.length > plan.limit) nextOffset = plan.offset + plan.limit;
    } else {
      // SQL compared bboxes only: read candidates batch by batch and keep the exact matches.
      let offset = plan.offset;
      const batch = Math.max(100, plan.limit * 2);
      for (;;) {
        const page = await this.store.page(plan.where, plan.orderBy, batch, offset);
        let i = 0;
        for (; i < page.length; i++) {
          if (!plan.exact(page[i]!.content)) continue;
          if (rows.length === plan.limit) {
            nextOffset = offset + i;
            break;
          }
          rows.push(page[i]!);
        }
        if (nextOffset !== null || page.length < batch) break;
        offset += page.length;
      }
    }
    // In the default order the next page starts after this page's last item (keyset): it costs what the first did.
    const last = rows[rows.length - 1];
    const nextToken =
      nextOffset === null ? null : plan.keyset && last?.start_text ? keysetToken([last.start_text, last.collection, last.id]) : String(nextOffset);
    // A last page reached by offset (or the only page) tells the count without counting.
    const lastByOffset = nextToken === null && (body.token === undefined || /^\d+$/.test(body.token));
    const matched = plan.exact ? null : lastByOffset ? plan.offset + rows.length : await this.store.count(plan.where, 10_000);
    const features = rows.map((r) => applyFields(this.withItemLinks(r, base), body.fields) as Item);
    const links: Link[] = [{ rel: 'root', href: `${base}/stac`, type: JSON_TYPE }];
    const pageLink = (rel: 'next' | 'prev', token: string): Link => {
      if (shape.method === 'POST') return { rel, href: `${base}/stac/search`, type: GEOJSON, method: 'POST', body: { ...body, token }, merge: false };
      const url = new URL(shape.url ?? `${base}/stac/search`);
      url.searchParams.set('token', token);
      return { rel, href: `${base}${url.pathname}${url.search}`, type: GEOJSON, method: 'GET' };
    };
    if (shape.method === 'GET' && shape.url) {
      const self = new URL(shape.url);
      links.unshift({ rel: 'self', href: `${base}${self.pathname}${self.search}`, type: GEOJSON });
    } else if (shape.method === 'POST') links.unshift({ rel: 'self', href: `${base}/stac/search`, type: GEOJSON, method: 'POST', body, merge: false });
    if (nextToken !== null) links.push(pageLink('next', nextToken));
    if (plan.offset > 0) links.push(pageLink('prev', String(Math.max(0, plan.offset - plan.limit))));
    return {
      type: 'FeatureCollection',
      features,
      links,
      numberReturned: features.length,
      ...(matched !== null ? { numberMatched: matched } : {}),
      context: { returned: features.length, limit: plan.limit, ...(matched !== null ? { matched } : {}) }
    };
  }

  /** Whether a principal may read an item's assets (its collection and, for a private item, its owner). */
  async canRead(p: Principal, collectionId: string, itemId: string): Promise<boolean> {
    if (!(await this.visible(p)).includes(collectionId)) return false;
    const row = await this.store.item(collectionId, itemId);
    return row !== null && (row.owner === null || row.owner === p.name);
  }

  private withCollectionLinks(c: Collection, base: string): Collection {
    const self = `${base}/stac/collections/${c.id}`;
    return {
      ...c,
      links: [
        { rel: 'self', href: self, type: JSON_TYPE },
        { rel: 'root', href: `${base}/stac`, type: JSON_TYPE },
        { rel: 'parent', href: `${base}/stac`, type: JSON_TYPE },
        { rel: 'items', href: `${self}/items`, type: GEOJSON },
        { rel: 'http://www.opengis.net/def/rel/ogc/1.0/queryables', href: `${self}/queryables`, type: 'application/schema+json' },
        { rel: 'license', href: `${base}/stac/collections/${c.id}#license`, type: 'text/html', title: 'See the providers: attribution required' }
      ]
    };
  }

  private withItemLinks(row: ItemRow, base: string): Item {
    const content = row.content;
    const collection = `${base}/stac/collections/${row.collection}`;
    const links: Link[] = [
      { rel: 'self', href: `${collection}/items/${encodeURIComponent(row.id)}`, type: GEOJSON },
      { rel: 'parent', href: collection, type: JSON_TYPE },
      { rel: 'collection', href: collection, type: JSON_TYPE },
      { rel: 'root', href: `${base}/stac`, type: JSON_TYPE }
    ];
    const supersededBy = (content.properties as Record<string, unknown>)['hysope:superseded_by'];
    if (typeof supersededBy === 'string') links.push({ rel: 'latest-version', href: `${collection}/items/${encodeURIComponent(supersededBy)}`, type: GEOJSON });
    const assets = Object.fromEntries(
      Object.entries(content.assets).map(([k, a]) => [k, { ...a, href: /^https?:/.test(a.href) ? a.href : `${base}/assets/${a.href}` }])
    );
    return { ...content, links, assets };
  }
}
