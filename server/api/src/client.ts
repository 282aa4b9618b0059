import { OgcException } from './errors.js';
import { Collection, Collections, Conformance, Item, ItemCollection, LandingPage, Queryables } from './stac.js';
import { SearchBody, searchBodyToQuery } from './search.js';
import type { z } from 'zod';

/** A non-OK answer from the gateway, carrying its OGC exception. */
export class HysopeApiError extends Error {
  constructor(
    readonly status: number,
    readonly exception: OgcException
  ) {
    super(`${exception.title}: ${exception.detail}`);
    this.name = 'HysopeApiError';
  }
}

/** The gateway could not be reached at all. */
export class HysopeNetworkError extends Error {
  constructor(
    readonly url: string,
    cause: unknown
  ) {
    super(`cannot reach ${url}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'HysopeNetworkError';
  }
}

/** Options of {@link HysopeClient}. */
export interface HysopeClientOptions {
  /** Base URL of the gateway, e.g. `http://localhost:8080`. */
  baseUrl: string;
  /** API key or JupyterHub token, sent as `Authorization: token ...`. */
  token?: string;
  /** fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
}

/**
 * A small typed client of the gateway: one method per endpoint, answers
 * validated with the same zod schemas the gateway uses.
 */
export class HysopeClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: HysopeClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Performs a request and validates the JSON answer. */
  async request<S extends z.ZodType>(schema: S, path: string, init: RequestInit = {}): Promise<z.infer<S>> {
    const url = path.startsWith('http') ? path : `${this.baseUrl}${path}`;
    const headers = new Headers(init.headers);
    headers.set('Accept', 'application/json');
    if (this.options.token) headers.set('Authorization', `token ${this.options.token}`);
    let response: Response;
    try {
      response = await this.fetchImpl(url, { ...init, headers });
    } catch (cause) {
      throw new HysopeNetworkError(url, cause);
    }
    const text = await response.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: reported below */
    }
    if (!response.ok) {
      const parsed = OgcException.safeParse(json);
      throw new HysopeApiError(
        response.status,
        parsed.success ? parsed.data : { type: 'about:blank', title: response.statusText || 'Error', status: response.status, detail: text.slice(0, 500) }
      );
    }
    return schema.parse(json);
  }

  /** `GET /stac` */
  landing(): Promise<LandingPage> {
    return this.request(LandingPage, '/stac');
  }
  /** `GET /stac/conformance` */
  conformance(): Promise<Conformance> {
    return this.request(Conformance, '/stac/conformance');
  }
  /** `GET /stac/collections` */
  collections(): Promise<Collections> {
    return this.request(Collections, '/stac/collections');
  }
  /** `GET /stac/collections/{id}` */
  collection(id: string): Promise<Collection> {
    return this.request(Collection, `/stac/collections/${encodeURIComponent(id)}`);
  }
  /** `GET /stac/collections/{id}/items/{itemId}` */
  item(collectionId: string, itemId: string): Promise<Item> {
    return this.request(Item, `/stac/collections/${encodeURIComponent(collectionId)}/items/${encodeURIComponent(itemId)}`);
  }
  /** `GET /stac/collections/{id}/items` */
  items(collectionId: string, params: Omit<SearchBody, 'collections'> = {}): Promise<ItemCollection> {
    const q = searchBodyToQuery(params).toString();
    return this.request(ItemCollection, `/stac/collections/${encodeURIComponent(collectionId)}/items${q ? `?${q}` : ''}`);
  }
  /** `GET /stac/queryables` or `/stac/collections/{id}/queryables` */
  queryables(collectionId?: string): Promise<Queryables> {
    return this.request(Queryables, collectionId ? `/stac/collections/${encodeURIComponent(collectionId)}/queryables` : '/stac/queryables');
  }
  /** `POST /stac/search` */
  search(body: SearchBody): Promise<ItemCollection> {
    return this.request(ItemCollection, '/stac/search', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' }
    });
  }
  /** Every item of a search, following `next` links page after page. */
  async *searchAll(body: SearchBody): AsyncGenerator<Item> {
    let page = await this.search(body);
    for (;;) {
      yield* page.features;
      const next = page.links?.find((l) => l.rel === 'next');
      if (!next) return;
      page =
        next.method === 'POST'
          ? await this.request(ItemCollection, next.href, {
              method: 'POST',
              body: JSON.stringify(next.body ?? {}),
              headers: { 'Content-Type': 'application/json' }
            })
          : await this.request(ItemCollection, next.href);
    }
  }
}
