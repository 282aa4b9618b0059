import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CmrReplay } from '../cmr-replay.js';
import { REACHES_PASS_51, call, sample, startGateway, type TestGateway } from '../helpers.js';
import { HubeauReplay, STATION } from '../hubeau-replay.js';
import { HydrowebReplay, PERU } from '../hydroweb-replay.js';

describe("harvesting Hub'Eau: incremental, idempotent, through its failures", () => {
  const hubeau = new HubeauReplay();
  let g: TestGateway;
  let producer: Record<string, string>;
  const harvest = (sync = true) =>
    call(`${g.url}/processes/harvest/execution`, {
      json: { inputs: { source: 'hubeau', stations: [STATION], pageSize: 10 } },
      headers: { ...producer, ...(sync ? {} : { Prefer: 'respond-async' }) }
    });
  const sources = async () => (await call(`${g.url}/harvest/sources?source=hubeau`, { headers: producer })).body.sources as Record<string, unknown>[];
  const gauges = async () => {
    const items = (await call(`${g.url}/stac/collections/insitu-gauges/items?limit=100`)).body.features as {
      id: string;
      properties: Record<string, unknown>;
    }[];
    return items.filter((i) => i.id.startsWith(`hubeau-hubeau_obs_elab_${STATION}`));
  };
  const observations = async () => (await gauges()).reduce((a, i) => a + Number(i.properties['insitu:observation_count']), 0);

  beforeAll(async () => {
    await hubeau.start();
    // The job worker reads the provider's address from its environment (passed on by the gateway).
    process.env['HYSOPE_HUBEAU_URL'] = hubeau.url;
    g = await startGateway();
    producer = (await g.user('harvester', 'producer')).headers;
  });
  afterAll(async () => {
    await g?.stop();
    await hubeau.stop();
  });

  it('harvests every page through a 429 and a 503, then only what is new; the marks move once the granules are in the catalog', async () => {
    hubeau.fail = { tooMany: true, unavailable: true };
    const first = await harvest();
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.harvested).toEqual([{ key: `obs_elab/${STATION}/QmnJ`, records: 26, pages: 3, highWater: '2026-08-26' }]);
    expect(await observations()).toBe(26);
    // The 429 and the 503, then three pages: nothing asked twice beyond them.
    expect(hubeau.seen).toHaveLength(5);
    const [s] = await sources();
    expect(s).toMatchObject({ source: 'hubeau', key: `obs_elab/${STATION}/QmnJ`, high_water: '2026-08-26', records: 26, last_error: null });
    expect(s!['lag_seconds']).toBeGreaterThan(0);
    // Three more days published: the next harvest asks from the day after its mark and brings those only.
    hubeau.days = 29;
    hubeau.seen = [];
    const second = await harvest();
    expect(second.body.harvested).toEqual([{ key: `obs_elab/${STATION}/QmnJ`, records: 3, pages: 1, highWater: '2026-08-29' }]);
    expect(hubeau.seen[0]!.searchParams.get('date_debut_obs_elab')).toBe('2026-08-27');
    expect(await observations()).toBe(29);
    // Nothing new: nothing ingested, the source up to date.
    const third = await harvest();
    expect(third.body.harvested).toEqual([]);
    expect(await observations()).toBe(29);
    const metrics = await (await fetch(`${g.url}/metrics`, { headers: producer })).text();
    expect(metrics).toMatch(new RegExp(`hysope_harvest_failing\\{source="hubeau",key="obs_elab/${STATION}/QmnJ"\\} 0`));
    expect(metrics).toMatch(/hysope_harvest_lag_seconds\{source="hubeau",key="obs_elab\/K447001001\/QmnJ"\} \d+/);
  }, 120_000);

  it('fails a paging that ends early, keeping the mark and the reason, and the catalog as it was', async () => {
    hubeau.days = 40;
    hubeau.fail = { endEarly: true };
    const before = await gauges();
    const failed = await harvest();
    expect(failed.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(failed.body)).toMatch(/paging ended after 10 of the 11 records/);
    expect(await gauges()).toEqual(before);
    const [s] = await sources();
    expect(s).toMatchObject({ high_water: '2026-08-29' });
    expect(s!['last_error']).toMatch(/paging ended after/);
    const metrics = await (await fetch(`${g.url}/metrics`, { headers: producer })).text();
    expect(metrics).toMatch(/hysope_harvest_failing\{source="hubeau",key="obs_elab\/K447001001\/QmnJ"\} 1/);
  }, 120_000);

  it('a harvest stopped mid-way is run again from the same mark: every record once', async () => {
    hubeau.fail = { stall: true };
    const started = await harvest(false);
    expect(started.status).toBe(201);
    const job = started.body.jobID as string;
    await expect.poll(() => hubeau.seen.some((u) => u.searchParams.get('cursor')), { timeout: 30_000 }).toBe(true);
    expect((await call(`${g.url}/jobs/${job}`, { method: 'DELETE', headers: producer })).status).toBe(200);
    await expect.poll(async () => (await call(`${g.url}/jobs/${job}`, { headers: producer })).body.status, { timeout: 30_000 }).toBe('dismissed');
    expect((await sources())[0]).toMatchObject({ high_water: '2026-08-29' });
    hubeau.fail = {};
    const again = await harvest();
    expect(again.body.harvested).toEqual([{ key: `obs_elab/${STATION}/QmnJ`, records: 11, pages: 2, highWater: '2026-09-09' }]);
    expect(await observations()).toBe(40);
    expect((await sources())[0]).toMatchObject({ high_water: '2026-09-09', records: 40, last_error: null });
  }, 120_000);
});

