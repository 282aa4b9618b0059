import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { readPixc } from './netcdf.js';
import { productMetadata, writeProduct } from './geoparquet.js';
import { pointCover } from '../catalog/spatial.js';
import { coveringFootprint } from './footprint.js';
import { bboxPolygon } from './product.js';
import { SAMPLES_DIR } from './samples.js';
import h5wasm from 'h5wasm/node';

const pixc = (name: string) => path.join(SAMPLES_DIR, 'swot/pixc', name);
const SYNTHESIZE = fileURLToPath(new URL('../../../../test/python/synthesize_pixc.py', import.meta.url));

let dir: string;
let db: DuckDBConnection;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-pixc-'));
  db = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const count = async (sql: string) => Number(((await db.runAndReadAll(sql)).getRowObjectsJson()[0] as { n: number }).n);

/**
 * Whether a pixel cloud written by DuckDB (`duck`: WKB points with a bbox covering) and from the HDF5 chunks (`chunks`:
 * GeoArrow points) hold the same multiset of rows, nulls included. Times compared apart: they may differ by the
 * rounding of one microsecond.
 */
async function expectSameRows(names: string[], duck: string, chunks: string, rows: number): Promise<void> {
  const columns = names
    .filter((c) => c !== 'illumination_time')
    .map((c) => `"${c}"`)
    .join(', ');
  const a = `select ${columns}, bbox.xmin as gx, bbox.ymin as gy from '${duck}'`;
  const b = `select ${columns}, geometry.x as gx, geometry.y as gy from '${chunks}'`;
  expect(await count(`select count(*) n from (${a} except all ${b})`)).toBe(0);
  expect(await count(`select count(*) n from (${b} except all ${a})`)).toBe(0);
  expect(await count(`select count(*) n from '${chunks}'`)).toBe(rows);
  const worst = await count(
    `select max(abs(epoch_us(x.illumination_time) - epoch_us(y.illumination_time))) n from '${duck}' x join '${chunks}' y using (azimuth_index, range_index)`
  );
  expect(worst).toBeLessThanOrEqual(1);
}

/** Reads a granule, writes it as GeoParquet the way ingest does, and returns the product and the file. */
async function written(name: string) {
  const file = path.join(dir, `${name}.parquet`);
  const out = await writeProduct(await readPixc(pixc(name)), file, path.join(dir, 'spill'));
  const rows = async (sql: string) => (await db.runAndReadAll(sql.replaceAll('$file', `'${file}'`))).getRowObjectsJson() as Record<string, unknown>[];
  const types = Object.fromEntries((await rows(`select column_name c, column_type t from (describe select * from $file)`)).map((r) => [r['c'], r['t']]));
  return { ...out, file, rows, types };
}

