import { HysopeClient, StaticCatalogIndex, isStaticCatalogUrl, type Item, type SearchBody } from '@hysope/api';
import { kernelEnv } from './host.js';
import { pinned, recordReads } from './reads.js';

/**
 * Where the catalog is: the gateway's URL, or a static catalog's `catalog.json` (a workshop site); in a notebook
 * it comes from `HYSOPE_GATEWAY_URL` / `HYSOPE_TOKEN` when not given.
 */
export interface CatalogOptions {
  url?: string;
  token?: string;
}

function defaults(options: CatalogOptions): { baseUrl: string; token?: string } {
  const env = kernelEnv();
  return {
    baseUrl: options.url ?? env['HYSOPE_GATEWAY_URL'] ?? 'http://127.0.0.1:8080',
    token: options.token ?? env['HYSOPE_TOKEN'] ?? env['JUPYTERHUB_API_TOKEN']
  };
}

/**
 * The catalog as a notebook uses it: typed items through `@hysope/api`'s client, or, for a static catalog
 * (a URL ending in `.json`), the same searches answered over the catalog's files (collections, ids, bbox,
 * datetime, CQL2 `property = value` terms).
 */
export class Catalog {
  readonly client: HysopeClient;
  /** The static catalog searched instead of the gateway, if the URL names one. */
  readonly static: StaticCatalogIndex | null;
  constructor(options: CatalogOptions = {}) {
    const d = defaults(options);
    this.client = new HysopeClient(d);
    this.static = isStaticCatalogUrl(d.baseUrl) ? StaticCatalogIndex.shared(d.baseUrl) : null;
  }
  /**
   * Every item matching the search (all pages), up to `max`, noted as read (see {@link reads}). In a re-run of a
   * published notebook (`HYSOPE_PINS`), only the pinned items of the collections searched: the versions it read
   * then, even where newer ones superseded them since.
   */
  async search(body: SearchBody, max = 10_000): Promise<Item[]> {
    const pins = pinned();
    let query = body;
    if (pins) {
      const ids = (body.collections ?? [...pins.keys()]).flatMap((c) => pins.get(c) ?? []);
      const allowed = body.ids ? ids.filter((id) => body.ids!.includes(id)) : ids;
      if (allowed.length === 0) return [];
      query = { ...body, ids: allowed };
    }
    const items: Item[] = [];
    if (this.static) items.push(...(await this.static.matching(query)).slice(0, max));
    else
      for await (const item of this.client.searchAll(query)) {
        items.push(item);
        if (items.length >= max) break;
      }
    recordReads(items);
    return items;
  }
  /** The collections of the catalog. */
  async collections() {
    return this.static ? this.static.collections() : (await this.client.collections()).collections;
  }
}
