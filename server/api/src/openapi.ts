import { AlertNotification } from './alerts.js';
import { GalleryEntry, GalleryPublication } from './gallery.js';
import { z } from 'zod';
import { OgcException } from './errors.js';
import { SearchGeometry } from './geometry.js';
import { ExecuteRequest, JobList, JobListQuery, ProcessDescription, ProcessList, Results, StatusInfo } from './processes.js';
import { SearchBody } from './search.js';
import { SignedUrl } from './client.js';
import { Health, HarmonizedQuery, HarmonizedSeries, HydrocronError, HydrocronQuery, HydrocronResponse, TimeseriesQuery } from './series.js';
import { Collection, Collections, Conformance, Item, ItemCollection, LandingPage, Queryables } from './stac.js';

/**
 * The gateway's OpenAPI 3.0 document, generated from this package's zod schemas: every route the gateway
 * serves is listed in {@link ROUTES} (a test walks the gateway's router and checks both ways), its bodies and
 * answers are the schemas the gateway and its clients already use.
 */

/** Media type of the OpenAPI document (`service-desc`). */
export const OPENAPI_MEDIA_TYPE = 'application/vnd.oai.openapi+json;version=3.0';

type Schema = z.ZodType;
/** What a route answers with one status. */
export interface ResponseDoc {
  description: string;
  /** JSON body schema; `binary` / `text` for other bodies. */
  schema?: Schema | 'binary' | 'text';
  /** Media type of the body (application/json). */
  mediaType?: string;
  /** Other media types of the same body. */
  alsoAs?: string[];
  headers?: Record<string, string>;
}
/** One route of the gateway. */
/** An API key as its owner sees it (the key itself is shown once, when made). */
const ApiKeyInfo = z.object({ id: z.string(), name: z.string().nullable(), created: z.string(), last_used: z.string().nullable() });

/** A subscription as its owner sees it (its secret is shown once, when made). */
const Subscription = z.object({
  id: z.string(),
  owner: z.string(),
  feature: z.string(),
  feature_id: z.string().nullable(),
  bbox: z.array(z.number()).nullable(),
  condition: z.string(),
  threshold: z.number().nullable(),
  webhook: z.string().nullable(),
  email: z.string().nullable(),
  max_per_hour: z.number(),
  created: z.string()
});

/** A CNM notification (PO.DAAC's schema, v1.6.1: the gateway checks it against the official JSON Schema). */
const CnmNotification = z
  .object({
    version: z.string(),
    provider: z.string(),
    collection: z.union([z.string(), z.object({ name: z.string(), version: z.string().optional() })]),
    submissionTime: z.string(),
    identifier: z.string(),
    product: z
      .object({ name: z.string(), files: z.array(z.object({ type: z.string(), uri: z.string(), name: z.string() }).passthrough()).optional() })
      .passthrough()
  })
  .passthrough();

/** The CNM response to a notification. */
const CnmResponse = z
  .object({
    identifier: z.string(),
    receivedTime: z.string(),
    processCompleteTime: z.string(),
    response: z.object({
      status: z.enum(['SUCCESS', 'FAILURE']),
      errorCode: z.enum(['VALIDATION_ERROR', 'PROCESSING_ERROR', 'TRANSFER_ERROR']).optional(),
      errorMessage: z.string().optional(),
      ingestionMetadata: z.object({ catalogId: z.string(), catalogUrl: z.string() }).optional()
    })
  })
  .passthrough();

/** One access to restricted data in the audit trail. */
const AccessEntry = z.object({
  at: z.string(),
  user: z.string().nullable(),
  role: z.string(),
  action: z.enum(['download', 'read', 'timeseries']),
  collection: z.string(),
  item: z.string().nullable(),
  level: z.string()
});

