import { spawnSync } from 'node:child_process';
import { itemOf, readProduct } from '@hysope/gateway';
import { describe, expect, it } from 'vitest';
import { sample } from '../helpers.js';

/**
 * The STAC datacube extension (v2.2.0) on model outputs, checked field by field against the extension's rules
 * (its schema is not among the specs bundled here): every dimension of the flavour its `type` names with the fields
 * that flavour requires, every variable over declared dimensions; and the grids' axes as GDAL reads the same files.
 */
const EXTENSION = 'https://stac-extensions.github.io/datacube/v2.2.0/schema.json';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const DURATION = /^P(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$/;

function problems(properties: Record<string, unknown>): string[] {
  const out: string[] = [];
  const dims = properties['cube:dimensions'] as Record<string, Record<string, unknown>> | undefined;
  const vars = properties['cube:variables'] as Record<string, Record<string, unknown>> | undefined;
  if (!dims || typeof dims !== 'object') return ['cube:dimensions is required'];
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  for (const [name, d] of Object.entries(dims)) {
    if (d['type'] === 'spatial') {
      if (!['x', 'y', 'z'].includes(String(d['axis']))) out.push(`${name}: a spatial dimension needs axis x, y or z`);
      const e = d['extent'] as unknown[];
      if (d['axis'] !== 'z' && !(Array.isArray(e) && e.length === 2 && e.every(num) && (e[0] as number) <= (e[1] as number)))
        out.push(`${name}: a horizontal dimension needs a closed numeric extent [low, high]`);
      if (d['step'] !== undefined && d['step'] !== null && !num(d['step'])) out.push(`${name}: step must be a number or null`);
      const rs = d['reference_system'];
      if (rs !== undefined && !['string', 'number', 'object'].includes(typeof rs)) out.push(`${name}: reference_system must be EPSG, WKT2 or PROJJSON`);
    } else if (d['type'] === 'temporal') {
      const e = d['extent'] as unknown[];
      if (!(Array.isArray(e) && e.length === 2 && e.every((x) => x === null || (typeof x === 'string' && ISO.test(x)))))
        out.push(`${name}: a temporal dimension needs an ISO 8601 extent`);
      if ('axis' in d) out.push(`${name}: a temporal dimension has no axis`);
      if (d['step'] !== undefined && d['step'] !== null && !(typeof d['step'] === 'string' && DURATION.test(d['step'])))
        out.push(`${name}: a temporal step is an ISO 8601 duration or null`);
    } else if (d['type'] === 'geometry') {
      const b = d['bbox'] as unknown[];
      if (!(Array.isArray(b) && (b.length === 4 || b.length === 6) && b.every(num))) out.push(`${name}: a vector dimension needs a bbox`);
      const axes = d['axes'];
      if (axes !== undefined && !(Array.isArray(axes) && axes.every((a) => ['x', 'y', 'z'].includes(a)))) out.push(`${name}: axes are x, y, z`);
    } else if (typeof d['type'] === 'string') {
      if (!('extent' in d) && !('values' in d)) out.push(`${name}: an additional dimension needs extent or values`);
    } else out.push(`${name}: type is required`);
  }
  for (const [name, v] of Object.entries(vars ?? {})) {
    if (name in dims) out.push(`${name}: a key is either a dimension or a variable`);
    if (!Array.isArray(v['dimensions'])) out.push(`${name}: a variable needs its dimensions`);
    else for (const d of v['dimensions'] as string[]) if (!(d in dims)) out.push(`${name}: dimension ${d} is not declared`);
    if (!['data', 'auxiliary'].includes(String(v['type']))) out.push(`${name}: type is data or auxiliary`);
    if (v['unit'] !== undefined && typeof v['unit'] !== 'string') out.push(`${name}: unit is a string`);
    if (v['nodata'] !== undefined && !['number', 'string'].includes(typeof v['nodata'])) out.push(`${name}: nodata is a number or a string`);
  }
  return out;
}

const MODELS = [
  'model/pcrglobwb_rhine_meuse_stations/pcr_uncalibrated_basel.csv',
  'model/rapid_uk_thames_qout/Qout_nasa_lis_3hr_20020830_CF.nc',
  'model/lisflood_upper_po_grid/dis.nc',
  'model/glm_lake_mendota/lake.csv',
  'model/wflow_piave_subbasin/output.nc',
  'model/wflow_piave_subbasin/output.csv'
];

describe('STAC datacube extension on model outputs', () => {
  it.each(MODELS)('%s: declared, and every dimension and variable as the extension defines them', async (file) => {
    const product = await readProduct(sample(file));
    const item = itemOf(product, { href: 'x.parquet', bytes: 1 }, { href: 'x', bytes: 1 });
    expect(item.stac_extensions).toContain(EXTENSION);
    expect(problems(item.properties)).toEqual([]);
    // The time axis is the item's.
    const time = (item.properties['cube:dimensions'] as Record<string, { extent: string[] }>)['time']!;
    expect(time.extent).toEqual([item.properties['start_datetime'], item.properties['end_datetime']]);
  });

  it('the checks catch what the extension forbids', () => {
    expect(problems({})).toEqual(['cube:dimensions is required']);
    expect(
      problems({
        'cube:dimensions': { x: { type: 'spatial', extent: [0, 1] }, t: { type: 'temporal', extent: ['2020-01-01'], axis: 't' } },
        'cube:variables': { v: { dimensions: ['time'], type: 'measured' } }
      })
    ).toEqual([
      'x: a spatial dimension needs axis x, y or z',
      't: a temporal dimension needs an ISO 8601 extent',
      't: a temporal dimension has no axis',
      'v: dimension time is not declared',
      'v: type is data or auxiliary'
    ]);
  });

  it.each([
    ['model/wflow_piave_subbasin/output.nc', 'q_river'],
    ['model/lisflood_upper_po_grid/dis.nc', 'dis']
  ])('%s: the grid axes (extent of cell centres, step, size) as GDAL reads them', async (file, variable) => {
    const gdal = spawnSync('gdalinfo', ['-json', `NETCDF:${sample(file)}:${variable}`], { encoding: 'utf8' });
    expect(gdal.status, gdal.stderr).toBe(0);
    const info = JSON.parse(gdal.stdout) as { geoTransform: number[]; size: [number, number] };
    const [x0, sx, , y0, , sy] = info.geoTransform as [number, number, number, number, number, number];
    const [nx, ny] = info.size;
    const product = await readProduct(sample(file));
    const dims = product.properties['cube:dimensions'] as Record<string, { extent: [number, number]; step: number }>;
    const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(Math.abs(sx) * 1e-6);
    // GDAL's transform gives the outer edges; the extension's extent is of the coordinate values (cell centres).
    close(dims['x']!.extent[0], x0 + sx / 2);
    close(dims['x']!.extent[1], x0 + sx * (nx - 0.5));
    close(Math.abs(dims['x']!.step), Math.abs(sx));
    close(dims['y']!.extent[1], y0 + sy / 2);
    close(dims['y']!.extent[0], y0 + sy * (ny - 0.5));
    close(Math.abs(dims['y']!.step), Math.abs(sy));
    const v = (product.properties['cube:variables'] as Record<string, { dimensions: string[]; unit: string }>)[variable]!;
    expect(v).toMatchObject({ dimensions: ['time', 'y', 'x'], unit: 'm3/s' });
  });
});
