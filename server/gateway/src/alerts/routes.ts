// The subscriptions API: a signed-in person's subscriptions (create, list, one with its history, delete), their
// notifications (what the portal and the lab show), and the unsubscribe link of the e-mails (no sign-in: the
// link's token is the proof; one click, RFC 8058).
import { Router, type Request, type Response } from 'express';
import { NotFoundError, ValidationError } from '../errors.js';
import { asyncHandler } from '../http/errors.js';
import { person } from '../auth/account-routes.js';
import type { Alerts, NewSubscription } from './subscriptions.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)} · HYSOPE</title></head><body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 2em auto; padding: 0 1em"><h1>${escape(title)}</h1>${body}</body></html>`;
}

export function alertRoutes(alerts: Alerts): Router {
  const r = Router();
  r.post(
    '/subscriptions',
    asyncHandler(async (req: Request, res: Response) => {
      const p = person(res);
      const body = req.body as Partial<NewSubscription> | undefined;
      if (!body || typeof body !== 'object') throw new ValidationError('send the subscription as JSON: {"feature", "id" or "bbox", "condition", ...}');
      res.status(201).json(await alerts.create(p.name, body as NewSubscription));
    })
  );
  r.get(
    '/subscriptions',
    asyncHandler(async (_req: Request, res: Response) => {
      res.json({ subscriptions: await alerts.list(person(res).name) });
    })
  );
  // The unsubscribe link: a page with one button (mail scanners following links unsubscribe nobody), and the
  // one-click POST mail clients send.
  r.get('/subscriptions/unsubscribe', (req: Request, res: Response) => {
    const token = String(req.query['token'] ?? '');
    res
      .type('html')
      .send(
        page(
          'Stop these alerts?',
          `<form method="post" action="/subscriptions/unsubscribe?token=${encodeURIComponent(token)}"><button type="submit">Unsubscribe</button></form>`
        )
      );
  });
  r.post(
    '/subscriptions/unsubscribe',
    asyncHandler(async (req: Request, res: Response) => {
      const s = await alerts.unsubscribe(String(req.query['token'] ?? ''));
      if (!s) {
        res.status(404).type('html').send(page('Nothing to unsubscribe', '<p>This link has been used already, or the subscription was deleted.</p>'));
        return;
      }
      res.type('html').send(page('Unsubscribed', `<p>No more alerts for ${escape(s.feature)} ${escape(s.feature_id ?? 'area')}.</p>`));
    })
  );
  r.get(
    '/subscriptions/:id',
    asyncHandler(async (req: Request, res: Response) => {
      const p = person(res);
      const s = await alerts.get(p.name, String(req.params['id']));
      if (!s) throw new NotFoundError(`you have no subscription "${req.params['id']}"`);
      res.json({ ...s, history: await alerts.history(s.id) });
    })
  );
  r.delete(
    '/subscriptions/:id',
    asyncHandler(async (req: Request, res: Response) => {
      if (!(await alerts.remove(person(res).name, String(req.params['id'])))) throw new NotFoundError(`you have no subscription "${req.params['id']}"`);
      res.status(204).end();
    })
  );
  r.get(
    '/notifications',
    asyncHandler(async (req: Request, res: Response) => {
      const limit = req.query['limit'] === undefined ? 50 : Number(req.query['limit']);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ValidationError('limit is 1 to 1000');
      res.json({ notifications: await alerts.inbox(person(res).name, limit) });
    })
  );
  return r;
}
