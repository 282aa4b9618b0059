import { describe, expect, it } from 'vitest';
import type { Chunk } from './data.js';
import { addChange } from './compare.js';

const reaches = (ids: string[], wse: number[], parts?: number[]): Chunk =>
  ({
    count: ids.length,
    values: { wse: Float64Array.from(wse) },
    ids: { get: (i: number) => ids[i] },
    ...(parts
      ? { geometry: { length: parts.length, rows: Uint32Array.from(parts), starts: new Uint32Array(parts.length + 1), positions: new Float64Array(0) } }
      : {})
  }) as unknown as Chunk;

describe('comparing two cycles', () => {
  it('WSE change per feature id (shown minus other), NaN where a feature or its WSE is missing', () => {
    const shown = reaches(['a', 'b', 'c', 'd'], [10, 12, NaN, 7], [0, 1, 1, 2, 3]);
    const other = [reaches(['b', 'a'], [11.5, 9]), reaches(['c', 'x'], [3, 4])];
    expect(addChange([shown], other)).toBe(2);
    expect(Array.from(shown.values['wse_change']!)).toEqual([1, 0.5, NaN, NaN]);
  });
});