export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI path template, e.g. `/stac/collections/{collectionId}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** Query parameters: an object of optional or required strings (or enums). */
  query?: z.ZodObject;
  /** Path parameter descriptions (every `{name}` of the path is a required string). */
  params?: Record<string, string>;
  headers?: Record<string, string>;
  body?: { schema?: Schema | 'text'; mediaTypes?: string[]; required?: boolean };
  responses: Record<number, ResponseDoc>;
  /** Whether a caller must be authenticated (an API key or a JupyterHub token). */
  auth?: boolean;
}

/** Named schemas, shown under `components.schemas` and referenced by name. */
export const SCHEMAS: Record<string, Schema> = {
  Exception: OgcException,
  LandingPage,
  Conformance,
  Collections,
  Collection,
  Queryables,
  Item,
  ItemCollection,
  SearchBody,
  Geometry: SearchGeometry,
  ProcessList,
  ProcessDescription,
  ExecuteRequest,
  StatusInfo,
  JobList,
  Results,
  HydrocronResponse,
  HydrocronError,
  Health
};

const SearchQuery = z.object({
  collections: z.string().optional().describe('collection ids, comma-separated'),
  ids: z.string().optional().describe('item ids, comma-separated'),
  bbox: z.string().optional().describe('west,south,east,north (4 or 6 numbers)'),
  intersects: z.string().optional().describe('a GeoJSON geometry (GeometryCollection too), as JSON'),
  datetime: z.string().optional().describe('an RFC 3339 date-time or interval (`..` or empty for an open end)'),
  limit: z.string().optional().describe('page size, 1-10000 (10); more is served as 10000'),
  token: z.string().optional().describe('page token, from a `next` link'),
  filter: z.string().optional().describe('a CQL2 filter (text or JSON)'),
  'filter-lang': z.enum(['cql2-text', 'cql2-json']).optional(),
  sortby: z.string().optional().describe('e.g. -datetime,+properties.swot:cycle'),
  fields: z.string().optional().describe('e.g. id,properties.swot:cycle,-assets'),
  q: z.string().optional().describe('free-text words, comma-separated')
});
const ExportQuery = SearchQuery.omit({ token: true, limit: true }).extend({
  format: z.enum(['geoparquet', 'csv', 'geojson']).optional().describe('geoparquet (default), csv or geojson')
});
const Paging = z.object({ limit: z.string().optional().describe('page size, 1-1000 (100)'), offset: z.string().optional().describe('first entry (0)') });

const json = (schema: Schema, description: string, mediaType = 'application/json'): ResponseDoc => ({ description, schema, mediaType });
const geo = (schema: Schema, description: string): ResponseDoc => ({ description, schema, mediaType: 'application/geo+json', alsoAs: ['application/json'] });
const none = (description: string): ResponseDoc => ({ description });
const SEARCH_DESC = 'STAC API item search with the filter (CQL2 text and JSON), sort, fields and free-text extensions.';

/** Every route of the gateway. */
export const ROUTES: RouteDoc[] = [
  // Landing, description of the API, access
  {
    method: 'get',
    path: '/',
    tag: 'Landing',
    summary: 'Landing page (OGC API): links to the catalog, processes, jobs, conformance and this document; a browser asking for HTML gets the portal',
    responses: { 200: { ...json(LandingPage, 'the landing page'), alsoAs: ['text/html'] } }
  },
  {
    method: 'get',
    path: '/conformance',
    tag: 'Landing',
    summary: 'OGC API - Processes conformance classes',
    responses: { 200: json(Conformance, 'conformance classes') }
  },
  {
    method: 'get',
    path: '/api',
    tag: 'Landing',
    summary: 'This OpenAPI 3.0 document (service-desc)',
    responses: { 200: { description: 'the OpenAPI document', schema: 'text', mediaType: OPENAPI_MEDIA_TYPE, alsoAs: ['application/json'] } }
  },
  {
    method: 'get',
    path: '/api.html',
    tag: 'Landing',
    summary: 'This API as a web page (service-doc)',
    responses: { 200: { description: 'HTML', schema: 'text', mediaType: 'text/html' } }
  },
  {
    method: 'get',
    path: '/portal/{page}',
    tag: 'Landing',
    summary:
      "The portal's pages for people (map search, reach/node/lake/station/gauge pages, basket, account): one HTML page that reloads at any of its addresses",
    params: { page: 'e.g. reach/74269900011, station/<item id>, basket, account (empty: the search)' },
    responses: { 200: { description: 'HTML', schema: 'text', mediaType: 'text/html' } }
  },
  {
    method: 'get',
    path: '/portal/assets/{file}',
    tag: 'Landing',
    summary: "The portal's files (hashed names, cached for good, sent brotli- or gzip-compressed when accepted)",
    params: { file: 'a file name of the build' },
    responses: { 200: { description: 'the file', schema: 'binary', mediaType: 'application/octet-stream' } }
  },
  {
    method: 'get',
    path: '/whoami',
    tag: 'Access',
    summary: 'Who the gateway takes the caller for: name and role (public when anonymous)',
    responses: { 200: json(z.object({ name: z.string().nullable(), role: z.string() }), 'the caller') }
  },
  {
    method: 'get',
    path: '/auth/oidc',
    tag: 'Access',
    summary: "How to sign in: the OpenID Connect provider whose bearer JWTs the API accepts, and the portal's public client (404 without single sign-on)",
    responses: {
      200: json(
        z.object({
          issuer: z.string(),
          client_id: z.string(),
          scopes: z.string(),
          authorization_endpoint: z.string(),
          token_endpoint: z.string(),
          end_session_endpoint: z.string().optional(),
          revocation_endpoint: z.string().optional()
        }),
        'the provider and the client'
      )
    }
  },
  {
    method: 'get',
    path: '/auth/account',
    tag: 'Access',
    summary: "The caller's account: name, role, access levels, how they signed in, their API keys and their recent access to restricted data",
    auth: true,
    responses: {
      200: json(
        z.object({
          name: z.string(),
          role: z.string(),
          signed_in_with: z.string(),
          access_levels: z.array(z.string()),
          keys: z.array(ApiKeyInfo),
          recent_access: z.array(AccessEntry),
          sends_mail: z.boolean()
        }),
        'the account'
      )
    }
  },
  {
    method: 'get',
    path: '/auth/keys',
    tag: 'Access',
    summary: "The caller's API keys (never the keys themselves)",
    auth: true,
    responses: { 200: json(z.object({ keys: z.array(ApiKeyInfo) }), 'the keys') }
  },
  {
    method: 'post',
    path: '/auth/keys',
    tag: 'Access',
    summary: 'A new API key for the caller, named (shown once; send it as "Authorization: token KEY")',
    auth: true,
    body: { schema: z.object({ name: z.string().min(1).max(80) }), required: true },
    responses: { 201: json(ApiKeyInfo.omit({ last_used: true }).extend({ key: z.string() }), 'the new key') }
  },
  {
    method: 'delete',
    path: '/auth/keys/{keyId}',
    tag: 'Access',
    summary: "Revokes one of the caller's API keys",
    auth: true,
    params: { keyId: 'the id the key list shows' },
    responses: { 204: { description: 'revoked' } }
  },
  {
    method: 'get',
    path: '/gallery',
    tag: 'Gallery',
    summary: 'Notebooks the community published (those the caller may see), newest first; q searches titles, descriptions and authors',
    query: z.object({
      q: z.string().optional(),
      tag: z.string().optional(),
      author: z.string().optional(),
      limit: z.number().int().min(1).max(500).optional()
    }),
    responses: { 200: json(z.object({ notebooks: z.array(GalleryEntry), links: z.array(z.record(z.string(), z.unknown())) }), 'gallery notebooks') }
  },
  {
    method: 'post',
    path: '/gallery',
    tag: 'Gallery',
    summary: "Publishes a notebook under the caller's name, with the catalog items it read pinned (kernels-bridge's reads output)",
    auth: true,
    body: { schema: GalleryPublication, required: true },
    responses: { 201: json(GalleryEntry, 'the published notebook') }
  },
  {
    method: 'get',
    path: '/gallery/{notebookId}',
    tag: 'Gallery',
    summary: 'One gallery notebook: its description, kernel, packages, pins and links',
    responses: { 200: json(GalleryEntry, 'the gallery notebook') }
  },
  {
    method: 'delete',
    path: '/gallery/{notebookId}',
    tag: 'Gallery',
    summary: 'Removes a gallery notebook (its author or an administrator)',
    auth: true,
    responses: { 204: { description: 'removed' } }
  },
  {
    method: 'get',
    path: '/gallery/{notebookId}/notebook.ipynb',
    tag: 'Gallery',
    summary: 'The notebook as published, its pins in metadata.hysope.reads',
    responses: { 200: { description: 'the notebook', schema: 'text', mediaType: 'application/x-ipynb+json' } }
  },
  {
    method: 'get',
    path: '/gallery/{notebookId}/preview',
    tag: 'Gallery',
    summary: 'The notebook rendered as a page (markdown, code, text and image outputs; nothing runs)',
    responses: { 200: { description: 'HTML', schema: 'text', mediaType: 'text/html' } }
  },
  {
    method: 'post',
    path: '/gallery/{notebookId}/fork',
    tag: 'Gallery',
    summary: "A copy under the caller's name that remembers where it came from (title, description, tags, license may be changed)",
    auth: true,
    body: { schema: GalleryPublication.partial(), required: false },
    responses: { 201: json(GalleryEntry, 'the fork') }
  },
  {
    method: 'post',
    path: '/gallery/{notebookId}/check',
    tag: 'Gallery',
    summary: 'Whether a re-run of the notebook (with HYSOPE_PINS set to its pins) gave the outputs it was published with, code cell by code cell',
    body: { schema: z.object({ notebook: z.record(z.string(), z.unknown()) }), required: true },
    responses: {
      200: json(
        z.object({
          match: z.boolean(),
          cells: z.array(z.object({ cell: z.number().int(), same: z.boolean(), published: z.number().int(), rerun: z.number().int() }))
        }),
        'the comparison'
      )
    }
  },
  {
    method: 'post',
    path: '/subscriptions',
    tag: 'Alerts',
    summary: 'Subscribe to a feature or an area: new observation, WSE above/below, quality worse than, no data for N days (the webhook secret is shown once)',
    auth: true,
    body: {
      schema: z.object({
        feature: z.enum(['Reach', 'Node', 'PriorLake']),
        id: z.string().optional(),
        bbox: z.array(z.number()).length(4).optional(),
        condition: z.enum(['new', 'above', 'below', 'quality', 'silence']),
        threshold: z.number().optional(),
        webhook: z.string().optional(),
        email: z.string().optional(),
        max_per_hour: z.number().int().min(1).max(1000).optional()
      }),
      required: true
    },
    responses: { 201: json(Subscription.extend({ secret: z.string(), unsubscribe_url: z.string() }), 'the subscription') }
  },
  {
    method: 'get',
    path: '/subscriptions',
    tag: 'Alerts',
    summary: "The caller's subscriptions",
    auth: true,
    responses: { 200: json(z.object({ subscriptions: z.array(Subscription) }), 'subscriptions') }
  },
  {
    method: 'get',
    path: '/subscriptions/unsubscribe',
    tag: 'Alerts',
    summary: 'The unsubscribe link of alert e-mails: a page with one button',
    query: z.object({ token: z.string() }),
    responses: { 200: { description: 'HTML', schema: 'text', mediaType: 'text/html' } }
  },
  {
    method: 'post',
    path: '/subscriptions/unsubscribe',
    tag: 'Alerts',
    summary: "Unsubscribes (the button of the page, or a mail client's one-click POST, RFC 8058)",
    query: z.object({ token: z.string() }),
    responses: { 200: { description: 'HTML', schema: 'text', mediaType: 'text/html' } }
  },
  {
    method: 'get',
    path: '/subscriptions/{subscriptionId}',
    tag: 'Alerts',
    summary: 'One subscription with its history (each notification by channel: delivered, pending, failed or suppressed)',
    auth: true,
    responses: { 200: json(Subscription.extend({ history: z.array(z.record(z.string(), z.unknown())) }), 'the subscription') }
  },
  {
    method: 'delete',
    path: '/subscriptions/{subscriptionId}',
    tag: 'Alerts',
    summary: 'Ends a subscription',
    auth: true,
    responses: { 204: { description: 'deleted' } }
  },
  {
    method: 'get',
    path: '/notifications',
    tag: 'Alerts',
    summary: "The caller's alerts (what the portal and the lab show), newest first",
    auth: true,
    query: z.object({ limit: z.string().optional().describe('1 to 1000 (50)') }),
    responses: { 200: json(z.object({ notifications: z.array(AlertNotification) }), 'alerts') }
  },
  {
    method: 'get',
    path: '/audit',
    tag: 'Access',
    summary: 'The audit trail of access to scientific, institutional and private data (administrators)',
    auth: true,
    query: z.object({
      user: z.string().optional(),
      collection: z.string().optional(),
      level: z.enum(['public', 'educational', 'scientific', 'institutional', 'private']).optional(),
      since: z.string().optional().describe('RFC 3339 instant'),
      until: z.string().optional().describe('RFC 3339 instant'),
      limit: z.string().optional().describe('1 to 10000 (100)')
    }),
    responses: { 200: json(z.object({ entries: z.array(AccessEntry) }), 'entries, newest first') }
  },
  {
    method: 'post',
    path: '/auth/sign',
    tag: 'Access',
    summary: 'A short-lived signed URL for an asset or an event stream (for clients that cannot send headers)',
    auth: true,
    body: { schema: z.object({ href: z.string(), ttl: z.number().int().min(10).max(3600).optional() }), required: true },
    responses: { 200: json(SignedUrl, 'the signed URL and when it expires') }
  },
  {
    method: 'post',
    path: '/cnm',
    tag: 'STAC',
    summary:
      "A PO.DAAC Cloud Notification Mechanism (CNM) notification from a provider (producers and admins): its data files (file:// URIs in the gateway's inboxes, size and checksum checked) ingested, the CNM response as the answer",
    auth: true,
    body: { schema: CnmNotification, required: true },
    responses: {
      200: json(CnmResponse, 'the CNM response (SUCCESS, with the item in ingestionMetadata)'),
      422: json(CnmResponse.and(OgcException), 'the CNM response (FAILURE, its errorCode and errorMessage) with the error fields of every other answer'),
      503: {
        ...json(CnmResponse.and(OgcException), 'a failure that may pass (the catalog or its disk): send the notification again'),
        headers: { 'Retry-After': 'seconds' }
      }
    }
  },
  {
    method: 'get',
    path: '/harvest/sources',
    tag: 'STAC',
    summary:
      "Harvested sources (producers and admins): how far the catalog holds each (its high-water mark, the lag behind its provider), the last success and the last failure's reason",
    auth: true,
    query: z.object({ source: z.string().optional().describe('a provider (hubeau)') }),
    responses: {
      200: json(
        z.object({
          sources: z.array(
            z.object({
              source: z.string(),
              key: z.string(),
              high_water: z.string().nullable(),
              records: z.number(),
              last_success: z.string().nullable(),
              last_attempt: z.string().nullable(),
              last_error: z.string().nullable(),
              lag_seconds: z.number().nullable()
            })
          )
        }),
        'the sources'
      )
    }
  },
  // STAC API
  { method: 'get', path: '/stac', tag: 'STAC', summary: 'STAC API landing page', responses: { 200: json(LandingPage, 'the STAC landing page') } },
  {
    method: 'get',
    path: '/stac/conformance',
    tag: 'STAC',
    summary: 'STAC API and OGC API - Features conformance classes',
    responses: { 200: json(Conformance, 'conformance classes') }
  },
  {
    method: 'get',
    path: '/stac/queryables',
    tag: 'STAC',
    summary: 'Queryables of all collections (JSON Schema)',
    responses: { 200: json(Queryables, 'queryables', 'application/schema+json') }
  },
  {
    method: 'get',
    path: '/stac/collections',
    tag: 'STAC',
    summary: 'The collections the caller may see',
    responses: { 200: json(Collections, 'collections') }
  },
  { method: 'get', path: '/stac/collections/{collectionId}', tag: 'STAC', summary: 'One collection', responses: { 200: json(Collection, 'the collection') } },
  {
    method: 'get',
    path: '/stac/collections/{collectionId}/queryables',
    tag: 'STAC',
    summary: 'Queryables of one collection',
    responses: { 200: json(Queryables, 'queryables', 'application/schema+json') }
  },
  {
    method: 'get',
    path: '/stac/collections/{collectionId}/items',
    tag: 'STAC',
    summary: 'Items of a collection (OGC API - Features), with the search parameters',
    query: SearchQuery,
    responses: { 200: geo(ItemCollection, 'a page of items') }
  },
  { method: 'get', path: '/stac/collections/{collectionId}/items/{itemId}', tag: 'STAC', summary: 'One item', responses: { 200: geo(Item, 'the item') } },
  {
    method: 'get',
    path: '/stac/collections/{collectionId}/export',
    tag: 'STAC',
    summary: 'Every feature of the items a search selects, in one file (streamed)',
    query: ExportQuery,
    responses: {
      200: {
        description: 'GeoParquet, CSV or GeoJSON',
        schema: 'binary',
        mediaType: 'application/vnd.apache.parquet',
        alsoAs: ['text/csv', 'application/geo+json']
      }
    }
  },
  {
    method: 'get',
    path: '/stac/search',
    tag: 'STAC',
    summary: 'Item search (GET)',
    description: SEARCH_DESC,
    query: SearchQuery,
    responses: { 200: geo(ItemCollection, 'a page of items') }
  },
  {
    method: 'post',
    path: '/stac/search',
    tag: 'STAC',
    summary: 'Item search (POST)',
    description: SEARCH_DESC,
    body: { schema: SearchBody },
    responses: { 200: geo(ItemCollection, 'a page of items') }
  },
  // Assets
  {
    method: 'get',
    path: '/assets/{path}',
    tag: 'Assets',
    summary: 'A product (GeoParquet) or an original granule, range-served with validators',
    params: { path: 'products/<collection>/<item>.parquet or sources/<collection>/<file>' },
    headers: { Range: 'bytes=start-end' },
    responses: {
      200: { description: 'the file', schema: 'binary', mediaType: 'application/octet-stream', headers: { ETag: 'validator', 'Accept-Ranges': 'bytes' } },
      206: { description: 'the range asked', schema: 'binary', mediaType: 'application/octet-stream', headers: { 'Content-Range': 'bytes start-end/size' } }
    }
  },
  // OGC API - Processes
  {
    method: 'get',
    path: '/processes',
    tag: 'Processes',
    summary: 'The processes (paged)',
    query: Paging,
    responses: { 200: json(ProcessList, 'a page of processes') }
  },
  {
    method: 'post',
    path: '/processes',
    tag: 'Processes',
    summary: 'Deploy a CWL application package (OGC API - Processes - Part 2; producers)',
    auth: true,
    query: z.object({ id: z.string().optional().describe('process id (default: from the package)') }),
    body: { schema: 'text', mediaTypes: ['application/cwl+yaml', 'application/cwl', 'application/cwl+json', 'application/json'], required: true },
    responses: { 201: { ...json(z.record(z.string(), z.unknown()), 'the deployed process'), headers: { Location: 'the process' } } }
  },
  {
    method: 'get',
    path: '/processes/{processId}',
    tag: 'Processes',
    summary: 'A process description',
    responses: { 200: json(ProcessDescription, 'the process description') }
  },
  {
    method: 'put',
    path: '/processes/{processId}',
    tag: 'Processes',
    summary: 'Replace a deployed process (its deployer or an admin)',
    auth: true,
    body: { schema: 'text', mediaTypes: ['application/cwl+yaml', 'application/cwl', 'application/cwl+json', 'application/json'], required: true },
    responses: { 204: none('replaced') }
  },
  {
    method: 'delete',
    path: '/processes/{processId}',
    tag: 'Processes',
    summary: 'Undeploy a process (its deployer or an admin)',
    auth: true,
    responses: { 204: none('undeployed') }
  },
  {
    method: 'post',
    path: '/processes/{processId}/execution',
    tag: 'Processes',
    summary: 'Execute a process: synchronously (results), or as a job with `Prefer: respond-async` (status, Location)',
    auth: true,
    headers: { Prefer: 'respond-async for a job' },
    body: { schema: ExecuteRequest, required: true },
    responses: {
      200: {
        description: 'the results (document), or the one output as is (`response: raw`)',
        schema: Results,
        mediaType: 'application/json',
        alsoAs: ['*/*']
      },
      201: { ...json(StatusInfo, 'the job (asynchronous)'), headers: { Location: 'the job', 'Preference-Applied': 'respond-async' } }
    }
  },
  {
    method: 'get',
    path: '/jobs',
    tag: 'Jobs',
    summary: "The caller's jobs, newest first",
    auth: true,
    query: JobListQuery,
    responses: { 200: json(JobList, 'jobs') }
  },
  { method: 'get', path: '/jobs/{jobId}', tag: 'Jobs', summary: 'A job status', auth: true, responses: { 200: json(StatusInfo, 'the status') } },
  {
    method: 'delete',
    path: '/jobs/{jobId}',
    tag: 'Jobs',
    summary: 'Dismiss a job (cancel it if running)',
    auth: true,
    responses: { 200: json(StatusInfo, 'the dismissed job') }
  },
  {
    method: 'get',
    path: '/jobs/{jobId}/results',
    tag: 'Jobs',
    summary: "A successful job's results (a failed job answers its failure)",
    auth: true,
    responses: { 200: json(Results, 'the results') }
  },
  {
    method: 'get',
    path: '/jobs/{jobId}/results/{output}',
    tag: 'Jobs',
    summary: 'One file output of a job',
    auth: true,
    responses: { 200: { description: 'the file', schema: 'binary', mediaType: 'application/octet-stream' } }
  },
  {
    method: 'get',
    path: '/jobs/{jobId}/log',
    tag: 'Jobs',
    summary: 'The job log',
    auth: true,
    responses: { 200: { description: 'the log', schema: 'text', mediaType: 'text/plain' } }
  },
  {
    method: 'get',
    path: '/jobs/{jobId}/events',
    tag: 'Jobs',
    summary: 'Live status and log (server-sent events `status`, `log`)',
    auth: true,
    responses: { 200: { description: 'event stream', schema: 'text', mediaType: 'text/event-stream' } }
  },
  // Time series
  {
    method: 'get',
    path: '/timeseries',
    tag: 'Time series',
    summary: 'Observations of many SWOT features (by ids, basin, bbox or polygon), streamed',
    query: TimeseriesQuery,
    responses: {
      200: {
        description: 'CSV, GeoJSON, Arrow IPC stream or Parquet',
        schema: 'binary',
        mediaType: 'text/csv',
        alsoAs: ['application/geo+json', 'application/vnd.apache.arrow.stream', 'application/vnd.apache.parquet']
      }
    }
  },
  {
    method: 'get',
    path: '/timeseries/harmonized',
    tag: 'Time series',
    summary: 'Every source near a point (SWOT, altimetry, in-situ) on one axis',
    query: HarmonizedQuery,
    responses: {
      200: {
        description: 'the sources and their observations (CSV with format=csv)',
        schema: HarmonizedSeries,
        mediaType: 'application/json',
        alsoAs: ['text/csv']
      }
    }
  },
  {
    method: 'get',
    path: '/hydrocron/v1/timeseries',
    tag: 'Hydrocron',
    summary: "PO.DAAC Hydrocron's time-series request, answered as Hydrocron answers it",
    query: HydrocronQuery,
    headers: { Accept: 'application/json (envelope), text/csv or application/geo+json' },
    responses: {
      200: {
        description: 'the envelope, or CSV / GeoJSON by Accept',
        schema: HydrocronResponse,
        mediaType: 'application/json',
        alsoAs: ['text/csv', 'application/geo+json']
      },
      400: { description: "Hydrocron's error envelope", schema: HydrocronError, mediaType: 'application/json' }
    }
  },
  // Supervision (HYDRA)
  { method: 'get', path: '/health/live', tag: 'Supervision', summary: 'The gateway answers', responses: { 200: json(Health, 'alive') } },
  {
    method: 'get',
    path: '/health/ready',
    tag: 'Supervision',
    summary: 'The gateway, its store, object store, disk and executor answer',
    responses: { 200: json(Health, 'ready'), 503: { ...json(Health, 'not ready'), headers: { 'Retry-After': 'seconds' } } }
  },
  {
    method: 'get',
    path: '/metrics',
    tag: 'Supervision',
    summary: 'Prometheus metrics (metrics token or an admin key)',
    auth: true,
    responses: { 200: { description: 'Prometheus text format', schema: 'text', mediaType: 'text/plain' } }
  },
  {
    method: 'get',
    path: '/events',
    tag: 'Supervision',
    summary: 'Live platform events (ingests, jobs, alerts) as server-sent events',
    responses: { 200: { description: 'event stream', schema: 'text', mediaType: 'text/event-stream' } }
  }
];

const toJson = (schema: Schema, io: 'input' | 'output'): Record<string, unknown> => {
  const named = Object.entries(SCHEMAS).find(([, s]) => s === schema);
  if (named) return { $ref: `#/components/schemas/${named[0]}` };
  const out = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete out['$schema'];
  return out;
};

