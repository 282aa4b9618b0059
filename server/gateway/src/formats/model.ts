import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Table } from 'apache-arrow';
import { binaryVector } from './arrow-columns.js';
import { GranuleError, atPoint, bboxPolygon, type Product } from './product.js';
import { isoToMs, recordsToColumns } from './records.js';
import { toWkb } from './wkb.js';
import { DATACUBE_EXTENSION, nodataOf, seriesCube, timeDimension, type Datacube } from './datacube.js';
import { wflowRun, wflowVariable } from './wflow.js';

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
    ...atPoint(place.lon, place.lat, times),
    properties: {
      'model:name': 'PCR-GLOBWB',
      'model:run': run,
      'model:station': name,
      'model:river': place.river,
      'model:variable': 'discharge',
      'model:units': 'm3/s',
      'model:time_step': 'P1D',
      ...(place.area !== null ? { 'model:upstream_area_km2': place.area } : {}),
      'model:value_count': records.length,
      ...seriesCube(times, { discharge: { unit: 'm3/s', description: 'simulated river discharge, daily mean' } })
    },
    fields: { discharge: { units: 'm3/s', long_name: 'simulated river discharge, daily mean' } },
    source: { path: file, bytes: info.size, mediaType: 'text/csv' },
    extensions: [DATACUBE_EXTENSION]
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
    footprint: bboxPolygon(bbox),
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
      'model:value_count': records.length,
      ...seriesCube(
        times,
        { discharge: { unit: 'm3/s', description: String(attr('Qout', 'long_name') ?? 'Discharge'), nodata: nodataOf(qFill), data_type: 'float32' } },
        { name: 'rivid', bbox, description: `${ids.length} river reaches (RAPID rivid), each at its midpoint` }
      )
    },
    fields: { discharge: { units: 'm3/s', long_name: String(attr('Qout', 'long_name') ?? 'Discharge') } },
    source: { path: file, bytes: info.size, mediaType: 'application/x-netcdf' },
    extensions: [DATACUBE_EXTENSION]
  };
}

/** The common metadata's data types of HDF5 element types (h5wasm's dtype codes). */
const DATA_TYPES: Record<string, string> = { '<f': 'float32', '<d': 'float64', '<i': 'int32', '<h': 'int16', '<B': 'uint8', '<b': 'int8' };

/** Names CF gives the horizontal axes of a grid: projected (x, y) or geographic (lon, lat). */
const X_AXES = ['x', 'lon', 'longitude', 'rlon'];
const Y_AXES = ['y', 'lat', 'latitude', 'rlat'];

/**
 * Reads a gridded model output (NetCDF-4 CF: a variable over (time, y, x), projected with the WKT the file carries —
 * the grid mapping's `crs_wkt`/`spatial_ref`, or the variable's `esri_pe_string` as LISFLOOD writes it — or on
 * longitude/latitude) as GeoParquet of cells: one row per cell and time with a value, the cell's polygon reprojected to
 * longitude/latitude, its centre, its index. Cells and times holding the fill value are left out.
 */
