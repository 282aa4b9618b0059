import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAKE_GREENLAND, PIXC_NORMANDY, REACH_548, call, sample, startGateway, type TestGateway } from '../helpers.js';

const NODE = sample('swot/riversp/SWOT_L2_HR_RiverSP_Node_1_51_NA_20100816T184024_20100816T184031_PGA2_03.zip');
const HYDROWEB = sample('altimetry/hydroweb/R_PERU-6-BASIN_PERU-6-BASIN_KM0049_mean.json');

/** What each resource is, and who may see it. */
const RESOURCES = {
  reach: {
    collection: 'swot-riversp-reach',
    item: 'SWOT_L2_HR_RiverSP_Reach_548_011_NA_20230610T193337_20230610T193344_PIA1_01',
    seenBy: ['anonymous', 'edu', 'sci', 'inst', 'alice', 'bob']
  },
  lake: { collection: 'swot-lakesp', item: 'SWOT_L2_HR_LakeSP_Prior_018_100_GR_20240713T111741_20240713T112027_PIC0_01', seenBy: ['sci', 'inst', 'alice'] },
  pixc: { collection: 'swot-pixc', item: 'SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01', seenBy: ['inst'] },
  alicesNode: { collection: 'swot-riversp-node', item: 'SWOT_L2_HR_RiverSP_Node_1_51_NA_20100816T184024_20100816T184031_PGA2_03', seenBy: ['alice'] },
  bobsStation: { collection: 'hydroweb-stations', item: 'hydroweb-R_PERU-6-BASIN_PERU-6-BASIN_KM0049', seenBy: ['bob'] }
} as const;

describe('access levels: each role x each endpoint, nothing private leaks', () => {
  let g: TestGateway;
  const keys: Record<string, string | null> = { anonymous: null };
  beforeAll(async () => {
    g = await startGateway();
    for (const f of [REACH_548, LAKE_GREENLAND, PIXC_NORMANDY, HYDROWEB]) expect((await g.ingest(f)).ok).toBe(true);
    expect((await g.ingest(NODE, 'alice')).ok).toBe(true);
    expect(await g.gateway.store.setAccess('swot-lakesp', 'scientific', null)).toBe(true);
    expect(await g.gateway.store.setAccess('swot-pixc', 'institutional', null)).toBe(true);
    expect(await g.gateway.store.setAccess('hydroweb-stations', 'private', 'bob')).toBe(true);
    for (const [name, role] of [
      ['edu', 'educational'],
      ['sci', 'scientific'],
      ['inst', 'institutional'],
      ['alice', 'scientific'],
      ['bob', 'educational']
    ]) {
      keys[name!] = await g.gateway.users.addUser(name!, role!);
    }
  });
  afterAll(async () => g?.stop());

  const as = (who: string): RequestInit => (keys[who] ? { headers: { Authorization: `token ${keys[who]}` } } : {});

  for (const who of ['anonymous', 'edu', 'sci', 'inst', 'alice', 'bob']) {
    it(`${who}: collections, items, search and assets show exactly what ${who} may see`, async () => {
      const listed = (await call(`${g.url}/stac/collections`, as(who))).body.collections.map((c: any) => c.id);
      const everything = (await call(`${g.url}/stac/search?limit=100`, as(who))).body.features.map((f: any) => f.id);
      for (const [name, r] of Object.entries(RESOURCES)) {
        const sees = (r.seenBy as readonly string[]).includes(who);
        const what = `${who} / ${name}`;
        const itemUrl = `${g.url}/stac/collections/${r.collection}/items/${r.item}`;
        const item = await call(itemUrl, as(who));
        expect(item.status, what).toBe(sees ? 200 : 404);
        expect(everything.includes(r.item), what).toBe(sees);
        const byId = await call(`${g.url}/stac/search?ids=${r.item}`, as(who));
        expect(byId.body.features.length, what).toBe(sees ? 1 : 0);
        const items = await call(`${g.url}/stac/collections/${r.collection}/items?limit=100`, as(who));
        if (name === 'alicesNode')
          expect(items.status, what).toBe(200); // the node collection itself is public
        else expect(items.status, what).toBe(sees ? 200 : 404);
        if (items.status === 200)
          expect(
            items.body.features.some((f: any) => f.id === r.item),
            what
          ).toBe(sees);
        if (name !== 'alicesNode') expect(listed.includes(r.collection), what).toBe(sees);
        // Assets: products and sources, whoever guesses the URL.
        const data = await fetch(`${g.url}/assets/products/${r.collection}/${r.item}.parquet`, as(who));
        expect(data.status, `${what} asset`).toBe(sees ? 200 : 404);
        await data.arrayBuffer();
        const collection = await call(`${g.url}/stac/collections/${r.collection}`, as(who));
        if (name !== 'alicesNode') expect(collection.status, what).toBe(sees ? 200 : 404);
        // Not seen is "not found", never "forbidden" (which would confirm it exists).
        if (!sees) expect(item.body.title, what).toBe('Not Found');
      }
      // Time series follow their collection: lakes are for scientists and above.
      const lakeId = '9120145452';
      const ts = await call(`${g.url}/timeseries?feature=PriorLake&ids=${lakeId}&fields=lake_id`, as(who));
      expect(ts.status, `${who} / lake time series`).toBe(RESOURCES.lake.seenBy.includes(who as never) ? 200 : 404);
    });
  }

  it('an unknown token is a 401, not public access', async () => {
    const r = await call(`${g.url}/stac/collections`, { headers: { Authorization: 'token nope' } });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ status: 401, title: 'Unauthorized' });
  });
});

describe('JupyterHub tokens and rate limits', () => {
  let hubCalls = 0;
  let hub: import('node:http').Server;
  let g: TestGateway;
  beforeAll(async () => {
    // A stand-in for the hub's REST API (GET /hub/api/user with the token); the real hub is tested with the JupyterHub deployment.
    const app = express();
    app.get('/hub/api/user', (req, res) => {
      hubCalls++;
      if (req.get('authorization') === 'token hub-token-of-carol') res.json({ name: 'carol', groups: ['hysope-institutional'] });
      else res.status(403).json({ status: 403, message: 'Forbidden' });
    });
    hub = await new Promise((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    g = await startGateway({ env: { HYSOPE_HUB_API_URL: `http://127.0.0.1:${(hub.address() as AddressInfo).port}/hub/api`, HYSOPE_RATE_LIMIT: '5' } });
    expect((await g.ingest(PIXC_NORMANDY)).ok).toBe(true);
    expect(await g.gateway.store.setAccess('swot-pixc', 'institutional', null)).toBe(true);
  });
  afterAll(async () => {
    await g?.stop();
    hub?.close();
  });

  it('a hub token is verified against the hub (once, then cached) and its group gives the role', async () => {
    const auth = { headers: { Authorization: 'token hub-token-of-carol' } };
    expect((await call(`${g.url}/stac/collections/swot-pixc`, auth)).status).toBe(200);
    expect((await call(`${g.url}/stac/collections/swot-pixc`, auth)).status).toBe(200);
    expect(hubCalls).toBe(1);
    expect((await call(`${g.url}/stac/collections/swot-pixc`, { headers: { Authorization: 'token forged' } })).status).toBe(401);
  });

  it('over the rate limit: 429 with Retry-After, per caller', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const r = await call(`${g.url}/stac`);
      statuses.push(r.status);
      if (r.status === 429) {
        retryAfter = r.headers.get('retry-after');
        expect(r.body.detail).toMatch(/rate limit of 5 requests per minute/);
      }
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });
});
