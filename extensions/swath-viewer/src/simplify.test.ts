import { describe, expect, it } from 'vitest';
import { flatGeometry, type FlatGeometry } from './geo.js';
import { simplifyLines } from './simplify.js';

const lines = (...paths: [number, number][][]) => flatGeometry(paths, 10);

const pathsOf = (g: FlatGeometry) => Array.from({ length: g.length }, (_, f) => Array.from(g.positions.subarray(2 * g.starts[f]!, 2 * g.starts[f + 1]!)));

describe('simplifyLines', () => {
  it('drops vertices closer to the line than the tolerance, keeps the corners and the ends', () => {
    const zigzag = lines([
      [0, 0],
      [1, 0.001],
      [2, -0.001],
      [3, 0],
      [3, 1],
      [3.001, 2],
      [3, 3]
    ]);
    const s = simplifyLines(zigzag, 0.01);
    expect(pathsOf(s)).toEqual([[0, 0, 3, 0, 3, 3]]);
    expect(s.rows).toBe(zigzag.rows);
    // A tolerance below every deviation keeps everything.
    expect(simplifyLines(zigzag, 0.0001).starts[1]).toBe(7);
  });

  it('keeps every feature and its rows, with at least the minimum of vertices', () => {
    const g = lines(
      [
        [0, 0],
        [0.5, 0],
        [1, 0]
      ],
      [
        [5, 5],
        [6, 5],
        [6, 6],
        [5, 6]
      ]
    );
    const s = simplifyLines(g, 10, 4);
    // The straight line falls to its ends... unless fewer than 4 would be left: then it keeps its own 3.
    expect(pathsOf(s)).toEqual([
      [0, 0, 0.5, 0, 1, 0],
      [5, 5, 6, 5, 6, 6, 5, 6]
    ]);
    expect(Array.from(simplifyLines(g, 10).starts)).toEqual([0, 2, 4]);
  });
});
