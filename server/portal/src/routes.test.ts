import { describe, expect, it } from 'vitest';
import { boxOf, areaGeojson } from './area-tool.js';
import { featurePath, parseRoute } from './context.js';
import { coordsBbox } from './feature-page.js';
import { matchPlaces, fold } from './places.js';
import { idPage, itemPage } from './search-page.js';

describe('portal addresses', () => {
  it('maps paths to pages and back', () => {
    expect(parseRoute('/')).toEqual({ page: 'search' });
    expect(parseRoute('/portal/')).toEqual({ page: 'search' });
    expect(parseRoute('/portal/reach/74269900011')).toEqual({ page: 'feature', kind: 'reach', id: '74269900011' });
    expect(parseRoute(featurePath('station', 'hydroweb-R_PERU-6 KM0049'))).toEqual({ page: 'feature', kind: 'station', id: 'hydroweb-R_PERU-6 KM0049' });
    expect(parseRoute('/portal/river/1')).toEqual({ page: 'missing' });
    expect(parseRoute('/portal/reach/1/2')).toEqual({ page: 'missing' });
  });

  it('sends SWORD ids straight to their page, and stations and gauges to theirs', () => {
    expect(idPage(' 74269900011 ')).toEqual({ kind: 'reach', id: '74269900011' });
    expect(idPage('74269900010011')).toEqual({ kind: 'node', id: '74269900010011' });
    expect(idPage('7420000012')).toEqual({ kind: 'lake', id: '7420000012' });
    expect(idPage('basin:7426')).toBeNull();
    expect(idPage('Rio Grande')).toBeNull();
    const item = (collection: string, properties: Record<string, unknown>) => ({ id: 'x', collection, properties }) as never;
    expect(itemPage(item('hydroweb-stations', { 'hydroweb:station': 'KM0049' }))).toEqual({ kind: 'station', id: 'x' });
    // The collection's summary item (all virtual stations) has no page of its own.
    expect(itemPage(item('hydroweb-stations', {}))).toBeNull();
    expect(itemPage(item('insitu-gauges', {}))).toEqual({ kind: 'gauge', id: 'x' });
    expect(itemPage(item('swot-riversp-reach', {}))).toBeNull();
  });
});

describe('place names', () => {
  const table = {
    name: ['São Paulo', 'Toulouse', 'Toulon', 'Zürich', 'Paulo Afonso'],
    lon: [-46.6, 1.44, 5.93, 8.55, -38.2],
    lat: [-23.5, 43.6, 43.1, 47.37, -9.4],
    population: [10e6, 430e3, 170e3, 340e3, 90e3],
    capital: [0, 0, 0, 0, 0]
  };
  it('matches whole names first, then names starting with the words, ignoring case and accents', () => {
    expect(matchPlaces(table, 'toulouse').map((p) => p.name)).toEqual(['Toulouse']);
    expect(matchPlaces(table, 'Toul').map((p) => p.name)).toEqual(['Toulouse', 'Toulon']);
    expect(matchPlaces(table, 'zurich').map((p) => p.name)).toEqual(['Zürich']);
    expect(matchPlaces(table, 'sao paulo')[0]).toMatchObject({ name: 'São Paulo', lon: -46.6, population: 10e6 });
    expect(fold(' ÉVRY ')).toBe('evry');
  });
  it('leaves ids, basins and short words to the catalogue', () => {
    expect(matchPlaces(table, 'To')).toEqual([]);
    expect(matchPlaces(table, '74269900011')).toEqual([]);
    expect(matchPlaces(table, 'basin:7426')).toEqual([]);
  });
});

describe('areas', () => {
  it('makes a west-south-east-north box from two corners in any order, and its polygon', () => {
    expect(boxOf([10, 5], [2, 9])).toEqual([2, 5, 10, 9]);
    expect(areaGeojson(null)).toEqual([]);
    const [f] = areaGeojson([2, 5, 10, 9]) as { geometry: { coordinates: number[][][] } }[];
    expect(f!.geometry.coordinates[0]).toEqual([
      [2, 5],
      [10, 5],
      [10, 9],
      [2, 9],
      [2, 5]
    ]);
  });
  it('bounds any GeoJSON geometry', () => {
    expect(
      coordsBbox([
        {
          type: 'LineString',
          coordinates: [
            [1, 2],
            [3, -1]
          ]
        },
        { type: 'Point', coordinates: [0, 5] }
      ])
    ).toEqual([0, -1, 3, 5]);
    expect(coordsBbox([null, { type: 'Point' }])).toBeNull();
  });
});
