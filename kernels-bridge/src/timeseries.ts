import { tableFromIPC, type Table } from 'apache-arrow';
import { HysopeApiError, OgcException } from '@hysope/api';

/** Parameters of the gateway's `/timeseries`. */
export interface TimeseriesQuery {
  feature?: 'Reach' | 'Node' | 'PriorLake';
  ids?: string[];
  basin?: string;
  bbox?: [number, number, number, number];
  datetime?: string;
  fields?: string[];
  quality?: 'good' | 'suspect' | 'all';
  dedupe?: boolean;
}

/**
 * Observations from the gateway's time-series API as an Apache Arrow table (typed columns, nulls for
 * fill values), read from its Arrow IPC stream.
 * @throws HysopeApiError with the gateway's explanation on bad parameters
 */
export async function timeseries(baseUrl: string, q: TimeseriesQuery, token?: string): Promise<Table> {
  const p = new URLSearchParams({ feature: q.feature ?? 'Reach', format: 'arrow' });
  if (q.ids) p.set('ids', q.ids.join(','));
  if (q.basin) p.set('basin', q.basin);
  if (q.bbox) p.set('bbox', q.bbox.join(','));
  if (q.datetime) p.set('datetime', q.datetime);
  if (q.fields) p.set('fields', q.fields.join(','));
  if (q.quality) p.set('quality', q.quality);
  if (q.dedupe !== undefined) p.set('dedupe', String(q.dedupe));
  const res = await fetch(`${baseUrl.replace(/\/+$/, '')}/timeseries?${p}`, { headers: token ? { Authorization: `token ${token}` } : {} });
  if (!res.ok) {
    const parsed = OgcException.safeParse(await res.json().catch(() => null));
    throw new HysopeApiError(
      res.status,
      parsed.success ? parsed.data : { type: 'about:blank', title: res.statusText, status: res.status, detail: 'time-series request failed' }
    );
  }
  return tableFromIPC(new Uint8Array(await res.arrayBuffer()));
}
