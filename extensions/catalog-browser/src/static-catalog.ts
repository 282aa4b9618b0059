// A static STAC catalog (catalog.json → collections → items, as `hysope export-static` writes it or any static
// catalog does) searched in the browser, through @hysope/api's StaticCatalogIndex (kernels-bridge's Catalog searches
// the same way). For workshop sites served by a plain web server, with no API behind them.
import { StaticCatalogIndex, StaticCatalogError, isStaticCatalogUrl, readCatalogJson, type Item, type SearchBody } from '@hysope/api';
import { StacApi, StacError, type CatalogSource, type Page } from './stac.js';
import type { CatalogApi } from './model.js';

/** Runs `f`, its static-catalog errors turned into the browser's own (their messages are shown as they are). */
async function guarded<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (error) {
    throw error instanceof StaticCatalogError ? new StacError(error.message) : error;
  }
}

/** A static STAC catalog, searched client-side (the same interface as a STAC API for the catalog browser). */
export class StaticCatalog implements CatalogApi {
  private readonly index: StaticCatalogIndex;

  constructor(readonly source: CatalogSource) {
    this.index = StaticCatalogIndex.shared(source.url, source.name);
  }

  /** No CQL2 engine: the browser sends only the equality terms a static catalog reads. */
  async filters(): Promise<boolean> {
    return true;
  }

  async collections() {
    return guarded(() => this.index.collections());
  }

  /** The items matching a search, in time order (newest first). */
  matching(body: SearchBody): Promise<Item[]> {
    return guarded(() => this.index.matching(body));
  }

  async search(body: SearchBody): Promise<Page> {
    const found = await this.matching(body);
    const limit = Math.max(1, Math.min(10_000, body.limit ?? 10));
    const page = (from: number): Page => ({
      items: found.slice(from, from + limit),
      matched: found.length,
      next: from + limit < found.length ? async () => page(from + limit) : null
    });
    return page(0);
  }

  async datetimes(body: SearchBody, max = 2000): Promise<string[]> {
    const found = await this.matching({ ...body, datetime: undefined });
    return found
      .slice(0, max)
      .map((i) => (i.properties as Record<string, unknown>)['datetime'] ?? (i.properties as Record<string, unknown>)['start_datetime'])
      .filter((d): d is string => typeof d === 'string');
  }
}

/**
 * The catalog at a source's URL: a STAC API (a landing page with a search link) or a static catalog (a
 * `catalog.json` or collection document), told apart by what the URL answers.
 */
export class AnyCatalog implements CatalogApi {
  private chosen: Promise<CatalogApi> | null = null;

  constructor(readonly source: CatalogSource) {}

  private pick(): Promise<CatalogApi> {
    this.chosen ??= (async () => {
      if (isStaticCatalogUrl(this.source.url)) return new StaticCatalog(this.source);
      const doc = await guarded(() => readCatalogJson(this.source.url, this.source.name));
      const api = Array.isArray(doc['links']) && (doc['links'] as { rel?: string }[]).some((l) => l?.rel === 'search');
      return api ? new StacApi(this.source) : new StaticCatalog(this.source);
    })().catch((error: unknown) => {
      this.chosen = null;
      throw error;
    });
    return this.chosen;
  }

  async filters() {
    return (await this.pick()).filters();
  }
  async collections() {
    return (await this.pick()).collections();
  }
  async search(body: SearchBody) {
    return (await this.pick()).search(body);
  }
  async datetimes(body: SearchBody, max?: number) {
    return (await this.pick()).datetimes(body, max);
  }
}
