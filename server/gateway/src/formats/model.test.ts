import { describe, expect, it } from 'vitest';
import { cfTimes } from './model.js';

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
