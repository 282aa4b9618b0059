import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLES, call, startGateway, type TestGateway } from '../helpers.js';

const RIVERSP = path.join(SAMPLES, 'swot/riversp');
const FILES = [
  path.join(RIVERSP, 'SWOT_L2_HR_RiverSP_Reach_548_011_NA_20230610T193337_20230610T193344_PIA1_01.zip'),
  path.join(RIVERSP, 'SWOT_L2_HR_RiverSP_Reach_1_372_NA_20100828T061839_20100828T061842_PGA2_03.zip'),
  path.join(RIVERSP, 'SWOT_L2_HR_RiverSP_Node_1_372_NA_20100828T061839_20100828T061843_PGA2_03.zip'),
  path.join(SAMPLES, 'swot/lakesp/SWOT_L2_HR_LakeSP_Prior_018_100_GR_20240713T111741_20240713T112027_PIC0_01.zip')
];

describe('free-text search finds granules by the rivers, lakes, reaches and basins they observed', () => {
  let g: TestGateway;
  const ids = async (q: string, method: 'GET' | 'POST' = 'GET') => {
    const res =
      method === 'GET'
        ? await call(`${g.url}/stac/search?q=${encodeURIComponent(q)}&limit=100`)
        : await call(`${g.url}/stac/search`, { json: { q: [q], limit: 100 } });
    expect(res.status).toBe(200);
    return (res.body.features as { id: string }[]).map((f) => f.id.split('_').slice(4, 8).join('_')).sort();
  };
  beforeAll(async () => {
    g = await startGateway();
    for (const f of FILES) expect((await g.ingest(f)).ok).toBe(true);
  }, 120_000);
  afterAll(async () => g?.stop());

  it('a river name (any case, a part of it) finds the reach granule that carries it, and only that one', async () => {
    expect(await ids('Red River of the North')).toEqual(['Reach_548_011_NA']);
    expect(await ids('rainy river', 'POST')).toEqual(['Reach_548_011_NA']);
    expect(await ids('Loire')).toEqual([]);
    // Words of two different names never join into one match.
    expect(await ids('rainy river red')).toEqual([]);
  });

  it('a prior lake name finds the LakeSP granule', async () => {
    expect(await ids('sermersuaq')).toEqual(['Prior_018_100_GR']);
  });

  it('a SWORD reach id, a node id and a basin code find the granules observing them', async () => {
    expect(await ids('71224100203')).toEqual(['Reach_548_011_NA']);
    // A node id finds the reach and node granules of its reach (74269900011).
    expect(await ids('74269900010021')).toEqual(['Node_1_372_NA', 'Reach_1_372_NA']);
    expect(await ids('basin:7122')).toEqual(['Reach_548_011_NA']);
    expect(await ids('basin:742699')).toEqual(['Node_1_372_NA', 'Reach_1_372_NA']);
    expect(await ids('basin:7')).toEqual(['Node_1_372_NA', 'Reach_1_372_NA', 'Reach_548_011_NA']);
    expect(await ids('basin:9135')).toEqual(['Prior_018_100_GR']);
  });
});
