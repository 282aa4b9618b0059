// The gallery API: `GET /gallery` (browse, search), `POST /gallery` (publish), `GET /gallery/{id}` (one entry and its
// links), `/gallery/{id}/notebook.ipynb` (download, pins in its metadata), `/gallery/{id}/preview` (rendered, no
// kernel), `POST /gallery/{id}/fork`, `POST /gallery/{id}/check` (a re-run's outputs against the published ones),
// `DELETE /gallery/{id}`.
import { Router, type Request, type Response } from 'express';
import { principalOf } from '../auth/middleware.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { asyncHandler } from '../http/errors.js';
import { previewHtml, type Gallery, type GalleryEntry, type Publication } from './gallery.js';

/** The lab's address opening a copy of a gallery notebook (`?hysope-gallery=<id>`). */
function labLink(labUrl: string, id: string): string {
  const u = new URL(labUrl);
  u.searchParams.set('hysope-gallery', id);
  return u.href;
}

export function galleryRoutes(gallery: Gallery, labUrl?: string): Router {
  const r = Router();
  const base = (req: Request) => `${req.protocol}://${req.get('host')}`;
  const withLinks = (req: Request, e: GalleryEntry) => {
    const self = `${base(req)}/gallery/${e.id}`;
    return {
      ...e,
      links: [
        { rel: 'self', href: self, type: 'application/json' },
        { rel: 'describedby', href: `${self}/preview`, type: 'text/html', title: 'The notebook rendered (no kernel)' },
        { rel: 'enclosure', href: `${self}/notebook.ipynb`, type: 'application/x-ipynb+json', title: 'The notebook, with its pins' },
        ...(e.forked_from ? [{ rel: 'predecessor-version', href: `${base(req)}/gallery/${e.forked_from}`, type: 'application/json' }] : []),
        // Opens a copy in the lab (its gallery extension reads the parameter).
        ...(labUrl ? [{ rel: 'alternate', href: labLink(labUrl, e.id), type: 'text/html', title: 'Open a copy in the lab' }] : [])
      ]
    };
  };
  const one = async (req: Request, res: Response) => {
    const e = await gallery.entry(principalOf(res), String(req.params['id']));
    if (!e) throw new NotFoundError(`no gallery notebook "${String(req.params['id'])}" (or not one you may see)`);
    return e;
  };
  r.get(
    '/gallery',
    asyncHandler(async (req: Request, res: Response) => {
      const q = req.query as Record<string, unknown>;
      const str = (k: string) => (typeof q[k] === 'string' && q[k] ? (q[k] as string) : undefined);
      const limit = str('limit') ? Number(str('limit')) : undefined;
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new ValidationError(`limit must be a positive integer, got "${str('limit')}"`);
      const entries = await gallery.list(principalOf(res), { q: str('q'), tag: str('tag'), author: str('author'), limit });
      res.json({
        notebooks: entries.map((e) => withLinks(req, e)),
        links: [{ rel: 'self', href: `${base(req)}${req.originalUrl}`, type: 'application/json' }]
      });
    })
  );
  r.post(
    '/gallery',
    asyncHandler(async (req: Request, res: Response) => {
      const body = req.body as Publication | undefined;
      if (!body || typeof body !== 'object') throw new ValidationError('send the publication as JSON: {"title", "description", "tags", "license", "notebook"}');
      const e = await gallery.publish(principalOf(res), body);
      res.status(201).location(`/gallery/${e.id}`).json(withLinks(req, e));
    })
  );
  r.get(
    '/gallery/:id',
    asyncHandler(async (req: Request, res: Response) => {
      res.json(withLinks(req, await one(req, res)));
    })
  );
  r.get(
    '/gallery/:id/notebook.ipynb',
    asyncHandler(async (req: Request, res: Response) => {
      const { entry, notebook } = await gallery.notebook(principalOf(res), String(req.params['id']));
      const name = `${
        entry.title
          .replace(/[^\w.-]+/g, '-')
          .replace(/^-+|-+$/g, '')
          .slice(0, 80) || 'notebook'
      }.ipynb`;
      res
        .type('application/x-ipynb+json')
        .attachment(name)
        .send(JSON.stringify(notebook, null, 1));
    })
  );
  r.get(
    '/gallery/:id/preview',
    asyncHandler(async (req: Request, res: Response) => {
      const { entry, notebook } = await gallery.notebook(principalOf(res), String(req.params['id']));
      // Nothing in a preview runs: no script, no remote resource (images are inline data).
      res.set('Content-Security-Policy', "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'");
      res.type('html').send(previewHtml(entry, notebook as never));
    })
  );
  r.post(
    '/gallery/:id/fork',
    asyncHandler(async (req: Request, res: Response) => {
      const e = await gallery.fork(principalOf(res), String(req.params['id']), (req.body ?? {}) as Publication);
      res.status(201).location(`/gallery/${e.id}`).json(withLinks(req, e));
    })
  );
  r.post(
    '/gallery/:id/check',
    asyncHandler(async (req: Request, res: Response) => {
      const body = req.body as { notebook?: unknown } | undefined;
      if (!body?.notebook) throw new ValidationError('send the re-run notebook as {"notebook": ...} (run with HYSOPE_PINS set to its pins)');
      res.json(await gallery.check(principalOf(res), String(req.params['id']), body.notebook));
    })
  );
  r.delete(
    '/gallery/:id',
    asyncHandler(async (req: Request, res: Response) => {
      await gallery.remove(principalOf(res), String(req.params['id']));
      res.status(204).end();
    })
  );
  return r;
}
