import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tableBundle, timeseriesBundle } from './index.js';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../python/hysope_show.py');

describe('the Python show helpers', () => {
  it('emit the same MIME bundles as kernels-bridge', () => {
    const request = {
      timeseries: {
        series: [
          {
            name: 'wse',
            units: 'm',
            points: [
              { time: '2023-06-10T19:33:40Z', value: 12.5 },
              { time: '2023-07-01T00:00:00Z', value: null }
            ]
          }
        ],
        title: 'reach'
      },
      table: { columns: ['a', 'b'], rows: [[1, '<x>']], title: 't' }
    };
    const r = spawnSync('/usr/bin/python3', [SCRIPT], { input: JSON.stringify(request), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const py = JSON.parse(r.stdout);
    expect(py.timeseries).toEqual(JSON.parse(JSON.stringify(timeseriesBundle(request.timeseries.series, { title: 'reach' }))));
    expect(py.table).toEqual(JSON.parse(JSON.stringify(tableBundle(request.table.columns, request.table.rows, { title: 't' }))));
  });
});