describe('readPixc', () => {
  it('reads the current PIXC layout (pixel_cloud group, global attributes) and streams its pixels to GeoParquet', async () => {
    const { product, written: w, rows, types } = await written('SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01.nc');
    expect(product.collection).toBe('swot-pixc');
    expect(product.stream!.rows).toBe(92247);
    expect(w.rows).toBe(92247);
    expect(product.properties).toMatchObject({ 'swot:cycle': 1, 'swot:pass': 42, 'swot:tile': '042_067L', 'swot:swath_side': 'L', 'swot:layout': 'current' });
    const [first] = await rows('select count(*)::int n, count(geometry)::int located from $file');
    expect(first).toEqual({ n: 92247, located: 92247 });
    // The granule's first pixel (azimuth 1907, range 23), found by its indexes: rows are not kept in file order.
    const [px] = await rows('select height, epoch_ms(illumination_time) t from $file where azimuth_index = 1907 and range_index = 23');
    expect(Number(px!['height'])).toBeCloseTo(90.55159, 4);
    expect(new Date(Number(px!['t'])).toISOString()).toBe('2022-04-02T11:20:25.835Z');
    expect(types['classification']).toBe('TINYINT');
    expect(types['illumination_time']).toBe('TIMESTAMP WITH TIME ZONE');
    expect(types['interferogram_0']).toBe('FLOAT');
    expect(types['interferogram_1']).toBe('FLOAT');
    // GeoArrow points (written from the granule's chunks) with the pixels' extent; no covering (points need none).
    expect(types['geometry']).toBe('STRUCT(x DOUBLE, y DOUBLE)');
    const [geo] = await rows(`select decode(value) v from parquet_kv_metadata($file) where decode(key) = 'geo'`);
    expect(JSON.parse(String(geo!['v'])).columns.geometry).toEqual({ encoding: 'point', geometry_types: ['Point'], bbox: product.bbox });
    expect(product.bbox[1]).toBeGreaterThan(49.3);
    expect(product.bbox[3]).toBeLessThan(50.1);
    expect(product.start.toISOString()).toBe('2022-04-02T11:20:19.315Z');
    expect(product.fields['height']?.units).toBe('m');
    // Fill values are nulls, not 9.96921e+36.
    const [fills] = await rows('select max(abs(coherent_power)) m, count(*) filter (where isnan(height))::int nan from $file');
    expect(Number(fills!['m'])).toBeLessThan(1e30);
    expect(fills!['nan']).toBe(0);
    // The nadir track (tvp group) comes along as its own table.
    const tvp = product.auxiliary!['tvp']!;
    expect(tvp.table.numRows).toBe(2941);
    expect(tvp.table.getChild('altitude')).toBeTruthy();
    expect(String(tvp.table.schema.fields.find((f) => f.name === 'time')!.type)).toMatch(/Timestamp/);
  });

  it('reads the pre-launch layout (attributes on the group)', async () => {
    const { product, rows } = await written('SWOT_L2_HR_PIXC_000_366_43N-R_20140114T011055_20140114T011056_Dx0000_01.nc');
    expect(product.stream!.rows).toBe(1198);
    expect(product.properties).toMatchObject({ 'swot:cycle': 0, 'swot:pass': 366, 'swot:tile': '43N-R', 'swot:layout': 'pre-launch' });
    const classes = await rows('select distinct classification c from $file order by 1');
    expect(classes.map((r) => r['c'])).toContain(4);
  });

  it('reads PIXCVec with its char-array ids', async () => {
    const { product, rows, types } = await written('SWOT_L2_HR_PIXCVec_001_042_067L_20220402T112019_20220402T112029_Dx0000_01.nc');
    expect(product.collection).toBe('swot-pixcvec');
    expect(product.stream!.rows).toBe(92247);
    expect(types['reach_id']).toBe('VARCHAR');
    // Ids are fixed-width char arrays in the granule: as many set as the HDF5 library finds, empty ones null.
    await h5wasm.ready;
    const h5 = new h5wasm.File(pixc('SWOT_L2_HR_PIXCVec_001_042_067L_20220402T112019_20220402T112029_Dx0000_01.nc'), 'r');
    const set = (name: string, width: number) => {
      const chars = (h5.get(name) as InstanceType<typeof h5wasm.Dataset>).value as string[];
      let n = 0;
      for (let i = 0; i < chars.length; i += width)
        if (
          chars
            .slice(i, i + width)
            .join('')
            .replace(/\0/g, '')
            .trim()
        )
          n++;
      return n;
    };
    const expected = { reach: set('reach_id', 11), node: set('node_id', 14), lake: set('lake_id', 10), obs: set('obs_id', 13) };
    h5.close();
    const [ids] = await rows('select count(reach_id)::int reach, count(node_id)::int node, count(lake_id)::int lake, count(obs_id)::int obs from $file');
    expect(ids).toEqual(expected);
  });

  it('fails with the HDF5 error, leaving no file, when a chunk of the granule is damaged', async () => {
    const name = 'SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01.nc';
    const damaged = path.join(dir, 'damaged', name);
    await mkdir(path.dirname(damaged), { recursive: true });
    const bytes = await readFile(pixc(name));
    // Garbage over the middle of the file (compressed pixel data), headers intact.
    for (let i = Math.floor(bytes.length / 2); i < Math.floor(bytes.length / 2) + 65536; i++) bytes[i] = (i * 7919) & 0xff;
    await writeFile(damaged, bytes);
    const product = await readPixc(damaged);
    const out = path.join(dir, 'damaged', 'out.parquet');
    await expect(writeProduct(product, out, path.join(dir, 'spill'))).rejects.toThrow(/HDF5|filter|inflate|read/i);
    expect((await readdir(path.dirname(out))).filter((f) => f !== name)).toEqual([]);
  });

  it('refuses an empty PIXCVecRiver with a reason', async () => {
    await expect(readPixc(pixc('SWOT_L2_HR_PIXCVecRiver_000_366_43N-R_20140114T011055_20140114T011056_Dx0000_01.nc'))).rejects.toThrow(/no pixels/);
  });
});

