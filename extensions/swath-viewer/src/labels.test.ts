import { describe, expect, it } from 'vitest';
import { flatGeometry } from './geo.js';
import { declutter, featureCandidates, minPopulation, namedShapes, placeCandidates, type Label, type Places } from './labels.js';
import type { LoadedLayer } from './model.js';

/** 10 pixels per degree, north up, the equator at y = 500. */
const project = (lon: number, lat: number): [number, number] => [lon * 10, 500 - lat * 10];

/** Lines from [[lon, lat], ...] lists, one per row. */
const lines = (...paths: [number, number][][]) => flatGeometry(paths);

const names = (...v: unknown[]) => ({ get: (i: number) => v[i] });

const PLACES: Places = {
  name: ['Metropolis', 'Capital', 'Town', 'Village'],
  lon: [10, 20, 30, 40],
  lat: [10, 10, 10, 10],
  population: [3_000_000, 50_000, 120_000, 12_000],
  capital: [0, 1, 0, 0]
};

describe('place labels', () => {
  it('needs fewer people the closer the zoom', () => {
    const zooms = [1, 3, 4, 5, 6, 7, 9];
    const mins = zooms.map(minPopulation);
    for (let i = 1; i < mins.length; i++) expect(mins[i]).toBeLessThan(mins[i - 1]!);
    expect(minPopulation(12)).toBe(10_000);
  });

  it('keeps places in the box above the zoom threshold, capitals from zoom 4, largest first', () => {
    const world: [number, number, number, number] = [-180, -90, 180, 90];
    expect(placeCandidates(PLACES, world, 3).map((l) => l.text)).toEqual(['Metropolis']);
    expect(placeCandidates(PLACES, world, 5).map((l) => l.text)).toEqual(['Metropolis', 'Capital', 'Town']);
    expect(placeCandidates(PLACES, world, 8).map((l) => l.text)).toEqual(['Metropolis', 'Capital', 'Town', 'Village']);
    expect(placeCandidates(PLACES, [15, 0, 35, 20], 8).map((l) => l.text)).toEqual(['Capital', 'Town']);
    expect(placeCandidates(PLACES, world, 8, 2)).toHaveLength(2);
    expect(placeCandidates(PLACES, world, 8)[1]!.kind).toBe('capital');
  });
});

describe('river and lake labels', () => {
  it('labels a reach at its middle, along it and upright', () => {
    // Drawn east to west and rising to the west: the text still reads left to right, tilted up to the left.
    const g = lines([
      [40, 0],
      [30, 5],
      [20, 10]
    ]);
    const [label] = featureCandidates([{ kind: 'river', geometry: g, names: names('Loire') }], project, 1000, 1000);
    expect(label).toMatchObject({ text: 'Loire', kind: 'river', lon: 30, lat: 5 });
    expect(label!.angle).toBe(-27);
  });

  it('one label per river within the spacing; no label for unnamed, off-screen or too short reaches', () => {
    const g = lines(
      [
        [10, 0],
        [20, 0]
      ],
      [
        [20, 0],
        [30, 0]
      ],
      [
        [60, 0],
        [70, 0]
      ],
      [
        [80, 0],
        [90, 0]
      ],
      [
        [200, 0],
        [210, 0]
      ],
      [
        [95, 0],
        [95.5, 0]
      ]
    );
    const got = featureCandidates(
      [{ kind: 'river', geometry: g, names: names('Rio Grande', 'Rio Grande', 'Rio Grande; Rio Bravo', 'no_data', 'Rio Grande', 'Pecos') }],
      project,
      1000,
      1000,
      300
    );
    // The second reach's middle is 100 px from the first's; the third's, 500 px away, is labelled again (first of its names).
    expect(got.map((l) => [l.text, Math.round(l.lon)])).toEqual([
      ['Rio Grande', 15],
      ['Rio Grande', 65]
    ]);
  });

  it('labels a river made of reaches too short for its name, along the river they form', () => {
    // Twenty reaches of 1 pixel each, running north-east: none carries the name, together they do.
    const g = lines(
      ...Array.from({ length: 20 }, (_, i): [number, number][] => [
        [10 + i * 0.1, 10 + i * 0.1],
        [10 + (i + 1) * 0.1, 10 + (i + 1) * 0.1]
      ])
    );
    const got = featureCandidates([{ kind: 'river', geometry: g, names: names(...Array(20).fill('Red')) }], project, 1000, 1000);
    expect(got).toHaveLength(1);
    expect(got[0]!.angle).toBe(45);
    // Alone, one of them is left unlabelled.
    expect(
      featureCandidates(
        [
          {
            kind: 'river',
            geometry: lines([
              [10, 10],
              [10.1, 10.1]
            ]),
            names: names('Red')
          }
        ],
        project,
        1000,
        1000
      )
    ).toEqual([]);
  });

  it('labels a lake at the middle of its outline', () => {
    const ring = lines([
      [0, 0],
      [4, 0],
      [4, 2],
      [0, 2]
    ]);
    const [label] = featureCandidates([{ kind: 'lake', geometry: ring, names: names('Lac Léman') }], project, 1000, 1000);
    expect(label).toMatchObject({ text: 'Lac Léman', kind: 'lake', lon: 2, lat: 1, angle: 0 });
  });

  it('takes names from visible reach and lake layers only', () => {
    const chunk = { count: 1, values: {}, geometry: lines([[0, 0]]), names: names('x') };
    const layer = (kind: LoadedLayer['kind'], visible: boolean) => ({ item: { id: kind } as never, kind, visible, opacity: 1, chunks: [chunk] });
    const got = namedShapes([layer('reach', true), layer('lake', false), layer('node', true), layer('lake', true)]);
    expect(got.map((s) => s.kind)).toEqual(['river', 'lake']);
  });
});

describe('declutter', () => {
  const label = (text: string, lon: number, lat: number): Label => ({ text, kind: 'place', lon, lat, angle: 0, size: 12 });

  it('keeps the first of overlapping labels, in order, within the screen and the maximum', () => {
    const labels = [label('First', 10, 10), label('Overlaps', 11, 10), label('Apart', 10, 20), label('Off screen', 500, 10), label('Also apart', 50, 30)];
    expect(declutter(labels, project, 1000, 1000).map((l) => l.text)).toEqual(['First', 'Apart', 'Also apart']);
    expect(declutter(labels, project, 1000, 1000, 2).map((l) => l.text)).toEqual(['First', 'Apart']);
  });

  it('leaves out labels cut by the screen edge or under the reserved boxes', () => {
    const labels = [label('Edge', 0.5, 10), label('Under the legend', 50, 10), label('Free', 50, 30)];
    expect(declutter(labels, project, 1000, 1000, 150, [[400, 350, 700, 450]]).map((l) => l.text)).toEqual(['Free']);
  });

  it('a tilted label covers the area it turns into', () => {
    const flat = label('A long river name', 10, 10);
    const below = label('Below', 10, 7.5);
    expect(declutter([flat, below], project, 1000, 1000)).toHaveLength(2);
    expect(declutter([{ ...flat, angle: 45 }, below], project, 1000, 1000)).toHaveLength(1);
  });
});
