import path from 'node:path';
import { HarvestError, download, fetchJsonWithHeaders, safeUrl, type RetryOptions } from './fetch.js';

/**
 * PO.DAAC's SWOT granules found through NASA's Common Metadata Repository (CMR search API, UMM-G JSON): by collection
 * short name, bounding box, time window, cycles and passes, those CMR revised since the harvest's high-water mark (`updated_since`),
 * in revision order, page after page by the `CMR-Search-After` header; each granule's data file downloaded over
 * HTTPS with the Earthdata bearer token, resumed when cut, its size and checksum checked against what CMR says.
 */

export interface CmrRequest {
  /** CMR's search root (`https://cmr.earthdata.nasa.gov/search`). */
  searchUrl: string;
  shortName: string;
  bbox?: [number, number, number, number];
  /** A time window `start,end` (RFC 3339, either end empty). */
  temporal?: string;
  /** SWOT cycles (CMR's `cycle[]`) and, within them, passes (`passes[n][pass]`: CMR takes passes only with a cycle). */
  cycles?: number[];
  passes?: number[];
  /** The latest revision date harvested before: only granules revised later are asked for. */
  since: string | null;
  pageSize: number;
  /** Earthdata Login bearer token (never written anywhere). */
  token?: string;
}

export interface CmrGranule {
  key: string;
  file: string;
  records: number;
  /** The granule's revision date in CMR (the next mark, once it is in the catalog). */
  highWater: string;
  bytes: number;
}

interface UmmItem {
  meta?: { 'concept-id'?: string; 'revision-date'?: string };
  umm?: {
    GranuleUR?: string;
    RelatedUrls?: { URL?: string; Type?: string }[];
    DataGranule?: { ArchiveAndDistributionInformation?: { Name?: string; SizeInBytes?: number; Checksum?: { Value?: string; Algorithm?: string } }[] };
  };
}

/**
 * A harvest's source key: the collection and the filters that select its granules (a harvest of one area or pass
 * keeps a mark of its own, so another one of the same collection does not skip what it never asked for).
 */
export const cmrKey = (r: Pick<CmrRequest, 'shortName' | 'bbox' | 'temporal' | 'cycles' | 'passes'>, kind = 'granules') =>
  [
    `${kind}/${r.shortName}`,
    r.bbox ? `bbox=${r.bbox.join(',')}` : '',
    r.temporal ? `temporal=${r.temporal}` : '',
    r.cycles?.length ? `cycles=${r.cycles.join(',')}` : '',
    r.passes?.length ? `passes=${r.passes.join(',')}` : ''
  ]
    .filter(Boolean)
    .join('/');

/** The granules CMR lists for the request, oldest revision first, and their downloads into `outDir`. */
export async function harvestCmr(r: CmrRequest, outDir: string, o: RetryOptions & { onGranule?: (g: CmrGranule) => void } = {}): Promise<CmrGranule[]> {
  if (!/^[\w.-]{1,120}$/.test(r.shortName)) throw new HarvestError(`"${r.shortName}" is not a collection short name`, null, false);
  const query = new URLSearchParams({ short_name: r.shortName, page_size: String(r.pageSize), sort_key: 'revision_date' });
  if (r.since) query.set('updated_since', r.since);
  if (r.bbox) query.set('bounding_box', r.bbox.join(','));
  if (r.temporal) query.set('temporal', r.temporal);
  if (r.passes?.length && !r.cycles?.length) throw new HarvestError('CMR selects passes within cycles: give the cycles too', null, false);
  for (const c of r.cycles ?? []) query.append('cycle[]', String(c));
  for (const [i, p] of (r.passes ?? []).entries()) query.append(`passes[${i}][pass]`, String(p));
  const url = `${r.searchUrl.replace(/\/+$/, '')}/granules.umm_json?${query}`;
  const auth: Record<string, string> = r.token ? { Authorization: `Bearer ${r.token}` } : {};
  const granules: CmrGranule[] = [];
  let after: string | null = null;
  let hits: number | null = null;
  let listed = 0;
  do {
    const { body, headers } = await fetchJsonWithHeaders(url, { ...o, headers: { ...auth, ...(after ? { 'CMR-Search-After': after } : {}) } });
    const page = body as { hits?: number; items?: UmmItem[] };
    if (!page || !Array.isArray(page.items)) throw new HarvestError(`${safeUrl(url)} is not a CMR UMM-G answer (no items)`, null, true);
    hits ??= page.hits ?? Number(headers.get('cmr-hits') ?? 0);
    listed += page.items.length;
    for (const item of page.items) {
      const umm = item.umm ?? {};
      const revised = item.meta?.['revision-date'];
      const data = (umm.RelatedUrls ?? []).find((u) => u.Type === 'GET DATA' && typeof u.URL === 'string' && /^https?:\/\//.test(u.URL));
      if (!revised || !data?.URL)
        throw new HarvestError(`${umm.GranuleUR ?? item.meta?.['concept-id'] ?? 'a granule'}: no revision date or no HTTPS data link in CMR`, null, false);
      const name = path.basename(new URL(data.URL).pathname);
      if (!/^[\w.-]+$/.test(name)) throw new HarvestError(`${safeUrl(data.URL)}: not a file name`, null, false);
      const info = (umm.DataGranule?.ArchiveAndDistributionInformation ?? []).find((a) => a.Name === name);
      const file = path.join(outDir, name);
      const bytes = await download(
        data.URL,
        file,
        {
          size: info?.SizeInBytes,
          checksum: info?.Checksum?.Value && info.Checksum.Algorithm ? { value: info.Checksum.Value, algorithm: info.Checksum.Algorithm } : undefined
        },
        { ...o, headers: auth }
      );
      const g = { key: cmrKey(r), file, records: 1, highWater: revised, bytes };
      granules.push(g);
      o.onGranule?.(g);
    }
    after = headers.get('cmr-search-after');
  } while (after && listed < (hits ?? 0));
  if (listed < (hits ?? 0)) throw new HarvestError(`${safeUrl(url)}: the paging ended after ${listed} of the ${hits} granules announced`, null, true);
  return granules;
}