describe('harvests on a schedule from the configuration', () => {
  const hubeau = new HubeauReplay();
  let g: TestGateway;
  let producer: Record<string, string>;

  beforeAll(async () => {
    await hubeau.start();
    process.env['HYSOPE_HUBEAU_URL'] = hubeau.url;
    const schedules = [{ name: 'loire-daily', cron: '*/2 * * * * *', as: 'scheduler', inputs: { source: 'hubeau', stations: [STATION], pageSize: 100 } }];
    g = await startGateway({ env: { HYSOPE_HARVEST_SCHEDULES: JSON.stringify(schedules), HYSOPE_WATCHDOG_MS: '500' } });
    producer = (await g.user('scheduler', 'producer')).headers;
  });
  afterAll(async () => {
    await g?.stop();
    await hubeau.stop();
  });

  it('starts the harvest as the schedule says, as its account, and the source follows the provider', async () => {
    const harvests = async () =>
      ((await call(`${g.url}/jobs?processID=harvest&limit=100`, { headers: producer })).body.jobs as { status: string }[]).filter(
        (j) => j.status === 'successful'
      );
    await expect.poll(async () => (await harvests()).length, { timeout: 30_000, interval: 500 }).toBeGreaterThan(0);
    const [s] = (await call(`${g.url}/harvest/sources`, { headers: producer })).body.sources as Record<string, unknown>[];
    expect(s).toMatchObject({ key: `obs_elab/${STATION}/QmnJ`, high_water: '2026-08-26', records: 26 });
    // New days published: a later occurrence brings them.
    hubeau.days = 30;
    await expect
      .poll(async () => ((await call(`${g.url}/harvest/sources`, { headers: producer })).body.sources as Record<string, unknown>[])[0]!['high_water'], {
        timeout: 30_000,
        interval: 500
      })
      .toBe('2026-08-30');
  }, 90_000);
});

