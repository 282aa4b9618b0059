import path from 'node:path';
import { HarvestError, download, fetchJson, safeUrl, type Expected, type RetryOptions } from './fetch.js';

/**
 * A provider's STAC API (hydroweb.next's catalogue, NASA's CMR-STAC): the items of a collection inside a bounding box
 * and time window, page after page by `next` links (checked against `numberMatched`); those changed since the
 * harvest's high-water mark (their `updated` time, else the end of what they cover) have their data asset downloaded
 * (Range resume, `file:size` and the `file:checksum` multihash checked when the item gives them), oldest change first.
 */

export interface StacRequest {
  /** The STAC API root (its `/search` is asked). */
  stacUrl: string;
  collection: string;
  bbox?: [number, number, number, number];
  /** An RFC 3339 interval (`start/end`, either end `..`). */
  datetime?: string;
  /** The latest item change harvested before: only items changed later are downloaded. */
  since: string | null;
  pageSize: number;
  /** Credentials, in headers only (never in a URL). */
  headers: Record<string, string>;
  /** The source key the items' marks belong to. */
  key: string;
  /** The file name an item's asset is saved under (throws a HarvestError when the asset is not one to ingest). */
  fileName: (href: string) => string;
  /** The data asset to download among an item's (default: the first with role data, else the first). */
  asset?: (assets: StacAsset[]) => StacAsset | undefined;
}

export interface StacAsset {
  href?: string;
  roles?: string[];
  type?: string;
  'file:size'?: number;
  'file:checksum'?: string;
}

interface StacItem {
  id?: string;
  properties?: { updated?: string; end_datetime?: string | null; datetime?: string | null };
  assets?: Record<string, StacAsset>;
}

export interface StacDownload {
  key: string;
  file: string;
  records: number;
  /** The item's change time (the next mark, once in the catalog). */
  highWater: string;
  bytes: number;
}

/** A STAC `file:checksum` (a multihash in hex) as a digest to check: SHA-256 (`1220…`) and SHA-512 (`1340…`). */
export function checksumOf(multihash: string | undefined): Expected['checksum'] {
  if (!multihash) return undefined;
  const m = /^(12|13)([0-9a-f]{2})([0-9a-f]+)$/i.exec(multihash);
  if (!m || parseInt(m[2]!, 16) * 2 !== m[3]!.length) return undefined;
  return { algorithm: m[1] === '12' ? 'SHA-256' : 'SHA-512', value: m[3]! };
}

/** The items of the request changed since its mark, their data downloaded into `outDir`, oldest change first. */
export async function harvestStac(r: StacRequest, outDir: string, o: RetryOptions & { onFile?: (d: StacDownload) => void } = {}): Promise<StacDownload[]> {
  if (!/^[\w.-]{1,120}$/.test(r.collection)) throw new HarvestError(`"${r.collection}" is not a collection id`, null, false);
  const headers: Record<string, string> = { Accept: 'application/geo+json', ...r.headers };
  const query = new URLSearchParams({ collections: r.collection, limit: String(r.pageSize) });
  if (r.bbox) query.set('bbox', r.bbox.join(','));
  if (r.datetime) query.set('datetime', r.datetime);
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
      if (!item.id || !when) throw new HarvestError(`${item.id ?? 'an item'}: no updated, end_datetime or datetime`, null, false);
      if (r.since === null || when > r.since) changed.push({ item, when });
    }
    const next = page.links?.find((l) => l.rel === 'next')?.href;
    url = next && page.features.length > 0 ? new URL(next, url).href : null;
  }
  if (matched !== null && listed < matched)
    throw new HarvestError(`the paging ended after ${listed} of the ${matched} items announced (the harvest will resume from the same mark)`, null, true);
  changed.sort((a, b) => (a.when < b.when ? -1 : a.when > b.when ? 1 : 0));
  const pick = r.asset ?? ((assets: StacAsset[]) => assets.find((a) => a.roles?.includes('data') && a.href) ?? assets.find((a) => a.href));
  const out: StacDownload[] = [];
  for (const { item, when } of changed) {
    const data = pick(Object.values(item.assets ?? {}));
    if (!data?.href) throw new HarvestError(`${item.id}: no data asset`, null, false);
    const href = new URL(data.href, r.stacUrl).href;
    const file = path.join(outDir, r.fileName(href));
    const bytes = await download(href, file, { size: data['file:size'], checksum: checksumOf(data['file:checksum']) }, { ...o, headers: r.headers });
    const d = { key: r.key, file, records: 1, highWater: when, bytes };
    out.push(d);
    o.onFile?.(d);
  }
  return out;
}
