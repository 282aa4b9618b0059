import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Collection, Item, SearchBody } from '@hysope/api';
import { anonymous } from '../auth/principal.js';
import type { CatalogService } from '../catalog/service.js';
import type { CatalogStore } from '../catalog/store.js';
import { ValidationError } from '../errors.js';
import { checkKey, type StoredObject } from '../store/object-store.js';
import type { TimeseriesService } from './timeseries.js';
import { FEATURES, type FeatureType } from './timeseries-store.js';

/** What a static site holds: some collections, within an area and a time range. */
export interface StaticExportRequest {
  collections: string[];
  bbox?: [number, number, number, number];
  /** A STAC datetime (instant or interval, `..` open). */
  datetime?: string;
  /** Copy the original granules too (NetCDF, zipped shapefiles): large; off by default. */
  withSources?: boolean;
  title?: string;
}

/** What was written. */
export interface StaticExportReport {
  collections: { id: string; items: number }[];
  files: number;
  bytes: number;
  timeseries: { feature: FeatureType; file: string; bytes: number }[];
}

/** The base the catalog service writes its links with; replaced by relative links in the static files. */
const BASE = 'http://hysope.invalid';
const JSON_TYPE = 'application/json';
const GEOJSON = 'application/geo+json';
const PARQUET = 'application/vnd.apache.parquet';

/** A name safe in a folder (item and collection ids are, in HYSOPE; anything else is refused rather than escaped). */
function safeName(id: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id) || id.includes('..')) throw new ValidationError(`"${id}" cannot name a file of a static catalog`);
  return id;
}

/**
 * Writes a self-contained static STAC 1.0 catalog of public data, for a workshop site served by any web server:
 *
 *     OUT/catalog.json
 *     OUT/<collection>/collection.json                 (its extent: the exported items')
 *     OUT/<collection>/<item>/<item>.json              (links relative, no self links)
 *     OUT/<collection>/<item>/<asset files>            (GeoParquet products; original granules with `withSources`)
 *     OUT/<collection>/timeseries.parquet              (reaches, nodes, lakes: the observations of the features in
 *                                                       the area, a collection asset with role `timeseries`)
 *
 * Only what an anonymous caller may read is exported (a static site has no access levels); a restricted or unknown
 * collection asked for is an error, before anything is written.
 */
