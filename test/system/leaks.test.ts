import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REACH_548, call, startGateway, type TestGateway } from '../helpers.js';

/** A raw HTTP request (fetch cannot forge Host). */
async function raw(url: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const http = await import('node:http');
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, headers, setHost: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('secrets and leaks beside the catalog', () => {
  let g: TestGateway;
  let key: string;
  const ITEM = 'SWOT_L2_HR_RiverSP_Reach_548_011_NA_20230610T193337_20230610T193344_PIA1_01';
  beforeAll(async () => {
    g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_CORS_ORIGINS: 'http://lab.example:8888' } });
    expect((await g.ingest(REACH_548)).ok).toBe(true);
    key = (await g.user('alice', 'scientific')).key;
  });
  afterAll(async () => g?.stop());

  it('a forged Host rewrites no link; an allowed one (the listen address) does', async () => {
    const evil = await raw(g.url, '/stac/search?limit=1', { Host: 'evil.example' });
    expect(evil.status).toBe(200);
    expect(evil.body).not.toContain('evil.example');
    expect(JSON.parse(evil.body).links.find((l: any) => l.rel === 'root').href).toBe(`${g.url}/stac`);
    const local = await raw(g.url, '/stac', { Host: `localhost:${new URL(g.url).port}` });
    expect(JSON.parse(local.body).links[0].href).toMatch(/^http:\/\/localhost:\d+\/stac$/);
    expect((await raw(g.url, '/stac', { Host: 'a b c' })).status).toBeLessThan(500);
  });

  it('keys are refused in URLs (and never echoed); short-lived signed URLs replace them for header-less clients', async () => {
    const r = await call(`${g.url}/stac/search?limit=1&api_key=${key}`);
    expect(r.status).toBe(401);
    expect(r.body.detail).toMatch(/auth\/sign/);
    expect(JSON.stringify(r.body)).not.toContain(key);
    // A private asset: signed for alice, read without any header (as DuckDB-WASM and EventSource do).
    expect(await g.gateway.store.setAccess('swot-riversp-reach', 'scientific', null)).toBe(true);
    const asset = `${g.url}/assets/products/swot-riversp-reach/${ITEM}.parquet`;
    expect((await fetch(asset)).status).toBe(404);
    const signed = await call(`${g.url}/auth/sign`, { json: { href: asset, ttl: 60 }, headers: { Authorization: `token ${key}` } });
    expect(signed.status).toBe(200);
    expect(signed.body.href).not.toContain(key);
    const ranged = await fetch(signed.body.href, { headers: { Range: 'bytes=0-3' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).toString()).toBe('PAR1');
    expect(ranged.headers.get('cache-control')).toMatch(/private/);
    // Another path with the same signature, a changed role, or a POST: refused.
    const other = signed.body.href.replace(ITEM, 'SWOT_L2_HR_RiverSP_Reach_1_51_NA_20100816T184024_20100816T184031_PGA2_03');
    expect((await fetch(other)).status).toBe(401);
    expect((await fetch(signed.body.href.replace('hysope_role=scientific', 'hysope_role=admin'))).status).toBe(401);
    expect((await fetch(signed.body.href, { method: 'POST' })).status).toBe(401);
    // Expired.
    const short = await call(`${g.url}/auth/sign`, { json: { href: asset, ttl: 10 }, headers: { Authorization: `token ${key}` } });
    const u = new URL(short.body.href);
    u.searchParams.set('hysope_exp', String(Math.floor(Date.now() / 1000) - 5));
    expect((await fetch(u)).status).toBe(401);
    // Only for signed-in callers, only what header-less clients read, and never from a signed URL.
    expect((await call(`${g.url}/auth/sign`, { json: { href: asset } })).status).toBe(401);
    expect((await call(`${g.url}/auth/sign`, { json: { href: `${g.url}/stac/search` }, headers: { Authorization: `token ${key}` } })).status).toBe(400);
    await g.gateway.store.setAccess('swot-riversp-reach', 'public', null);
  });

  it('authenticated answers are private to caches; public assets are not', async () => {
    const asset = `${g.url}/assets/products/swot-riversp-reach/${ITEM}.parquet`;
    const anon = await fetch(asset, { headers: { Range: 'bytes=0-3' } });
    expect(anon.status).toBe(206);
    expect(anon.headers.get('cache-control')).toMatch(/public/);
    expect(anon.headers.get('vary')).toMatch(/Authorization/i);
    for (const path of [asset, `${g.url}/stac/search?limit=1`]) {
      const mine = await fetch(path, { headers: { Authorization: `token ${key}`, Range: 'bytes=0-3' } });
      expect(mine.headers.get('cache-control'), path).toMatch(/private/);
      expect(mine.headers.get('vary'), path).toMatch(/Authorization/i);
    }
  });

  it('CORS: the allowed origin may send Prefer, PUT and DELETE and read Location; others get no CORS headers', async () => {
    const pre = await fetch(`${g.url}/processes/echo/execution`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://lab.example:8888',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type,prefer'
      }
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://lab.example:8888');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Prefer/);
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/DELETE/);
    const get = await fetch(`${g.url}/stac`, { headers: { Origin: 'http://lab.example:8888' } });
    expect(get.headers.get('access-control-expose-headers')).toMatch(/Location/);
    expect(get.headers.get('access-control-expose-headers')).toMatch(/Preference-Applied/);
    const other = await fetch(`${g.url}/stac`, { headers: { Origin: 'http://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const otherPre = await fetch(`${g.url}/jobs/x`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'DELETE' }
    });
    expect(otherPre.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('the request log carries no key', async () => {
    const lines: string[] = [];
    const { pino } = await import('pino');
    const { Writable } = await import('node:stream');
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      }
    });
    const { createGateway, loadConfig, listen } = await import('@hysope/gateway');
    const os = await import('node:os');
    const path = await import('node:path');
    const { mkdtemp, rm } = await import('node:fs/promises');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-log-'));
    const gw = await createGateway(loadConfig({ HYSOPE_RATE_LIMIT: '0' }, { data: dir, port: '0' }), pino({ level: 'info' }, sink));
    const server = await listen(gw.app, 0, '127.0.0.1');
    const url = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
    gw.setListenUrl(url);
    const k = await gw.users.addUser('bob', 'educational');
    await fetch(`${url}/stac/search?limit=1&api_key=${k}`);
    await fetch(`${url}/stac/search?limit=1&api_key=wrong-key`);
    const signed = (await (
      await fetch(`${url}/auth/sign`, {
        method: 'POST',
        headers: { Authorization: `token ${k}`, 'Content-Type': 'application/json' },
        body: '{"href":"/events"}'
      })
    ).json()) as { href: string };
    const sig = new URL(signed.href).searchParams.get('hysope_sig')!;
    const events = new AbortController();
    await fetch(signed.href, { signal: events.signal });
    events.abort();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await gw.close();
    await rm(dir, { recursive: true, force: true });
    const requests = lines.filter((l) => l.includes('"request"'));
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(lines.join('')).not.toContain(k);
    expect(lines.join('')).not.toContain('wrong-key');
    expect(lines.join('')).not.toContain(sig);
  });
  // Last: it blocks this address's credentials for a while.
  it('Basic credentials are refused (401), never served as anonymous; failed keys are rate limited', async () => {
    const basic = await call(`${g.url}/whoami`, { headers: { Authorization: 'Basic YWxpY2U6c2VjcmV0' } });
    expect(basic.status).toBe(401);
    expect(basic.body.detail).toMatch(/not accepted/);
    let limited = 0;
    for (let i = 0; i < 40; i++) {
      const r = await call(`${g.url}/whoami`, { headers: { Authorization: `token wrong-${i}` } });
      if (r.status === 429) {
        limited++;
        expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
      } else expect(r.status).toBe(401);
    }
    expect(limited).toBeGreaterThan(0);
    // Without HYSOPE_TRUST_PROXY, a forwarded address changes nothing: still blocked.
    const forged = await call(`${g.url}/whoami`, { headers: { Authorization: 'token wrong-again', 'X-Forwarded-For': '203.0.113.7' } });
    expect(forged.status).toBe(429);
  });
});