describe("harvesting PO.DAAC's SWOT granules found in NASA CMR", () => {
  const cmr = new CmrReplay();
  let g: TestGateway;
  let producer: Record<string, string>;
  const SHORT = 'SWOT_L2_HR_RiverSP_2.0';
  const harvest = () =>
    call(`${g.url}/processes/harvest/execution`, { json: { inputs: { source: 'podaac', shortName: SHORT, pageSize: 2 } }, headers: producer });
  const items = async () =>
    ((await call(`${g.url}/stac/collections/swot-riversp-reach/items?limit=100`)).body.features as { id: string }[]).map((f) => f.id).sort();
  const mark = async () => ((await call(`${g.url}/harvest/sources?source=podaac`, { headers: producer })).body.sources as Record<string, unknown>[])[0];

  beforeAll(async () => {
    await cmr.start();
    process.env['HYSOPE_CMR_URL'] = `${cmr.url}/search`;
    cmr.granules = REACHES_PASS_51.slice(0, 3).map((file, i) => ({ file, revised: `2026-11-0${i + 1}T10:00:00.000Z` }));
    g = await startGateway({ env: { HYSOPE_EARTHDATA_TOKEN: 'good-token' } });
    producer = (await g.user('podaac-harvester', 'producer')).headers;
  });
  afterAll(async () => {
    await g?.stop();
    await cmr.stop();
  });

  it('finds the granules page by page, downloads them with the token (a cut transfer resumed by Range), checks them and ingests them; then only what CMR revised since', async () => {
    cmr.fail = { cut: true };
    const first = await harvest();
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.harvested.map((h: { highWater: string }) => h.highWater)).toEqual(cmr.granules.map((x) => x.revised));
    expect(await items()).toEqual(cmr.granules.map((x) => path.basename(x.file, '.zip')).sort());
    // Two pages (CMR-Search-After given back), and the cut download resumed where it stopped.
    expect(cmr.seen.filter((s) => s.url.pathname.endsWith('granules.umm_json')).map((s) => s.searchAfter)).toEqual([null, '[2]']);
    expect(cmr.seen.some((s) => s.range && /^bytes=[1-9]\d*-$/.test(s.range))).toBe(true);
    expect(await mark()).toMatchObject({ key: `granules/${SHORT}`, high_water: '2026-11-03T10:00:00.000Z', records: 3, last_error: null });
    // A new granule in CMR: the next harvest asks for what was revised since its mark and brings that one only.
    cmr.granules.push({
      file: sample('swot/riversp/SWOT_L2_HR_RiverSP_Reach_1_372_NA_20100828T061839_20100828T061842_PGA2_03.zip'),
      revised: '2026-11-05T10:00:00.000Z'
    });
    cmr.seen = [];
    const second = await harvest();
    expect(second.body.harvested).toHaveLength(1);
    expect(cmr.seen[0]!.url.searchParams.get('updated_since')).toBe('2026-11-03T10:00:00.000Z');
    expect(await items()).toHaveLength(4);
  }, 120_000);

  it('fails on an expired token and on a file whose checksum is wrong, keeping the mark and the catalog as they were', async () => {
    const before = await items();
    cmr.granules.push({
      file: sample('swot/riversp/SWOT_L2_HR_RiverSP_Reach_2_372_NA_20100918T030336_20100918T030339_PGA2_03.zip'),
      revised: '2026-11-06T10:00:00.000Z'
    });
    cmr.token = 'renewed-token';
    const expired = await harvest();
    expect(expired.status).toBe(400);
    expect(expired.body.detail).toMatch(/401.*refused the credentials/);
    expect((await mark())!['last_error']).toMatch(/expired token/);
    cmr.token = 'good-token';
    cmr.fail = { corrupt: 'always' };
    const corrupt = await harvest();
    expect(corrupt.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(corrupt.body)).toMatch(/MD5 checksum is [0-9a-f]{32}, the provider says/);
    expect(await items()).toEqual(before);
    expect(await mark()).toMatchObject({ high_water: '2026-11-05T10:00:00.000Z' });
    // A corruption that does not happen again: the file is fetched anew and the harvest passes.
    cmr.fail = { corrupt: 'once' };
    expect((await harvest()).status).toBe(200);
    expect(await items()).toHaveLength(before.length + 1);
  }, 120_000);

  it('selects granules by cycle and pass, with a mark of their own', async () => {
    // Whatever the test before left the provider in.
    cmr.token = 'good-token';
    cmr.fail = {};
    cmr.seen = [];
    const passes = await call(`${g.url}/processes/harvest/execution`, {
      json: { inputs: { source: 'podaac', shortName: SHORT, cycles: [1, 2], passes: [372] } },
      headers: producer
    });
    expect(passes.status, JSON.stringify(passes.body)).toBe(200);
    const asked = cmr.seen.find((s) => s.url.pathname.endsWith('granules.umm_json'))!.url;
    expect(asked.searchParams.getAll('cycle[]')).toEqual(['1', '2']);
    expect(asked.searchParams.get('passes[0][pass]')).toBe('372');
    // Pass 372's two granules only, though the collection's mark is later than both: this selection has its own.
    expect(passes.body.harvested.map((h: { key: string }) => h.key)).toEqual([
      `granules/${SHORT}/cycles=1,2/passes=372`,
      `granules/${SHORT}/cycles=1,2/passes=372`
    ]);
    const marks = (await call(`${g.url}/harvest/sources?source=podaac`, { headers: producer })).body.sources.map((s: { key: string }) => s.key).sort();
    expect(marks).toEqual([`granules/${SHORT}`, `granules/${SHORT}/cycles=1,2/passes=372`]);
    // Passes without a cycle: CMR would refuse them, so does the process.
    const refused = await call(`${g.url}/processes/harvest/execution`, {
      json: { inputs: { source: 'podaac', shortName: SHORT, passes: [51] } },
      headers: producer
    });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/passes within cycles/);
  }, 120_000);
});

