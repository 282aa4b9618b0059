import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Table } from 'apache-arrow';
import { binaryVector } from './arrow-columns.js';
import { GranuleError, atPoint, type Product } from './product.js';
import { recordsToColumns } from './records.js';
import { toWkb } from './wkb.js';

/**
 * hydroweb.next's virtual-station products (`hydroprd_<station>.txt`, the asset of each item of its STAC catalog):
 * - rivers (`R_…`): a header of `#KEY:: value` lines (basin, river, reference longitude and latitude, missions and
 *   tracks, product version) ended by a `###` line, then one line per satellite pass: date, time, water height (m above
 *   the geoid), its standard deviation, …, the pass's longitude and latitude, …, mission, …, ground track, cycle;
 * - lakes (`L_…`): a first line of `key=value` pairs separated by `;` (lon, lat, …), `#` comment lines, then one line
 *   per date: decimal year; …; …; water level; its standard deviation; area; volume.
 * Heights equal to 9999.999 are Hydroweb's fill value.
 */
const FILL = 9999.999;

/** A decimal year (2016.5) as an instant. */
function decimalYear(y: number): number {
  const year = Math.floor(y);
  const start = Date.UTC(year, 0, 1);
  return start + (y - year) * (Date.UTC(year + 1, 0, 1) - start);
}

const value = (text: string | undefined): number | null => {
  if (text === undefined) return null;
  const v = Number(text);
  return Number.isFinite(v) && Math.abs(v - FILL) > 1e-6 ? v : null;
};

export async function readHydrowebNext(file: string): Promise<Product> {
  const m = /^hydroprd_(.+)\.txt$/i.exec(path.basename(file));
  if (!m) throw new GranuleError(file, 'a hydroweb.next product is named hydroprd_<station>.txt');
  const station = m[1]!;
  const lines = (await readFile(file, 'latin1')).split(/\r?\n/);
  const lake = station.startsWith('L_') || /^[a-z_]+=/i.test(lines[0] ?? '');
  const header: Record<string, string> = {};
  const records: Record<string, unknown>[] = [];
  let lon: number | null = null;
  let lat: number | null = null;
  if (lake) {
    for (const pair of (lines[0] ?? '').split(';')) {
      const [k, v] = pair.split('=');
      if (k && v !== undefined) header[k.trim().toLowerCase()] = v.trim();
    }
    lon = value(header['lon']);
    lat = value(header['lat']);
    for (const line of lines.slice(1)) {
      if (!line.trim() || line.startsWith('#')) continue;
      const c = line.split(';').map((x) => x.trim());
      const y = Number(c[0]);
      if (!Number.isFinite(y)) throw new GranuleError(file, `"${c[0]}" is not a decimal year`);
      records.push({
        station,
        date: new Date(decimalYear(y)).toISOString(),
        level_mean: value(c[3]),
        level_std: value(c[4]),
        area: value(c[5]),
        volume: value(c[6])
      });
    }
  } else {
    let k = 0;
    for (; k < lines.length && !lines[k]!.startsWith('###'); k++) {
      const h = /^#([^:]+)::\s*(.*)$/.exec(lines[k]!);
      if (h) header[h[1]!.trim().toUpperCase()] = h[2]!.trim();
    }
    if (k === lines.length) throw new GranuleError(file, 'not a hydroweb.next river product (no ### line ending its header)');
    lon = value(header['REFERENCE LONGITUDE']);
    lat = value(header['REFERENCE LATITUDE']);
    for (const line of lines.slice(k + 1)) {
      if (!line.trim() || line.startsWith('#')) continue;
      const c = line.trim().split(/\s+/);
      const t = Date.parse(`${c[0]}T${c[1] ?? '00:00'}:00Z`);
      if (!Number.isFinite(t)) throw new GranuleError(file, `"${c[0]} ${c[1]}" is not a date and time`);
      records.push({
        station,
        date: new Date(t).toISOString(),
        level_mean: value(c[2]),
        level_std: value(c[3]),
        lon: value(c[5]),
        lat: value(c[6]),
        mission: c[10] ?? null,
        track: c[12] ?? null,
        cycle: value(c[13])
      });
    }
  }
  if (lon === null || lat === null || Math.abs(lon) > 180 || Math.abs(lat) > 90)
    throw new GranuleError(file, 'the product gives no reference longitude and latitude');
  const times = records.map((r) => Date.parse(String(r['date'])));
  if (times.length === 0) throw new GranuleError(file, 'the product holds no observation');
  const columns = recordsToColumns(records);
  const point = toWkb({ type: 'Point', coordinates: [lon, lat] });
  columns['geometry'] = binaryVector(records.map(() => point));
  const info = await stat(file);
  const text = (k: string) => header[k] || null;
  return {
    collection: 'hydroweb-stations',
    id: `hydroweb-${station}`,
    table: new Table(columns),
    ...atPoint(lon, lat, times),
    properties: {
      'hydroweb:kind': 'water-level-series',
      'hydroweb:station': station,
      'hydroweb:river': lake ? null : text('RIVER'),
      'hydroweb:basin': lake ? (header['basin'] ?? null) : text('BASIN'),
      'hydroweb:missions': lake ? null : text('MISSION(S)-TRACK(S)'),
      'hydroweb:product_version': lake ? (header['version'] ?? null) : text('PRODUCT VERSION'),
      'hydroweb:vertical_datum': 'EGM2008 geoid',
      'hydroweb:observation_count': records.length
    },
    fields: { level_mean: { units: 'm' }, level_std: { units: 'm' }, ...(lake ? { area: { units: 'km2' }, volume: { units: 'km3' } } : {}) },
    source: { path: file, bytes: info.size, mediaType: 'text/plain' }
  };
}
