import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Table } from 'apache-arrow';
import { parse as parseToml } from 'smol-toml';
import { binaryVector } from './arrow-columns.js';
import { DATACUBE_EXTENSION, isoStep, seriesCube } from './datacube.js';
import { GranuleError, type Product } from './product.js';
import { recordsToColumns } from './records.js';
import { toWkb } from './wkb.js';

/**
 * wflow (Deltares' distributed hydrological model, Wflow.jl) outputs, placed and named by the run's configuration
 * beside them (the `.toml` the model ran with) and, for gauges, by the gauge table hydromt_wflow writes
 * (`gauges*.geojson`: points with their GRDC number or id).
 */

/** What the run's configuration says: the model's kind and version, its time step. */
export interface WflowRun {
  /** `sbm`, `hbv`, `sediment`. */
  type: string;
  version: string | null;
  /** The model's time step, ISO 8601 (`P1D`). */
  step: string | null;
  /** The configuration's file name. */
  config: string;
}

/** Units of wflow's output variables, by the names its configurations give them (older and v1 names). */
const UNITS: Record<string, { unit: string; variable: string; description: string }> = {
  q_river: { unit: 'm3/s', variable: 'discharge', description: 'river discharge' },
  river_q: { unit: 'm3/s', variable: 'discharge', description: 'river discharge' },
  q_av: { unit: 'm3/s', variable: 'discharge', description: 'river discharge, time-step mean' },
  q: { unit: 'm3/s', variable: 'discharge', description: 'river discharge' },
  h_land: { unit: 'm', variable: 'h_land', description: 'overland flow water depth' },
  land_h: { unit: 'm', variable: 'h_land', description: 'overland flow water depth' },
  h_river: { unit: 'm', variable: 'h_river', description: 'river water depth' },
  river_h: { unit: 'm', variable: 'h_river', description: 'river water depth' }
};

/** wflow's meaning of an output variable (discharge in m³/s ...), or undefined for one it does not name. */
export function wflowVariable(name: string): { unit: string; variable: string; description: string } | undefined {
  return UNITS[name.toLowerCase()];
}

/**
 * The wflow run whose outputs a folder holds: the first `.toml` beside `file` that is a wflow configuration (it has
 * `[model] type`, and names `file` among its outputs, or gives `wflow_version`), or null.
 */
export async function wflowRun(file: string): Promise<WflowRun | null> {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.toml')).sort();
  } catch {
    return null;
  }
  for (const name of names) {
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(await readFile(path.join(dir, name), 'utf8')) as Record<string, unknown>;
    } catch {
      continue;
    }
    const model = doc['model'] as { type?: unknown } | undefined;
    if (typeof model?.type !== 'string') continue;
    const output = (doc['output'] ?? {}) as Record<string, { path?: unknown } | undefined>;
    const outputs = [output['netcdf_grid']?.path, output['netcdf_scalar']?.path, output['csv']?.path, output['path'], doc['path_output']].filter(
      (p): p is string => typeof p === 'string'
    );
    const named = outputs.some((p) => path.basename(p) === base);
    if (!named && typeof doc['wflow_version'] !== 'string') continue;
    const time = (doc['time'] ?? {}) as { timestepsecs?: unknown };
    const secs = typeof time.timestepsecs === 'number' ? time.timestepsecs : typeof doc['timestepsecs'] === 'number' ? doc['timestepsecs'] : null;
    return {
      type: model.type,
      version: typeof doc['wflow_version'] === 'string' ? doc['wflow_version'] : null,
      step: secs ? isoStep([0, secs * 1000]) : null,
      config: name
    };
  }
  return null;
}

/** Gauges of a gauge table beside the outputs: id → place, name, river. */
async function gaugeTable(file: string): Promise<{ table: string; gauges: Map<string, { lon: number; lat: number; name: string; river: string }> } | null> {
  const dir = path.dirname(file);
  const tables = (await readdir(dir)).filter((n) => /^gauges.*\.geojson$/i.test(n)).sort();
  const gauges = new Map<string, { lon: number; lat: number; name: string; river: string }>();
  for (const table of tables) {
    let doc: { features?: { geometry?: { type?: string; coordinates?: number[] }; properties?: Record<string, unknown> }[] };
    try {
      doc = JSON.parse(await readFile(path.join(dir, table), 'utf8')) as typeof doc;
    } catch {
      throw new GranuleError(file, `the gauge table ${table} beside it is not GeoJSON`);
    }
    for (const f of doc.features ?? []) {
      const [lon, lat] = f.geometry?.type === 'Point' ? (f.geometry.coordinates ?? []) : [];
      const p = f.properties ?? {};
      const id = p['grdc_no'] ?? p['id'] ?? p['fid'] ?? p['index'];
      if (id === undefined || id === null || !Number.isFinite(lon) || !Number.isFinite(lat)) continue;
      const title = (v: unknown) => String(v ?? '').replace(/\w\S*/g, (w) => w.charAt(0) + w.slice(1).toLowerCase());
      gauges.set(String(id), { lon: lon!, lat: lat!, name: title(p['station'] ?? p['name'] ?? id), river: title(p['river']) });
    }
    if (gauges.size) return { table, gauges };
  }
  return null;
}