export async function readCfGrid(file: string): Promise<Product> {
  const [{ attr, hdf5 }, { default: proj4 }, { numericVector, stringVector, timestampVector }] = await Promise.all([
    import('./hdf5-reader.js'),
    import('proj4'),
    import('./arrow-columns.js')
  ]);
  const h5wasm = await hdf5();
  let h5: InstanceType<typeof h5wasm.File>;
  try {
    h5 = new h5wasm.File(file, 'r');
  } catch (error) {
    throw new GranuleError(file, `not a readable NetCDF4/HDF5 file (${(error as Error).message})`);
  }
  try {
    type Ds = InstanceType<typeof h5wasm.Dataset>;
    const ds = (name: string) => (h5.keys().includes(name) ? (h5.get(name) as Ds) : null);
    const xName = X_AXES.find((n) => ds(n));
    const yName = Y_AXES.find((n) => ds(n));
    const tName = ds('time') ? 'time' : undefined;
    if (!xName || !yName || !tName) throw new GranuleError(file, 'not a CF grid: time, y and x (or lat and lon) coordinates expected');
    const xs = Float64Array.from(ds(xName)!.value as ArrayLike<number>);
    const ys = Float64Array.from(ds(yName)!.value as ArrayLike<number>);
    const timeDs = ds(tName)!;
    const times = cfTimes(
      file,
      Float64Array.from(timeDs.value as ArrayLike<number>),
      String(attr(timeDs, 'units') ?? ''),
      String(attr(timeDs, 'calendar') ?? 'standard')
    );
    const [nT, nY, nX] = [times.length, ys.length, xs.length];
    // The data variable: discharge when the file holds it (by its standard name, or the name its model gives it), else
    // the first one over (time, y, x); the others are named in the item.
    const gridded = h5.keys().filter((k) => {
      const d = ds(k);
      return d && d.shape?.length === 3 && d.shape[0] === nT && d.shape[1] === nY && d.shape[2] === nX;
    });
    const discharge = (k: string) =>
      /discharge/i.test(String(attr(ds(k)!, 'standard_name') ?? '')) || /^(dis|discharge)$/i.test(k) || wflowVariable(k)?.variable === 'discharge';
    const name = gridded.find(discharge) ?? gridded[0];
    if (!name) throw new GranuleError(file, `no variable over (time, ${yName}, ${xName})`);
    const wflow = await wflowRun(file);
    const v = ds(name)!;
    const geographic = xName !== 'x';
    let wkt: string | undefined;
    if (!geographic) {
      const mapping = attr(v, 'grid_mapping');
      const gm = typeof mapping === 'string' ? ds(mapping) : null;
      wkt = [gm && attr(gm, 'crs_wkt'), gm && attr(gm, 'spatial_ref'), attr(v, 'esri_pe_string')].find(
        (w): w is string => typeof w === 'string' && w.length > 20
      );
      if (!wkt) throw new GranuleError(file, `${name}: a projected grid without its projection (grid_mapping crs_wkt/spatial_ref or esri_pe_string)`);
    }
    let toLonLat: (p: [number, number]) => [number, number];
    try {
      const converter = wkt ? proj4(wkt, 'EPSG:4326') : null;
      toLonLat = converter ? (p) => converter.forward(p) as [number, number] : (p) => p;
    } catch (error) {
      throw new GranuleError(file, `${name}: its projection cannot be read (${(error as Error).message})`);
    }
    const fillRaw = attr(v, '_FillValue');
    const fill = fillRaw === undefined ? undefined : Number(fillRaw);
    const scale = Number(attr(v, 'scale_factor') ?? 1);
    const offset = Number(attr(v, 'add_offset') ?? 0);
    const values = v.value as ArrayLike<number>;
    const dx = nX > 1 ? xs[1]! - xs[0]! : 1;
    const dy = nY > 1 ? ys[1]! - ys[0]! : 1;
    // Each cell's polygon and centre, once.
    const cells: { wkb: Uint8Array; lon: number; lat: number; ring: [number, number][] }[] = [];
    let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let j = 0; j < nY; j++)
      for (let i = 0; i < nX; i++) {
        const [x, y] = [xs[i]!, ys[j]!];
        const ring = [
          [x - dx / 2, y - dy / 2],
          [x + dx / 2, y - dy / 2],
          [x + dx / 2, y + dy / 2],
          [x - dx / 2, y + dy / 2],
          [x - dx / 2, y - dy / 2]
        ].map((p) => toLonLat(p as [number, number]));
        const [lon, lat] = toLonLat([x, y]);
        cells.push({ wkb: toWkb({ type: 'Polygon', coordinates: [ring] }), lon, lat, ring });
      }
    const keep: number[] = [];
    for (let t = 0; t < nT; t++)
      for (let c = 0; c < nY * nX; c++) {
        const raw = values[t * nY * nX + c]!;
        if (Number.isNaN(raw) || raw === fill) continue;
        keep.push(t * nY * nX + c);
      }
    if (keep.length === 0) throw new GranuleError(file, `${name}: every value is the fill value`);
    const cellOf = (k: number) => k % (nY * nX);
    // The extent of the cells themselves (their reprojected corners), not of their centres.
    for (const c of new Set(keep.map(cellOf)))
      for (const [x, y] of cells[c]!.ring) [w, s, e, n] = [Math.min(w, x), Math.min(s, y), Math.max(e, x), Math.max(n, y)];
    const columns = {
      cell: stringVector(keep.map((k) => `${Math.floor(cellOf(k) / nX)},${cellOf(k) % nX}`)),
      lon: numericVector(Float64Array.from(keep, (k) => cells[cellOf(k)]!.lon)),
      lat: numericVector(Float64Array.from(keep, (k) => cells[cellOf(k)]!.lat)),
      time: timestampVector(Float64Array.from(keep, (k) => times[Math.floor(k / (nY * nX))]!)),
      value: numericVector(Float64Array.from(keep, (k) => values[k]! * scale + offset)),
      geometry: binaryVector(keep.map((k) => cells[cellOf(k)]!.wkb))
    };
    const info = await stat(file);
    const globals = h5 as unknown as { attrs: Record<string, { value: unknown }> };
    const software = wflow ? 'wflow' : String(attr(globals, 'Source_Software') ?? attr(globals, 'source') ?? attr(globals, 'title') ?? 'model');
    const model = /lisflood/i.test(software) ? 'LISFLOOD' : /wflow/i.test(software) ? 'wflow' : software;
    // A variable without units: the ones its model documents for that name (wflow writes none).
    const known = wflow ? wflowVariable(name) : undefined;
    const units = String(attr(v, 'units') ?? known?.unit ?? '');
    const description = String(attr(v, 'long_name') ?? known?.description ?? name);
    const dtype = String((v as unknown as { dtype?: string }).dtype ?? '');
    const cube: Datacube = {
      'cube:dimensions': {
        x: { type: 'spatial', axis: 'x', extent: [Math.min(...xs), Math.max(...xs)], step: dx, reference_system: wkt ?? 4326 },
        y: { type: 'spatial', axis: 'y', extent: [Math.min(...ys), Math.max(...ys)], step: dy, reference_system: wkt ?? 4326 },
        time: timeDimension(times)
      },
      'cube:variables': {
        [name]: {
          dimensions: ['time', 'y', 'x'],
          type: 'data',
          description,
          ...(units ? { unit: units } : {}),
          ...(fill !== undefined ? { nodata: nodataOf(fill) } : {}),
          ...(DATA_TYPES[dtype] ? { data_type: DATA_TYPES[dtype] } : {})
        }
      }
    };
    return {
      collection: 'model-series',
      // wflow names its outputs output.nc, output.csv: the run's folder tells them apart.
      id: wflow
        ? `wflow-${wflow.type}-${path
            .basename(path.dirname(file))
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, '-')}-${path.basename(file, '.nc').toLowerCase()}-grid`
        : `${model.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${path.basename(file, '.nc').toLowerCase()}`,
      table: new Table(columns),
      geometryTypes: ['Polygon'],
      bbox: [w, s, e, n],
      footprint: bboxPolygon([w, s, e, n]),
      start: new Date(Math.min(...times)),
      end: new Date(Math.max(...times)),
      properties: {
        'model:name': model,
        'model:run': wflow
          ? `${wflow.type}${wflow.version ? ` (wflow ${wflow.version})` : ''}`
          : String(attr(globals, 'institution') ?? software).slice(0, 200),
        'model:station': `grid of ${nX} x ${nY} cells`,
        'model:variable': discharge(name) ? 'discharge' : (known?.variable ?? name),
        ...(gridded.length > 1 ? { 'model:other_variables': gridded.filter((k) => k !== name) } : {}),
        ...(wflow?.step ? { 'model:time_step': wflow.step } : {}),
        'model:units': units === 'm3/s' || units === 'm^3/s' ? 'm3/s' : units,
        'model:grid': { columns: nX, rows: nY, projection: wkt ?? 'longitude/latitude', cell_size: [Math.abs(dx), Math.abs(dy)] },
        'model:feature_count': new Set(keep.map(cellOf)).size,
        'model:value_count': keep.length,
        ...cube
      },
      fields: { value: { units, long_name: description } },
      source: { path: file, bytes: info.size, mediaType: 'application/x-netcdf' },
      extensions: [DATACUBE_EXTENSION]
    };
  } finally {
    h5.close();
  }
}

