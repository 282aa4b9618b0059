import path from 'node:path';
import { cmrKey, harvestCmr } from '../../harvest/cmr.js';
import { HarvestError, safeUrl, type RetryOptions } from '../../harvest/fetch.js';
import { harvestHubeau, hubeauKey, type HubeauEndpoint } from '../../harvest/hubeau.js';
import { harvestHydroweb, hydrowebKey } from '../../harvest/hydroweb.js';
import { harvestStac } from '../../harvest/stac.js';
import type { ProcessContext, ProcessDefinition } from '../process.js';

/** A source's state as the gateway keeps it (`GET /harvest/sources`). */
interface SourceState {
  key: string;
  high_water: string | null;
}

/** The source keys a harvest's inputs look at (the gateway records a failed harvest against them). */
export function harvestKeys(inputs: Record<string, unknown>): { source: string; keys: string[] } {
  const source = String(inputs['source'] ?? 'hubeau');
  if (source === 'podaac') return { source, keys: typeof inputs['shortName'] === 'string' ? [cmrKey(cmrRequestOf(inputs))] : [] };
  if (source === 'hydroweb') return { source, keys: [hydrowebKey(hydrowebRequestOf(inputs))] };
  if (source === 'cmr-stac') return { source, keys: typeof inputs['shortName'] === 'string' ? [cmrStacKey(inputs)] : [] };
  const endpoint = (inputs['endpoint'] ?? 'obs_elab') as HubeauEndpoint;
  const variable = String(inputs['variable'] ?? 'QmnJ');
  const stations = Array.isArray(inputs['stations']) ? (inputs['stations'] as unknown[]).map(String) : [];
  return { source, keys: stations.map((station) => hubeauKey({ endpoint, station, variable })) };
}

/** A harvested granule, its file relative to the job's folder. */
interface Harvested {
  key: string;
  file: string;
  records: number;
  pages?: number;
  highWater: string;
}

/** The marks the gateway keeps for a source. */
async function marksOf(ctx: ProcessContext, source: string): Promise<Map<string, string | null>> {
  const res = await fetch(`${ctx.gatewayUrl}/harvest/sources?source=${source}`, { headers: ctx.token ? { Authorization: `token ${ctx.token}` } : {} });
  if (!res.ok) throw new Error(`the gateway's harvest state could not be read (${res.status})`);
  return new Map(((await res.json()) as { sources: SourceState[] }).sources.map((s) => [s.key, s.high_water]));
}

/** A request the provider will always refuse is the caller's to fix; a provider away fails the job, to be run again. */
function asInput(error: unknown): never {
  if (error instanceof HarvestError && !error.transient) Object.assign(error, { name: 'InputError' });
  throw error;
}

async function hubeau(ctx: ProcessContext, retry: RetryOptions): Promise<Harvested[]> {
  const endpoint = (ctx.inputs['endpoint'] ?? 'obs_elab') as HubeauEndpoint;
  const variable = String(ctx.inputs['variable'] ?? 'QmnJ');
  const stations = ctx.inputs['stations'] as string[];
  const marks = await marksOf(ctx, 'hubeau');
  const harvested: Harvested[] = [];
  for (const [i, station] of stations.entries()) {
    if (ctx.signal.aborted) throw new Error('cancelled');
    const request = { baseUrl: ctx.settings.hubeauUrl, station, endpoint, variable, pageSize: Number(ctx.inputs['pageSize'] ?? 1000) };
    const since = marks.get(hubeauKey(request)) ?? null;
    const got = await harvestHubeau({ ...request, since }, ctx.workDir, retry).catch(asInput);
    if (got) harvested.push(got);
    ctx.progress(Math.round(((i + 1) / stations.length) * 100), `${station}: ${got ? `${got.records} records since ${since ?? 'the start'}` : 'nothing new'}`);
  }
  return harvested;
}

/** The collection and area of a Hydroweb harvest (rivers of the operational catalogue by default). */
function hydrowebRequestOf(inputs: Record<string, unknown>): { collection: string; bbox?: [number, number, number, number] } {
  return { collection: String(inputs['collection'] ?? 'HYDROWEB_RIVERS_OPE'), bbox: inputs['bbox'] as [number, number, number, number] | undefined };
}

