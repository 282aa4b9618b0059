import { once } from 'node:events';
import { copyFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REACHES_PASS_51, REACH_548, call, sample, startGateway, type TestGateway } from '../helpers.js';

const PITTSBURGH_REACH = '74269900011';
const PYTHON_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../python');
const run = promisify(execFile);

describe('GET /timeseries (many features, streamed, typed)', () => {
  let g: TestGateway;
  let dir: string;
  beforeAll(async () => {
    g = await startGateway();
    dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-ts-'));
    for (const f of [REACH_548, ...REACHES_PASS_51]) expect((await g.ingest(f)).ok).toBe(true);
    // The same cycle-1 granule reprocessed (newer CRID): de-duplication keeps one observation per pass.
    const newer = path.join(dir, path.basename(REACHES_PASS_51[0]!).replace('_PGA2_03', '_PGB0_01'));
    await copyFile(REACHES_PASS_51[0]!, newer);
    expect((await g.ingest(newer)).ok).toBe(true);
  });
  afterAll(async () => {
    await g?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('CSV for several ids, with nulls (not fill values) and optional de-duplication of CRIDs', async () => {
    const r = await fetch(`${g.url}/timeseries?feature=Reach&ids=${PITTSBURGH_REACH},74269900021&fields=reach_id,time,wse,cycle_id,crid,time_tai`);
    expect(r.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await r.text()).trim().split('\n');
    expect(lines[0]).toBe('reach_id,time,wse,cycle_id,crid,time_tai');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.filter((x) => x[0] === PITTSBURGH_REACH).map((x) => `${x[3]}${x[4]}`)).toEqual(['1PGA2', '1PGB0', '2PGA2', '3PGA2']);
    expect(rows.every((x) => x[5] === '')).toBe(true); // time_tai is -9999 (a fill) in these granules
    expect(rows[0]![1]).toMatch(/^2010-08-16T/);
    const deduped = (await (await fetch(`${g.url}/timeseries?feature=Reach&ids=${PITTSBURGH_REACH}&fields=cycle_id,crid&dedupe=true`)).text())
      .trim()
      .split('\n')
      .slice(1);
    expect(deduped).toEqual(['1,PGB0', '2,PGA2', '3,PGA2']);
  });

  it('a SWORD basin prefix, a bbox and a time window select features and passes', async () => {
    const basin = (await (await fetch(`${g.url}/timeseries?feature=Reach&basin=7426&fields=reach_id&dedupe=true`)).text()).trim().split('\n').slice(1);
    expect(basin.length).toBeGreaterThan(3);
    expect(basin.every((id) => id.startsWith('7426'))).toBe(true);
    const box = (await (await fetch(`${g.url}/timeseries?feature=Reach&bbox=-80.1,40.3,-79.8,40.6&fields=reach_id,p_lon,p_lat&dedupe=true`)).text())
      .trim()
      .split('\n')
      .slice(1);
    expect(box.length).toBeGreaterThan(0);
    for (const line of box) {
      const [, lon, lat] = line.split(',').map(Number);
      expect(lon).toBeGreaterThanOrEqual(-80.1);
      expect(lat).toBeLessThanOrEqual(40.6);
    }
    const window = (
      await (await fetch(`${g.url}/timeseries?feature=Reach&ids=${PITTSBURGH_REACH}&datetime=2010-09-01T00:00:00Z/2010-09-10T00:00:00Z&fields=cycle_id`)).text()
    )
      .trim()
      .split('\n')
      .slice(1);
    expect(window).toEqual(['2']);
    // Time series also take calendar days (a day is the whole day), unlike STAC item search.
    const days = (await (await fetch(`${g.url}/timeseries?feature=Reach&ids=${PITTSBURGH_REACH}&datetime=2010-09-01/2010-09-09&fields=cycle_id`)).text())
      .trim()
      .split('\n')
      .slice(1);
    expect(days).toEqual(window);
  });

  it('quality=good keeps reach_q = 0 only', async () => {
    const all = (await (await fetch(`${g.url}/timeseries?feature=Reach&basin=7&fields=reach_q&quality=all`)).text()).trim().split('\n').slice(1);
    const good = (await (await fetch(`${g.url}/timeseries?feature=Reach&basin=7&fields=reach_q&quality=good`)).text()).trim().split('\n').slice(1);
    expect(good.every((q) => q === '0')).toBe(true);
    expect(good.length).toBe(all.filter((q) => q === '0').length);
    expect(all.length).toBeGreaterThan(good.length);
  });

  it('a field only newer granules carry (river_name) reads as null for older ones, in every format, never a cut-off answer', async () => {
    // The 2010 granules of pass 51 have no river_name column; the 2023 one has it: the store knows the field.
    const qs = `feature=Reach&ids=${PITTSBURGH_REACH}&fields=time,wse,river_name&dedupe=true`;
    const csv = await fetch(`${g.url}/timeseries?${qs}`);
    expect(csv.status).toBe(200);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines.slice(1)).toHaveLength(3);
    expect(lines.slice(1).every((l) => l.endsWith(','))).toBe(true);
    const geo = await (await fetch(`${g.url}/timeseries?${qs}&format=geojson`)).json();
    expect(geo.features.map((f: any) => f.properties.river_name)).toEqual([null, null, null]);
    const arrow = tableFromIPC(new Uint8Array(await (await fetch(`${g.url}/timeseries?${qs}&format=arrow`)).arrayBuffer()));
    expect(arrow.numRows).toBe(3);
    // The 2023 granule (basin 7122) does carry the names.
    const named = (await (await fetch(`${g.url}/timeseries?feature=Reach&basin=7122&fields=river_name&dedupe=true`)).text()).trim().split('\n');
    expect(named.slice(1).some((n) => n.length > 0)).toBe(true);
  });

  it('NetCDF-CF (timeSeries, contiguous ragged array) read by netCDF4-python holds the same observations as the CSV', async () => {
    const qs = `feature=Reach&basin=7426&fields=reach_id,time,wse,reach_q,crid&dedupe=true`;
    const res = await fetch(`${g.url}/timeseries?${qs}&format=netcdf`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-netcdf');
    expect(res.headers.get('content-disposition')).toMatch(/timeseries-Reach\.nc/);
    const file = path.join(dir, 'out.nc');
    await writeFile(file, new Uint8Array(await res.arrayBuffer()));
    const { stdout } = await run('/usr/bin/python3', [path.join(PYTHON_DIR, 'read_cf_timeseries.py'), file], { encoding: 'utf8' });
    const nc = JSON.parse(stdout);
    expect(nc.featureType).toBe('timeSeries');
    expect(nc.Conventions).toBe('CF-1.8');
    const csv = (await (await fetch(`${g.url}/timeseries?${qs}`)).text())
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const flat = nc.features.flatMap((f: any) => f.observations.map((o: any) => ({ id: f.id, ...o })));
    expect(flat).toHaveLength(csv.length);
    expect(nc.features.length).toBe(new Set(csv.map((r) => r[0])).size);
    csv.forEach(([id, time, wse, q], i) => {
      expect(flat[i].id).toBe(id);
      // Milliseconds kept; CF decodes the time from the file's own units.
      expect(Date.parse(`${flat[i].time}Z`)).toBe(Math.floor(Date.parse(time!)));
      expect(flat[i].wse === null ? '' : flat[i].wse).toBe(wse === '' ? '' : Number(wse));
      expect(String(flat[i].reach_q)).toBe(q);
    });
    expect(nc.features.every((f: any) => f.lon < -79 && f.lon > -81 && f.lat > 40 && f.lat < 41)).toBe(true);
    // Bad format names say which exist.
    const bad = await fetch(`${g.url}/timeseries?${qs}&format=nc4`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).detail).toMatch(/netcdf/);
  });

  it('GeoJSON, Arrow IPC and Parquet carry the same observations', async () => {
    const qs = `feature=Reach&ids=${PITTSBURGH_REACH}&fields=reach_id,time,wse,cycle_id&dedupe=true`;
    const geo = await (await fetch(`${g.url}/timeseries?${qs}&format=geojson`)).json();
    expect(geo.features.map((f: any) => f.properties.cycle_id)).toEqual([1, 2, 3]);
    expect(geo.features[0].geometry.type).toMatch(/LineString/);
    const arrow = tableFromIPC(new Uint8Array(await (await fetch(`${g.url}/timeseries?${qs}&format=arrow`)).arrayBuffer()));
    expect(arrow.numRows).toBe(3);
    expect(String(arrow.schema.fields.find((f) => f.name === 'time')!.type)).toMatch(/Timestamp/);
    expect(arrow.getChild('wse')!.toArray()[1]).toBeCloseTo(geo.features[1].properties.wse, 9);
    const res = await fetch(`${g.url}/timeseries?${qs}&format=parquet`);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    const file = path.join(dir, 'out.parquet');
    await writeFile(file, new Uint8Array(await res.arrayBuffer()));
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const rows = (await duck.runAndReadAll(`select cycle_id, wse from '${file}' order by cycle_id`)).getRowObjectsJS();
    expect(rows.map((r) => r['cycle_id'])).toEqual([1, 2, 3]);
    expect(rows[2]!['wse']).toBeCloseTo(geo.features[2].properties.wse, 9);
  });

  it('bad input gets a 400 that says what to fix', async () => {
    const bad = async (qs: string, detail: RegExp) => {
      const r = await call(`${g.url}/timeseries?${qs}`);
      expect(r.status).toBe(400);
      expect(r.body.detail).toMatch(detail);
    };
    await bad('feature=Reach&ids=123', /11 digits; bad: 123/);
    await bad('feature=Reach', /exactly one of ids/);
    await bad('feature=Reach&ids=74269900011&basin=74', /exactly one of ids/);
    await bad('feature=Reach&basin=74x', /basin is a SWORD basin code prefix/);
    await bad('feature=Reach&ids=74269900011&fields=wse,bogus', /unknown field\(s\) for Reach: bogus/);
    await bad('feature=Reach&ids=74269900011&format=xlsx', /format must be csv, geojson, arrow, parquet or netcdf/);
    await bad('feature=Reach&ids=74269900011&quality=great', /quality must be good, suspect or all/);
    await bad('feature=Reach&ids=74269900011&datetime=2011-01-01T00:00:00Z/2010-01-01T00:00:00Z', /after its end/);
  });
});

