import { HarvestError } from '../../harvest/fetch.js';
import { harvestHubeau, hubeauKey, type HubeauEndpoint } from '../../harvest/hubeau.js';
import type { ProcessDefinition } from '../process.js';

/** A source's state as the gateway keeps it (`GET /harvest/sources`). */
interface SourceState {
  key: string;
  high_water: string | null;
}

/** The source keys a harvest's inputs look at (the gateway records a failed harvest against them). */
export function harvestKeys(inputs: Record<string, unknown>): { source: string; keys: string[] } {
  const endpoint = (inputs['endpoint'] ?? 'obs_elab') as HubeauEndpoint;
  const variable = String(inputs['variable'] ?? 'QmnJ');
  const stations = Array.isArray(inputs['stations']) ? (inputs['stations'] as unknown[]).map(String) : [];
  return { source: String(inputs['source'] ?? 'hubeau'), keys: stations.map((station) => hubeauKey({ endpoint, station, variable })) };
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
    "Brings in what a data provider published since the last harvest: Hub'Eau hydrometry (gauges' daily values or real-time observations), page after page, with retries; the granules are ingested and the source's high-water marks moved once they are in the catalog.",
  version: '1.0.0',
  keywords: ['catalog', 'harvest', 'ingest'],
  inputs: {
    source: { title: 'The provider', schema: { type: 'string', enum: ['hubeau'] }, minOccurs: 1 },
    stations: {
      title: "Hub'Eau station codes",
      schema: { type: 'array', items: { type: 'string', pattern: '^[A-Z0-9]{8,12}$' }, minItems: 1, maxItems: 500 },
      minOccurs: 1
    },
    endpoint: {
      title: "Hub'Eau series: daily values (obs_elab) or real-time observations (observations_tr)",
      schema: { type: 'string', enum: ['obs_elab', 'observations_tr'], default: 'obs_elab' },
      minOccurs: 0
    },
    variable: { title: 'QmnJ/HmnJ (daily), Q/H (real time)', schema: { type: 'string', pattern: '^[A-Za-z]{1,8}$', default: 'QmnJ' }, minOccurs: 0 },
    pageSize: { title: 'Records per page asked', schema: { type: 'integer', minimum: 1, maximum: 20000, default: 1000 }, minOccurs: 0 }
  },
  outputs: { harvested: { title: 'What came, by source key', schema: { type: 'array' } } },
  jobControlOptions: ['async-execute', 'sync-execute', 'dismiss'],
  execute: 'producer',
  async run(ctx) {
    const endpoint = (ctx.inputs['endpoint'] ?? 'obs_elab') as HubeauEndpoint;
    const variable = String(ctx.inputs['variable'] ?? 'QmnJ');
    const stations = ctx.inputs['stations'] as string[];
    // The marks the gateway keeps for this source.
    const res = await fetch(`${ctx.gatewayUrl}/harvest/sources?source=hubeau`, { headers: ctx.token ? { Authorization: `token ${ctx.token}` } : {} });
    if (!res.ok) throw new Error(`the gateway's harvest state could not be read (${res.status})`);
    const marks = new Map(((await res.json()) as { sources: SourceState[] }).sources.map((s) => [s.key, s.high_water]));
    const harvested: { key: string; file: string; records: number; pages: number; highWater: string }[] = [];
    for (const [i, station] of stations.entries()) {
      if (ctx.signal.aborted) throw new Error('cancelled');
      const request = { baseUrl: ctx.settings.hubeauUrl, station, endpoint, variable, pageSize: Number(ctx.inputs['pageSize'] ?? 1000) };
      const since = marks.get(hubeauKey(request)) ?? null;
      const got = await harvestHubeau({ ...request, since }, ctx.workDir, {
        signal: ctx.signal,
        onWait: (reason, ms) => ctx.log(`${reason}: trying again in ${(ms / 1000).toFixed(1)} s`)
      }).catch((error: unknown) => {
        // A request the provider will always refuse is the caller's to fix; a provider away fails the job to be run again.
        if (error instanceof HarvestError && !error.transient) Object.assign(error, { name: 'InputError' });
        throw error;
      });
      if (got) harvested.push({ ...got, file: got.file.slice(ctx.workDir.length + 1) });
      ctx.progress(
        Math.round(((i + 1) / stations.length) * 100),
        `${station}: ${got ? `${got.records} records since ${since ?? 'the start'}` : 'nothing new'}`
      );
    }
    return {
      outputs: { harvested: { value: harvested.map(({ key, records, pages, highWater }) => ({ key, records, pages, highWater })) } },
      register: { harvest: { ...harvestKeys(ctx.inputs), granules: harvested } }
    };
  }
};
