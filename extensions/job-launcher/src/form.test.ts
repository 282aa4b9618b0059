import { describe, expect, it } from 'vitest';
import { basinOf, daysOf, intervalOf, isList, listOf } from './form.js';

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

describe('list inputs', () => {
  const stations = { type: 'array', items: { type: 'string', pattern: '^[A-Z0-9]{8,12}$' }, minItems: 1, maxItems: 3 };
  const bbox = { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 };

  it('takes values as people type them, or JSON', () => {
    expect(isList(stations)).toBe(true);
    expect(isList({ type: 'array', items: { type: 'object' } })).toBe(false);
    expect(listOf('K447001001, K447001002', stations, 'Stations')).toEqual(['K447001001', 'K447001002']);
    expect(listOf('K447001001\nK447001002;K447001003', stations, 'Stations')).toEqual(['K447001001', 'K447001002', 'K447001003']);
    expect(listOf('["K447001001"]', stations, 'Stations')).toEqual(['K447001001']);
    expect(listOf('-5.2 47.1, -4.9 47.4', bbox, 'Bbox')).toEqual([-5.2, 47.1, -4.9, 47.4]);
    // A path with a space stays one value.
    expect(listOf('inbox/my granule.zip, inbox/b.zip', { type: 'array', items: { type: 'string' } }, 'Files')).toEqual(['inbox/my granule.zip', 'inbox/b.zip']);
  });

  it('says which value is wrong, and how many are expected', () => {
    expect(() => listOf('K447001001, k44', stations, 'Stations')).toThrow('Stations: "k44" does not match ^[A-Z0-9]{8,12}$');
    expect(() => listOf('A0000001, A0000002, A0000003, A0000004', stations, 'Stations')).toThrow('Stations: at most 3 values');
    expect(() => listOf('-5.2, 47.1, -4.9', bbox, 'Bbox')).toThrow('Bbox: 4 values expected, 3 given');
    expect(() => listOf('-5.2, north, -4.9, 47.4', bbox, 'Bbox')).toThrow('Bbox: "north" is not a number');
    expect(() => listOf('[1, 2', bbox, 'Bbox')).toThrow(/not a list/);
  });
});
