import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveBytes } from './replay-files.js';
import { sample } from './helpers.js';

/**
 * hydroweb.next replayed on this machine (no internet here): its STAC API (`/api/v1/rs-catalog/stac`, the API key in
 * `X-API-Key`, one item per virtual station, paged by `next` links with `numberMatched`) and its product files
 * (`hydroprd_<station>.txt`: `#KEY:: value` header ended by `###`, one line per pass — date, time, height, its spread,
 * …, longitude, latitude, …, mission, …, track, cycle — as hydroweb.next's public readers parse them). Stations and
 * levels are real: the Hydroweb catalogue (`samples/altimetry/hydroweb/vstations.json`: names, places, rivers) and
 * the mean levels of the two Peruvian series bundled (their min/max spread gives each pass's deviation); a third
 * station, far away, carries a copy of one of them to test the bbox. Failure modes: a 429 with Retry-After, a 503,
 * a wrong key, paging that ends early, a transfer cut mid-way.
 */
const CATALOGUE = JSON.parse(readFileSync(sample('altimetry/hydroweb/vstations.json'), 'utf8')) as {
  features: { properties: { name: string; lon: number; lat: number; river: string; basin: string } }[];
};
const series = (name: string, kind: string) =>
  JSON.parse(readFileSync(sample(`altimetry/hydroweb/${name}_${kind}.json`), 'utf8')) as { x: Record<string, string>; y: Record<string, number> };

export const PERU = ['R_PERU-2-BASIN_PERU-2-BASIN-TRIB-05_KM0203', 'R_PERU-6-BASIN_PERU-6-BASIN_KM0049'];

interface Station {
  name: string;
  lon: number;
  lat: number;
  river: string;
  basin: string;
  passes: { date: string; level: number; spread: number }[];
}

function station(name: string, levelsOf = name): Station {
  const p = CATALOGUE.features.find((f) => f.properties.name === name)!.properties;
  const [mean, min, max] = ['mean', 'min', 'max'].map((k) => series(levelsOf, k));
  const passes = Object.entries(mean!.x).map(([k, date]) => ({
    date,
    level: mean!.y[k]!,
    spread: Math.max(0, (max!.y[k] ?? mean!.y[k]!) - (min!.y[k] ?? mean!.y[k]!)) / 4
  }));
  return { name, lon: p.lon, lat: p.lat, river: p.river, basin: p.basin, passes };
}

