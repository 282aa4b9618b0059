import { describe, expect, it } from 'vitest';
import { bboxGeometry, intersects } from './spatial.js';

describe('intersects', () => {
  const square = bboxGeometry([0, 0, 10, 10]);
  it('finds a point inside, on the edge, and outside a polygon', () => {
    expect(intersects({ type: 'Point', coordinates: [5, 5] }, square)).toBe(true);
    expect(intersects({ type: 'Point', coordinates: [10, 5] }, square)).toBe(true);
    expect(intersects({ type: 'Point', coordinates: [11, 5] }, square)).toBe(false);
  });
  it('finds lines crossing a polygon without a vertex inside', () => {
    expect(
      intersects(
        {
          type: 'LineString',
          coordinates: [
            [-5, 5],
            [15, 5]
          ]
        },
        square
      )
    ).toBe(true);
    expect(
      intersects(
        {
          type: 'LineString',
          coordinates: [
            [-5, 15],
            [15, 15]
          ]
        },
        square
      )
    ).toBe(false);
  });
  it('tells a diagonal footprint apart from its bbox', () => {
    const diagonal = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [0, 0],
          [1, 0],
          [10, 9],
          [10, 10],
          [9, 10],
          [0, 1],
          [0, 0]
        ]
      ]
    };
    expect(intersects(diagonal, bboxGeometry([8, 0, 10, 2]))).toBe(false);
    expect(intersects(diagonal, bboxGeometry([4, 4, 6, 6]))).toBe(true);
  });
  it('respects holes', () => {
    const ring = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [0, 0],
          [10, 0],
          [10, 10],
          [0, 10],
          [0, 0]
        ],
        [
          [2, 2],
          [8, 2],
          [8, 8],
          [2, 8],
          [2, 2]
        ]
      ]
    };
    expect(intersects({ type: 'Point', coordinates: [5, 5] }, ring)).toBe(false);
    expect(intersects({ type: 'Point', coordinates: [1, 1] }, ring)).toBe(true);
  });
});
