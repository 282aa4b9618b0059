import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Table } from 'apache-arrow';
import { binaryVector } from './arrow-columns.js';
import { GranuleError, bboxPolygon, type Product } from './product.js';
import { isoToMs, recordsToColumns } from './records.js';
import { toWkb } from './wkb.js';

type Json = Record<string, unknown>;

function pointsExtent(points: ([number, number] | null)[]): [number, number, number, number] {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const p of points) {
    if (!p) continue;
    w = Math.min(w, p[0]);
    e = Math.max(e, p[0]);
    s = Math.min(s, p[1]);
    n = Math.max(n, p[1]);
  }
  return Number.isFinite(w) ? [w, s, e, n] : [0, 0, 0, 0];
}

function footprintOf(bbox: [number, number, number, number]) {
  return bbox[0] === bbox[2] && bbox[1] === bbox[3] ? { type: 'Point' as const, coordinates: [bbox[0], bbox[1]] } : bboxPolygon(bbox);
}

function stem(file: string): string {
  return path.basename(file).replace(/\.(json|csv)$/i, '');
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new GranuleError(file, `not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Reads the Hydroweb virtual-station catalogue (`vstations.json`, a WFS GeoJSON FeatureCollection).
 * @throws GranuleError when the file is not such a collection
 */
export async function readHydrowebStations(file: string): Promise<Product> {
  const json = (await readJson(file)) as { type?: string; features?: { id?: string; geometry?: { coordinates?: number[] }; properties?: Json }[] };
  if (json.type !== 'FeatureCollection' || !Array.isArray(json.features)) throw new GranuleError(file, 'not a GeoJSON FeatureCollection of virtual stations');
  const points = json.features.map((f) =>
    f.geometry?.coordinates?.length ? ([f.geometry.coordinates[0]!, f.geometry.coordinates[1]!] as [number, number]) : null
  );
  const columns = recordsToColumns(json.features.map((f) => ({ station_id: f.id ?? null, ...(f.properties ?? {}) })));
  columns['geometry'] = binaryVector(points.map((p) => (p ? toWkb({ type: 'Point', coordinates: p }) : null)));
  const bbox = pointsExtent(points);
  const info = await stat(file);
  return {
    collection: 'hydroweb-stations',
    id: 'hydroweb-vstations',
    table: new Table(columns),
    geometryTypes: ['Point'],
    bbox,
    footprint: bboxPolygon(bbox),
    start: new Date(info.mtime),
    end: new Date(info.mtime),
    properties: { 'hydroweb:kind': 'station-catalogue', 'hydroweb:station_count': json.features.length },
    fields: {},
    source: { path: file, bytes: info.size, mediaType: 'application/geo+json' }
  };
}

/**
 * Reads a Hydroweb water-level series (`R_<basin>_<river>_KM<n>_{min,mean,max}.json`, pandas JSON
 * `{x: dates, y: levels}`); the min/mean/max files beside it are joined into one table, and the station
 * location is taken from `vstations.json` in the same folder when present.
 * @throws GranuleError when the file is not such a series
 */
export async function readHydrowebSeries(file: string): Promise<Product> {
  const m = /^(.*)_(min|mean|max)$/.exec(stem(file));
  if (!m) throw new GranuleError(file, 'a Hydroweb series file is named <station>_{min,mean,max}.json');
  const station = m[1]!;
  const dir = path.dirname(file);
  const series: Record<string, Map<string, number>> = {};
  let bytes = 0;
  for (const kind of ['min', 'mean', 'max']) {
    const f = path.join(dir, `${station}_${kind}.json`);
    let json: { x?: Record<string, string>; y?: Record<string, number> };
    try {
      json = JSON.parse(await readFile(f, 'utf8'));
      bytes += (await stat(f)).size;
    } catch {
      if (f === file) throw new GranuleError(file, 'not a readable Hydroweb series');
      continue;
    }
    if (!json.x || !json.y) throw new GranuleError(f, 'a Hydroweb series has "x" (dates) and "y" (levels)');
    const map = new Map<string, number>();
    for (const [k, date] of Object.entries(json.x)) map.set(date, json.y[k]!);
    series[kind] = map;
  }
  const dates = [...new Set(Object.values(series).flatMap((s) => [...s.keys()]))].sort();
  if (dates.length === 0) throw new GranuleError(file, 'the series holds no observations');
  let location: [number, number] | null = null;
  let meta: Json = {};
  try {
    const cat = JSON.parse(await readFile(path.join(dir, 'vstations.json'), 'utf8')) as { features: { properties: Json }[] };
    const found = cat.features.find((f) => f.properties['name'] === station);
    if (found) {
      location = [Number(found.properties['lon']), Number(found.properties['lat'])];
      meta = found.properties;
    }
  } catch {
    /* no catalogue beside the series: location unknown */
  }
  const records = dates.map((d) => ({
    station: station,
    date: d,
    level_min: series['min']?.get(d) ?? null,
    level_mean: series['mean']?.get(d) ?? null,
    level_max: series['max']?.get(d) ?? null
  }));
  const columns = recordsToColumns(records);
  columns['geometry'] = binaryVector(records.map(() => (location ? toWkb({ type: 'Point', coordinates: location }) : null)));
  const bbox: [number, number, number, number] = location ? [location[0], location[1], location[0], location[1]] : [-180, -90, 180, 90];
  return {
    collection: 'hydroweb-stations',
    id: `hydroweb-${station}`,
    table: new Table(columns),
    geometryTypes: ['Point'],
    bbox,
    footprint: location ? { type: 'Point', coordinates: location } : bboxPolygon(bbox),
    start: new Date(isoToMs(dates[0]!)),
    end: new Date(isoToMs(dates[dates.length - 1]!)),
    properties: {
      'hydroweb:kind': 'water-level-series',
      'hydroweb:station': station,
      'hydroweb:river': meta['river'] || null,
      'hydroweb:basin': meta['basin'] || null,
      'hydroweb:status': meta['status'] || null,
      'hydroweb:vertical_datum': 'EGM2008 geoid',
      'hydroweb:observation_count': dates.length
    },
    fields: { level_min: { units: 'm' }, level_mean: { units: 'm' }, level_max: { units: 'm' } },
    source: { path: file, bytes, mediaType: 'application/json' }
  };
}

/**
 * Reads a Hub'Eau hydrometry API response (v2: `observations_tr`, `obs_elab`, `referentiel/stations`).
 * @throws GranuleError when it is not a Hub'Eau response or holds no records
 */
export async function readHubeau(file: string): Promise<Product> {
  const json = (await readJson(file)) as { data?: Json[]; api_version?: string; first?: string };
  if (!Array.isArray(json.data) || typeof json.first !== 'string') throw new GranuleError(file, "not a Hub'Eau API response (no data array)");
  if (json.data.length === 0) throw new GranuleError(file, "the Hub'Eau response holds no records (count 0)");
  const endpoint = /hydrometrie\/([a-z_/]+)\?/.exec(json.first)?.[1] ?? 'unknown';
  const points = json.data.map((r) => {
    const x = (r['longitude'] ?? r['longitude_station']) as number | undefined;
    const y = (r['latitude'] ?? r['latitude_station']) as number | undefined;
    return typeof x === 'number' && typeof y === 'number' ? ([x, y] as [number, number]) : null;
  });
  const columns = recordsToColumns(json.data, { skip: new Set(['geometry']) });
  columns['geometry'] = binaryVector(points.map((p) => (p ? toWkb({ type: 'Point', coordinates: p }) : null)));
  const times = json.data
    .map((r) => String(r['date_obs'] ?? r['date_obs_elab'] ?? r['date_maj_station'] ?? ''))
    .map(isoToMs)
    .filter((t) => Number.isFinite(t));
  const info = await stat(file);
  const bbox = pointsExtent(points);
  const stations = [...new Set(json.data.map((r) => r['code_station']).filter((s) => typeof s === 'string'))];
  return {
    collection: 'insitu-gauges',
    id: `hubeau-${stem(file)}`,
    table: new Table(columns),
    geometryTypes: ['Point'],
    bbox,
    footprint: footprintOf(bbox),
    start: new Date(times.length ? Math.min(...times) : info.mtime.getTime()),
    end: new Date(times.length ? Math.max(...times) : info.mtime.getTime()),
    properties: {
      'insitu:provider': "Hub'Eau (Eaufrance)",
      'insitu:endpoint': endpoint,
      'insitu:stations': stations,
      'insitu:variable': json.data[0]!['grandeur_hydro'] ?? json.data[0]!['grandeur_hydro_elab'] ?? null,
      'insitu:observation_count': json.data.length
    },
    fields: {},
    source: { path: file, bytes: info.size, mediaType: 'application/json' }
  };
}

function parseCsvLine(line: string): string[] {
  return line.split(',').map((c) => c.trim().replace(/^'(.*)'$/, '$1'));
}

/**
 * Reads an in-situ series in the SWOT community CSV template (Reach_ID, Node_ID, X, Y,
 * `Time (dd-mm-yyyy)`, Q ...; -9999 as fill).
 * @throws GranuleError when the header is not that template
 */
export async function readSwotInsituCsv(file: string): Promise<Product> {
  const text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = parseCsvLine(lines[0] ?? '');
  if (!header.includes('Reach_ID') || !header.some((h) => h.startsWith('Time')))
    throw new GranuleError(file, 'not a SWOT in-situ CSV (Reach_ID, Time columns expected)');
  const names = header.map((h) =>
    h
      .replace(/\s*\(.*\)\s*$/, '')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/_+$/, '')
      .toLowerCase()
  );
  const records: Json[] = lines.slice(1).map((line) => {
    const cells = parseCsvLine(line);
    const r: Json = {};
    names.forEach((n, i) => {
      const c = cells[i] ?? '';
      if (n === 'time') {
        const d = /^(\d{2})-(\d{2})-(\d{4})$/.exec(c);
        r[n] = d ? `${d[3]}-${d[2]}-${d[1]}` : null;
      } else if (n === 'reach_id' || n === 'node_id') r[n] = c === '-9999' || c === '' ? null : c;
      else r[n] = c === '' ? null : Number(c);
    });
    return r;
  });
  const columns = recordsToColumns(records, { fills: new Set([-9999]) });
  const points = records.map((r) => (typeof r['x'] === 'number' && typeof r['y'] === 'number' ? ([r['x'], r['y']] as [number, number]) : null));
  columns['geometry'] = binaryVector(points.map((p) => (p ? toWkb({ type: 'Point', coordinates: p }) : null)));
  const times = records.map((r) => isoToMs(String(r['time']))).filter(Number.isFinite);
  const bbox = pointsExtent(points);
  const info = await stat(file);
  return {
    collection: 'insitu-gauges',
    id: `insitu-${stem(file)}`,
    table: new Table(columns),
    geometryTypes: ['Point'],
    bbox,
    footprint: footprintOf(bbox),
    start: new Date(Math.min(...times)),
    end: new Date(Math.max(...times)),
    properties: {
      'insitu:provider': 'SWOT community in-situ template',
      'insitu:variable': 'Q',
      'insitu:reaches': [...new Set(records.map((r) => r['reach_id']).filter(Boolean))].slice(0, 100),
      'insitu:observation_count': records.length
    },
    fields: { q: { units: 'm^3/s' }, wse: { units: 'm' }, w: { units: 'm' } },
    source: { path: file, bytes: info.size, mediaType: 'text/csv' }
  };
}
