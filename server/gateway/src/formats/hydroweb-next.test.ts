import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHydrowebNext } from './hydroweb-next.js';

/** hydroweb.next's product files, in the layouts its public readers parse (rivers: `#KEY:: value` then passes; lakes: `key=value;…`). */
describe('hydroweb.next products', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hydroprd-'));
  const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text, 'latin1');
    return f;
  };

  it('reads a river station: its place from the header, a row per pass, the fill value as null', async () => {
    const p = await readHydrowebNext(
      file(
        'hydroprd_R_TEST_RIVER_KM0001.txt',
        [
          '#BASIN:: Test-basin',
          '#RIVER:: Test-river',
          '#REFERENCE LONGITUDE:: -79.5165',
          '#REFERENCE LATITUDE:: -1.2301',
          '#PRODUCT VERSION:: 2.0',
          '####',
          '2019-03-22 15:04 123.456 0.120 9999.999 -79.5170 -1.2299 9999.999 9999.999 9999.999 S3A - 0123 42 OCOG',
          '2019-04-18 15:04 9999.999 0.100 9999.999 -79.5170 -1.2299 9999.999 9999.999 9999.999 S3A - 0123 43 OCOG'
        ].join('\n')
      )
    );
    expect(p).toMatchObject({ collection: 'hydroweb-stations', id: 'hydroweb-R_TEST_RIVER_KM0001', bbox: [-79.5165, -1.2301, -79.5165, -1.2301] });
    expect(p.properties).toMatchObject({ 'hydroweb:river': 'Test-river', 'hydroweb:basin': 'Test-basin', 'hydroweb:observation_count': 2 });
    expect(p.start.toISOString()).toBe('2019-03-22T15:04:00.000Z');
    const rows = p.table!.toArray().map((r) => r.toJSON());
    expect(rows.map((r) => r['level_mean'])).toEqual([123.456, null]);
    expect(rows.map((r) => r['cycle'])).toEqual([42, 43]);
  });

  it('reads a lake: decimal years, level, area and volume', async () => {
    const p = await readHydrowebNext(
      file(
        'hydroprd_L_test.txt',
        [
          'lake=test;country=XX;basin=Test;lat=12.5;lon=-4.25;date=2020.1;first_date=2016.0;last_date=2016.5;type=operational',
          '#data',
          '2016.0;0;0;301.25;0.05;120.5;1.25',
          '2016.5;0;0;301.75;0.04;121.0;1.5'
        ].join('\n')
      )
    );
    expect(p.footprint).toEqual({ type: 'Point', coordinates: [-4.25, 12.5] });
    expect(p.start.toISOString()).toBe('2016-01-01T00:00:00.000Z');
    // 2016 is a leap year: half of it ends on 2 July at noon.
    expect(p.end.toISOString()).toBe('2016-07-02T00:00:00.000Z');
    expect(p.table!.toArray().map((r) => r.toJSON()['volume'])).toEqual([1.25, 1.5]);
  });

  it('says what is wrong with a file that is not one', async () => {
    await expect(readHydrowebNext(file('hydroprd_R_X.txt', '#RIVER:: x\n2019-03-22 15:04 1 2'))).rejects.toThrow(/no ### line/);
    await expect(readHydrowebNext(file('hydroprd_R_Y.txt', '#RIVER:: y\n###\n2019-03-22 15:04 1 2'))).rejects.toThrow(/no reference longitude and latitude/);
    await expect(readHydrowebNext(file('station.txt', ''))).rejects.toThrow(/hydroprd_<station>\.txt/);
  });
});
