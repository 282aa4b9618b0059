import { describe, expect, it } from 'vitest';
import { seriesCsv } from './plot.js';

describe('CSV of the plotted series', () => {
  it('one row per series and observed time, with units, uncertainty and quality; names quoted when needed', () => {
    const csv = seriesCsv([
      {
        name: 'Reach 1 wse',
        times: ['2023-01-01T00:00:00Z', '2023-01-22T00:00:00Z'],
        values: [10.5, null],
        units: 'm',
        uncertainty: [0.1, null],
        quality: [0, 1]
      },
      { name: 'gauge "A", Loire', times: ['2023-01-02T00:00:00Z'], values: [3], units: 'm' }
    ]);
    expect(csv).toBe(
      'series,time,value,units,uncertainty,quality\nReach 1 wse,2023-01-01T00:00:00Z,10.5,m,0.1,0\n"gauge ""A"", Loire",2023-01-02T00:00:00Z,3,m,,\n'
    );
  });
});