describe("harvesting hydroweb.next's virtual stations (its STAC catalogue, with the API key)", () => {
  const hydroweb = new HydrowebReplay();
  let g: TestGateway;
  let producer: Record<string, string>;
  const PERU_BOX = [-82, -8, -78, 0];
  const harvest = () =>
    call(`${g.url}/processes/harvest/execution`, {
      json: { inputs: { source: 'hydroweb', collection: 'HYDROWEB_RIVERS_OPE', bbox: PERU_BOX, pageSize: 1 } },
      headers: producer
    });
  const stations = async () =>
    ((await call(`${g.url}/stac/collections/hydroweb-stations/items?limit=100`)).body.features as { id: string; properties: Record<string, unknown> }[])
      .filter((f) => f.properties['hydroweb:kind'] === 'water-level-series')
      .sort((a, b) => a.id.localeCompare(b.id));
  const mark = async () => ((await call(`${g.url}/harvest/sources?source=hydroweb`, { headers: producer })).body.sources as Record<string, unknown>[])[0];
  const downloads = () => hydroweb.seen.filter((s) => s.url.pathname.includes('/download/'));

  beforeAll(async () => {
    await hydroweb.start();
    process.env['HYSOPE_HYDROWEB_URL'] = hydroweb.url;
    g = await startGateway({ env: { HYSOPE_HYDROWEB_API_KEY: 'good-key' } });
    producer = (await g.user('hydroweb-harvester', 'producer')).headers;
  });
  afterAll(async () => {
    await g?.stop();
    await hydroweb.stop();
  });

  it('lists the stations of the area page by page through a 429 and a 503, downloads each series (a cut transfer resumed, size and checksum checked), then only the stations that changed', async () => {
    hydroweb.fail = { tooMany: true, unavailable: true, cut: true };
    const first = await harvest();
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    // The two Peruvian stations (the Amazon one is outside the box), two pages of one.
    expect(first.body.harvested).toHaveLength(2);
    expect((await stations()).map((s) => s.id)).toEqual(PERU.map((n) => `hydroweb-${n}`));
    expect(hydroweb.seen.filter((s) => s.url.pathname.endsWith('/search')).map((s) => s.url.searchParams.get('offset'))).toEqual([null, null, null, '1']);
    expect(downloads().some((d) => d.range && /^bytes=[1-9]\d*-$/.test(d.range))).toBe(true);
    // The levels are the station's, as Hydroweb published them (the real series bundled).
    const [s] = await stations();
    const real = JSON.parse(readFileSync(sample(`altimetry/hydroweb/${PERU[0]}_mean.json`), 'utf8')) as {
      x: Record<string, string>;
      y: Record<string, number>;
    };
    const published = Object.keys(real.x).filter((k) => real.x[k]! <= hydroweb.upTo);
    expect(s!.properties['hydroweb:observation_count']).toBe(published.length);
    const h = await call(`${g.url}/timeseries/harmonized?lon=-79.5165&lat=-1.2301&radius_km=5`);
    const rows = h.body.rows.filter((r: { source: string }) => r.source === 'hydroweb');
    expect(rows.map((r: { value: number }) => r.value)).toEqual(published.map((k) => Number(real.y[k]!.toFixed(3))));
    const updated = hydroweb.stations
      .slice(0, 2)
      .map((x) => hydroweb.updated(x)!)
      .sort();
    expect(await mark()).toMatchObject({ key: `stations/HYDROWEB_RIVERS_OPE/${PERU_BOX.join(',')}`, high_water: updated[1], last_error: null });
    // The API key went in its header only: never in a URL, a log or an answer.
    expect(hydroweb.seen.every((x) => !x.url.search.includes('good-key'))).toBe(true);
    expect(JSON.stringify(first.body)).not.toContain('good-key');

    // More passes published: the stations whose items changed are downloaded again, the others not.
    hydroweb.upTo = '2021-12-31';
    hydroweb.seen = [];
    const second = await harvest();
    expect(second.status).toBe(200);
    const changed = hydroweb.stations.slice(0, 2).filter((x) => hydroweb.updated(x)! > updated[1]!);
    expect(changed.length).toBeGreaterThan(0);
    expect(downloads()).toHaveLength(changed.length);
    expect(second.body.harvested).toHaveLength(changed.length);
    // Nothing new: nothing downloaded.
    hydroweb.seen = [];
    expect((await harvest()).body.harvested).toEqual([]);
    expect(downloads()).toHaveLength(0);
  }, 120_000);

  it('fails on a refused key and on paging that ends early, keeping the mark and the catalog as they were', async () => {
    const before = await stations();
    const kept = (await mark())!['high_water'];
    hydroweb.upTo = '2030-01-01';
    hydroweb.apiKey = 'renewed-key';
    const refused = await harvest();
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/401.*refused the credentials/);
    expect(refused.body.detail).not.toContain('good-key');
    hydroweb.apiKey = 'good-key';
    hydroweb.fail = { endEarly: true };
    const early = await harvest();
    expect(early.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(early.body)).toMatch(/paging ended after 1 of the 2 items announced/);
    expect(await stations()).toEqual(before);
    expect(await mark()).toMatchObject({ high_water: kept });
    expect((await mark())!['last_error']).toMatch(/paging ended/);
  }, 120_000);
});