/** The `key = value` settings of a Fortran namelist (GLM's `glm3.nml`), by group and key; strings unquoted. */
export function namelist(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let group: Record<string, string> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/!.*$/, '').trim();
    const start = /^&(\w+)/.exec(line);
    if (start) group = out[start[1]!.toLowerCase()] = {};
    else if (line === '/') group = null;
    else if (group) {
      const kv = /^(\w+)\s*=\s*(.*)$/.exec(line);
      if (kv) group[kv[1]!.toLowerCase()] = kv[2]!.trim().replace(/^'(.*)'$/, '$1');
    }
  }
  return out;
}

/**
 * Reads a GLM (General Lake Model) lake output (`lake.csv`: one row a day, GLM's `YYYY-MM-DD 24:00:00` meaning the
 * end of that day, in the model's time zone) with the configuration beside it (`glm3.nml`: the lake's name, place and
 * time zone). Its `Lake Level` is the height above the lake bottom in the model's own frame, not a geodetic level.
 */
export async function readGlmLake(file: string): Promise<Product> {
  let nml: Record<string, Record<string, string>>;
  try {
    nml = namelist(await readFile(path.join(path.dirname(file), 'glm3.nml'), 'utf8'));
  } catch {
    throw new GranuleError(file, "GLM's configuration (glm3.nml) must be beside its lake.csv: it names and places the lake");
  }
  const lat = Number(nml['morphometry']?.['latitude']);
  const lon = Number(nml['morphometry']?.['longitude']);
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) throw new GranuleError(file, 'glm3.nml gives no latitude and longitude (&morphometry)');
  const lake = nml['morphometry']?.['lake_name'] ?? 'lake';
  const zone = Number(nml['time']?.['timezone'] ?? 0);
  const [head, ...lines] = (await readFile(file, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '');
  const cols = head!.split(',').map((c) => c.trim());
  const at = (name: string) => cols.indexOf(name);
  if (at('time') < 0 || at('Lake Level') < 0) throw new GranuleError(file, 'not a GLM lake output (time and Lake Level columns expected)');
  const records = lines.map((l) => {
    const c = l.split(',').map((x) => x.trim());
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(c[at('time')] ?? '');
    // Local model time (24:00 is the next day's 00:00) to UTC.
    const t = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) - zone * 3_600_000 : NaN;
    const num = (name: string) => (at(name) < 0 || c[at(name)] === '' ? null : Number(c[at(name)]));
    return {
      time: Number.isFinite(t) ? new Date(t).toISOString() : null,
      lake_level: num('Lake Level'),
      volume: num('Volume'),
      surface_area: num('Surface Area')
    };
  });
  const times = records.map((r) => (r.time ? Date.parse(r.time) : NaN)).filter(Number.isFinite);
  if (times.length === 0) throw new GranuleError(file, 'no dated row');
  const columns = recordsToColumns(records);
  const point = toWkb({ type: 'Point', coordinates: [lon, lat] });
  columns['geometry'] = binaryVector(records.map(() => point));
  const info = await stat(file);
  return {
    collection: 'model-series',
    id: `glm-${lake.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
    table: new Table(columns),
    ...atPoint(lon, lat, times),
    properties: {
      'model:name': 'GLM',
      'model:run': nml['glm_setup']?.['sim_name'] ?? 'GLM',
      'model:station': lake.replace(/([a-z])([A-Z])/g, '$1 $2'),
      'model:variable': 'water_level',
      'model:units': 'm',
      'model:vertical_reference': 'height above the lake bottom in the model frame (compare anomalies, not levels)',
      'model:time_step': 'P1D',
      'model:value_count': records.length,
      ...seriesCube(times, {
        lake_level: { unit: 'm', description: 'lake level above the bottom (model frame)' },
        volume: { unit: 'm3', description: 'lake volume' },
        surface_area: { unit: 'm2', description: 'lake surface area' }
      })
    },
    fields: {
      lake_level: { units: 'm', long_name: 'lake level above the bottom (model frame)' },
      volume: { units: 'm3' },
      surface_area: { units: 'm2' }
    },
    source: { path: file, bytes: info.size, mediaType: 'text/csv' },
    extensions: [DATACUBE_EXTENSION]
  };
}