export async function exportStatic(
  services: { catalog: CatalogService; store: CatalogStore; series: TimeseriesService; dataDir: string },
  request: StaticExportRequest,
  out: string,
  progress: (line: string) => void = () => {}
): Promise<StaticExportReport> {
  const visible = new Set(await services.catalog.visible(anonymous('export-static')));
  const known = new Map((await services.store.collections()).map((c) => [c.id, c]));
  if (request.collections.length === 0) throw new ValidationError('name at least one collection (--collections a,b)');
  for (const id of request.collections) {
    if (!known.has(id)) throw new ValidationError(`collection "${id}" does not exist`);
    if (!visible.has(id)) throw new ValidationError(`collection "${id}" is not public: a static site has no access levels, so it is not exported`);
    safeName(id);
  }
  await mkdir(out, { recursive: true });
  const report: StaticExportReport = { collections: [], files: 0, bytes: 0, timeseries: [] };
  const objects = services.store.objects;
  const write = async (file: string, value: unknown) => {
    await mkdir(path.dirname(file), { recursive: true });
    const text = `${JSON.stringify(value, null, 2)}\n`;
    await writeFile(file, text);
    report.files++;
    report.bytes += Buffer.byteLength(text);
  };
  const children: { id: string; title?: string }[] = [];
  for (const id of request.collections) {
    const items = await searchAll(services.catalog, { collections: [id], bbox: request.bbox, datetime: request.datetime });
    const exported = new Set(items.map((i) => i.id));
    const dir = path.join(out, id);
    const itemLinks: { rel: string; href: string; type: string; title?: string }[] = [];
    for (const [k, item] of items.entries()) {
      const name = safeName(item.id);
      const assets: Item['assets'] = {};
      for (const [key, asset] of Object.entries(item.assets)) {
        const rel = asset.href.startsWith(`${BASE}/assets/`) ? decodeURIComponent(asset.href.slice(`${BASE}/assets/`.length)) : null;
        const isSource = (asset.roles ?? []).includes('source') || key === 'source';
        if (!rel || (isSource && !request.withSources)) continue;
        let stored: StoredObject | null;
        try {
          stored = await objects.head(checkKey(rel));
        } catch {
          continue; // not a key of the store (a path climbing out of it)
        }
        if (!stored) continue;
        const file = path.basename(rel);
        await mkdir(path.join(dir, name), { recursive: true });
        await objects.download(rel, path.join(dir, name, file));
        report.files++;
        report.bytes += stored.size;
        assets[key] = { ...asset, href: `./${file}` };
      }
      const links = [
        { rel: 'root', href: '../../catalog.json', type: JSON_TYPE },
        { rel: 'parent', href: '../collection.json', type: JSON_TYPE },
        { rel: 'collection', href: '../collection.json', type: JSON_TYPE },
        // A newer version is linked when it is exported too.
        ...item.links
          .filter((l) => l.rel === 'latest-version')
          .map((l) => decodeURIComponent(l.href.split('/').pop() ?? ''))
          .filter((other) => exported.has(other))
          .map((other) => ({ rel: 'latest-version', href: `../${other}/${other}.json`, type: GEOJSON }))
      ];
      await write(path.join(dir, name, `${name}.json`), { ...item, links, assets });
      itemLinks.push({ rel: 'item', href: `./${name}/${name}.json`, type: GEOJSON });
      if ((k + 1) % 50 === 0) progress(`${id}: ${k + 1}/${items.length} items`);
    }
    const collection = known.get(id)!;
    const collectionAssets: Record<string, unknown> = {};
    const feature = (Object.entries(FEATURES) as [FeatureType, (typeof FEATURES)[FeatureType]][]).find(([, f]) => f.collection === id)?.[0];
    if (feature && items.length) {
      const file = path.join(dir, 'timeseries.parquet');
      const fields = [...(await services.series.fields(feature)).keys()];
      const wrote = await services.series.exportParquet({ feature, fields, bbox: request.bbox, times: 'text', withGeometry: false }, file);
      if (wrote) {
        const bytes = (await stat(file)).size;
        report.timeseries.push({ feature, file: path.relative(out, file), bytes });
        report.files++;
        report.bytes += bytes;
        collectionAssets['timeseries'] = {
          href: './timeseries.parquet',
          type: PARQUET,
          title: `${feature} observations of the features in the area (the time-series store's columns)`,
          roles: ['data', 'timeseries'],
          // Which features' series it holds (the viewer of a workshop site plots a clicked feature from it).
          'hysope:feature': feature
        };
      }
    }
    await write(path.join(dir, 'collection.json'), {
      ...staticCollection(collection, items),
      links: [{ rel: 'root', href: '../catalog.json', type: JSON_TYPE }, { rel: 'parent', href: '../catalog.json', type: JSON_TYPE }, ...itemLinks],
      ...(Object.keys(collectionAssets).length ? { assets: collectionAssets } : {})
    });
    children.push({ id, title: collection.title });
    report.collections.push({ id, items: items.length });
    progress(`${id}: ${items.length} items`);
  }
  await write(path.join(out, 'catalog.json'), {
    type: 'Catalog',
    stac_version: '1.0.0',
    id: 'hysope-static',
    title: request.title ?? 'HYSOPE workshop data',
    description: `Public HYSOPE data${request.bbox ? ` within ${request.bbox.join(', ')}` : ''}${request.datetime ? `, ${request.datetime}` : ''}: ${request.collections.join(', ')}. A static STAC catalog exported by hysope export-static.`,
    links: [
      { rel: 'root', href: './catalog.json', type: JSON_TYPE },
      ...children.map((c) => ({ rel: 'child', href: `./${c.id}/collection.json`, type: JSON_TYPE, ...(c.title ? { title: c.title } : {}) }))
    ]
  });
  return report;
}

/** Every item of a search, page after page (as an anonymous caller). */
async function searchAll(catalog: CatalogService, body: SearchBody): Promise<Item[]> {
  const out: Item[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await catalog.search({ ...body, limit: 1000, ...(token ? { token } : {}) }, BASE, { method: 'POST' }, anonymous('export-static'));
    out.push(...page.features);
    const next = page.links?.find((l) => l.rel === 'next') as { body?: { token?: string } } | undefined;
    token = next?.body?.token;
    if (!token || page.features.length === 0) return out;
  }
}

/** A collection as the static catalog describes it: its extent that of the items exported, no API links. */
function staticCollection(c: Collection, items: Item[]): Omit<Collection, 'links'> {
  const boxes = items.map((i) => i.bbox).filter((b): b is NonNullable<Item['bbox']> => Array.isArray(b) && b.length >= 4);
  const spatial = boxes.length
    ? [
        [
          Math.min(...boxes.map((b) => b[0]!)),
          Math.min(...boxes.map((b) => b[1]!)),
          Math.max(...boxes.map((b) => (b.length === 6 ? b[3]! : b[2]!))),
          Math.max(...boxes.map((b) => (b.length === 6 ? b[4]! : b[3]!)))
        ]
      ]
    : c.extent.spatial.bbox;
  const times = items
    .flatMap((i) => [i.properties['start_datetime'] ?? i.properties['datetime'], i.properties['end_datetime'] ?? i.properties['datetime']])
    .filter((t): t is string => typeof t === 'string')
    .sort();
  const { links: _links, ...rest } = c;
  return {
    ...rest,
    extent: { spatial: { bbox: spatial }, temporal: { interval: times.length ? [[times[0]!, times[times.length - 1]!]] : c.extent.temporal.interval } }
  };
}