describe('GET /timeseries written from DuckDB: CSV by its own writer through a pipe, Arrow and GeoJSON from its vectors', () => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startGateway();
    for (const f of [REACH_548, ...REACHES_PASS_51]) expect((await g.ingest(f)).ok).toBe(true);
  });
  afterAll(async () => {
    await g?.stop();
  });

  const qs = `feature=Reach&basin=74&fields=reach_id,time_str,wse,width,p_lon,reach_q`;

  it('holds the same observations as the Arrow answer (numbers, text, nulls)', async () => {
    const lines = (await (await fetch(`${g.url}/timeseries?${qs}`)).text()).trim().split('\n');
    expect(lines[0]).toBe('reach_id,time_str,wse,width,p_lon,reach_q');
    const arrow = tableFromIPC(new Uint8Array(await (await fetch(`${g.url}/timeseries?${qs}&format=arrow`)).arrayBuffer()));
    expect(lines.length - 1).toBe(arrow.numRows);
    expect(arrow.numRows).toBeGreaterThan(10);
    const cell = (v: unknown) => (v === null ? '' : String(v));
    const nums = ['wse', 'width', 'p_lon', 'reach_q'];
    lines.slice(1).forEach((line, i) => {
      const row = arrow.get(i)!.toJSON() as Record<string, unknown>;
      const cells = line.split(',');
      expect(cells[0]).toBe(row['reach_id']);
      expect(cells[1]).toBe(cell(row['time_str']));
      nums.forEach((f, k) => expect(cells[2 + k] === '' ? null : Number(cells[2 + k])).toBe(row[f] === null ? null : Number(row[f])));
    });
  });

  it('an Arrow answer is typed as the parts store each field and holds what the CSV holds, even with no rows', async () => {
    const fields = 'reach_id,time,time_str,wse,reach_q,reach_q_b,dschg_csf,river_name,cycle_id';
    const arrowOf = async (extra = '') => {
      const res = await fetch(`${g.url}/timeseries?feature=Reach&basin=74&fields=${fields}&format=arrow${extra}`);
      expect(res.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
      return tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    };
    const arrow = await arrowOf();
    const types = Object.fromEntries(arrow.schema.fields.map((f) => [f.name, String(f.type)]));
    // dschg_csf is a 64-bit integer in these granules: not cut to 32 bits.
    expect(types).toEqual({
      reach_id: 'Utf8',
      time: 'Timestamp<MILLISECOND, UTC>',
      time_str: 'Utf8',
      wse: 'Float64',
      reach_q: 'Int32',
      reach_q_b: 'Int32',
      dschg_csf: 'Int64',
      river_name: 'Utf8',
      cycle_id: 'Int32'
    });
    const lines = (await (await fetch(`${g.url}/timeseries?feature=Reach&basin=74&fields=${fields}`)).text()).trim().split('\n').slice(1);
    expect(arrow.numRows).toBe(lines.length);
    expect(arrow.numRows).toBeGreaterThan(100);
    let named = 0;
    lines.forEach((line, i) => {
      const [id, time, timeStr, wse, q, qb, csf, river, cycle] = line.split(',');
      const row = arrow.get(i)!.toJSON() as Record<string, unknown>;
      expect(row['reach_id']).toBe(id);
      expect(row['time']).toBe(time === '' ? null : Date.parse(time!));
      expect(row['time_str'] ?? '').toBe(timeStr);
      expect(row['wse']).toBe(wse === '' ? null : Number(wse));
      expect(row['reach_q']).toBe(q === '' ? null : Number(q));
      expect(row['reach_q_b']).toBe(qb === '' ? null : Number(qb));
      expect(row['dschg_csf']).toBe(csf === '' ? null : BigInt(csf!));
      expect(row['river_name'] ?? '').toBe(river);
      expect(row['cycle_id']).toBe(Number(cycle));
      if (river) named++;
    });
    expect(named).toBeGreaterThan(0);
    // A window without observations: no rows, the same typed fields.
    const none = await arrowOf('&datetime=1990-01-01/1990-01-02');
    expect(none.numRows).toBe(0);
    expect(Object.fromEntries(none.schema.fields.map((f) => [f.name, String(f.type)]))).toEqual(types);
  });

  it('a GeoJSON answer (properties written by DuckDB) holds what the Arrow answer holds, each with its reach line', async () => {
    const res = await fetch(`${g.url}/timeseries?${qs}&format=geojson`);
    expect(res.headers.get('content-type')).toMatch(/application\/geo\+json/);
    const geo = (await res.json()) as { type: string; features: { type: string; properties: Record<string, unknown>; geometry: { type: string } | null }[] };
    expect(geo.type).toBe('FeatureCollection');
    const arrow = tableFromIPC(new Uint8Array(await (await fetch(`${g.url}/timeseries?${qs}&format=arrow`)).arrayBuffer()));
    expect(geo.features).toHaveLength(arrow.numRows);
    expect(arrow.numRows).toBeGreaterThan(100);
    geo.features.forEach((f, i) => {
      const row = arrow.get(i)!.toJSON() as Record<string, unknown>;
      expect(Object.keys(f.properties)).toEqual(['reach_id', 'time_str', 'wse', 'width', 'p_lon', 'reach_q']);
      for (const [k, v] of Object.entries(f.properties)) expect(v).toBe(row[k]);
      expect(f.geometry?.type).toMatch(/LineString/);
    });
    // GDAL (Debian's ogrinfo) reads the GeoJSON and the CSV answers: every feature, typed fields, the reach lines.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-ts-gdal-'));
    try {
      await writeFile(path.join(dir, 'basin.geojson'), JSON.stringify(geo));
      await writeFile(path.join(dir, 'basin.csv'), await (await fetch(`${g.url}/timeseries?${qs}`)).text());
      const info = async (file: string) => (await run('ogrinfo', ['-ro', '-so', '-al', path.join(dir, file)], { encoding: 'utf8' })).stdout;
      const json = await info('basin.geojson');
      expect(json).toContain(`Feature Count: ${arrow.numRows}`);
      expect(json).toMatch(/Geometry: (Multi )?Line String/);
      expect(json).toMatch(/wse: Real/);
      expect(json).toMatch(/reach_q: Integer/);
      expect(await info('basin.csv')).toContain(`Feature Count: ${arrow.numRows}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a query failing in DuckDB is an error answer, not a cut-off 200; clients gone mid-answer leave the gateway serving', async () => {
    // The ingests' compactions done first: the part damaged below is one the index keeps listing.
    await g.gateway.compactor.runPending();
    const before = await (await fetch(`${g.url}/timeseries?${qs}`)).text();
    const arrowBefore = Buffer.from(await (await fetch(`${g.url}/timeseries?${qs}&format=arrow`)).arrayBuffer());
    // A part damaged after its columns were read: the plan passes, DuckDB's COPY fails reading the rows.
    const [{ path: rel }] = await g.gateway.db.query<{ path: string }>(
      `select path from ts_parts where feature = 'Reach' and kind = 'compacted' and bucket like '74%' limit 1`
    );
    const files = (await readdir(path.join(g.dataDir, rel)).catch(() => null))?.map((f) => path.join(g.dataDir, rel, f)) ?? [path.join(g.dataDir, rel)];
    const saved = await Promise.all(files.map((f) => readFile(f)));
    await Promise.all(files.map((f) => writeFile(f, 'not a parquet file')));
    for (const format of ['csv', 'arrow', 'geojson']) {
      const failed = await fetch(`${g.url}/timeseries?${qs}&format=${format}`);
      expect(failed.status).toBeGreaterThanOrEqual(500);
      const body = (await failed.json()) as { title: string; status: number; detail: string };
      expect(body.status).toBe(failed.status);
      expect(body.title).toBeTruthy();
    }
    await Promise.all(files.map((f, k) => writeFile(f, saved[k]!)));
    // More clients leaving at once than libuv has threads: none holds one (the pipe never blocks an open).
    await Promise.all(
      Array.from({ length: 8 }, async (_, k) => {
        const ac = new AbortController();
        const r = await fetch(`${g.url}/timeseries?${qs}${['', '&format=arrow', '&format=geojson'][k % 3]}`, { signal: ac.signal });
        ac.abort();
        await r.text().catch(() => undefined);
      })
    );
    expect(await (await fetch(`${g.url}/timeseries?${qs}`)).text()).toBe(before);
    expect(Buffer.from(await (await fetch(`${g.url}/timeseries?${qs}&format=arrow`)).arrayBuffer()).equals(arrowBefore)).toBe(true);
  });
});

describe('connections between large answers', () => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startGateway();
  });
  afterAll(async () => {
    await g?.stop();
  });

  it("an idle connection is kept longer than a client may take to finish reading a large answer (not Node's 5 s)", async () => {
    const { port } = new URL(g.url);
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    let closed = false;
    socket.once('close', () => (closed = true));
    // One answer (its Content-Length known), read whole.
    const ask = async () => {
      socket.write(`GET /stac HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      let text = '';
      for (;;) {
        const [chunk] = (await once(socket, 'data')) as [Buffer];
        text += chunk.toString();
        const head = text.indexOf('\r\n\r\n');
        const length = /content-length: (\d+)/i.exec(text);
        if (head >= 0 && length && Buffer.byteLength(text.slice(head + 4)) >= Number(length[1])) return text;
      }
    };
    expect(await ask()).toMatch(/^HTTP\/1.1 200/);
    await new Promise((r) => setTimeout(r, 6500));
    expect(closed).toBe(false);
    expect(await ask()).toMatch(/^HTTP\/1.1 200/);
    socket.destroy();
  });
});

