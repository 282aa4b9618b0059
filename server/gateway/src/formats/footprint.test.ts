import { describe, expect, it } from 'vitest';
import type { Geometry } from '@hysope/api';
import { pointCover } from '../catalog/spatial.js';
import { convexHull, coveringFootprint } from './footprint.js';
import { readProduct } from './index.js';
import { coverObservations } from './footprint.js';
import { fromWkb } from './wkb.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../samples');

const covers = (g: Geometry, x: number, y: number) => pointCover(g)(x, y);

describe('footprints that cover their features', () => {
  it('the convex hull holds every point and only hull vertices', () => {
    const xs = [0, 1, 1, 0, 0.5, 0.2, 0.9];
    const ys = [0, 0, 1, 1, 0.5, 0.7, 0.1];
    const ring = convexHull(xs, ys);
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    expect(ring.length).toBe(5);
    for (let i = 0; i < xs.length; i++) expect(covers({ type: 'Polygon', coordinates: [ring] }, xs[i]!, ys[i]!)).toBe(true);
  });

  it('keeps a footprint that already covers the features, and replaces one that does not', () => {
    const square = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [0, 0],
          [2, 0],
          [2, 2],
          [0, 2],
          [0, 0]
        ]
      ]
    };
    expect(coveringFootprint(square, [1, 1.5], [1, 0.5])).toBe(square);
    const grown = coveringFootprint(square, [3], [1]);
    expect(covers(grown, 3, 1)).toBe(true);
    expect(covers(grown, 1, 1)).toBe(true);
  });

  it('splits at the antimeridian instead of wrapping the globe', () => {
    const g = coveringFootprint({ type: 'Point', coordinates: [179.5, 10] }, [179.5, 179.8, -179.9, -179.6], [10, 11, 10.5, 11.2]);
    expect(g.type).toBe('MultiPolygon');
    for (const [x, y] of [
      [179.8, 11],
      [-179.9, 10.5]
    ])
      expect(covers(g, x!, y!)).toBe(true);
    expect(covers(g, 0, 10.5)).toBe(false);
  });

  it('the real 548_011_NA reach granule: every reach inside its item footprint (405 of 687 were outside the swath corners)', async () => {
    const raw = await readProduct(path.join(SAMPLES, 'swot/riversp/SWOT_L2_HR_RiverSP_Reach_548_011_NA_20230610T193337_20230610T193344_PIA1_01.zip'));
    const product = coverObservations(raw);
    const geometry = product.table.getChild('geometry')!;
    let outsideBefore = 0;
    for (let i = 0; i < geometry.length; i++) {
      const wkb = geometry.get(i) as Uint8Array | null;
      if (!wkb) continue;
      const coords = (fromWkb(wkb) as { coordinates: number[][] }).coordinates;
      if (!coords.some(([x, y]) => covers(raw.footprint, x!, y!))) outsideBefore++;
      for (const [x, y] of coords) expect(covers(product.footprint, x!, y!)).toBe(true);
    }
    expect(outsideBefore).toBeGreaterThan(300);
    const ring = (product.footprint as { coordinates: number[][][] }).coordinates[0]!;
    expect(ring.length).toBeLessThan(500);
  });
});
