import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBin, startPostgres } from '../pg-server.js';
import { REACH_548, call, startGateway, type TestGateway } from '../helpers.js';

const bin = findBin();

describe.runIf(bin !== null)('PostgreSQL restarts: the gateway survives, says 503 meanwhile, and recovers', () => {
  let server: Awaited<ReturnType<typeof startPostgres>>;
  let g: TestGateway;
  const ITEM = 'SWOT_L2_HR_RiverSP_Reach_548_011_NA_20230610T193337_20230610T193344_PIA1_01';
  beforeAll(async () => {
    server = await startPostgres(bin!);
    g = await startGateway({ databaseUrl: server.url, env: { HYSOPE_RATE_LIMIT: '0' } });
    expect((await g.ingest(REACH_548)).ok).toBe(true);
  }, 60_000);
  afterAll(async () => {
    server.resume();
    await g?.stop().catch(() => undefined);
    server?.stop();
  });

  it('idle connections dropped by a restart do not kill the gateway; while down: 503 + Retry-After, never 404', async () => {
    // Open pool connections, then take the server away while they sit idle.
    await Promise.all(Array.from({ length: 4 }, () => call(`${g.url}/stac/search?limit=1`)));
    server.halt();
    await new Promise((r) => setTimeout(r, 500));
    const asset = await fetch(`${g.url}/assets/products/swot-riversp-reach/${ITEM}.parquet`);
    expect(asset.status).toBe(503);
    expect(asset.headers.get('retry-after')).toMatch(/^\d+$/);
    const item = await call(`${g.url}/stac/collections/swot-riversp-reach/items/${ITEM}`);
    expect(item.status).toBe(503);
    expect(item.body).toMatchObject({ status: 503, title: 'Service Unavailable' });
    const ready = await call(`${g.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body.checks.store.status).toBe('fail');
    expect((await call(`${g.url}/health/live`)).status).toBe(200);
    server.resume();
    let back = 0;
    for (let i = 0; i < 50 && back !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      back = (await call(`${g.url}/stac/collections/swot-riversp-reach/items/${ITEM}`)).status;
    }
    expect(back).toBe(200);
    expect((await fetch(`${g.url}/assets/products/swot-riversp-reach/${ITEM}.parquet`, { headers: { Range: 'bytes=0-3' } })).status).toBe(206);
  }, 60_000);
});
