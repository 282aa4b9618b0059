import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HarvestError, fetchJson, safeUrl, type RetryOptions } from './fetch.js';

/**
 * Hub'Eau hydrometry (Eaufrance's API v2): a gauge's daily values (`obs_elab`) or real-time observations
 * (`observations_tr`), from the harvest's high-water mark on, page after page by the `next` links the API gives.
 */

export type HubeauEndpoint = 'obs_elab' | 'observations_tr';

export interface HubeauRequest {
  /** The API's root (`https://hubeau.eaufrance.fr/api`). */
  baseUrl: string;
  station: string;
  endpoint: HubeauEndpoint;
  /** `QmnJ`/`HmnJ`... for `obs_elab`, `Q`/`H` for `observations_tr`. */
  variable: string;
  /** The last observation harvested before (its date or time): only later ones are asked for. */
  since: string | null;
  pageSize: number;
}

/** What one station's harvest brought: a Hub'Eau answer with every record since the mark (HYSOPE's reader reads it). */
export interface HubeauHarvest {
  /** The source's state key (`obs_elab/K447001001/QmnJ`). */
  key: string;
  file: string;
  records: number;
  pages: number;
  /** The latest observation's date or time (the next mark). */
  highWater: string;
}

const DATE = { obs_elab: 'date_obs_elab', observations_tr: 'date_obs' } as const;
const FROM = { obs_elab: 'date_debut_obs_elab', observations_tr: 'date_debut_obs' } as const;
const VARIABLE = { obs_elab: 'grandeur_hydro_elab', observations_tr: 'grandeur_hydro' } as const;

export const hubeauKey = (r: Pick<HubeauRequest, 'endpoint' | 'station' | 'variable'>) => `${r.endpoint}/${r.station}/${r.variable}`;

/** The first date or time after a mark (Hub'Eau's start dates include their day or second). */
export function after(mark: string, endpoint: HubeauEndpoint): string {
  const t = Date.parse(endpoint === 'obs_elab' ? `${mark.slice(0, 10)}T00:00:00Z` : mark);
  if (!Number.isFinite(t)) throw new HarvestError(`the high-water mark "${mark}" is not a date`, null, false);
  return endpoint === 'obs_elab' ? new Date(t + 86_400_000).toISOString().slice(0, 10) : new Date(t + 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Harvests one station's series since its mark into `outDir` (one file, named by the station and the mark, so a
 * harvest run again from the same mark — after a kill — writes the same granule and the catalog keeps one item).
 * Null when nothing is new. A paging that ends before the count the API announced fails (nothing is kept of it).
 */
export async function harvestHubeau(r: HubeauRequest, outDir: string, o: RetryOptions = {}): Promise<HubeauHarvest | null> {
  if (!/^[A-Z0-9]{8,12}$/.test(r.station)) throw new HarvestError(`"${r.station}" is not a Hub'Eau station code`, null, false);
  if (!/^[A-Za-z]{1,8}$/.test(r.variable)) throw new HarvestError(`"${r.variable}" is not a Hub'Eau variable`, null, false);
  const query = new URLSearchParams({ code_entite: r.station, [VARIABLE[r.endpoint]]: r.variable, size: String(r.pageSize) });
  if (r.since) query.set(FROM[r.endpoint], after(r.since, r.endpoint));
  const first = `${r.baseUrl.replace(/\/+$/, '')}/v2/hydrometrie/${r.endpoint}?${query}`;
  const data: Record<string, unknown>[] = [];
  let announced: number | null = null;
  let apiVersion: unknown = null;
  let pages = 0;
  for (let url: string | null = first; url;) {
    const page = (await fetchJson(url, o)) as { count?: unknown; next?: unknown; data?: unknown; api_version?: unknown };
    if (!page || !Array.isArray(page.data) || typeof page.count !== 'number')
      throw new HarvestError(`${safeUrl(url)} is not a Hub'Eau answer (no count and data)`, null, true);
    pages++;
    announced ??= page.count;
    apiVersion = page.api_version ?? apiVersion;
    data.push(...(page.data as Record<string, unknown>[]));
    if (page.next !== null && page.next !== undefined && typeof page.next !== 'string')
      throw new HarvestError(`${safeUrl(url)}: its next link is not a URL`, null, true);
    url = (page.next as string | null | undefined) ?? null;
    // Links stay on the provider's host (a page cannot send the harvest, and its headers, elsewhere).
    if (url && new URL(url).host !== new URL(first).host) throw new HarvestError(`${safeUrl(first)}: a next link leads to another host`, null, false);
  }
  if (data.length < (announced ?? 0))
    throw new HarvestError(`${safeUrl(first)}: the paging ended after ${data.length} of the ${announced} records announced`, null, true);
  const dates = data.map((d) => d[DATE[r.endpoint]]).filter((d): d is string => typeof d === 'string');
  if (dates.length === 0) return null;
  const highWater = dates.reduce((a, b) => (b > a ? b : a));
  const name = `hubeau_${r.endpoint}_${r.station}_${r.variable}_${r.since ? `after_${r.since.replace(/[^0-9A-Za-z]/g, '')}` : 'all'}.json`;
  const file = path.join(outDir, name);
  // The answer as Hub'Eau gives it (one page holding every record), which is what the in-situ reader reads.
  await writeFile(file, JSON.stringify({ count: data.length, first, prev: null, next: null, api_version: apiVersion, data }));
  return { key: hubeauKey(r), file, records: data.length, pages, highWater };
}
