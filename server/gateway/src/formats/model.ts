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

/** Milliseconds of a CF time unit. */
const CF_UNITS: Record<string, number> = {
  second: 1000,
  seconds: 1000,
  s: 1000,
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000
};

/**
 * A CF time axis (`<unit> since <date>`, the standard/gregorian calendar: others are refused rather than misread) as
 * epoch milliseconds of each value.
 */
export function cfTimes(file: string, values: ArrayLike<number>, units: string, calendar = 'standard'): number[] {
  if (!['standard', 'gregorian', 'proleptic_gregorian'].includes(calendar.toLowerCase()))
    throw new GranuleError(file, `time calendar "${calendar}" is not read here (standard/gregorian only)`);
  const m = /^\s*(\w+)\s+since\s+(\d{4}-\d{1,2}-\d{1,2})(?:[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|UTC|[+-]?\d{1,2}(?::\d{2})?)?\s*$/i.exec(units);
  const per = m ? CF_UNITS[m[1]!.toLowerCase()] : undefined;
  if (!m || per === undefined) throw new GranuleError(file, `time units "${units}" are not CF "<unit> since <date>"`);
  const [y, mo, d] = m[2]!.split('-').map(Number) as [number, number, number];
  const [h = 0, mi = 0, s = 0] = (m[3] ?? '0:00').split(':').map(Number);
  let offset = 0;
  const zone = m[4];
  if (zone && !/^(Z|UTC)$/i.test(zone)) {
    const [zh, zm = 0] = zone.split(':').map(Number) as [number, number?];
    offset = (Math.abs(zh) * 60 + (zm ?? 0)) * 60_000 * (zone.startsWith('-') ? -1 : 1);
  }
  const origin = Date.UTC(y, mo - 1, d, h, mi, s) - offset;
  return Array.from(values, (v) => origin + v * per);
}

/**
 * Reads a RAPID river-routing output (`Qout*.nc`: NetCDF classic, CF discrete sampling geometry `timeSeries`, one
 * series of discharge per river reach `rivid` at its midpoint): one row per reach and time.
 */
export async function readRapidQout(file: string): Promise<Product> {
  const { NetCDFReader } = await import('netcdfjs');
  let nc: InstanceType<typeof NetCDFReader>;
  try {
    nc = new NetCDFReader(await readFile(file));
  } catch (error) {
    throw new GranuleError(file, `not a NetCDF classic file (${(error as Error).message})`);
  }
  const attr = (v: string | null, name: string) => {
    const list = v === null ? nc.globalAttributes : nc.variables.find((x) => x.name === v)?.attributes;
    return list?.find((a) => a.name === name)?.value as string | number | undefined;
  };
  if (String(attr(null, 'featureType') ?? '').toLowerCase() !== 'timeseries') throw new GranuleError(file, 'not a CF timeSeries file (featureType)');
  for (const v of ['rivid', 'time', 'lat', 'lon', 'Qout'])
    if (!nc.variables.some((x) => x.name === v)) throw new GranuleError(file, `not a RAPID output: no ${v} variable`);
  const q = nc.variables.find((x) => x.name === 'Qout')!;
  const [dimReach, dimTime] = q.dimensions.map((d) => nc.dimensions[d]!.name);
  if (dimReach !== 'rivid' || dimTime !== 'time') throw new GranuleError(file, `Qout is (${dimReach}, ${dimTime}); (rivid, time) expected`);
  const num = (name: string) => Float64Array.from(nc.getDataVariable(name) as ArrayLike<number>);
  const ids = num('rivid');
  const lat = num('lat');
  const lon = num('lon');
  const times = cfTimes(file, num('time'), String(attr('time', 'units') ?? ''), String(attr('time', 'calendar') ?? 'standard'));
  const values = num('Qout');
  const fill = (v: string) => {
    const f = attr(v, '_FillValue');
    return typeof f === 'number' ? f : undefined;
  };
  const [qFill, latFill, lonFill] = [fill('Qout'), fill('lat'), fill('lon')];
  const scale = Number(attr('Qout', 'scale_factor') ?? 1);
  const offset = Number(attr('Qout', 'add_offset') ?? 0);
  const nT = times.length;
  const records: Record<string, unknown>[] = [];
  const points: (Uint8Array | null)[] = [];
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let r = 0; r < ids.length; r++) {
    const y = lat[r]!;
    const x = lon[r]!;
    const placed = y !== latFill && x !== lonFill && Math.abs(y) <= 90 && Math.abs(x) <= 180;
    const point = placed ? toWkb({ type: 'Point', coordinates: [x, y] }) : null;
    if (placed) [w, s, e, n] = [Math.min(w, x), Math.min(s, y), Math.max(e, x), Math.max(n, y)];
    for (let t = 0; t < nT; t++) {
      const v = values[r * nT + t]!;
      records.push({
        rivid: String(ids[r]),
        time: new Date(times[t]!).toISOString(),
        discharge: Number.isNaN(v) || v === qFill ? null : v * scale + offset,
        x: placed ? x : null,
        y: placed ? y : null
      });
      points.push(point);
    }
  }
  if (!Number.isFinite(w)) throw new GranuleError(file, 'no river reach has a position');
  const columns = recordsToColumns(records);
  columns['geometry'] = binaryVector(points);
  const info = await stat(file);
  const bbox: [number, number, number, number] = [w, s, e, n];
  return {
    collection: 'model-series',
    id: `rapid-${path.basename(file, '.nc').toLowerCase()}`,
    table: new Table(columns),
    geometryTypes: ['Point'],
    bbox,
    footprint: {
      type: 'Polygon',
      coordinates: [
        [
          [w, s],
          [e, s],
          [e, n],
          [w, n],
          [w, s]
        ]
      ]
    },
    start: new Date(Math.min(...times)),
    end: new Date(Math.max(...times)),
    properties: {
      'model:name': 'RAPID',
      'model:run': String(attr(null, 'title') ?? 'RAPID'),
      'model:station': `${ids.length} river reaches`,
      'model:variable': 'discharge',
      'model:units': 'm3/s',
      'model:time_step': String(attr(null, 'time_coverage_resolution') ?? ''),
      'model:feature_count': ids.length,
      'model:value_count': records.length
    },
    fields: { discharge: { units: 'm3/s', long_name: String(attr('Qout', 'long_name') ?? 'Discharge') } },
    source: { path: file, bytes: info.size, mediaType: 'application/x-netcdf' }
  };
}