describe('GET /timeseries of nodes by place', () => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startGateway();
    expect((await g.ingest(sample('swot/riversp/SWOT_L2_HR_RiverSP_Node_1_51_NA_20100816T184024_20100816T184031_PGA2_03.zip'))).ok).toBe(true);
  });
  afterAll(async () => {
    await g?.stop();
  });

  it('a bbox or a polygon selects the nodes observed inside it (node granules carry no prior location), in every format', async () => {
    const box = [-80.1, 40.3, -79.8, 40.6] as const;
    const polygon = JSON.stringify({
      type: 'Polygon',
      coordinates: [
        [
          [box[0], box[1]],
          [box[2], box[1]],
          [box[2], box[3]],
          [box[0], box[3]],
          [box[0], box[1]]
        ]
      ]
    });
    const everything = (await (await fetch(`${g.url}/timeseries?feature=Node&basin=7&fields=node_id,lon,lat`)).text()).trim().split('\n').slice(1);
    const inside = everything.filter((l) => {
      const [, lon, lat] = l.split(',').map(Number);
      return lon! >= box[0] && lon! <= box[2] && lat! >= box[1] && lat! <= box[3];
    });
    expect(inside.length).toBeGreaterThan(10);
    expect(inside.length).toBeLessThan(everything.length);
    for (const where of [`bbox=${box.join(',')}`, `intersects=${encodeURIComponent(polygon)}`]) {
      const res = await fetch(`${g.url}/timeseries?feature=Node&${where}&fields=node_id,lon,lat`);
      expect(res.status).toBe(200);
      expect((await res.text()).trim().split('\n').slice(1).sort()).toEqual([...inside].sort());
    }
    const arrow = tableFromIPC(
      new Uint8Array(await (await fetch(`${g.url}/timeseries?feature=Node&bbox=${box.join(',')}&fields=node_id,wse&format=arrow`)).arrayBuffer())
    );
    expect(arrow.numRows).toBe(inside.length);
  });
});