describe('pixel clouds written from their HDF5 chunks', () => {
  for (const name of [
    'SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01.nc',
    'SWOT_L2_HR_PIXC_000_366_43N-R_20140114T011055_20140114T011056_Dx0000_01.nc'
  ]) {
    it(`hold the same values as DuckDB's writer, positions as GeoArrow points (${name.slice(12, 30)})`, async () => {
      const product = await readPixc(pixc(name));
      const spill = path.join(dir, 'spill');
      const a = path.join(dir, `${name}.duckdb.parquet`);
      const b = path.join(dir, `${name}.chunks.parquet`);
      const options = { covers: pointCover(product.footprint), footprint: product.footprint, spillDir: spill };
      const viaDuck = await product.stream!.write(a, { ...options, fromChunks: false, metadata: () => ({ 'hysope:test': 'duckdb' }) });
      const viaChunks = await product.stream!.write(b, {
        ...options,
        fromChunks: true,
        metadata: (g) => Object.fromEntries(productMetadata(product, { bbox: false, ...(g ? { point: { bbox: g.bbox } } : {}) }))
      });
      expect(viaChunks.rows).toBe(viaDuck.rows);
      expect(viaChunks.bbox).toEqual(viaDuck.bbox);
      // The footprint made to cover the pixels is the same (the chunks' writer sends only the outside vertices of hulls).
      const footprint = (w: typeof viaDuck) => coveringFootprint(product.footprint, w.outside.xs, w.outside.ys);
      expect(footprint(viaChunks)).toEqual(footprint(viaDuck));
      // Also when most pixels lie outside the footprint given (a quarter of their extent): the same covering footprint.
      const [w, s, e, n] = viaDuck.bbox!;
      const small = bboxPolygon([w, s, (w + e) / 2, (s + n) / 2]);
      const narrow = { covers: pointCover(small), footprint: small, spillDir: spill };
      const duckSmall = await product.stream!.write(`${a}.small`, { ...narrow, fromChunks: false, metadata: () => ({ 'hysope:test': 'duckdb' }) });
      const chunksSmall = await product.stream!.write(`${b}.small`, { ...narrow, metadata: () => ({ 'hysope:test': 'chunks' }) });
      expect(duckSmall.outside.xs.length).toBeGreaterThan(2);
      const grown = (o: typeof viaDuck) => coveringFootprint(small, o.outside.xs, o.outside.ys);
      expect(grown(chunksSmall)).toEqual(grown(duckSmall));
      const [meta] = (await db.runAndReadAll(`select decode(value) v from parquet_kv_metadata('${b}') where decode(key) = 'geo'`)).getRowObjectsJson();
      expect(JSON.parse(String(meta!['v'])).columns.geometry).toMatchObject({ encoding: 'point', bbox: viaDuck.bbox });
      await expectSameRows(product.stream!.columns, a, b, product.stream!.rows);
      // Row groups still cover strips of the swath: their statistics prune a small box.
      expect(await count(`select count(distinct row_group_id) n from parquet_metadata('${b}')`)).toBe(viaDuck.rowGroups);
    });
  }

  it("hold the same values as DuckDB's writer for a granule of several chunks per dataset, whole chunks copied as pages (1.6 M pixels)", async () => {
    // The sample's arrays replicated with jitter (its groups, attributes, shuffle + deflate, netCDF-C's 4 MB chunks):
    // row groups of a million rows, most float pages the granule's own chunks, the pages' memory reused from row group
    // to row group and the column chunks written as they come. 1.6 M pixels: a whole float chunk (copied) and a last
    // partial one (sliced); the latitudes' and longitudes' chunks are half as long (doubles), three in the first group.
    const name = 'SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01.nc';
    const big = path.join(dir, 'several-chunks', name);
    await mkdir(path.dirname(big), { recursive: true });
    // Not spawnSync: a worker blocked for a minute under a full run's load fails the run (see test/helpers' runProcess).
    await promisify(execFile)('/usr/bin/python3', [SYNTHESIZE, pixc(name), big, '1600000']);
    const product = await readPixc(big);
    const a = `${big}.duckdb.parquet`;
    const b = `${big}.chunks.parquet`;
    const options = { covers: pointCover(product.footprint), footprint: product.footprint, spillDir: path.join(dir, 'spill') };
    const viaDuck = await product.stream!.write(a, { ...options, fromChunks: false, metadata: () => ({ 'hysope:test': 'duckdb' }) });
    const viaChunks = await product.stream!.write(b, { ...options, fromChunks: true, metadata: () => ({ 'hysope:test': 'chunks' }) });
    // Row groups as long as the chunks (a float dataset's pieces are then whole chunks, copied when without nulls), as
    // soon as a granule has more than one: not ~64 short groups, which would decode every chunk and compress it again.
    expect(viaChunks.rowGroups).toBe(2);
    expect(viaChunks.bbox).toEqual(viaDuck.bbox);
    await expectSameRows(product.stream!.columns, a, b, 1_600_000);
    // ~30 s alone on two cores (DuckDB's writer and the comparison of 1.6 M rows), more beside the other test files.
  }, 240_000);

  it('fail with a clear error, leaving no file, when a chunk is damaged', async () => {
    const name = 'SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01.nc';
    const damaged = path.join(dir, 'damaged-chunks', name);
    await mkdir(path.dirname(damaged), { recursive: true });
    const bytes = await readFile(pixc(name));
    for (let i = Math.floor(bytes.length / 2); i < Math.floor(bytes.length / 2) + 65536; i++) bytes[i] = (i * 7919) & 0xff;
    await writeFile(damaged, bytes);
    const product = await readPixc(damaged);
    const out = path.join(dir, 'damaged-chunks', 'out.parquet');
    const options = { covers: () => true, footprint: product.footprint, spillDir: path.join(dir, 'spill'), fromChunks: true, metadata: () => ({}) };
    await expect(product.stream!.write(out, options)).rejects.toThrow(/damaged|inflate/);
    expect((await readdir(path.dirname(out))).filter((f) => f !== name)).toEqual([]);
  });
});