export class HydrowebReplay {
  apiKey = 'good-key';
  /** Passes published up to this day (a later day publishes more: their stations' items change). */
  upTo = '2020-06-30';
  stations: Station[] = [...PERU.map((n) => station(n)), station('R_AMAZONAS_ABACAXIS_KM1148', PERU[1])];
  seen: { url: URL; range: string | null }[] = [];
  fail: { tooMany?: boolean; unavailable?: boolean; endEarly?: boolean; cut?: boolean } = {};
  url = '';
  private server!: Server;

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => this.answer(req, res));
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1/rs-catalog/stac`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  /** A station's product file as published today. */
  product(s: Station): string {
    const passes = s.passes.filter((p) => p.date <= this.upTo);
    const f = (v: number) => v.toFixed(3);
    return [
      `#BASIN:: ${s.basin}`,
      `#RIVER:: ${s.river}`,
      `#ID:: ${s.name}`,
      '#MISSION(S)-TRACK(S):: SENTINEL3A-0000',
      `#REFERENCE LONGITUDE:: ${s.lon}`,
      `#REFERENCE LATITUDE:: ${s.lat}`,
      `#FIRST DATE IN DATASET:: ${passes[0]?.date ?? ''}`,
      `#LAST DATE IN DATASET:: ${passes.at(-1)?.date ?? ''}`,
      '#PRODUCT VERSION:: 2.0',
      '#COL 1 : date ## COL 2 : time ## COL 3 : height above the geoid (m) ## COL 4 : standard deviation (m) ## ...',
      '#'.repeat(80),
      ...passes.map((p) =>
        [p.date, '12:00', f(p.level), f(p.spread), '9999.999', s.lon, s.lat, '9999.999', '9999.999', '9999.999', 'S3A', '-', '0000', '0', 'OCOG'].join(' ')
      )
    ].join('\n');
  }

  /** When a station's item last changed: the day after its last pass published. */
  updated(s: Station): string | null {
    const last = s.passes.filter((p) => p.date <= this.upTo).at(-1);
    return last ? new Date(Date.parse(`${last.date}T00:00:00Z`) + 86_400_000 + 6 * 3_600_000).toISOString() : null;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const u = new URL(req.url!, this.url);
    const range = (req.headers['range'] as string | undefined) ?? null;
    this.seen.push({ url: u, range });
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/geo+json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers['x-api-key'] !== this.apiKey) return json(401, { code: 401, message: 'Invalid or missing API key' });
    if (this.fail.tooMany) {
      this.fail.tooMany = false;
      return json(429, { message: 'Too many requests' }, { 'Retry-After': '1' });
    }
    if (this.fail.unavailable) {
      this.fail.unavailable = false;
      return json(503, { message: 'Service unavailable' });
    }
    if (u.pathname.endsWith('/search')) {
      const collection = u.searchParams.get('collections') ?? '';
      const [w, s, e, n] = (u.searchParams.get('bbox') ?? '-180,-90,180,90').split(',').map(Number) as [number, number, number, number];
      const limit = Number(u.searchParams.get('limit') ?? 10);
      const offset = Number(u.searchParams.get('offset') ?? 0);
      const all = this.stations.filter(
        (x) =>
          collection === (x.name.startsWith('L_') ? 'HYDROWEB_LAKES_OPE' : 'HYDROWEB_RIVERS_OPE') &&
          x.lon >= w &&
          x.lon <= e &&
          x.lat >= s &&
          x.lat <= n &&
          this.updated(x)
      );
      const page = all.slice(offset, offset + limit);
      const features = page.map((x) => {
        const text = Buffer.from(this.product(x), 'latin1');
        const passes = x.passes.filter((p) => p.date <= this.upTo);
        return {
          type: 'Feature',
          stac_version: '1.0.0',
          id: x.name,
          collection,
          geometry: { type: 'Point', coordinates: [x.lon, x.lat] },
          bbox: [x.lon, x.lat, x.lon, x.lat],
          properties: {
            datetime: null,
            start_datetime: `${passes[0]!.date}T00:00:00Z`,
            end_datetime: `${passes.at(-1)!.date}T23:59:59Z`,
            updated: this.updated(x)
          },
          assets: {
            data: {
              href: `${this.url}/download/${x.name}/hydroprd_${x.name}.txt`,
              type: 'text/plain',
              roles: ['data'],
              'file:size': text.length,
              'file:checksum': `1220${createHash('sha256').update(text).digest('hex')}`
            }
          },
          links: []
        };
      });
      // Paging that ends early: the first page says more exist but gives no next link.
      const more = offset + limit < all.length && !this.fail.endEarly;
      const next = new URL(u);
      next.searchParams.set('offset', String(offset + limit));
      return json(200, {
        type: 'FeatureCollection',
        features,
        numberMatched: all.length,
        numberReturned: features.length,
        links: more ? [{ rel: 'next', href: next.href, type: 'application/geo+json' }] : []
      });
    }
    const m = /\/download\/([^/]+)\/hydroprd_[^/]+\.txt$/.exec(u.pathname);
    const x = m ? this.stations.find((st) => st.name === m[1]) : undefined;
    if (!x) return json(404, { message: 'not found' });
    const cut = !!this.fail.cut;
    this.fail.cut = false;
    serveBytes(res, Buffer.from(this.product(x), 'latin1'), range, 'text/plain', cut);
  }
}
