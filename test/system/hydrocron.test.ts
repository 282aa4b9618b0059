import { execFile } from 'node:child_process';
import { unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAKE_GREENLAND, REACHES_PASS_51, REACH_548, call, eachConcurrently, sample, startGateway, type TestGateway } from '../helpers.js';

const LAKE_NA = sample('swot/lakesp/SWOT_L2_HR_LakeSP_Prior_1_1001_NA_20220402T112019_20220402T112339_Dx0000_01.zip');
const NODES_51 = sample('swot/riversp/SWOT_L2_HR_RiverSP_Node_1_51_NA_20100816T184024_20100816T184031_PGA2_03.zip');

/** Hydrocron's answer for one granule, computed by Debian's Python, GDAL and Shapely (test/python/hydrocron_reference.py). */
async function reference(
  zip: string,
  idField: string
): Promise<{ fields: string[]; records: Record<string, Record<string, string>[]>; wkt: Record<string, string>; points: Record<string, number[]> }> {
  const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../python/hydrocron_reference.py');
  const r = await promisify(execFile)('/usr/bin/python3', [script, zip, idField], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20, timeout: 120_000 });
  return JSON.parse(r.stdout);
}

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
    g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0' } });
    for (const f of [REACH_548, ...REACHES_PASS_51, LAKE_GREENLAND, LAKE_NA, NODES_51]) expect((await g.ingest(f)).ok).toBe(true);
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

  it('byte for byte: every field of every record as Hydrocron prints it (types and fills of each granule), WKT geometry, lake centroids', async () => {
    const granules = [
      { zip: REACH_548, feature: 'Reach', id: 'reach_id' },
      { zip: REACHES_PASS_51[0]!, feature: 'Reach', id: 'reach_id' },
      { zip: NODES_51, feature: 'Node', id: 'node_id' },
      { zip: LAKE_GREENLAND, feature: 'PriorLake', id: 'lake_id' },
      { zip: LAKE_NA, feature: 'PriorLake', id: 'lake_id' }
    ];
    const counts: Record<string, { records: number; values: number; different: string[] }> = {};
    // The references computed side by side (Python processes), the gateway asked four requests at a time.
    const refs = await Promise.all(granules.map(({ zip, id }) => reference(zip, id)));
    for (const [{ zip, feature }, ref] of granules.map((x, k) => [x, refs[k]!] as const)) {
      const granule = path.basename(zip);
      const [, cycle, pass] = /_(\d+)_(\d+)_[A-Z]{2}_\d{8}T/.exec(granule)!;
      // Every record, but for the 5389 lakes of Greenland: the first 250 with a shape and a spread of the others.
      let ids = Object.keys(ref.records);
      if (feature === 'PriorLake' && ids.length > 400) {
        const shaped = ids.filter((k) => ref.points[k]![0] !== -20.455824);
        ids = [...shaped.slice(0, 250), ...ids.filter((_, i) => i % 50 === 0)];
      }
      const c = (counts[granule] = { records: 0, values: 0, different: [] as string[] });
      const fields = [...ref.fields, 'geometry', 'cycle_id', 'pass_id', 'granuleUR'];
      await eachConcurrently([...new Set(ids)], 4, async (key) => {
        const q = `feature=${feature}&feature_id=${key}&start_time=2000-01-01T00:00:00Z&end_time=2030-01-01T00:00:00Z&fields=${fields.join(',')}`;
        const r = await fetch(`${g.url}/hydrocron/v1/timeseries?${q}`, { headers: { Accept: 'text/csv' } });
        expect(r.status, key).toBe(200);
        const [header, ...lines] = parseCsv(await r.text());
        const rows = lines.map((l) => Object.fromEntries(header!.map((h, i) => [h, l[i]!]))).filter((l) => l['granuleUR'] === granule);
        expect(rows.length, `${key} in ${granule}`).toBe(ref.records[key]!.length);
        c.records += rows.length;
        // Records of one feature in one granule (a repeated node id) compare as a set.
        const text = (r: Record<string, string>) =>
          JSON.stringify(
            Object.keys(r)
              .sort()
              .map((f) => [f, r[f]])
          );
        const expectedRows = ref.records[key]!.map((r) => {
          const e: Record<string, string> = { ...r, cycle_id: cycle!, pass_id: pass! };
          if (feature !== 'PriorLake') e['geometry'] = ref.wkt[key]!;
          return e;
        });
        const got = rows.map((r) => Object.fromEntries(Object.keys(expectedRows[0]!).map((f) => [f, r[f]!])));
        const want = expectedRows.map(text).sort();
        const have = got.map(text).sort();
        want.forEach((w, i) => {
          const [a, b] = [JSON.parse(w) as [string, string][], JSON.parse(have[i]!) as [string, string][]];
          a.forEach(([f, v], j) => {
            c.values++;
            if (b[j]![1] !== v) c.different.push(`${key}.${f}: ${v} ≠ ${b[j]![1]}`);
          });
        });
        if (feature === 'PriorLake') {
          const geo = await call(`${g.url}/hydrocron/v1/timeseries?${q.replace(/&fields=[^&]+/, '&fields=lake_id,granuleUR')}&output=geojson`);
          const f = geo.body.results.geojson.features.find((x: any) => x.properties.granuleUR === granule);
          c.values++;
          if (JSON.stringify(f.geometry) !== JSON.stringify({ type: 'Point', coordinates: ref.points[key] }))
            c.different.push(`${key}.point: ${ref.points[key]} ≠ ${f.geometry.coordinates}`);
        }
      });
    }
    for (const [granule, c] of Object.entries(counts)) {
      expect(c.different.slice(0, 10), granule).toEqual([]);
      expect(c.records).toBeGreaterThan(0);
    }
    expect(Object.values(counts).reduce((n, c) => n + c.values, 0)).toBeGreaterThan(50_000);
  }, 300_000);

  it("Hydrocron's details: error envelope, Accept with output, unpadded times, collection names, compact units as lists", async () => {
    const base = `${g.url}/hydrocron/v1/timeseries`;
    const id = observed['reach_id'];
    const bad = await call(`${base}?feature=Reach&feature_id=${id}&${WINDOW}&fields=wse,nonsense`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe(`400: ${bad.body.detail}`);
    const both = await call(`${base}?feature=Reach&feature_id=${id}&${WINDOW}&fields=wse&output=geojson`, { headers: { Accept: 'application/geo+json' } });
    expect(both.status).toBe(400);
    expect(both.body.error).toMatch(/^400: the output parameter/);
    const unsupported = await call(`${base}?feature=Reach&feature_id=${id}&${WINDOW}&fields=wse`, { headers: { Accept: 'application/xml' } });
    expect(unsupported.body.error).toMatch(/^415: /);
    const padded = await call(`${base}?feature=Reach&feature_id=${id}&${WINDOW}&fields=reach_id,wse&output=csv`);
    const unpadded = await call(`${base}?feature=Reach&feature_id=${id}&start_time=2023-6-10T0:0:0Z&end_time=2023-6-11T0:0:0Z&fields=reach_id,wse&output=csv`);
    expect(unpadded.status).toBe(200);
    expect(unpadded.body.results.csv).toBe(padded.body.results.csv);
    expect((await call(`${base}?feature=Reach&feature_id=${id}&start_time=2023-2-30T0:0:0Z&end_time=2023-6-11T0:0:0Z&fields=wse`)).body.error).toMatch(
      /400: start_time .* not a valid date/
    );
    // Collection names select by the product version the records carry, and must hold the feature type.
    const v20 = await call(
      `${base}?feature=Reach&feature_id=${id}&${WINDOW}&fields=reach_id,collection_version&output=csv&collection_name=SWOT_L2_HR_RiverSP_reach_2.0`
    );
    expect(v20.body.results.csv.trim().split('\n')[1]).toBe(`${id},2.0`);
    const vD = await call(`${base}?feature=Reach&feature_id=${id}&${WINDOW}&fields=wse&collection_name=SWOT_L2_HR_RiverSP_D`);
    expect(vD.body.error).toMatch(/^400: Results with the specified Feature ID/);
    const lakeName = await call(`${base}?feature=Reach&feature_id=${id}&${WINDOW}&fields=wse&collection_name=SWOT_L2_HR_LakeSP_prior_2.0`);
    expect(lakeName.body.error).toBe('400: collection_name SWOT_L2_HR_LakeSP_prior_2.0 holds no Reach features');
    const compact = await call(`${base}?feature=Reach&feature_id=74269900011&start_time=2010-01-01T00:00:00Z&end_time=2011-01-01T00:00:00Z&fields=wse,width`, {
      headers: { Accept: 'application/geo+json' }
    });
    const props = compact.body.features[0].properties;
    expect(props.wse).toHaveLength(3);
    expect(props.wse_units).toEqual(['m', 'm', 'm']);
  });

  it('bad input: 400 in the one error shape; unsupported Accept: 415', async () => {
    const base = `${g.url}/hydrocron/v1/timeseries`;
    const bad = async (qs: string, detail: RegExp) => {
      const r = await call(`${base}?${qs}`);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ status: 400, title: 'Bad Request' });
      expect(r.body.error).toBe(`400: ${r.body.detail}`); // Hydrocron's envelope, beside the OGC fields
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

/** A CSV parser for the answers (RFC 4180 quoting: WKT cells hold commas). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) rows.push([...row, cell]);
  return rows;
}
