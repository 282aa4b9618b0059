import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REACH_548, call, startGateway, type TestGateway } from '../helpers.js';

describe('accounts: API keys made, named and revoked by their owner; the audit trail of restricted data', () => {
  let g: TestGateway;
  let item: string;
  beforeAll(async () => {
    g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0' } });
    const r = await g.ingest(REACH_548);
    expect(r.ok).toBe(true);
    item = r.ok ? r.id : '';
    expect(await g.gateway.store.setAccess('swot-riversp-reach', 'institutional', null)).toBe(true);
  });
  afterAll(async () => g?.stop());

  it('the account page: who, with what, which levels, which keys', async () => {
    const { headers } = await g.user('ana', 'scientific');
    const a = await call(`${g.url}/auth/account`, { headers });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ name: 'ana', role: 'scientific', signed_in_with: 'API key', access_levels: ['public', 'educational', 'scientific'] });
    expect(a.body.keys).toHaveLength(1);
    expect(a.body.keys[0]).toMatchObject({ name: 'hysope user add' });
    // Used just now.
    expect(Date.now() - Date.parse(a.body.keys[0].last_used)).toBeLessThan(60_000);
    expect((await call(`${g.url}/auth/account`)).status).toBe(401);
  });

  it('create a named key (shown once), use it, list it, revoke it', async () => {
    const { headers } = await g.user('ben', 'scientific');
    const made = await call(`${g.url}/auth/keys`, { headers, json: { name: 'laptop' } });
    expect(made.status).toBe(201);
    expect(made.body.key).toMatch(/^hy_/);
    expect(made.body.name).toBe('laptop');
    const mine = { Authorization: `token ${made.body.key}` };
    expect((await call(`${g.url}/whoami`, { headers: mine })).body).toEqual({ name: 'ben', role: 'scientific' });
    const list = await call(`${g.url}/auth/keys`, { headers });
    expect(list.body.keys.map((k: { name: string }) => k.name)).toEqual(['hysope user add', 'laptop']);
    expect(JSON.stringify(list.body)).not.toContain(made.body.key);
    expect((await call(`${g.url}/auth/keys/${made.body.id}`, { method: 'DELETE', headers })).status).toBe(204);
    expect((await call(`${g.url}/whoami`, { headers: mine })).status).toBe(401);
    // Someone else's key, or one already gone: not found.
    const other = await g.user('cyd', 'public');
    const cydKey = (await call(`${g.url}/auth/keys`, { headers: other.headers })).body.keys[0].id;
    expect((await call(`${g.url}/auth/keys/${cydKey}`, { method: 'DELETE', headers })).status).toBe(404);
    expect((await call(`${g.url}/auth/keys/${made.body.id}`, { method: 'DELETE', headers })).status).toBe(404);
    expect((await call(`${g.url}/auth/keys`, { headers, json: { name: '' } })).status).toBe(400);
    expect((await call(`${g.url}/auth/keys`, { headers, json: {} })).status).toBe(400);
    expect((await call(`${g.url}/auth/keys`, { json: { name: 'x' } })).status).toBe(401);
  });

  it('downloads, item reads and series reads of institutional data are in the audit trail, once per file, for administrators only', async () => {
    const inst = await g.user('ines', 'institutional');
    const pub = await g.user('paul', 'public');
    const admin = await g.user('root', 'admin');
    const href = `${g.url}/assets/products/swot-riversp-reach/${item}.parquet`;
    // A client reading by ranges makes many requests: one entry.
    for (const range of ['bytes=0-99', 'bytes=100-199', 'bytes=-8'])
      expect((await fetch(href, { headers: { ...inst.headers, Range: range } })).status).toBe(206);
    expect((await fetch(href, { headers: pub.headers })).status).toBe(404);
    expect((await fetch(`${g.url}/timeseries?feature=Reach&basin=7&fields=reach_id`, { headers: inst.headers })).status).toBe(200);
    // Reading the item's metadata is an access too (once per window, like the ranges).
    for (let i = 0; i < 2; i++) expect((await fetch(`${g.url}/stac/collections/swot-riversp-reach/items/${item}`, { headers: inst.headers })).status).toBe(200);
    expect((await fetch(`${g.url}/stac/collections/swot-riversp-reach/items/${item}`, { headers: pub.headers })).status).toBe(404);
    const trail = await call(`${g.url}/audit?user=ines`, { headers: admin.headers });
    expect(trail.status).toBe(200);
    const entries = trail.body.entries as { action: string; item: string | null; level: string; role: string; collection: string }[];
    expect(entries.map((e) => e.action).sort()).toEqual(['download', 'read', 'timeseries']);
    expect(entries.find((e) => e.action === 'read')).toMatchObject({ item, level: 'institutional', collection: 'swot-riversp-reach' });
    expect(entries.find((e) => e.action === 'download')).toMatchObject({
      item,
      level: 'institutional',
      role: 'institutional',
      collection: 'swot-riversp-reach'
    });
    expect((await call(`${g.url}/audit?user=paul`, { headers: admin.headers })).body.entries).toEqual([]);
    // The person sees their own recent access on their account.
    expect((await call(`${g.url}/auth/account`, { headers: inst.headers })).body.recent_access).toHaveLength(3);
    // Filters and refusals.
    expect(
      (await call(`${g.url}/audit?level=institutional&since=2000-01-01T00:00:00Z`, { headers: admin.headers })).body.entries.length
    ).toBeGreaterThanOrEqual(2);
    expect((await call(`${g.url}/audit?since=yesterday`, { headers: admin.headers })).status).toBe(400);
    expect((await call(`${g.url}/audit`, { headers: inst.headers })).status).toBe(403);
    expect((await call(`${g.url}/audit`)).status).toBe(401);
  });
});
