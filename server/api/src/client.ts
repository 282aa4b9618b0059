import { OgcException } from './errors.js';
import { Collection, Collections, Conformance, Item, ItemCollection, LandingPage, Queryables } from './stac.js';
import { SearchBody, searchBodyToQuery } from './search.js';
import { ExecuteRequest, JobList, ProcessDescription, ProcessList, Results, StatusInfo } from './processes.js';
import { HarmonizedSeries, Health, TimeseriesGeoJson, type HarmonizedQuery, type TimeseriesQuery } from './series.js';
import { z } from 'zod';

/** A non-OK answer from the gateway, carrying its OGC exception. */
export class HysopeApiError extends Error {
  constructor(
    readonly status: number,
    readonly exception: OgcException,
    /** The answer's JSON body as it came (an exception, or e.g. a failing health report). */
    readonly body?: unknown
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

/** `POST /auth/sign`'s answer: the signed URL and when it expires. */
export const SignedUrl = z.object({ href: z.string(), expires: z.string() });
export type SignedUrl = z.infer<typeof SignedUrl>;

/** Query parameters, the ones given. */
function queryOf(params: Record<string, string | undefined>): string {
  return new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString();
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
    return schema.parse(await this.answer(path, init, 'application/json', true));
  }

  /** Performs a request whose answer is text (a job's log, Prometheus metrics). */
  async text(path: string, init: RequestInit = {}): Promise<string> {
    return (await this.answer(path, init, 'text/plain, */*', false)) as string;
  }

  /** The answer's JSON (or text); an error answer as {@link HysopeApiError}, no answer as {@link HysopeNetworkError}. */
  private async answer(path: string, init: RequestInit, accept: string, asJson: boolean): Promise<unknown> {
    const url = path.startsWith('http') ? path : `${this.baseUrl}${path}`;
    const headers = new Headers(init.headers);
    headers.set('Accept', accept);
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
        parsed.success ? parsed.data : { type: 'about:blank', title: response.statusText || 'Error', status: response.status, detail: text.slice(0, 500) },
        json
      );
    }
    return asJson ? json : text;
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
  /** `GET /timeseries` as GeoJSON: the observations of features (one feature per observation). */
  timeseries(query: Omit<TimeseriesQuery, 'format'>): Promise<TimeseriesGeoJson> {
    return this.request(TimeseriesGeoJson, `/timeseries?${queryOf({ ...query, format: 'geojson' })}`);
  }
  /** `GET /timeseries/harmonized`: every source near a point on one time axis. */
  harmonized(query: Omit<z.infer<typeof HarmonizedQuery>, 'format'>): Promise<HarmonizedSeries> {
    return this.request(HarmonizedSeries, `/timeseries/harmonized?${queryOf({ ...query, format: 'json' })}`);
  }
  /** `GET /jobs/{id}/log`: what the job wrote so far. */
  jobLog(id: string): Promise<string> {
    return this.text(`/jobs/${encodeURIComponent(id)}/log`);
  }
  /** `GET /metrics`: Prometheus text exposition. */
  metrics(): Promise<string> {
    return this.text('/metrics');
  }
  /** `POST /auth/sign`: a short-lived signed URL for an asset or an event stream (for clients that cannot send headers). */
  sign(href: string, ttl?: number): Promise<SignedUrl> {
    return this.request(SignedUrl, '/auth/sign', {
      method: 'POST',
      body: JSON.stringify(ttl === undefined ? { href } : { href, ttl }),
      headers: { 'Content-Type': 'application/json' }
    });
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

  // OGC API - Processes
  /** `GET /processes` (every page). */
  async processes(): Promise<ProcessList['processes']> {
    const out: ProcessList['processes'] = [];
    let path: string | undefined = '/processes?limit=1000';
    while (path) {
      const page: ProcessList = await this.request(ProcessList, path);
      out.push(...page.processes);
      path = page.links.find((l) => l.rel === 'next')?.href;
    }
    return out;
  }
  /** `GET /processes/{id}` */
  process(id: string): Promise<ProcessDescription> {
    return this.request(ProcessDescription, `/processes/${encodeURIComponent(id)}`);
  }
  /** `POST /processes/{id}/execution` with `Prefer: respond-async`: the job's status. */
  submit(id: string, request: ExecuteRequest): Promise<StatusInfo> {
    return this.request(StatusInfo, `/processes/${encodeURIComponent(id)}/execution`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Prefer: 'respond-async' },
      body: JSON.stringify(request)
    });
  }
  /** `GET /jobs` (the caller's, newest first); `query` takes the job-list filters (`status`, `processID`, ...). */
  jobs(query: Record<string, string> = {}): Promise<JobList> {
    const q = new URLSearchParams(query).toString();
    return this.request(JobList, `/jobs${q ? `?${q}` : ''}`);
  }
  /** `GET /jobs/{id}` */
  job(id: string): Promise<StatusInfo> {
    return this.request(StatusInfo, `/jobs/${encodeURIComponent(id)}`);
  }
  /** `DELETE /jobs/{id}`: dismisses (cancels) the job. */
  dismiss(id: string): Promise<StatusInfo> {
    return this.request(StatusInfo, `/jobs/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }
  /** `GET /jobs/{id}/results` */
  results(id: string): Promise<Results> {
    return this.request(Results, `/jobs/${encodeURIComponent(id)}/results`);
  }
  /** `GET /health/ready` (a 503 is an answer too: which checks fail). */
  async ready(): Promise<Health> {
    try {
      return await this.request(Health, '/health/ready');
    } catch (error) {
      if (error instanceof HysopeApiError && error.status === 503) {
        const parsed = Health.safeParse(error.body);
        if (parsed.success) return parsed.data;
      }
      throw error;
    }
  }
}