/** Whether a CSV file is a wflow output: a `time` first column and a wflow configuration beside it. */
export async function isWflowCsv(file: string): Promise<boolean> {
  const head = (await readFile(file, 'utf8')).slice(0, 4096).split(/\r?\n/)[0] ?? '';
  return /^"?time"?,/i.test(head) && (await wflowRun(file)) !== null;
}

/**
 * Reads a wflow CSV output (`time`, then one column per output; a gauge map's columns are `<header>_<gauge id>`): the
 * discharge at each gauge the gauge table beside it places, one row per gauge and time. Columns of the whole basin
 * (a maximum, a reservoir's volume, a mean precipitation) are not a place's series: they are named in the item.
 */
export async function readWflowCsv(file: string): Promise<Product> {
  const run = await wflowRun(file);
  if (!run) throw new GranuleError(file, 'not a wflow output: no wflow configuration (.toml with [model] type) beside it');
  const found = await gaugeTable(file);
  if (!found) throw new GranuleError(file, 'no gauge table (gauges*.geojson with point gauges) beside it: the series cannot be placed');
  const [head, ...lines] = (await readFile(file, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '');
  const cols = head!.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  const t = cols.indexOf('time');
  // A gauge column: a discharge header, then a gauge id the table knows.
  const gaugeCols = cols
    .map((c, i) => ({ i, m: /^(.+?)_([^_]+)$/.exec(c) }))
    .filter((x) => x.m && wflowVariable(x.m[1]!)?.variable === 'discharge' && found.gauges.has(x.m[2]!))
    .map((x) => ({ i: x.i, id: x.m![2]! }));
  if (gaugeCols.length === 0)
    throw new GranuleError(file, `no discharge column of a gauge of ${found.table} (Q_<id> for ids ${[...found.gauges.keys()].join(', ')})`);
  const records: Record<string, unknown>[] = [];
  const points: Uint8Array[] = [];
  const times: number[] = [];
  for (const { i, id } of gaugeCols) {
    const g = found.gauges.get(id)!;
    const point = toWkb({ type: 'Point', coordinates: [g.lon, g.lat] });
    for (const l of lines) {
      const c = l.split(',');
      // wflow writes times without a zone: the model's clock, UTC.
      const ms = Date.parse(`${c[t]!.trim()}Z`);
      if (!Number.isFinite(ms)) throw new GranuleError(file, `time "${c[t]}" is not an ISO 8601 date`);
      const v = c[i] === undefined || c[i]!.trim() === '' ? NaN : Number(c[i]);
      records.push({
        gauge: id,
        station: g.name,
        river: g.river,
        time: new Date(ms).toISOString(),
        discharge: Number.isFinite(v) ? v : null,
        x: g.lon,
        y: g.lat
      });
      points.push(point);
      times.push(ms);
    }
  }
  if (times.length === 0) throw new GranuleError(file, 'no dated row');
  const used = new Set([t, ...gaugeCols.map((g) => g.i)]);
  const placed = gaugeCols.map((g) => found.gauges.get(g.id)!);
  const bbox: [number, number, number, number] = [
    Math.min(...placed.map((p) => p.lon)),
    Math.min(...placed.map((p) => p.lat)),
    Math.max(...placed.map((p) => p.lon)),
    Math.max(...placed.map((p) => p.lat))
  ];
  const columns = recordsToColumns(records);
  columns['geometry'] = binaryVector(points);
  const info = await stat(file);
  const run_ = `${run.type}${run.version ? ` (wflow ${run.version})` : ''}`;
  return {
    collection: 'model-series',
    id: `wflow-${run.type}-${path
      .basename(path.dirname(file))
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')}-${path.basename(file, '.csv').toLowerCase()}-gauges`,
    table: new Table(columns),
    geometryTypes: ['Point'],
    bbox,
    footprint:
      placed.length === 1
        ? { type: 'Point', coordinates: [placed[0]!.lon, placed[0]!.lat] }
        : { type: 'MultiPoint', coordinates: placed.map((p) => [p.lon, p.lat]) },
    start: new Date(Math.min(...times)),
    end: new Date(Math.max(...times)),
    properties: {
      'model:name': 'wflow',
      'model:run': run_,
      'model:station': placed.map((p) => `${p.name} (${p.river})`).join(', '),
      'model:variable': 'discharge',
      'model:units': 'm3/s',
      ...(run.step ? { 'model:time_step': run.step } : {}),
      'model:feature_count': gaugeCols.length,
      'model:value_count': records.length,
      'model:gauge_table': found.table,
      'model:basin_columns': cols.filter((_, i) => !used.has(i)),
      ...seriesCube(
        times,
        { discharge: { unit: 'm3/s', description: 'simulated river discharge at the gauge' } },
        { name: 'gauge', bbox, description: `${gaugeCols.length} gauges of ${found.table} (ids ${gaugeCols.map((g) => g.id).join(', ')})` }
      )
    },
    fields: { discharge: { units: 'm3/s', long_name: 'simulated river discharge at the gauge' } },
    source: { path: file, bytes: info.size, mediaType: 'text/csv' },
    extensions: [DATACUBE_EXTENSION]
  };
}
