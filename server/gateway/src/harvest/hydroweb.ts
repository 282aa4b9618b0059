import path from 'node:path';
import { HarvestError, download, fetchJson, safeUrl, type Expected, type RetryOptions } from './fetch.js';

/**
 * hydroweb.next's virtual stations (CNES/Theia): its STAC API (`…/api/v1/rs-catalog/stac`, an API key in the
 * `X-API-Key` header) lists one item per station of a collection (`HYDROWEB_RIVERS_OPE`, `HYDROWEB_LAKES_OPE`, their
 * `_RESEARCH` twins), inside a bounding box, page after page by `next` links; each item's data asset is the station's
 * whole series (`hydroprd_<station>.txt`). A station whose item changed since the harvest's high-water mark (its
 * `updated` time, else the end of its series) is downloaded again, size and checksum checked when the item gives them.
 */

export interface HydrowebRequest {
  /** The STAC API root. */
  stacUrl: string;
  collection: string;
  bbox?: [number, number, number, number];
  /** The latest item change harvested before: only stations changed later are downloaded. */
  since: string | null;
  pageSize: number;
  /** The hydroweb.next API key (never written anywhere). */
  apiKey?: string;
}

export interface HydrowebSeries {
  key: string;
  file: string;
  records: number;
  /** The item's change time (the next mark, once in the catalog). */
  highWater: string;
  bytes: number;
}

interface StacItem {
  id?: string;
  properties?: { updated?: string; end_datetime?: string; datetime?: string | null };
  assets?: Record<string, { href?: string; roles?: string[]; 'file:size'?: number; 'file:checksum'?: string }>;
}

export const hydrowebKey = (r: Pick<HydrowebRequest, 'collection' | 'bbox'>) => `stations/${r.collection}${r.bbox ? `/${r.bbox.join(',')}` : ''}`;

/** A STAC `file:checksum` (a multihash in hex) as a digest to check: SHA-256 (`1220…`) and SHA-512 (`1340…`). */
export function checksumOf(multihash: string | undefined): Expected['checksum'] {
  if (!multihash) return undefined;
  const m = /^(12|13)([0-9a-f]{2})([0-9a-f]+)$/i.exec(multihash);
  if (!m || parseInt(m[2]!, 16) * 2 !== m[3]!.length) return undefined;
  return { algorithm: m[1] === '12' ? 'SHA-256' : 'SHA-512', value: m[3]! };
}

/** The stations of the request changed since its mark, their series downloaded into `outDir`, oldest change first. */
export async function harvestHydroweb(
  r: HydrowebRequest,
  outDir: string,
  o: RetryOptions & { onSeries?: (s: HydrowebSeries) => void } = {}
): Promise<HydrowebSeries[]> {
  if (!/^[\w.-]{1,80}$/.test(r.collection)) throw new HarvestError(`"${r.collection}" is not a collection id`, null, false);
  const headers: Record<string, string> = { Accept: 'application/geo+json', ...(r.apiKey ? { 'X-API-Key': r.apiKey } : {}) };
  const query = new URLSearchParams({ collections: r.collection, limit: String(r.pageSize) });
  if (r.bbox) query.set('bbox', r.bbox.join(','));
  let url: string | null = `${r.stacUrl.replace(/\/+$/, '')}/search?${query}`;
  const changed: { item: StacItem; when: string }[] = [];
  let listed = 0;
  let matched: number | null = null;
  const seen = new Set<string>();
  while (url) {
    if (seen.has(url)) throw new HarvestError(`${safeUrl(url)}: the paging loops back to a page already read`, null, true);
    seen.add(url);
    const page = (await fetchJson(url, { ...o, headers })) as { features?: StacItem[]; numberMatched?: number; links?: { rel?: string; href?: string }[] };
    if (!page || !Array.isArray(page.features)) throw new HarvestError(`${safeUrl(url)} is not a STAC ItemCollection (no features)`, null, true);
    matched ??= typeof page.numberMatched === 'number' ? page.numberMatched : null;
    listed += page.features.length;
    for (const item of page.features) {
      const when = item.properties?.updated ?? item.properties?.end_datetime ?? item.properties?.datetime;
      if (!item.id || !when) throw new HarvestError(`${item.id ?? 'an item'}: no updated or end_datetime time`, null, false);
      if (r.since === null || when > r.since) changed.push({ item, when });
    }
    const next = page.links?.find((l) => l.rel === 'next')?.href;
    url = next && page.features.length > 0 ? new URL(next, url).href : null;
  }
  if (matched !== null && listed < matched)
    throw new HarvestError(`the paging ended after ${listed} of the ${matched} stations announced (the harvest will resume from the same mark)`, null, true);
  changed.sort((a, b) => (a.when < b.when ? -1 : a.when > b.when ? 1 : 0));
  const out: HydrowebSeries[] = [];
  for (const { item, when } of changed) {
    const assets = Object.values(item.assets ?? {});
    const data = assets.find((a) => a.roles?.includes('data') && a.href) ?? assets.find((a) => a.href);
    if (!data?.href) throw new HarvestError(`${item.id}: no data asset`, null, false);
    const href = new URL(data.href, r.stacUrl).href;
    let name = path.basename(new URL(href).pathname);
    if (!/^[\w.-]+\.txt$/.test(name)) throw new HarvestError(`${safeUrl(href)}: not a hydroweb.next product file (.txt)`, null, false);
    if (!name.startsWith('hydroprd_')) name = `hydroprd_${name}`;
    const file = path.join(outDir, name);
    const bytes = await download(href, file, { size: data['file:size'], checksum: checksumOf(data['file:checksum']) }, { ...o, headers });
    const s = { key: hydrowebKey(r), file, records: 1, highWater: when, bytes };
    out.push(s);
    o.onSeries?.(s);
  }
  return out;
}
