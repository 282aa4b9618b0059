import { unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REACHES_PASS_51, REACH_548, call, startGateway, type TestGateway } from '../helpers.js';

/** The raw DBF text of the real granule, read here independently of the gateway's readers. */
function rawDbf(zip: string): { fields: string[]; rows: Record<string, string>[] } {
  const entries = unzipSync(new Uint8Array(readFileSync(zip)));
  const bytes = Object.entries(entries).find(([n]) => n.endsWith('.dbf'))![1];
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const count = view.getUint32(4, true),
    headerLength = view.getUint16(8, true),
    recordLength = view.getUint16(10, true);
  const fields: { name: string; length: number }[] = [];
  for (let o = 32; bytes[o] !== 0x0d; o += 32)
    fields.push({ name: new TextDecoder().decode(bytes.subarray(o, o + 11)).replace(/\0.*$/, ''), length: bytes[o + 16]! });
  const rows = [];
  for (let r = 0; r < count; r++) {
    let o = headerLength + r * recordLength + 1;
    const row: Record<string, string> = {};
    for (const f of fields) {
      row[f.name] = new TextDecoder().decode(bytes.subarray(o, o + f.length)).trim();
      o += f.length;
    }
    rows.push(row);
  }
  return { fields: fields.map((f) => f.name), rows };
}

const source = rawDbf(REACH_548);
const observed = source.rows.find((r) => r['wse'] !== '-999999999999' && r['time_str'] !== 'no_data')!;
const unobserved = source.rows.find((r) => r['wse'] === '-999999999999')!;
const WINDOW = 'start_time=2023-06-10T00:00:00Z&end_time=2023-06-11T00:00:00Z';