async function hydroweb(ctx: ProcessContext, retry: RetryOptions): Promise<Harvested[]> {
  const request = hydrowebRequestOf(ctx.inputs);
  const since = (await marksOf(ctx, 'hydroweb')).get(hydrowebKey(request)) ?? null;
  let n = 0;
  const got = await harvestHydroweb(
    { ...request, stacUrl: ctx.settings.hydrowebUrl, since, pageSize: Number(ctx.inputs['pageSize'] ?? 100), apiKey: ctx.secrets['hydroweb'] },
    ctx.workDir,
    { ...retry, onSeries: (s) => ctx.progress(50, `${++n} station series downloaded (${s.file.slice(ctx.workDir.length + 1)})`) }
  ).catch(asInput);
  ctx.log(`${got.length} station${got.length === 1 ? '' : 's'} changed since ${since ?? 'the start'}`);
  return got.map(({ key, file, records, highWater }) => ({ key, file, records, highWater }));
}

/** What selects a PO.DAAC harvest's granules. */
function cmrRequestOf(inputs: Record<string, unknown>) {
  const numbers = (v: unknown) => (Array.isArray(v) && v.length ? v.map(Number) : undefined);
  return {
    shortName: String(inputs['shortName']),
    bbox: inputs['bbox'] as [number, number, number, number] | undefined,
    temporal: inputs['temporal'] as string | undefined,
    cycles: numbers(inputs['cycles']),
    passes: numbers(inputs['passes'])
  };
}

/** A CMR-STAC harvest's source key: the collection and the filters that select its items. */
function cmrStacKey(inputs: Record<string, unknown>): string {
  const { shortName, bbox, temporal } = cmrRequestOf(inputs);
  return cmrKey({ shortName, bbox, temporal }, 'stac');
}

/**
 * PO.DAAC's granules through NASA's CMR-STAC (`HYSOPE_CMR_STAC_URL`, the provider's STAC API): its items carry no
 * revision date, so the mark is the latest acquisition harvested and the search asks for later ones only (a granule
 * reprocessed for an earlier time is found by `source: podaac`, which follows CMR's revision dates).
 */
async function cmrStac(ctx: ProcessContext, retry: RetryOptions): Promise<Harvested[]> {
  const r = cmrRequestOf(ctx.inputs);
  const key = cmrStacKey(ctx.inputs);
  const since = (await marksOf(ctx, 'cmr-stac')).get(key) ?? null;
  // The time window (`start,end`, either end empty) as STAC's interval, starting no earlier than the mark.
  const [start = '', end = ''] = (r.temporal ?? ',').split(',').map((s) => s.trim());
  const from = since && (!start || since > start) ? since : start;
  const datetime = from || end ? `${from || '..'}/${end || '..'}` : undefined;
  let n = 0;
  const got = await harvestStac(
    {
      stacUrl: ctx.settings.cmrStacUrl,
      collection: r.shortName,
      bbox: r.bbox,
      datetime,
      since,
      pageSize: Number(ctx.inputs['pageSize'] ?? 100),
      headers: ctx.secrets['earthdata'] ? { Authorization: `Bearer ${ctx.secrets['earthdata']}` } : {},
      key,
      fileName: (href) => {
        const name = path.basename(new URL(href).pathname);
        if (!/^[\w.-]+$/.test(name)) throw new HarvestError(`${safeUrl(href)}: not a file name`, null, false);
        return name;
      }
    },
    ctx.workDir,
    { ...retry, onFile: (g) => ctx.progress(50, `${++n} granules downloaded (${(g.bytes / 1e6).toFixed(1)} MB: ${g.file.slice(ctx.workDir.length + 1)})`) }
  ).catch(asInput);
  return got.map(({ key: k, file, records, highWater }) => ({ key: k, file, records, highWater }));
}

async function podaac(ctx: ProcessContext, retry: RetryOptions): Promise<Harvested[]> {
  const request = cmrRequestOf(ctx.inputs);
  const since = (await marksOf(ctx, 'podaac')).get(cmrKey(request)) ?? null;
  let n = 0;
  const got = await harvestCmr(
    {
      ...request,
      searchUrl: ctx.settings.cmrUrl,
      since,
      pageSize: Number(ctx.inputs['pageSize'] ?? 100),
      token: ctx.secrets['earthdata']
    },
    ctx.workDir,
    { ...retry, onGranule: (g) => ctx.progress(50, `${++n} granules downloaded (${(g.bytes / 1e6).toFixed(1)} MB: ${g.file.slice(ctx.workDir.length + 1)})`) }
  ).catch(asInput);
  return got.map(({ key, file, records, highWater }) => ({ key, file, records, highWater }));
}

/**
 * Harvests a provider from where the last harvest stopped (its high-water marks, kept by the gateway): the worker
 * fetches, the gateway ingests what came and only then moves the marks, so a harvest killed or failed mid-way is
 * run again from the same marks (same granules: the catalog keeps one item each).
 */
