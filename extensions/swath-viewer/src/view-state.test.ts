import { describe, expect, it } from 'vitest';
import { WebMercatorViewport } from '@math.gl/web-mercator';
import { fitView, itemsBbox } from './view-state.js';

describe('view state', () => {
  it('a fitted view shows the whole box, filling most of one dimension', () => {
    const box: [number, number, number, number] = [-97.5, 46.8, -96.6, 47.4];
    const view = new WebMercatorViewport({ width: 800, height: 500, ...fitView(box, 800, 500) });
    const [x0, y0] = view.project([box[0], box[3]]);
    const [x1, y1] = view.project([box[2], box[1]]);
    for (const v of [x0!, x1!]) expect(v >= 0 && v <= 800).toBe(true);
    for (const v of [y0!, y1!]) expect(v >= 0 && v <= 500).toBe(true);
    expect(Math.max((x1! - x0!) / 800, (y1! - y0!) / 500)).toBeGreaterThan(0.8);
  });

  it('the extent of 2D and 3D item boxes; none without boxes', () => {
    expect(itemsBbox([{ bbox: [0, 1, 2, 3] }, { bbox: [-1, 0, 5, 1, 2, 9] }, {}])).toEqual([-1, 0, 2, 3]);
    expect(itemsBbox([{}])).toBeNull();
  });
});
