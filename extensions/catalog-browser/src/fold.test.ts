import { describe, expect, it } from 'vitest';
import { foldValue } from './fold.js';

describe('property values folded for the detail pane', () => {
  it('short values are shown as they are, with units', () => {
    expect(foldValue(42, 'm')).toEqual({ short: '42 m', full: null });
    expect(foldValue(['a', 'b'])).toEqual({ short: '["a","b"]', full: null });
  });

  it('a long JSON text (hysope:columns) is summarized by its fields and pretty-printed in full', () => {
    const columns = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`var_${i}`, { units: 'm', long_name: `variable ${i}` }]));
    const folded = foldValue(JSON.stringify(columns));
    expect(folded.short).toBe('60 fields: var_0, var_1, var_2, var_3, …');
    expect(folded.full).toContain('\n  "var_59": {\n');
    expect(JSON.parse(folded.full!)).toEqual(columns);
  });

  it('long arrays and long text are cut to one line, never longer than the limit', () => {
    const list = foldValue(Array.from({ length: 300 }, (_, i) => i));
    expect(list.short.startsWith('300 values: [0,1,2')).toBe(true);
    expect(list.short.length).toBeLessThanOrEqual(60);
    const text = foldValue('x'.repeat(500));
    expect(text.short).toHaveLength(60);
    expect(text.full).toHaveLength(500);
  });
});