describe('GET /hydrocron/v1/timeseries (Hydrocron drop-in)', () => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startGateway();
    for (const f of [REACH_548, ...REACHES_PASS_51]) expect((await g.ingest(f)).ok).toBe(true);
  });
  afterAll(async () => g?.stop());

  it("a request copied from Hydrocron's documentation, with the fields Hydrocron adds to every record", async () => {
    const fields = ['reach_id', 'time_str', 'wse', 'sword_version', 'collection_shortname', 'collection_version', 'crid', 'range_start_time'];
    const r = await call(`${g.url}/hydrocron/v1/timeseries?feature=Reach&feature_id=${observed['reach_id']}&${WINDOW}&output=csv&fields=${fields.join(',')}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const [header, line] = (r.body.results.csv as string).trim().split('\n');
    const values = Object.fromEntries(header!.split(',').map((h, i) => [h, line!.split(',')[i]!]));
    // The SWORD version from the prior-database files the .shp.xml lists (..._v215.nc); the product version, not the CRID;
    // the granule name's start.
    expect(values).toMatchObject({
      reach_id: observed['reach_id'],
      sword_version: '215',
      collection_shortname: 'SWOT_L2_HR_RiverSP_2.0',
      collection_version: '2.0',
      crid: 'PIA1',
      range_start_time: '2023-06-10T19:33:37Z'
    });
  });

  it('returns, for reaches of the real granule, the values the granule holds (fill values as in the source)', async () => {
    const fields = ['reach_id', 'time', 'time_str', 'wse', 'width', 'slope', 'reach_q', 'p_lat', 'p_lon'];
    for (const reach of [observed, unobserved]) {
      const r = await call(`${g.url}/hydrocron/v1/timeseries?feature=Reach&feature_id=${reach['reach_id']}&${WINDOW}&fields=${fields.join(',')}&output=csv`);
      expect(r.status).toBe(200);
      expect(r.body.status).toBe('200 OK');
      expect(r.body.hits).toBe(1);
      const [header, line] = (r.body.results.csv as string).trim().split('\n');
      // Units columns follow, for the fields whose .shp.xml gives units (time_str and reach_q have none).
      expect(header!.split(',')).toEqual([...fields, 'time_units', 'wse_units', 'width_units', 'slope_units', 'p_lat_units', 'p_lon_units']);
      const values = Object.fromEntries(header!.split(',').map((h, i) => [h, line!.split(',')[i]!]));
      for (const f of fields) {
        if (f === 'reach_id' || f === 'time_str') expect(values[f]).toBe(reach[f]);
        else expect(Number(values[f]), f).toBe(Number(reach[f]));
      }
      expect(values['wse_units']).toBe('m');
    }
    // Fills are written as Hydrocron writes them.
    const r = await call(`${g.url}/hydrocron/v1/timeseries?feature=Reach&feature_id=${unobserved['reach_id']}&${WINDOW}&fields=wse,time_str,reach_q`, {
      headers: { Accept: 'text/csv' }
    });
    expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((r.body as string).split('\n')[1]).toBe(`-999999999999.0,no_data,${unobserved['reach_q']},m`);
  });

  it('GeoJSON output: one feature per observation, string values, the reach geometry; compact is arrays', async () => {
    const id = observed['reach_id'];
    const plain = await call(`${g.url}/hydrocron/v1/timeseries?feature=Reach&feature_id=${id}&${WINDOW}&fields=reach_id,wse&output=geojson`);
    const f = plain.body.results.geojson.features[0];
    expect(f.id).toBe('0');
    expect(f.properties.wse).toBe(String(Number(observed['wse'])));
    expect(typeof f.properties.wse).toBe('string');
    expect(f.properties.wse_units).toBe('m');
    expect(f.geometry.type).toMatch(/LineString/);
    const compact = await call(`${g.url}/hydrocron/v1/timeseries?feature=Reach&feature_id=${id}&${WINDOW}&fields=reach_id,wse`, {
      headers: { Accept: 'application/geo+json' }
    });
    expect(compact.headers.get('content-type')).toMatch(/application\/geo\+json/);
    expect(compact.body.features).toHaveLength(1);
    expect(compact.body.features[0].properties.wse).toEqual([f.properties.wse]);
  });

  it('a reach across cycles: one row per pass, in time order, with the added granule fields', async () => {
    const r = await call(
      `${g.url}/hydrocron/v1/timeseries?feature=Reach&feature_id=74269900011&start_time=2010-01-01T00:00:00%2b02:00&end_time=2010-12-31T00:00:00Z&fields=reach_id,time_str,wse,cycle_id,pass_id,crid,granuleUR&output=csv`
    );
    expect(r.status).toBe(200);
    expect(r.body.hits).toBe(3);
    const lines = (r.body.results.csv as string).trim().split('\n').slice(1);
    expect(lines.map((l) => l.split(',')[3])).toEqual(['1', '2', '3']);
    expect(lines[0]).toMatch(/,51,PGA2,SWOT_L2_HR_RiverSP_Reach_1_51_NA_20100816T184024_20100816T184031_PGA2_03\.zip(,|$)/);
    const wse = lines.map((l) => Number(l.split(',')[2]));
    const sources = REACHES_PASS_51.map((z) => Number(rawDbf(z).rows.find((row) => row['reach_id'] === '74269900011')!['wse']));
    expect(wse).toEqual(sources);
  });

  it('bad input: 400 in the one error shape; unsupported Accept: 415', async () => {
    const base = `${g.url}/hydrocron/v1/timeseries`;
    const bad = async (qs: string, detail: RegExp) => {
      const r = await call(`${base}?${qs}`);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ status: 400, title: 'Bad Request' });
      expect(r.body.detail).toMatch(detail);
    };
    await bad(`feature=Reach&feature_id=71224100203&${WINDOW}&fields=wse,nonsense`, /unknown field\(s\) for Reach: nonsense/);
    await bad(`feature=Reach&feature_id=99999999999&${WINDOW}&fields=wse`, /99999999999 were not found/);
    await bad(`feature=Reach&feature_id=7122410&${WINDOW}&fields=wse`, /11 digits/);
    await bad(`feature=River&feature_id=71224100203&${WINDOW}&fields=wse`, /feature must be Reach, Node or PriorLake/);
    await bad(
      `feature=Reach&feature_id=71224100203&start_time=2024-01-01T00:00:00Z&end_time=2023-01-01T00:00:00Z&fields=wse`,
      /start_time .* is after end_time/
    );
    await bad(`feature=Reach&feature_id=71224100203&start_time=yesterday&end_time=2023-01-01T00:00:00Z&fields=wse`, /start_time "yesterday"/);
    const r = await call(`${base}?feature=Reach&feature_id=${observed['reach_id']}&${WINDOW}&fields=wse`, { headers: { Accept: 'application/xml' } });
    expect(r.status).toBe(415);
    expect(r.body.status).toBe(415);
  });
});
