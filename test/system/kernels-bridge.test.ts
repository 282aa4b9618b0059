import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog, column, rows, sql, timeseries } from '@hysope/kernels-bridge';
import { REACHES_PASS_51, REACH_548, startGateway, type TestGateway } from '../helpers.js';

describe('@hysope/kernels-bridge in a Node kernel, against the real gateway', () => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startGateway();
    for (const f of [REACH_548, ...REACHES_PASS_51]) expect((await g.ingest(f)).ok).toBe(true);
  });
  afterAll(async () => g?.stop());

  it('catalog.search → asset URL → sql() over the GeoParquet product, as Arrow', async () => {
    const [item] = await new Catalog({ url: g.url }).search({ collections: ['swot-riversp-reach'], filter: '"swot:cycle" = 548' });
    const table = await sql('select reach_id, wse, reach_q from reaches where wse is not null order by wse desc', {
      assets: { reaches: item!.assets['data']!.href }
    });
    const wse = column(table, 'wse') as Float64Array;
    expect(wse).toBeInstanceOf(Float64Array);
    expect(wse.length).toBeGreaterThan(100);
    expect(wse[0]).toBeGreaterThanOrEqual(wse[wse.length - 1]!);
    expect(typeof rows(table)[0]!['reach_id']).toBe('string');
    // The same answer a second time comes from the validated local copy.
    const again = await sql('select count(*)::int as n from reaches where wse is not null', { assets: { reaches: item!.assets['data']!.href } });
    expect(rows(again)[0]!['n']).toBe(wse.length);
  });

  it('timeseries() returns typed Arrow columns from the gateway', async () => {
    const table = await timeseries(g.url, { ids: ['74269900011'], fields: ['reach_id', 'time', 'wse', 'cycle_id'], dedupe: true });
    expect(table.numRows).toBe(3);
    expect(Array.from(column(table, 'cycle_id') as Int32Array)).toEqual([1, 2, 3]);
    await expect(timeseries(g.url, { ids: ['1'] })).rejects.toThrow(/11 digits/);
  });
});
