import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cfTimes, namelist, readCfGrid } from './model.js';

const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../samples');

describe('CF time axes', () => {
  it('reads "<unit> since <date>" with a time and a zone, and refuses calendars it would misread', () => {
    expect(cfTimes('f', [1030665600], 'seconds since 1970-01-01 00:00:00 0:00').map((t) => new Date(t).toISOString())).toEqual(['2002-08-30T00:00:00.000Z']);
    expect(cfTimes('f', [0, 36], 'hours since 2016-01-01').map((t) => new Date(t).toISOString())).toEqual([
      '2016-01-01T00:00:00.000Z',
      '2016-01-02T12:00:00.000Z'
    ]);
    expect(cfTimes('f', [1.5], 'days since 1990-1-1 12:00:00 +2:00').map((t) => new Date(t).toISOString())).toEqual(['1990-01-02T22:00:00.000Z']);
    expect(() => cfTimes('f', [0], 'days since 2000-01-01', '360_day')).toThrow(/calendar "360_day" is not read here/);
    expect(() => cfTimes('f', [0], 'fortnights since 2000-01-01')).toThrow(/not CF/);
  });
});

describe('gridded model outputs', () => {
  it('reprojects LISFLOOD cells from the WKT the file carries as GDAL does (EPSG:3035 to longitude/latitude)', async () => {
    const p = await readCfGrid(path.join(SAMPLES, 'model/lisflood_upper_po_grid/dis.nc'));
    const rows = p.table!.toArray() as { cell: string; lon: number; lat: number }[];
    const cell = rows.find((r) => r.cell === '38,79')!;
    // The centre of that cell is x 4447500, y 2422500 in ETRS89-LAEA: Debian's GDAL says where that is.
    const gdal = spawnSync('gdaltransform', ['-s_srs', 'EPSG:3035', '-t_srs', 'EPSG:4326'], { input: '4447500 2422500\n', encoding: 'utf8' });
    expect(gdal.status, gdal.stderr).toBe(0);
    const [lon, lat] = gdal.stdout.trim().split(/\s+/).map(Number);
    expect(Math.abs(cell.lon - lon!)).toBeLessThan(1e-7);
    expect(Math.abs(cell.lat - lat!)).toBeLessThan(1e-7);
  }, 60_000);
});

describe('Fortran namelists (GLM)', () => {
  it('reads groups, keys and quoted strings, ignoring comments', () => {
    const nml = namelist("&morphometry\n   lake_name = 'LakeMendota' ! the lake\n   latitude = 43\n/\n&time\n   timezone = -6\n/\n");
    expect(nml).toEqual({ morphometry: { lake_name: 'LakeMendota', latitude: '43' }, time: { timezone: '-6' } });
  });
});