const content = (r: ResponseDoc): Record<string, unknown> | undefined => {
  if (!r.schema) return undefined;
  const schema = r.schema === 'binary' ? { type: 'string', format: 'binary' } : r.schema === 'text' ? { type: 'string' } : toJson(r.schema, 'output');
  return Object.fromEntries([r.mediaType ?? 'application/json', ...(r.alsoAs ?? [])].map((m) => [m, { schema }]));
};

/** The OpenAPI 3.0 document of the gateway at `serverUrl`. */
export function openApiDocument(serverUrl: string, version = '0.1.0'): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const parameters: Record<string, unknown>[] = [];
    for (const [, name] of route.path.matchAll(/\{(\w+)\}/g)) {
      parameters.push({ name, in: 'path', required: true, description: route.params?.[name!], schema: { type: 'string' } });
    }
    if (route.query) {
      for (const [name, field] of Object.entries(route.query.shape) as [string, Schema][]) {
        const schema = z.toJSONSchema(field, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
        delete schema['$schema'];
        const description = schema['description'];
        delete schema['description'];
        parameters.push({ name, in: 'query', required: !field.safeParse(undefined).success, ...(description ? { description } : {}), schema });
      }
    }
    for (const [name, description] of Object.entries(route.headers ?? {}))
      parameters.push({ name, in: 'header', required: false, description, schema: { type: 'string' } });
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(route.responses)) {
      responses[status] = {
        description: r.description,
        ...(r.headers ? { headers: Object.fromEntries(Object.entries(r.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) } : {}),
        ...(content(r) ? { content: content(r) } : {})
      };
    }
    responses['default'] = {
      description: 'an error, in the OGC API exception shape (with STAC API `code`/`description`)',
      content: {
        'application/problem+json': { schema: { $ref: '#/components/schemas/Exception' } },
        'application/json': { schema: { $ref: '#/components/schemas/Exception' } }
      }
    };
    const op: Record<string, unknown> = {
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      operationId: `${route.method}${route.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(parameters.length ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: route.body.required ?? false,
              content: Object.fromEntries(
                (route.body.mediaTypes ?? ['application/json']).map((m) => [
                  m,
                  { schema: route.body!.schema === 'text' || !route.body!.schema ? { type: 'string' } : toJson(route.body!.schema, 'input') }
                ])
              )
            }
          }
        : {}),
      responses,
      ...(route.auth ? { security: [{ apiKey: [] }, { bearer: [] }] } : {})
    };
    (paths[route.path] ??= {})[route.method] = op;
  }
  const schemas: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    const out = z.toJSONSchema(schema, {
      target: 'openapi-3.0',
      io: name === 'SearchBody' || name === 'ExecuteRequest' ? 'input' : 'output',
      unrepresentable: 'any'
    }) as Record<string, unknown>;
    delete out['$schema'];
    schemas[name] = out;
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'HYSOPE gateway',
      version,
      description:
        'Hydrology data, SWOT first: a STAC API 1.0.0 catalog (HYGOR), time series and a Hydrocron drop-in (HYDROWEB-NG), ' +
        'OGC API - Processes (HYMOTEP) and supervision (HYDRA). Errors are OGC API exceptions.',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' }
    },
    servers: [{ url: serverUrl }],
    tags: [...new Set(ROUTES.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'token <API key or JupyterHub token>' },
        bearer: { type: 'http', scheme: 'bearer' }
      }
    }
  };
}
