import { Router, type Request } from 'express';
import { SearchParameterError, searchBodyFromQuery, type SearchBody } from '@hysope/api';
import { ValidationError } from '../errors.js';
import { principalOf, redactUrl } from '../auth/middleware.js';
import { asyncHandler } from '../http/errors.js';
import type { CatalogService } from './service.js';

/** Base URL of the gateway as the client reached it. */
export type BaseUrlOf = (req: Request) => string;

function fromQuery(req: Request): SearchBody {
  try {
    return searchBodyFromQuery(req.query as Record<string, unknown>);
  } catch (error) {
    if (error instanceof SearchParameterError) throw new ValidationError(error.message);
    throw error;
  }
}

const GEOJSON = 'application/geo+json';

/** STAC API 1.0.0 routes (core, collections, features, item search, filter, sort, fields, free text). */
export function catalogRoutes(catalog: CatalogService, baseUrl: BaseUrlOf): Router {
  const r = Router();
  // Links never echo credentials given in the query (api_key).
  const full = (req: Request) => `${baseUrl(req)}${redactUrl(req.originalUrl)}`;
  r.get('/', (req, res) => {
    res.json(catalog.landing(baseUrl(req)));
  });
  r.get('/conformance', (_req, res) => {
    res.json({ conformsTo: catalog.landing('').conformsTo });
  });
  r.get(
    '/queryables',
    asyncHandler(async (req, res) => {
      res.type('application/schema+json').send(JSON.stringify(await catalog.queryables(baseUrl(req), principalOf(res))));
    })
  );
  r.get(
    '/collections',
    asyncHandler(async (req, res) => {
      res.json(await catalog.collections(baseUrl(req), principalOf(res)));
    })
  );
  r.get(
    '/collections/:id',
    asyncHandler(async (req, res) => {
      res.json(await catalog.collection(String(req.params['id']), baseUrl(req), principalOf(res)));
    })
  );
  r.get(
    '/collections/:id/queryables',
    asyncHandler(async (req, res) => {
      res.type('application/schema+json').send(JSON.stringify(await catalog.queryables(baseUrl(req), principalOf(res), String(req.params['id']))));
    })
  );
  r.get(
    '/collections/:id/items',
    asyncHandler(async (req, res) => {
      const id = String(req.params['id']);
      await catalog.collection(id, baseUrl(req), principalOf(res));
      const body = fromQuery(req);
      // pystac-client repeats the collection as `collections=<id>` here: the same collection is accepted, another is an error.
      if (body.collections && (body.collections.length !== 1 || body.collections[0] !== id))
        throw new ValidationError(`collections=${body.collections.join(',')} contradicts /collections/${id}/items; use /search for other collections`);
      const page = await catalog.search({ ...body, collections: [id] }, baseUrl(req), { method: 'GET', url: full(req) }, principalOf(res));
      res.type(GEOJSON).send(JSON.stringify(page));
    })
  );
  r.get(
    '/collections/:id/items/:itemId',
    asyncHandler(async (req, res) => {
      res.type(GEOJSON).send(JSON.stringify(await catalog.item(String(req.params['id']), String(req.params['itemId']), baseUrl(req), principalOf(res))));
    })
  );
  r.get(
    '/search',
    asyncHandler(async (req, res) => {
      const page = await catalog.search(fromQuery(req), baseUrl(req), { method: 'GET', url: full(req) }, principalOf(res));
      res.type(GEOJSON).send(JSON.stringify(page));
    })
  );
  r.post(
    '/search',
    asyncHandler(async (req, res) => {
      if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))
        throw new ValidationError('POST /search takes a JSON object body (Content-Type: application/json)');
      const page = await catalog.search(req.body as SearchBody, baseUrl(req), { method: 'POST' }, principalOf(res));
      res.type(GEOJSON).send(JSON.stringify(page));
    })
  );
  return r;
}
