import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { timeSeriesNetcdf } from './netcdf-write.js';

// Rows decoded one by one from their bytes, as xarray does (netCDF4-python 1.6's chartostring decodes the whole array,
// then cuts it in rows of as many characters as the row has bytes: a multi-byte character shifts every row after it).
const READ = `
import json, sys, netCDF4
with netCDF4.Dataset(sys.argv[1]) as d:
    names = [s.decode("utf-8") for s in netCDF4.chartostring(d["time_str"][:], encoding="bytes")]
    ids = [str(s) for s in netCDF4.chartostring(d["node_id"][:])]
    json.dump({"obs": len(d.dimensions["obs"]), "stations": len(ids), "rows": int(d["row_size"][:].sum()),
               "longest": max(names, key=len), "last": names[-1], "lastId": ids[-1], "wse": float(d["wse"][-1])}, sys.stdout)
`;

describe('CF time-series NetCDF of a large answer', () => {
  it('holds 250,000 observations with a text column (no argument spread over every value), read back by netCDF4-python', async () => {
    const count = 250_000;
    const per = 100;
    const features = Array.from({ length: count / per }, (_, k) => ({ id: `7200${String(k).padStart(10, '0')}`, lon: -80 + k / 1e4, lat: 40, count: per }));
    const names = Array.from({ length: count }, (_, k) => (k === 123_456 ? 'Saint-Laurent – Grands Lacs, a long name' : `2023-06-${10 + (k % 20)}T19:33:37Z`));
    const bytes = timeSeriesNetcdf({
      title: 't',
      source: 's',
      history: 'h',
      idName: 'node_id',
      features,
      times: Array.from({ length: count }, (_, k) => Date.UTC(2023, 5, 10) + k * 1000),
      columns: [
        { name: 'time_str', type: 'text', values: names },
        { name: 'wse', type: 'float', units: 'm', values: Array.from({ length: count }, (_, k) => 200 + k / 1000) }
      ]
    });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-nc-'));
    try {
      const file = path.join(dir, 'big.nc');
      await writeFile(file, bytes);
      const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-c', READ, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
      expect(JSON.parse(stdout)).toEqual({
        obs: count,
        stations: count / per,
        rows: count,
        longest: 'Saint-Laurent – Grands Lacs, a long name',
        last: names.at(-1),
        lastId: features.at(-1)!.id,
        wse: 200 + (count - 1) / 1000
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
