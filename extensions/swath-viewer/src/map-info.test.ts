import { describe, expect, it } from 'vitest';
import { formatLonLat, metresPerPixel, scaleBar } from './map-info.js';

describe('scale bar and coordinates', () => {
  it('metres per pixel follow Web Mercator: halve per zoom level, shrink with the cosine of latitude', () => {
    expect(metresPerPixel(0, 0)).toBeCloseTo(40_075_016.686 / 512, 3);
    expect(metresPerPixel(0, 10) / metresPerPixel(0, 11)).toBeCloseTo(2, 10);
    expect(metresPerPixel(60, 5) / metresPerPixel(0, 5)).toBeCloseTo(0.5, 10);
  });

  it('the bar is the longest 1-2-5 length within 100 px, labelled in m or km', () => {
    for (const [lat, zoom] of [
      [47, 10],
      [0, 2],
      [-30, 15],
      [70, 6]
    ] as const) {
      const s = scaleBar(lat, zoom);
      expect(s.pixels).toBeLessThanOrEqual(100);
      expect(s.pixels).toBeGreaterThan(100 / 2.5 - 1e-9);
      expect(String(s.metres)).toMatch(/^[125]0*$|^0\.[0-9]*[125]$/);
    }
    expect(scaleBar(47, 10).label).toBe('5 km');
    expect(scaleBar(47, 16).label).toBe('50 m');
  });

  it('coordinates with hemispheres, more digits when zoomed in', () => {
    expect(formatLonLat(-97.0312, 47.5, 3)).toBe('47.50° N, 97.03° W');
    expect(formatLonLat(2.35, -48.8566, 12)).toBe('48.85660° S, 2.35000° E');
  });
});