export const harvest: ProcessDefinition = {
  id: 'harvest',
  title: 'Harvest a provider',
  description:
    "Brings in what a data provider published since the last harvest — Hub'Eau hydrometry (gauges' daily values or real-time observations), PO.DAAC's SWOT granules found in NASA CMR (downloaded with the Earthdata token, resumed, size and checksum checked), hydroweb.next's virtual stations whose series changed (its STAC catalogue, with the API key) — with retries; the granules are ingested and the source's high-water marks moved once they are in the catalog.",
  version: '1.2.0',
  keywords: ['catalog', 'harvest', 'ingest'],
  inputs: {
    source: { title: 'The provider', schema: { type: 'string', enum: ['hubeau', 'podaac', 'cmr-stac', 'hydroweb'] }, minOccurs: 1 },
    stations: {
      title: "Hub'Eau station codes (hubeau)",
      schema: { type: 'array', items: { type: 'string', pattern: '^[A-Z0-9]{8,12}$' }, minItems: 1, maxItems: 500 },
      minOccurs: 0
    },
    endpoint: {
      title: "Hub'Eau series: daily values (obs_elab) or real-time observations (observations_tr)",
      schema: { type: 'string', enum: ['obs_elab', 'observations_tr'], default: 'obs_elab' },
      minOccurs: 0
    },
    variable: { title: 'QmnJ/HmnJ (daily), Q/H (real time)', schema: { type: 'string', pattern: '^[A-Za-z]{1,8}$', default: 'QmnJ' }, minOccurs: 0 },
    shortName: {
      title: 'CMR collection short name (podaac), e.g. SWOT_L2_HR_RiverSP_2.0',
      schema: { type: 'string', pattern: '^[\\w.-]{1,120}$' },
      minOccurs: 0
    },
    collection: {
      title: 'hydroweb.next collection (hydroweb)',
      schema: {
        type: 'string',
        enum: ['HYDROWEB_RIVERS_OPE', 'HYDROWEB_LAKES_OPE', 'HYDROWEB_RIVERS_RESEARCH', 'HYDROWEB_LAKES_RESEARCH'],
        default: 'HYDROWEB_RIVERS_OPE'
      },
      minOccurs: 0
    },
    bbox: { title: 'Bounding box W,S,E,N (podaac, hydroweb)', schema: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 }, minOccurs: 0 },
    temporal: { title: 'Time window start,end in RFC 3339, either end empty (podaac)', schema: { type: 'string', maxLength: 100 }, minOccurs: 0 },
    cycles: {
      title: 'SWOT cycles (podaac)',
      schema: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 9999 }, minItems: 1, maxItems: 100 },
      minOccurs: 0
    },
    passes: {
      title: 'SWOT passes within those cycles (podaac)',
      schema: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 584 }, minItems: 1, maxItems: 100 },
      minOccurs: 0
    },
    pageSize: { title: 'Records per page asked', schema: { type: 'integer', minimum: 1, maximum: 20000 }, minOccurs: 0 }
  },
  outputs: { harvested: { title: 'What came, by source key', schema: { type: 'array' } } },
  jobControlOptions: ['async-execute', 'sync-execute', 'dismiss'],
  execute: 'producer',
  secrets: ['earthdata', 'hydroweb'],
  checkInputs(inputs) {
    if (inputs['source'] === 'podaac') {
      if (typeof inputs['shortName'] !== 'string') return 'a PO.DAAC harvest needs shortName (a CMR collection)';
      return Array.isArray(inputs['passes']) && !Array.isArray(inputs['cycles']) ? 'CMR selects passes within cycles: give cycles with passes' : null;
    }
    if (inputs['source'] === 'hydroweb') return null;
    if (inputs['source'] === 'cmr-stac') return typeof inputs['shortName'] === 'string' ? null : 'a CMR-STAC harvest needs shortName (the collection id)';
    return Array.isArray(inputs['stations']) ? null : "a Hub'Eau harvest needs stations";
  },
  async run(ctx) {
    const retry: RetryOptions = { signal: ctx.signal, onWait: (reason, ms) => ctx.log(`${reason}: trying again in ${(ms / 1000).toFixed(1)} s`) };
    const source = String(ctx.inputs['source']);
    const run = source === 'podaac' ? podaac : source === 'cmr-stac' ? cmrStac : source === 'hydroweb' ? hydroweb : hubeau;
    const harvested = (await run(ctx, retry)).map((h) => ({
      ...h,
      file: h.file.slice(ctx.workDir.length + 1)
    }));
    return {
      outputs: { harvested: { value: harvested.map(({ key, records, pages, highWater }) => ({ key, records, ...(pages ? { pages } : {}), highWater })) } },
      register: { harvest: { ...harvestKeys(ctx.inputs), granules: harvested } }
    };
  }
};
