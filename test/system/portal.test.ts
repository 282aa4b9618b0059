import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers.js';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/portal/dist');
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe('the gateway serves the portal (production build) to browsers, the API to clients', () => {
  let g: TestGateway;
  beforeAll(async () => {
    expect(existsSync(path.join(DIST, 'index.html')), 'the portal is built by npm run build').toBe(true);
    g = await startGateway();
  });
  afterAll(async () => g?.stop());

  it('/ by content negotiation: a page for browsers, the landing document for API clients (Vary: Accept)', async () => {
    const page = await fetch(`${g.url}/`, { headers: { Accept: BROWSER } });
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('vary')).toMatch(/Accept\b/);
    const html = await page.text();
    expect(html).toMatch(/<script type="module" src="\/portal\/assets\/main-[A-Z0-9]+\.js">/);
    for (const accept of ['application/json', '*/*', '']) {
      const r = await fetch(`${g.url}/`, { headers: accept ? { Accept: accept } : {} });
      expect(r.headers.get('content-type'), accept).toMatch(/application\/json/);
      const body = await r.json();
      expect(body.links.find((l: { rel: string }) => l.rel === 'alternate').href).toBe(`${g.url}/portal/`);
    }
  });

  it('every portal address is the page (permalinks work on reload); its files are hashed, cached for good and sent compressed', async () => {
    for (const p of ['/portal', '/portal/', '/portal/reach/74269900011', '/portal/station/some-id?quality=good']) {
      const r = await fetch(`${g.url}${p}`, { headers: { Accept: BROWSER } });
      expect(r.status, p).toBe(200);
      expect(r.headers.get('cache-control'), p).toBe('no-cache');
    }
    const html = readFileSync(path.join(DIST, 'index.html'), 'utf8');
    const main = /src="(\/portal\/assets\/main-[A-Z0-9]+\.js)"/.exec(html)![1]!;
    const br = await fetch(`${g.url}${main}`, { headers: { 'Accept-Encoding': 'gzip, br' } });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(br.headers.get('content-type')).toMatch(/text\/javascript/);
    const plain = await fetch(`${g.url}${main}`, { headers: { 'Accept-Encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    // fetch decodes brotli: both give the same script.
    expect(await br.text()).toBe(await plain.text());
    const etag = plain.headers.get('etag')!;
    const again = await fetch(`${g.url}${main}`, { headers: { 'Accept-Encoding': 'identity', 'If-None-Match': etag } });
    expect(again.status).toBe(304);
  });

  it('unknown files are 404 in the one error shape; nothing outside the build is reachable', async () => {
    for (const p of ['/portal/assets/nothing.js', '/portal/assets/..%2F..%2Fpackage.json', '/portal/assets/main.js.br', '/portal/assets/.hidden']) {
      const r = await fetch(`${g.url}${p}`);
      expect(r.status, p).toBe(404);
      const body = await r.json();
      expect(Object.keys(body)).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail']));
    }
  });

  it('without a build, / stays the landing document and /portal says how to build it', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'hysope-noportal-'));
    const h = await startGateway({ env: { HYSOPE_PORTAL_DIR: empty } });
    try {
      expect((await fetch(`${h.url}/`, { headers: { Accept: BROWSER } })).headers.get('content-type')).toMatch(/application\/json/);
      const r = await fetch(`${h.url}/portal/`, { headers: { Accept: BROWSER } });
      expect(r.status).toBe(404);
      expect((await r.json()).detail).toMatch(/npm run build/);
    } finally {
      await h.stop();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