describe("harvesting PO.DAAC's SWOT granules through NASA's CMR-STAC", () => {
  const cmr = new CmrReplay();
  let g: TestGateway;
  let producer: Record<string, string>;
  const SHORT = 'SWOT_L2_HR_RiverSP_2.0';
  const harvest = () =>
    call(`${g.url}/processes/harvest/execution`, { json: { inputs: { source: 'cmr-stac', shortName: SHORT, pageSize: 2 } }, headers: producer });
  const items = async () =>
    ((await call(`${g.url}/stac/collections/swot-riversp-reach/items?limit=100`)).body.features as { id: string }[]).map((f) => f.id).sort();
  const searches = () => cmr.seen.filter((s) => s.url.pathname === '/stac/POCLOUD/search').map((s) => s.url);
  const reach = (c: number, p: number) =>
    [
      ...REACHES_PASS_51,
      ...[1, 2].map((k) => sample(`swot/riversp/${readdirSync(sample('swot/riversp')).find((f) => f.startsWith(`SWOT_L2_HR_RiverSP_Reach_${k}_372_`))}`))
    ].find((f) => path.basename(f).startsWith(`SWOT_L2_HR_RiverSP_Reach_${c}_${p}_`))!;

  beforeAll(async () => {
    await cmr.start();
    process.env['HYSOPE_CMR_STAC_URL'] = `${cmr.url}/stac/POCLOUD`;
    cmr.granules = [reach(1, 51), reach(1, 372), reach(2, 51)].map((file) => ({ file, revised: '2026-11-01T10:00:00.000Z' }));
    g = await startGateway({ env: { HYSOPE_EARTHDATA_TOKEN: 'good-token' } });
    producer = (await g.user('stac-harvester', 'producer')).headers;
  });
  afterAll(async () => {
    await g?.stop();
    await cmr.stop();
  });

  it('pages through the items with the token, downloads each granule and ingests it; then asks only for later acquisitions', async () => {
    const first = await harvest();
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(await items()).toEqual(cmr.granules.map((x) => path.basename(x.file, '.zip')).sort());
    // Two pages of two, the second by the next link; the mark is the latest acquisition (2010-09-06, cycle 2).
    expect(searches().map((u) => u.searchParams.get('page'))).toEqual([null, '2']);
    const [mark] = (await call(`${g.url}/harvest/sources?source=cmr-stac`, { headers: producer })).body.sources as Record<string, unknown>[];
    expect(mark).toMatchObject({ key: `stac/${SHORT}`, high_water: '2010-09-06T15:25:28Z', last_error: null });
    // A later acquisition published: the next search starts at the mark and brings that granule only.
    cmr.granules.push({ file: reach(3, 51), revised: '2026-11-02T10:00:00.000Z' });
    cmr.seen = [];
    const second = await harvest();
    expect(second.body.harvested).toHaveLength(1);
    expect(searches()[0]!.searchParams.get('datetime')).toBe('2010-09-06T15:25:28Z/..');
    expect(await items()).toHaveLength(4);
    // The token went in the Authorization header only.
    expect(cmr.seen.every((s) => !s.url.search.includes('good-token'))).toBe(true);
  }, 120_000);
});
