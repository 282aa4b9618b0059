import path from 'node:path';
import { existsSync } from 'node:fs';
import { Router, type Request, type Response } from 'express';
import type { HarmonizedRow, HarmonizedSource, Item } from '@hysope/api';
import { principalOf } from '../auth/middleware.js';
import type { Principal } from '../auth/principal.js';
import type { CatalogService } from '../catalog/service.js';
import { ValidationError } from '../errors.js';
import { asyncHandler } from '../http/errors.js';
import type { TimeseriesService } from './timeseries.js';

// The answer's shape is the contract's (`@hysope/api`), which the lab's plots read with the same schema.
export type { HarmonizedRow, HarmonizedSource };

const EARTH_KM = 6371.0088;

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

/**
 * Harmonized series at a location: the nearest SWOT reach's WSE (de-duplicated CRIDs, good and suspect
 * quality), the nearest Hydroweb virtual station's level and the nearest in-situ gauge, on one time axis.
 * Each source says its distance and vertical reference; values keep their own datum (no conversion is
 * invented between geoid heights and gauge zeros).
 */
export class HarmonizedService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly series: TimeseriesService,
    private readonly dataDir: string
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
    const duck = await this.series.duck();

    // SWOT: the nearest reach by its prior location (p_lon, p_lat) in the time-series store.
    const reachDir = path.join(this.dataDir, 'timeseries', 'feature=Reach');
    if ((await this.catalog.visible(p)).includes('swot-riversp-reach') && existsSync(reachDir)) {
      const files = `'${path.join(reachDir, '*', '*.parquet').replace(/'/g, "''")}'`;
      const near = (
        await duck.runAndReadAll(
          `select reach_id, min(2 * ${EARTH_KM} * asin(sqrt(pow(sin(radians(p_lat - $2) / 2), 2) + cos(radians($2)) * cos(radians(p_lat)) * pow(sin(radians(p_lon - $1) / 2), 2)))) as km
           from read_parquet(${files}, union_by_name = true) group by reach_id order by km limit 1`,
          [lon, lat] as never
        )
      ).getRowObjectsJS()[0];
      if (near && Number(near['km']) <= radiusKm) {
        const id = String(near['reach_id']);
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
          distance_km: Number(Number(near['km']).toFixed(3)),
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
      const file = path.join(this.dataDir, 'products', 'hydroweb-stations', `${item.id}.parquet`);
      const data = (
        await duck.runAndReadAll(
          `select strftime(date, '%Y-%m-%dT%H:%M:%SZ') t, level_mean v from '${file.replace(/'/g, "''")}' where level_mean is not null order by date`
        )
      ).getRowObjectsJS();
      for (const d of data)
        if (inWindow(String(d['t'])))
          rows.push({ time: String(d['t']), source: 'hydroweb', id: item.id, variable: 'water_level', value: Number(d['v']), units: 'm' });
      sources.push({
        source: 'hydroweb',
        id: item.id,
        name: String(item.properties['hydroweb:station'] ?? item.id),
        distance_km: Number(km.toFixed(3)),
        variable: 'water_level',
        units: 'm',
        vertical_reference: String(item.properties['hydroweb:vertical_datum'] ?? 'EGM2008 geoid'),
        count: rows.filter((r) => r.source === 'hydroweb').length
      });
    }

    // In-situ: the nearest gauge observation set (Hub'Eau or SWOT community CSV).
    const gauges = await this.nearestItems(p, 'insitu-gauges', lon, lat, radiusKm, () => true);
    for (const candidate of gauges) {
      const { item } = candidate;
      let km = candidate.km;
      const file = path.join(this.dataDir, 'products', 'insitu-gauges', `${item.id}.parquet`).replace(/'/g, "''");
      const cols = new Set((await duck.runAndReadAll(`select name from parquet_schema('${file}')`)).getRowObjectsJS().map((r) => String(r['name'])));
      const variable = String(item.properties['insitu:variable'] ?? '');
      let sql: string | null = null;
      let spec: { variable: string; units: string; ref: string } | null = null;
      if (cols.has('resultat_obs') && cols.has('date_obs')) {
        sql = `select strftime(date_obs, '%Y-%m-%dT%H:%M:%SZ') t, resultat_obs / 1000.0 v from '${file}' where resultat_obs is not null`;
        spec =
          variable === 'H'
            ? { variable: 'water_level', units: 'm', ref: "gauge zero of the Hub'Eau station (m above the gauge datum)" }
            : { variable: 'discharge', units: 'm3/s', ref: 'none (discharge)' };
      } else if (cols.has('resultat_obs_elab') && cols.has('date_obs_elab')) {
        sql = `select strftime(date_obs_elab, '%Y-%m-%dT%H:%M:%SZ') t, resultat_obs_elab / 1000.0 v from '${file}' where resultat_obs_elab is not null`;
        spec = { variable: 'discharge', units: 'm3/s', ref: 'none (discharge, daily mean)' };
      } else if (cols.has('q') && cols.has('time') && cols.has('x')) {
        // Several stations in one file: the rows at the point nearest to the location, if within the radius.
        const nearest = (
          await duck.runAndReadAll(`select x, y from '${file}' where x is not null order by pow(x - ${lon}, 2) + pow(y - ${lat}, 2) limit 1`)
        ).getRowObjectsJS()[0];
        if (!nearest) continue;
        km = haversineKm(lon, lat, Number(nearest['x']), Number(nearest['y']));
        if (km > radiusKm) continue;
        sql = `with near as (select x, y from '${file}' order by pow(x - ${lon}, 2) + pow(y - ${lat}, 2) limit 1)
               select strftime(time, '%Y-%m-%dT%H:%M:%SZ') t, q v from '${file}' f join near using (x, y) where q is not null`;
        spec = { variable: 'discharge', units: 'm3/s', ref: 'none (discharge)' };
      }
      if (!sql || !spec) continue;
      const data = (await duck.runAndReadAll(`${sql} order by t`)).getRowObjectsJS();
      for (const d of data)
        if (inWindow(String(d['t'])))
          rows.push({ time: String(d['t']), source: 'insitu', id: item.id, variable: spec.variable, value: Number(d['v']), units: spec.units });
      sources.push({
        source: 'insitu',
        id: item.id,
        name: String(item.properties['insitu:provider'] ?? item.id),
        distance_km: Number(km.toFixed(3)),
        variable: spec.variable,
        units: spec.units,
        vertical_reference: spec.ref,
        count: rows.filter((r) => r.source === 'insitu').length
      });
      break;
    }
    rows.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.source.localeCompare(b.source)));
    return { sources, rows };
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
