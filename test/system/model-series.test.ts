import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, sample, startGateway, type TestGateway } from '../helpers.js';

const PCR = (name: string) => sample('model/pcrglobwb_rhine_meuse_stations', name);

/** One gateway for the file: each model family is ingested into it by its own tests (their places lie far apart). */
let g: TestGateway;
beforeAll(async () => {
  g = await startGateway();
});
afterAll(async () => g?.stop());

/** Model outputs as a product family: PCR-GLOBWB's simulated discharge at Rhine gauges (real model output, GPL-3.0). */
describe('model series (PCR-GLOBWB station discharge)', () => {
  it('reads a station series placed by the model’s station table, as an item saying the model, its run, the variable and its units', async () => {
    const r = await g.ingest(PCR('pcr_uncalibrated_basel.csv'));
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const item = (await call(`${g.url}/stac/collections/model-series/items/pcrglobwb-uncalibrated-basel`)).body;
    // stationLatLon.csv names the latitude x and the longitude y: Basel is at 47.56 N, 7.62 E.
    expect(item.geometry).toEqual({ type: 'Point', coordinates: [7.6167, 47.5594] });
    expect(item.properties).toMatchObject({
      'model:name': 'PCR-GLOBWB',
      'model:run': 'uncalibrated',
      'model:station': 'Basel',
      'model:river': 'Rhine',
      'model:variable': 'discharge',
      'model:units': 'm3/s',
      'model:value_count': 40177,
      start_datetime: '1901-01-01T00:00:00.000Z',
      end_datetime: '2010-12-31T00:00:00.000Z'
    });
  });

  it('appears in the harmonized view beside what is observed near the place, with its source, units and distance', async () => {
    const r = await call(`${g.url}/timeseries/harmonized?lon=7.6&lat=47.56&radius_km=10&datetime=2000-01-01T00:00:00Z/2000-12-31T23:59:59Z`);
    expect(r.status).toBe(200);
    const model = r.body.sources.find((s: { source: string }) => s.source === 'model');
    expect(model).toMatchObject({ id: 'pcrglobwb-uncalibrated-basel', variable: 'discharge', units: 'm3/s', count: 366 });
    expect(model.name).toBe('PCR-GLOBWB (uncalibrated run) at Basel');
    expect(model.distance_km).toBeGreaterThan(1);
    expect(model.distance_km).toBeLessThan(2);
    const first = r.body.rows.find((x: { source: string }) => x.source === 'model');
    expect(first.time).toBe('2000-01-01T00:00:00Z');
    expect(first.value).toBeGreaterThan(100);
    // No observation of the samples is near Basel in 2000: the model is alone, and nothing is made up beside it.
    expect(r.body.sources.map((s: { source: string }) => s.source)).toEqual(['model']);
  });

  it('refuses the station table alone, and a series whose station the table does not know', async () => {
    const table = await g.ingest(PCR('stationLatLon.csv'));
    expect(table.ok).toBe(false);
    expect(!table.ok && table.error).toMatch(/station table.*not a product of its own/);
    const { mkdtempSync, copyFileSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/hysope-pcr-');
    copyFileSync(PCR('stationLatLon.csv'), `${dir}/stationLatLon.csv`);
    copyFileSync(PCR('pcr_uncalibrated_basel.csv'), `${dir}/pcr_uncalibrated_nowhere.csv`);
    const unknown = await g.ingest(`${dir}/pcr_uncalibrated_nowhere.csv`);
    expect(!unknown.ok && unknown.error).toMatch(/"nowhere" is not in stationLatLon.csv/);
  });
});

/** A model's river network: RAPID's per-reach discharge (CF discrete sampling geometry, NetCDF classic). */
describe('model series (RAPID per-reach discharge)', () => {
  const QOUT = sample('model/rapid_uk_thames_qout/Qout_nasa_lis_3hr_20020830_CF.nc');

  it('reads every reach’s series with its CF time axis, and gives the harmonized view the reach nearest to the place', async () => {
    const r = await g.ingest(QOUT);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const item = (await call(`${g.url}/stac/collections/model-series/items/rapid-qout_nasa_lis_3hr_20020830_cf`)).body;
    expect(item.properties).toMatchObject({ 'model:name': 'RAPID', 'model:feature_count': 4168, 'model:value_count': 4168 * 17, 'model:units': 'm3/s' });
    // "seconds since 1970-01-01 00:00:00 0:00": 1030665600 is 2002-08-30T00:00Z, then every 3 hours.
    expect(item.properties.start_datetime).toBe('2002-08-30T00:00:00.000Z');
    expect(item.properties.end_datetime).toBe('2002-09-01T00:00:00.000Z');
    // Reach 74913 (lower Thames, 51.478 N, 0.235 E): its 17 values, the cold start first.
    const h = await call(`${g.url}/timeseries/harmonized?lon=0.2347&lat=51.478&radius_km=5`);
    const model = h.body.sources.find((s: { source: string }) => s.source === 'model');
    expect(model).toMatchObject({ id: 'rapid-qout_nasa_lis_3hr_20020830_cf', name: 'RAPID (RAPID Result run) at reach 74913', count: 17, units: 'm3/s' });
    expect(model.distance_km).toBeLessThan(0.1);
    const values = h.body.rows.filter((x: { source: string }) => x.source === 'model').map((x: { value: number }) => x.value);
    expect(values[0]).toBe(0);
    expect(values.at(-1)).toBeCloseTo(34.328, 2);
    expect(h.body.rows.filter((x: { source: string }) => x.source === 'model')[1].time).toBe('2002-08-30T03:00:00Z');
  });
});

/** A gridded model output on a projected grid: LISFLOOD's daily discharge over the upper Po (ETRS89-LAEA, EPSG:3035). */
describe('model series (LISFLOOD grid, reprojected)', () => {
  it('reads the grid as GeoParquet of cells reprojected from the WKT the file carries, and the harmonized view takes the cell at the place', async () => {
    const r = await g.ingest(sample('model/lisflood_upper_po_grid/dis.nc'));
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const item = (await call(`${g.url}/stac/collections/model-series/items/lisflood-dis`)).body;
    expect(item.properties).toMatchObject({ 'model:name': 'LISFLOOD', 'model:units': 'm3/s', 'model:variable': 'discharge', 'model:feature_count': 2847 });
    expect(item.properties['model:grid']).toMatchObject({ columns: 80, rows: 57, cell_size: [5000, 5000] });
    expect(item.properties['model:grid'].projection).toMatch(/Lambert_Azimuthal_Equal_Area/);
    // "days since 2016-01-02 06:00:00.0" (proleptic Gregorian), 183 days.
    expect(item.properties.start_datetime).toBe('2016-01-02T06:00:00.000Z');
    expect(item.properties.end_datetime).toBe('2016-07-02T06:00:00.000Z');
    // The upper Po basin, in longitude/latitude once reprojected.
    const [w, s, e, n] = item.bbox as number[];
    expect(w).toBeGreaterThan(6);
    expect(e).toBeLessThan(13);
    expect(s).toBeGreaterThan(43.5);
    expect(n).toBeLessThan(47);
    // The Po near Ferrara (11.60 E, 44.90 N): its cell's 183 daily values, about 1,300 m³/s on average.
    const h = await call(`${g.url}/timeseries/harmonized?lon=11.599&lat=44.902&radius_km=5`);
    const model = h.body.sources.find((x: { source: string }) => x.source === 'model');
    expect(model).toMatchObject({ id: 'lisflood-dis', count: 183, units: 'm3/s' });
    expect(model.name).toMatch(/^LISFLOOD .* at cell 38,79$/);
    expect(model.distance_km).toBeLessThan(1);
    const values = h.body.rows.filter((x: { source: string }) => x.source === 'model').map((x: { value: number }) => x.value);
    const mean = values.reduce((a: number, b: number) => a + b, 0) / values.length;
    expect(mean).toBeGreaterThan(1200);
    expect(mean).toBeLessThan(1400);
  }, 120_000);
});

/** A lake model: GLM's daily lake level of Lake Mendota, placed and timed by the configuration beside it. */
describe('model series (GLM lake level)', () => {
  it('reads the level in the model’s frame and time zone, and shows it in the harmonized view with that reference', async () => {
    const r = await g.ingest(sample('model/glm_lake_mendota/lake.csv'));
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const item = (await call(`${g.url}/stac/collections/model-series/items/glm-lakemendota`)).body;
    expect(item.geometry).toEqual({ type: 'Point', coordinates: [-89.41, 43] });
    // "2015-01-01 24:00:00" in the model's zone (UTC-6) is 2015-01-02 06:00 UTC.
    expect(item.properties).toMatchObject({
      'model:name': 'GLM',
      'model:station': 'Lake Mendota',
      'model:value_count': 365,
      start_datetime: '2015-01-02T06:00:00.000Z'
    });
    const h = await call(`${g.url}/timeseries/harmonized?lon=-89.41&lat=43&radius_km=5`);
    const model = h.body.sources.find((x: { source: string }) => x.source === 'model');
    expect(model).toMatchObject({ id: 'glm-lakemendota', variable: 'water_level', units: 'm', count: 365 });
    expect(model.vertical_reference).toMatch(/above the lake bottom/);
    const levels = h.body.rows.map((x: { value: number }) => x.value);
    expect(Math.min(...levels)).toBeGreaterThan(24.7);
    expect(Math.max(...levels)).toBeLessThan(25);
  });
});

/** wflow (Deltares): a gridded output on longitude/latitude and discharge at GRDC gauges, named by the run's configuration. */
describe('model series (wflow grid and gauges)', () => {
  const WFLOW = (name: string) => sample('model/wflow_piave_subbasin', name);

  it('reads the grid and the gauge series as the run’s configuration names them, and shows both at a gauge in the harmonized view', async () => {
    const grid = await g.ingest(WFLOW('output.nc'));
    expect(grid.ok, JSON.stringify(grid)).toBe(true);
    const gauges = await g.ingest(WFLOW('output.csv'));
    expect(gauges.ok, JSON.stringify(gauges)).toBe(true);
    const item = (await call(`${g.url}/stac/collections/model-series/items/wflow-sbm-wflow-piave-subbasin-output-gauges`)).body;
    expect(item.geometry.type).toBe('MultiPoint');
    expect(item.properties).toMatchObject({
      'model:name': 'wflow',
      'model:run': 'sbm (wflow 1.1)',
      'model:feature_count': 3,
      'model:value_count': 24,
      'model:units': 'm3/s',
      'model:time_step': 'P1D',
      start_datetime: '2010-02-03T00:00:00.000Z',
      end_datetime: '2010-02-10T00:00:00.000Z'
    });
    expect(item.properties['model:basin_columns']).toEqual(['Q-max', 'res-volume', 'temp_bycoord', 'temp_byindex', 'P_1']);
    expect(item.properties['cube:variables']).toEqual({
      discharge: { dimensions: ['gauge', 'time'], type: 'data', unit: 'm3/s', description: 'simulated river discharge at the gauge' }
    });
    // The grid: wflow writes no units, discharge in m³/s is the model's documented unit for q_river.
    const cells = (await call(`${g.url}/stac/collections/model-series/items/wflow-sbm-wflow-piave-subbasin-output-grid`)).body;
    expect(cells.properties).toMatchObject({
      'model:name': 'wflow',
      'model:variable': 'discharge',
      'model:units': 'm3/s',
      'model:other_variables': ['h_land']
    });
    expect(cells.properties['cube:dimensions'].x).toMatchObject({ type: 'spatial', axis: 'x', reference_system: 4326 });
    // GRDC 6349400, Piave at Ponte della Iasta (12.5167 E, 46.5333 N): its gauge series and the grid cell there.
    const h = await call(`${g.url}/timeseries/harmonized?lon=12.5167&lat=46.5333&radius_km=5`);
    expect(h.status).toBe(200);
    const models = h.body.sources.filter((s: { source: string }) => s.source === 'model');
    expect(models.map((m: { id: string }) => m.id).sort()).toEqual([
      'wflow-sbm-wflow-piave-subbasin-output-gauges',
      'wflow-sbm-wflow-piave-subbasin-output-grid'
    ]);
    const gauge = models.find((m: { name: string }) => /gauge 6349400/.test(m.name));
    expect(gauge).toMatchObject({ units: 'm3/s', count: 8 });
    expect(gauge.name).toBe('wflow (sbm (wflow 1.1) run) at gauge 6349400 (Ponte Della Iasta)');
    const first = h.body.rows.find((r: { source: string; id: string }) => r.source === 'model' && r.id === gauge.id);
    // output.csv's first row: 2010-02-03, Q_6349400 = 22.2269...
    expect(first.time).toBe('2010-02-03T00:00:00Z');
    expect(first.value).toBeCloseTo(22.2269, 3);
  });
});
