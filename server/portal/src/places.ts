// Place names for the search: the same offline GeoNames table the map labels with (loaded once, its own chunk).
import type { Places } from '@hysope/swath-viewer/lib/labels.js';

export interface PlaceMatch {
  name: string;
  lon: number;
  lat: number;
  population: number;
}

let table: Promise<Places> | null = null;
function places(): Promise<Places> {
  table ??= import('@hysope/swath-viewer/data/places.json').then((m) => ((m as { default?: Places }).default ?? m) as Places);
  return table;
}

/** Lower case without accents ("Zürich" and "zurich" match). */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();
}

/** Places named `q` (whole name first, then names starting with it), largest first; none for ids and short words. */
export function matchPlaces(table: Places, q: string, max = 5): PlaceMatch[] {
  const f = fold(q);
  if (f.length < 3 || /^[\d:]|^basin:/.test(f)) return [];
  const exact: PlaceMatch[] = [];
  const prefix: PlaceMatch[] = [];
  // The table is sorted by population: the first matches are the largest places.
  for (let i = 0; i < table.name.length && exact.length < max; i++) {
    const n = fold(table.name[i]!);
    if (n !== f && !n.startsWith(f)) continue;
    const m = { name: table.name[i]!, lon: table.lon[i]!, lat: table.lat[i]!, population: table.population[i]! };
    (n === f ? exact : prefix).push(m);
  }
  return [...exact, ...prefix].slice(0, max);
}

export async function findPlaces(q: string): Promise<PlaceMatch[]> {
  return fold(q).length < 3 ? [] : matchPlaces(await places(), q);
}
