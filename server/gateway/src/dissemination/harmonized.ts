import { Router, type Request, type Response } from 'express';
import type { HarmonizedRow, HarmonizedSource, Item } from '@hysope/api';
import { principalOf } from '../auth/middleware.js';
import type { Principal } from '../auth/principal.js';
import type { CatalogService } from '../catalog/service.js';
import { ValidationError } from '../errors.js';
import { asyncHandler } from '../http/errors.js';
import { EARTH_KM, type TimeseriesService } from './timeseries.js';
import type { ObjectStore } from '../store/object-store.js';

// The answer's shape is the contract's (`@hysope/api`), which the lab's plots read with the same schema.
export type { HarmonizedRow, HarmonizedSource };

/** Great-circle distance in km. */
export function haversineKm(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const r = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * r) / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(((lon2 - lon1) * r) / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

function pointOf(item: Item): [number, number] | null {
  const g = item.geometry;
  if (g?.type === 'Point') return [g.coordinates[0]!, g.coordinates[1]!];
  return null;
}

/** The series of one station or gauge item. */
export interface ItemSeries {
  variable: string;
  units: string;
  reference: string;
  /** For a file of several gauges: the distance of the one read. */
  km?: number;
  /** For a file of several features: the one read (a model's river reach). */
  feature?: string;
  points: { time: string; value: number }[];
}

/**
 * Harmonized series at a location: the nearest SWOT reach's WSE (de-duplicated CRIDs, good and suspect
 * quality), the nearest Hydroweb virtual station's level and the nearest in-situ gauge, on one time axis.
 * Each source says its distance and vertical reference; values keep their own datum (no conversion is
 * invented between geoid heights and gauge zeros).
 */
/** Model outputs one harmonized answer shows at most. */
const MAX_MODELS = 5;

export class HarmonizedService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly series: TimeseriesService,
    private readonly objects: ObjectStore
  ) {}

  private async nearestItems(
    p: Principal,
    collection: string,
    lon: number,
    lat: number,
    radiusKm: number,
    accept: (i: Item) => boolean
  ): Promise<{ item: Item; km: number }[]> {
    if (!(await this.catalog.visible(p)).includes(collection)) return [];
    const dLat = radiusKm / 111;
    const dLon = Math.min(180, radiusKm / (111 * Math.max(0.05, Math.cos((lat * Math.PI) / 180))));
    const bbox = [Math.max(-180, lon - dLon), Math.max(-90, lat - dLat), Math.min(180, lon + dLon), Math.min(90, lat + dLat)];
    const page = await this.catalog.search({ collections: [collection], bbox, limit: 1000 }, '', { method: 'POST' }, p);
    return page.features
      .filter(accept)
      .map((item) => ({ item, km: item.geometry?.type === 'Point' ? haversineKm(lon, lat, ...pointOf(item)!) : 0 }))
      .filter((c) => c.km <= radiusKm)
      .sort((a, b) => a.km - b.km);
  }

  /** Builds the harmonized series. */
  async at(
    p: Principal,
    lon: number,
    lat: number,
    radiusKm: number,
    start?: string,
    end?: string
  ): Promise<{ sources: HarmonizedSource[]; rows: HarmonizedRow[] }> {
    const sources: HarmonizedSource[] = [];
    const rows: HarmonizedRow[] = [];
    const inWindow = (t: string) => (!start || t >= start) && (!end || t <= end);

    // SWOT: the nearest reach by its prior location (p_lon, p_lat) in the time-series store.
    if ((await this.catalog.visible(p)).includes('swot-riversp-reach')) {
      const near = await this.series.nearest('Reach', lon, lat, radiusKm);
      if (near) {
        const id = near.id;
        const obs = await this.series.query({
          feature: 'Reach',
          ids: [id],
          fields: ['time', 'wse', 'reach_q'],
          dedupe: true,
          quality: 'all',
          times: 'text',
          withGeometry: false
        });
        const kept = obs.filter(
          (o) => o.values['wse'] !== null && o.values['time'] !== null && (o.values['reach_q'] === null || Number(o.values['reach_q']) <= 1)
        );
        for (const o of kept) {
          const t = String(o.values['time']).replace(/\.\d+Z$/, 'Z');
          if (inWindow(t)) rows.push({ time: t, source: 'swot', id, variable: 'wse', value: Number(o.values['wse']), units: 'm' });
        }
        sources.push({
          source: 'swot',
          id,
          name: `SWOT reach ${id}`,
          distance_km: Number(near.km.toFixed(3)),
          variable: 'wse',
          units: 'm',
          vertical_reference: 'EGM2008 geoid (SWOT RiverSP wse)',
          count: rows.filter((r) => r.source === 'swot').length
        });
      }
    }

    // Hydroweb: the nearest virtual station with a level series.
    const stations = await this.nearestItems(p, 'hydroweb-stations', lon, lat, radiusKm, (i) => i.properties['hydroweb:kind'] === 'water-level-series');
    if (stations[0]) {
      const { item, km } = stations[0];
      const s = await this.itemSeries(item, lon, lat);
      if (s) this.add(sources, rows, 'hydroweb', item, km, s, inWindow);
    }

    // In-situ: the nearest gauge observation set (Hub'Eau or SWOT community CSV).
    const gauges = await this.nearestItems(p, 'insitu-gauges', lon, lat, radiusKm, () => true);
    for (const { item, km } of gauges) {
      const s = await this.itemSeries(item, lon, lat);
      if (!s || (s.km ?? km) > radiusKm) continue;
      this.add(sources, rows, 'insitu', item, s.km ?? km, s, inWindow);
      break;
    }
    // Models: each model output near the place (a station, a gauge, a reach, a grid's cell, a lake), nearest first,
    // beside the observations; several models (or a model's grid and its gauges) are compared there.
    const simulated = await this.nearestItems(p, 'model-series', lon, lat, radiusKm, () => true);
    let models = 0;
    for (const { item, km } of simulated) {
      const s = await this.itemSeries(item, lon, lat);
      if (!s || (s.km ?? km) > radiusKm) continue;
      this.add(sources, rows, 'model', item, s.km ?? km, s, inWindow);
      if (++models === MAX_MODELS) break;
    }
    rows.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.source.localeCompare(b.source)));
    return { sources, rows };
  }

  private add(
    sources: HarmonizedSource[],
    rows: HarmonizedRow[],
    source: 'hydroweb' | 'insitu' | 'model',
    item: Item,
    km: number,
    s: ItemSeries,
    inWindow: (t: string) => boolean
  ): void {
    let count = 0;
    for (const { time, value } of s.points)
      if (inWindow(time)) {
        rows.push({ time, source, id: item.id, variable: s.variable, value, units: s.units });
        count++;
      }
    sources.push({
      source,
      id: item.id,
      name:
        source === 'model'
          ? `${String(item.properties['model:name'])} (${String(item.properties['model:run'])} run) at ${s.feature ?? String(item.properties['model:station'])}`
          : String((source === 'hydroweb' ? item.properties['hydroweb:station'] : item.properties['insitu:provider']) ?? item.id),
      distance_km: Number(km.toFixed(3)),
      variable: s.variable,
      units: s.units,
      vertical_reference: s.reference,
      count
    });
  }

  /**
   * The observations of one Hydroweb virtual station or in-situ gauge item, in time order (for a file of several
   * gauges, those of the gauge nearest to lon/lat, with its distance), or null when the item carries no series
   * HYSOPE reads.
   */
  async itemSeries(item: Item, lon: number, lat: number): Promise<ItemSeries | null> {
    const duck = await this.series.duck();
    const key = `products/${item.collection ?? ''}/${item.id}.parquet`;
    if (!item.collection || !(await this.objects.head(key))) return null;
    const file = (await this.objects.localFile(key)).replace(/'/g, "''");
    const read = async (sql: string) =>
      (await duck.runAndReadAll(`${sql} order by t`)).getRowObjectsJS().map((d) => ({ time: String(d['t']), value: Number(d['v']) }));
    if (item.collection === 'hydroweb-stations') {
      if (item.properties['hydroweb:kind'] !== 'water-level-series') return null;
      return {
        variable: 'water_level',
        units: 'm',
        reference: String(item.properties['hydroweb:vertical_datum'] ?? 'EGM2008 geoid'),
        points: await read(`select strftime(date, '%Y-%m-%dT%H:%M:%SZ') t, level_mean v from '${file}' where level_mean is not null`)
      };
    }
    if (item.collection === 'model-series') {
      const cols = new Set((await duck.runAndReadAll(`select name from parquet_schema('${file}')`)).getRowObjectsJS().map((r) => String(r['name'])));
      if (cols.has('lake_level')) {
        return {
          variable: 'water_level',
          units: 'm',
          reference: String(item.properties['model:vertical_reference'] ?? 'model frame'),
          points: await read(`select strftime(time, '%Y-%m-%dT%H:%M:%SZ') t, lake_level v from '${file}' where lake_level is not null`)
        };
      }
      if (cols.has('cell')) {
        // A model's grid: the series of the cell whose centre is nearest to the location.
        const nearest = (
          await duck.runAndReadAll(`select cell, lon, lat from '${file}' order by pow(lon - ${lon}, 2) + pow(lat - ${lat}, 2) limit 1`)
        ).getRowObjectsJS()[0];
        if (!nearest) return null;
        const cell = String(nearest['cell']).replace(/'/g, "''");
        return {
          variable: String(item.properties['model:variable'] ?? 'value'),
          units: String(item.properties['model:units'] ?? ''),
          reference: `none (simulated ${String(item.properties['model:variable'] ?? 'value')}, ${String(item.properties['model:name'])} grid)`,
          km: haversineKm(lon, lat, Number(nearest['lon']), Number(nearest['lat'])),
          feature: `cell ${cell}`,
          points: await read(`select strftime(time, '%Y-%m-%dT%H:%M:%SZ') t, value v from '${file}' where cell = '${cell}' and value is not null`)
        };
      }
      // A model's discharge at several places — wflow's gauges, a river network's reaches (RAPID) — each at its x, y:
      // the series of the one nearest to the location.
      const network = cols.has('gauge')
        ? { id: 'gauge', label: (r: Record<string, unknown>) => `gauge ${String(r['id'])} (${String(r['station'])})`, extra: ', station' }
        : cols.has('rivid')
          ? { id: 'rivid', label: (r: Record<string, unknown>) => `reach ${String(r['id'])}`, extra: '' }
          : null;
      if (network) {
        const nearest = (
          await duck.runAndReadAll(
            `select ${network.id} as id${network.extra}, x, y from '${file}' where x is not null order by pow(x - ${lon}, 2) + pow(y - ${lat}, 2) limit 1`
          )
        ).getRowObjectsJS()[0];
        if (!nearest) return null;
        const id = String(nearest['id']).replace(/'/g, "''");
        return {
          variable: 'discharge',
          units: 'm3/s',
          reference: `none (simulated discharge, ${String(item.properties['model:name'])})`,
          km: haversineKm(lon, lat, Number(nearest['x']), Number(nearest['y'])),
          feature: network.label(nearest),
          points: await read(
            `select strftime(time, '%Y-%m-%dT%H:%M:%SZ') t, discharge v from '${file}' where ${network.id} = '${id}' and discharge is not null`
          )
        };
      }
      return {
        variable: String(item.properties['model:variable'] ?? 'discharge'),
        units: String(item.properties['model:units'] ?? 'm3/s'),
        reference: `none (simulated ${String(item.properties['model:variable'] ?? 'discharge')}, ${String(item.properties['model:name'])})`,
        points: await read(`select strftime(time, '%Y-%m-%dT%H:%M:%SZ') t, discharge v from '${file}' where discharge is not null`)
      };
    }
    if (item.collection !== 'insitu-gauges') return null;
    const cols = new Set((await duck.runAndReadAll(`select name from parquet_schema('${file}')`)).getRowObjectsJS().map((r) => String(r['name'])));
    const variable = String(item.properties['insitu:variable'] ?? '');
    if (cols.has('resultat_obs') && cols.has('date_obs')) {
      const spec =
        variable === 'H'
          ? { variable: 'water_level', units: 'm', reference: "gauge zero of the Hub'Eau station (m above the gauge datum)" }
          : { variable: 'discharge', units: 'm3/s', reference: 'none (discharge)' };
      return {
        ...spec,
        points: await read(`select strftime(date_obs, '%Y-%m-%dT%H:%M:%SZ') t, resultat_obs / 1000.0 v from '${file}' where resultat_obs is not null`)
      };
    }
    if (cols.has('resultat_obs_elab') && cols.has('date_obs_elab')) {
      return {
        variable: 'discharge',
        units: 'm3/s',
        reference: 'none (discharge, daily mean)',
        points: await read(
          `select strftime(date_obs_elab, '%Y-%m-%dT%H:%M:%SZ') t, resultat_obs_elab / 1000.0 v from '${file}' where resultat_obs_elab is not null`
        )
      };
    }
    if (cols.has('q') && cols.has('time') && cols.has('x')) {
      // Several gauges in one file: the rows of the one nearest to the location.
      const nearest = (
        await duck.runAndReadAll(`select x, y from '${file}' where x is not null order by pow(x - ${lon}, 2) + pow(y - ${lat}, 2) limit 1`)
      ).getRowObjectsJS()[0];
      if (!nearest) return null;
      const [x, y] = [Number(nearest['x']), Number(nearest['y'])];
      return {
        variable: 'discharge',
        units: 'm3/s',
        reference: 'none (discharge)',
        km: haversineKm(lon, lat, x, y),
        points: await read(`select strftime(time, '%Y-%m-%dT%H:%M:%SZ') t, q v from '${file}' where x = ${x} and y = ${y} and q is not null`)
      };
    }
    return null;
  }
}

/** `GET /timeseries/harmonized?lon=&lat=&radius_km=&datetime=&format=json|csv` */
export function harmonizedRoutes(service: HarmonizedService): Router {
  const r = Router();
  r.get(
    '/harmonized',
    asyncHandler(async (req: Request, res: Response) => {
      const num = (k: string, min: number, max: number, fallback?: number) => {
        const raw = req.query[k];
        if (raw === undefined && fallback !== undefined) return fallback;
        const v = Number(raw);
        if (raw === undefined || raw === '' || !Number.isFinite(v) || v < min || v > max)
          throw new ValidationError(`${k} must be a number between ${min} and ${max}, got "${raw ?? ''}"`);
        return v;
      };
      const lon = num('lon', -180, 180);
      const lat = num('lat', -90, 90);
      const radius = num('radius_km', 0.001, 5000, 50);
      const format = String(req.query['format'] ?? 'json');
      if (format !== 'json' && format !== 'csv') throw new ValidationError(`format must be json or csv, got "${format}"`);
      let start: string | undefined, end: string | undefined;
      if (typeof req.query['datetime'] === 'string') {
        const [a, b] = req.query['datetime'].split('/');
        const iso = (s: string | undefined) => (s && s !== '..' ? new Date(s).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined);
        try {
          start = iso(a);
          end = b === undefined ? start : iso(b);
        } catch {
          throw new ValidationError(`datetime "${req.query['datetime']}" is not an RFC 3339 instant or interval`);
        }
        if (start && end && start > end) throw new ValidationError('datetime interval start is after its end');
      }
      const result = await service.at(principalOf(res), lon, lat, radius, start, end);
      if (format === 'csv') {
        const ref = new Map(result.sources.map((s) => [s.id, s.vertical_reference]));
        res
          .type('text/csv')
          .send(
            [
              'time,source,id,variable,value,units,vertical_reference',
              ...result.rows.map((r) => [r.time, r.source, r.id, r.variable, r.value, r.units, `"${ref.get(r.id)}"`].join(','))
            ].join('\n') + '\n'
          );
        return;
      }
      res.json({ location: { lon, lat, radius_km: radius }, ...result });
    })
  );
  return r;
}
