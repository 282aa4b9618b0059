import { Router, type Request } from 'express';
import { OPENAPI_MEDIA_TYPE, openApiDocument } from '@hysope/api';
import { GATEWAY_VERSION } from '../catalog/ingest.js';
import type { Config } from '../config.js';
import { asyncHandler } from './errors.js';
import { defaultPortalDir, portalRoutes, wantsPage } from './portal.js';
import { serviceDocHtml } from './service-doc.js';

/** The link relation of the lab in the landing page (the portal's "Open in the lab" follows it). */
const LAB_REL = 'https://hysope.dev/rel/lab';

/**
 * The gateway's front door: the landing document of the OGC APIs (Processes here, the catalog under /stac) with the
 * links their clients follow, the OpenAPI document (service-desc) and its page (service-doc), and the portal for
 * people (browsers asking for a page at /).
 */
export function landingRoutes(config: Pick<Config, 'portalDir' | 'labUrl'>, baseUrl: (req: Request) => string): Router {
  const r = Router();
  r.get('/api', (req, res) => {
    res.setHeader(
      'Content-Type',
      /application\/json/.test(req.get('accept') ?? '') && !/openapi/.test(req.get('accept') ?? '') ? 'application/json' : OPENAPI_MEDIA_TYPE
    );
    res.end(JSON.stringify(openApiDocument(baseUrl(req), GATEWAY_VERSION)));
  });
  r.get('/api.html', (req, res) => {
    res.type('html').send(serviceDocHtml(openApiDocument(baseUrl(req), GATEWAY_VERSION), `${baseUrl(req)}/api`));
  });
  const portal = portalRoutes(config.portalDir ?? defaultPortalDir());
  r.use('/portal', portal.router);
  r.get(
    '/',
    asyncHandler(async (req, res, next) => {
      if (wantsPage(req) && portal.built) return portal.page(req, res);
      res.setHeader('Vary', 'Accept');
      next();
    })
  );
  r.get('/', (req, res) => {
    const base = baseUrl(req);
    res.json({
      title: 'HYSOPE gateway',
      description: 'Hydrology data, SWOT first: STAC API catalog, time series, Hydrocron drop-in and OGC API - Processes.',
      links: [
        { rel: 'self', href: `${base}/`, type: 'application/json', title: 'this document' },
        { rel: 'service-desc', href: `${base}/api`, type: OPENAPI_MEDIA_TYPE, title: 'the API definition (OpenAPI 3.0)' },
        { rel: 'service-doc', href: `${base}/api.html`, type: 'text/html', title: 'the API documentation' },
        { rel: 'conformance', href: `${base}/conformance`, type: 'application/json', title: 'OGC API - Processes conformance classes' },
        { rel: 'http://www.opengis.net/def/rel/ogc/1.0/conformance', href: `${base}/conformance`, type: 'application/json' },
        { rel: 'http://www.opengis.net/def/rel/ogc/1.0/processes', href: `${base}/processes`, type: 'application/json', title: 'processes' },
        { rel: 'http://www.opengis.net/def/rel/ogc/1.0/job-list', href: `${base}/jobs`, type: 'application/json', title: 'jobs' },
        { rel: 'data', href: `${base}/stac`, type: 'application/json', title: 'STAC API catalog' },
        { rel: 'stac', href: `${base}/stac`, type: 'application/json' },
        { rel: 'health', href: `${base}/health/ready`, type: 'application/json' },
        { rel: 'whoami', href: `${base}/whoami`, type: 'application/json' },
        { rel: 'alternate', href: `${base}/portal/`, type: 'text/html', title: 'the portal (map search, feature pages, downloads)' },
        ...(config.labUrl ? [{ rel: LAB_REL, href: config.labUrl, type: 'text/html', title: 'STYX, the HYSOPE lab (JupyterLab)' }] : [])
      ]
    });
  });
  return r;
}
