import { describe, expect, it } from 'vitest';
import { monthBins, monthRange } from './timeline.js';

describe('the catalog timeline', () => {
  it('every month between the first and the last keeps its place on the axis, empty ones at 0', () => {
    const bins = monthBins(['2023-11-20T00:00:00Z', '2024-02-01T10:00:00Z', '2023-11-02', '2024-02-28', 'not a date']);
    expect(bins).toEqual([
      { month: '2023-11', count: 2 },
      { month: '2023-12', count: 0 },
      { month: '2024-01', count: 0 },
      { month: '2024-02', count: 2 }
    ]);
    expect(monthBins([])).toEqual([]);
    expect(monthBins(['2010-08-16', '2010-09-06', '2010-09-27']).map((b) => b.count)).toEqual([1, 2]);
  });

  it('a month’s range ends on its last day (leap years too)', () => {
    expect(monthRange('2024-02')).toEqual(['2024-02-01', '2024-02-29']);
    expect(monthRange('2023-12')).toEqual(['2023-12-01', '2023-12-31']);
  });
});
