import { describe, expect, it } from 'vitest';
import { WebMercatorViewport } from '@math.gl/web-mercator';
import { ClickDetector, pickNearest, type PickTarget } from './pick.js';

// A real map view: 800 × 500 pixels over the Red River of the North, zoomed to reach scale.
const view = new WebMercatorViewport({ width: 800, height: 500, longitude: -97, latitude: 47, zoom: 10 });
const at = (lon: number, lat: number) => view.project([lon, lat]) as [number, number];

/** Two reaches (paths) side by side, 0.01° apart (~7 px at this zoom), and a lake (a ring) further east. */
const reaches: PickTarget = {
  positions: Float64Array.from([-97.05, 46.95, -97.05, 47.05, -97.04, 46.95, -97.04, 47.05]),
  starts: Uint32Array.from([0, 2, 4])
};
const lake: PickTarget = {
  positions: Float64Array.from([-96.9, 46.95, -96.85, 46.95, -96.85, 47.0, -96.9, 47.0, -96.9, 46.95]),
  starts: Uint32Array.from([0, 5]),
  areas: true
};

describe('picking on the CPU, in screen space', () => {
  it('a click a few pixels off a 2-pixel reach picks it; the nearer of two reaches wins; far away picks nothing', () => {
    const [x, y] = at(-97.05, 47.0);
    expect(pickNearest([reaches], view, x + 3, y, 8)).toMatchObject({ target: 0, index: 0 });
    const [x2] = at(-97.04, 47.0);
    expect(pickNearest([reaches], view, x2 - 2, y, 8)).toMatchObject({ target: 0, index: 1 });
    expect(pickNearest([reaches], view, x - 40, y, 8)).toBeNull();
    expect(pickNearest([reaches], view, x + 3, y, 8)!.pixels).toBeCloseTo(3, 5);
  });

  it('inside a lake picks it at distance 0; a point cloud picks its nearest point', () => {
    const [x, y] = at(-96.875, 46.975);
    expect(pickNearest([reaches, lake], view, x, y, 8)).toEqual({ target: 1, index: 0, pixels: 0 });
    const cloud: PickTarget = { positions: new Float64Array(2 * 100_000) };
    for (let i = 0; i < 100_000; i++) {
      cloud.positions[2 * i] = -102 + (i % 1000) * 0.01;
      cloud.positions[2 * i + 1] = 46.5 + Math.floor(i / 1000) * 0.01;
    }
    const [px, py] = at(cloud.positions[2 * 50_500]!, cloud.positions[2 * 50_500 + 1]!);
    expect(pickNearest([cloud], view, px + 1, py + 1, 8)).toMatchObject({ target: 0, index: 50_500 });
  });

  it('a release near the press is a click however long it took; a drag is not', () => {
    const d = new ClickDetector(5);
    d.down(100, 100, 1);
    expect(d.up(103, 101, 1)).toEqual({ x: 103, y: 101 });
    d.down(100, 100, 1);
    expect(d.up(130, 100, 1)).toBeNull();
    d.down(100, 100, 1);
    expect(d.up(100, 100, 2)).toBeNull();
    expect(d.up(100, 100, 1)).toBeNull();
  });
});
