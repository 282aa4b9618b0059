import { HysopeApiError, HysopeClient } from '@hysope/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REACHES_PASS_51, call, sample, startGateway, type TestGateway } from '../helpers.js';

describe('GET /timeseries/harmonized', () => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startGateway();
    for (const f of [
      ...REACHES_PASS_51,
      sample('altimetry/hydroweb/R_PERU-6-BASIN_PERU-6-BASIN_KM0049_mean.json'),
      sample('altimetry/hydroweb/R_PERU-2-BASIN_PERU-2-BASIN-TRIB-05_KM0203_mean.json'),
      sample('insitu/SCoss_SWOT_SHCQ1.csv'),
      sample('insitu/hubeau/observations_tr_K447001001_H_2026-09-13.json')
    ]) {
      expect((await g.ingest(f)).ok).toBe(true);
    }
  });
  afterAll(async () => g?.stop());

  it('at a SWOT reach: its WSE across cycles, and the in-situ discharge of the nearest gauge, on one time axis', async () => {
    // Reach 74269900011 (Ohio River at Pittsburgh) is at about -79.9667, 40.4700.
    const r = await call(`${g.url}/timeseries/harmonized?lon=-79.9667&lat=40.47&radius_km=1500`);
    expect(r.status).toBe(200);
    const swot = r.body.sources.find((s: any) => s.source === 'swot');
    expect(swot).toMatchObject({ id: '74269900011', variable: 'wse', units: 'm', count: 3 });
    expect(swot.vertical_reference).toMatch(/EGM2008/);
    expect(swot.distance_km).toBeLessThan(1);
    const insitu = r.body.sources.find((s: any) => s.source === 'insitu');
    expect(insitu).toMatchObject({ variable: 'discharge', units: 'm3/s' });
    expect(insitu.distance_km).toBeGreaterThan(100);
    expect(r.body.sources.find((s: any) => s.source === 'hydroweb')).toBeUndefined(); // Peru is farther than 1500 km
    const times = r.body.rows.map((x: any) => x.time);
    expect(times).toEqual([...times].sort());
    expect(r.body.rows.filter((x: any) => x.source === 'swot').map((x: any) => x.time.slice(0, 10))).toEqual(['2010-08-16', '2010-09-06', '2010-09-27']);
  });

  it('only what is within the radius: a nearby Hydroweb station alone', async () => {
    const r = await call(`${g.url}/timeseries/harmonized?lon=-80.27&lat=-6.43&radius_km=20&format=json`);
    expect(r.body.sources.map((s: any) => s.source)).toEqual(['hydroweb']);
    expect(r.body.sources[0]).toMatchObject({ name: 'R_PERU-6-BASIN_PERU-6-BASIN_KM0049', count: 42 });
    const window = await call(`${g.url}/timeseries/harmonized?lon=-80.27&lat=-6.43&radius_km=20&datetime=2020-01-01T00:00:00Z/2020-12-31T23:59:59Z`);
    expect(window.body.rows.length).toBeGreaterThan(0);
    expect(window.body.rows.every((x: any) => x.time.startsWith('2020'))).toBe(true);
  });

  it('CSV names each source and its vertical reference on every row', async () => {
    const res = await fetch(`${g.url}/timeseries/harmonized?lon=-79.9667&lat=40.47&radius_km=10&format=csv`);
    const lines = (await res.text()).trim().split('\n');
    expect(lines[0]).toBe('time,source,id,variable,value,units,vertical_reference');
    expect(lines.slice(1).every((l) => /,swot,74269900011,wse,[\d.]+,m,"EGM2008/.test(l))).toBe(true);
  });

  it("the typed client (@hysope/api, as the lab's plots use it) reads both series through the contract's schemas", async () => {
    const client = new HysopeClient({ baseUrl: g.url });
    const near = await client.harmonized({ lon: '-79.9667', lat: '40.47', radius_km: '10' });
    expect(near.sources.map((s) => s.source)).toEqual(['swot']);
    expect(near.rows.every((x) => x.id === '74269900011' && x.units === 'm')).toBe(true);
    const series = await client.timeseries({ feature: 'Reach', ids: '74269900011', fields: 'time,wse,reach_q', dedupe: 'true' });
    expect(series.features).toHaveLength(3);
    expect(Object.keys(series.features[0]!.properties)).toEqual(expect.arrayContaining(['time', 'wse', 'reach_q']));
    await expect(client.harmonized({ lon: '200', lat: '40' })).rejects.toThrow(HysopeApiError);
  });

  it('bad input is a 400 that says what to fix', async () => {
    const r = await call(`${g.url}/timeseries/harmonized?lon=200&lat=40`);
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/lon must be a number between -180 and 180/);
    expect((await call(`${g.url}/timeseries/harmonized?lat=40`)).status).toBe(400);
  });
});
