import { describe, expect, it } from 'vitest';
import { basinOf, daysOf, intervalOf } from './form.js';

describe('form values', () => {
  it('a basin is the first digits of a SWORD reach or node id, at the level asked', () => {
    expect(basinOf('74262900011', 4)).toBe('7426');
    expect(basinOf('74262900011', 6)).toBe('742629');
    // A node id: its reach's digits come first.
    expect(basinOf('74262900010011', 4)).toBe('7426');
    expect(basinOf('74262900011', 0)).toBe('7');
    expect(basinOf('74262900011', 99)).toBe('7426290001');
    expect(basinOf('lake-12', 4)).toBeNull();
    expect(basinOf('7426', 4)).toBeNull();
  });

  it('a time window is an RFC 3339 interval between two days, open ends as ..', () => {
    expect(intervalOf('2010-08-01', '2010-10-31')).toBe('2010-08-01T00:00:00Z/2010-10-31T23:59:59Z');
    expect(intervalOf('', '2010-10-31')).toBe('../2010-10-31T23:59:59Z');
    expect(intervalOf('', '')).toBeUndefined();
    expect(() => intervalOf('2010-11-01', '2010-10-31')).toThrow(/starts .* after it ends/);
    expect(daysOf('2010-08-01T00:00:00Z/..')).toEqual(['2010-08-01', '']);
  });
});
