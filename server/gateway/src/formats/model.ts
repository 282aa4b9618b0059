import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Table } from 'apache-arrow';
import { binaryVector } from './arrow-columns.js';
import { GranuleError, type Product } from './product.js';
import { isoToMs, recordsToColumns } from './records.js';
import { toWkb } from './wkb.js';

/**
 * Hydrological model outputs, read as SWOT granules are: the model, its run, the variable and its units, the place.
 * PCR-GLOBWB's station series (`pcr_<run>_<station>.csv`: `,discharge,datetime` rows of daily discharge in m³/s) are
 * placed by the station table the model writes beside them (`stationLatLon.csv`), whose `x` column holds the
 * latitude and `y` the longitude (Basel: x 47.56, y 7.62).
 */

/** The station table of PCR-GLOBWB's outputs: name → place and river. */
async function pcrStations(dir: string, file: string): Promise<Map<string, { lon: number; lat: number; river: string; area: number | null }>> {
  const table = path.join(dir, 'stationLatLon.csv');
  let text: string;
  try {
    text = await readFile(table, 'utf8');
  } catch {
    throw new GranuleError(file, "PCR-GLOBWB's station table (stationLatLon.csv) must be beside the series: it places the station");
  }
  const [head, ...rows] = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const cols = head!.split(',');
  const at = (name: string) => cols.indexOf(name);
  if (at('station') < 0 || at('x') < 0 || at('y') < 0) throw new GranuleError(table, 'not a PCR-GLOBWB station table (station, x, y columns expected)');
  const out = new Map<string, { lon: number; lat: number; river: string; area: number | null }>();
  for (const r of rows) {
    const c = r.split(',');
    const lat = Number(c[at('x')]);
    const lon = Number(c[at('y')]);
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) continue;
    const area = Number(c[at('area')]);
    out.set(c[at('station')]!.toLowerCase(), { lon, lat, river: c[at('river')] ?? '', area: Number.isFinite(area) ? area : null });
  }
  return out;
}

/** Reads one PCR-GLOBWB station discharge series. */
export async function readPcrGlobwbStation(file: string): Promise<Product> {
  const m = /^pcr_([a-z0-9]+)_([a-z0-9-]+)\.csv$/i.exec(path.basename(file));
  if (!m) throw new GranuleError(file, 'not a PCR-GLOBWB station series (pcr_<run>_<station>.csv)');
  const [, run, station] = m as unknown as [string, string, string];
  const place = (await pcrStations(path.dirname(file), file)).get(station.toLowerCase());
  if (!place) throw new GranuleError(file, `station "${station}" is not in stationLatLon.csv beside it`);
  const text = await readFile(file, 'utf8');
  const [head, ...lines] = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const cols = head!.split(',');
  const q = cols.indexOf('discharge');
  const t = cols.indexOf('datetime');
  if (q < 0 || t < 0) throw new GranuleError(file, 'not a PCR-GLOBWB station series (discharge and datetime columns expected)');
  const records = lines.map((l) => {
    const c = l.split(',');
    const v = Number(c[q]);
    return { time: c[t] ?? null, discharge: c[q] === '' || c[q] === 'NA' || !Number.isFinite(v) ? null : v };
  });
  const times = records.map((r) => isoToMs(String(r.time))).filter(Number.isFinite);
  if (times.length === 0) throw new GranuleError(file, 'the series holds no dated value');
  const columns = recordsToColumns(records);
  const point = toWkb({ type: 'Point', coordinates: [place.lon, place.lat] });
  columns['geometry'] = binaryVector(records.map(() => point));
  const info = await stat(file);
  const name = station.charAt(0).toUpperCase() + station.slice(1);
  return {
    collection: 'model-series',
    id: `pcrglobwb-${run.toLowerCase()}-${station.toLowerCase()}`,
    table: new Table(columns),
    geometryTypes: ['Point'],
    bbox: [place.lon, place.lat, place.lon, place.lat],
    footprint: { type: 'Point', coordinates: [place.lon, place.lat] },
    start: new Date(Math.min(...times)),
    end: new Date(Math.max(...times)),
    properties: {
      'model:name': 'PCR-GLOBWB',
      'model:run': run,
      'model:station': name,
      'model:river': place.river,
      'model:variable': 'discharge',
      'model:units': 'm3/s',
      'model:time_step': 'P1D',
      ...(place.area !== null ? { 'model:upstream_area_km2': place.area } : {}),
      'model:value_count': records.length
    },
    fields: { discharge: { units: 'm3/s', long_name: 'simulated river discharge, daily mean' } },
    source: { path: file, bytes: info.size, mediaType: 'text/csv' }
  };
}
