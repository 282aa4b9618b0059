import path from 'node:path';
import { Table, tableFromIPC } from 'apache-arrow';
import { numericVector, stringVector, timestampVector } from '../../formats/arrow-columns.js';
import { writeParquetTable } from '../../formats/geoparquet.js';
import { InputError, gatewayError, type ProcessDefinition } from '../process.js';

/**
 * Discharge of every SWOT reach of a SWORD basin from its WSE, width and slope, with Manning's equation
 * for a wide rectangular channel:  Q = (1/n) · A^(5/3) · W^(-2/3) · S^(1/2),  A = A0 + dA,
 * where dA is the product's area change `d_x_area` (0 when absent) and A0 = W̄ · h0, the reach's mean width
 * times a reference depth `h0`. Good and suspect observations only; the latest CRID of each pass.
 */
export function manning(n: number, area: number, width: number, slope: number): number | null {
  if (!(area > 0) || !(width > 0) || !(slope > 0) || !(n > 0)) return null;
  return (1 / n) * area ** (5 / 3) * width ** (-2 / 3) * Math.sqrt(slope);
}

export const reachDischarge: ProcessDefinition = {
  id: 'reach-discharge',
  title: 'Reach discharge (Manning)',
  description:
    'Discharge of the SWOT reaches of a SWORD basin from WSE, width and slope (Manning, wide rectangular channel); the result is registered as a catalog item with its processing lineage.',
  version: '1.0.0',
  keywords: ['SWOT', 'discharge', 'Manning', 'river'],
  inputs: {
    basin: {
      title: 'SWORD basin prefix',
      description: 'The first digits of the SWORD reach ids of the basin (continent digit, then Pfafstetter levels): 7426 is a level-3 basin of North America',
      schema: { type: 'string', pattern: '^[0-9]{1,10}$', example: '7426' },
      minOccurs: 1
    },
    n: { title: "Manning's roughness n", schema: { type: 'number', minimum: 0.001, maximum: 0.2, default: 0.035 }, minOccurs: 0 },
    h0: { title: 'Reference depth h0 (m)', schema: { type: 'number', minimum: 0.01, maximum: 100, default: 3 }, minOccurs: 0 },
    datetime: {
      title: 'Time window (RFC 3339 interval)',
      description: 'Observations from … to (either end open: ..)',
      schema: { type: 'string', example: '2023-06-01T00:00:00Z/2023-06-30T23:59:59Z' },
      minOccurs: 0
    }
  },
  outputs: {
    discharge: { title: 'Discharge per reach and pass (Parquet)', schema: { type: 'string', contentMediaType: 'application/vnd.apache.parquet' } },
    summary: { title: 'Summary', schema: { type: 'object' } }
  },
  jobControlOptions: ['sync-execute', 'async-execute', 'dismiss'],
  async run(ctx) {
    const n = Number(ctx.inputs['n'] ?? 0.035);
    const h0 = Number(ctx.inputs['h0'] ?? 3);
    const basin = String(ctx.inputs['basin']);
    const q = new URLSearchParams({
      feature: 'Reach',
      basin,
      format: 'arrow',
      dedupe: 'true',
      quality: 'suspect',
      fields: 'reach_id,time,wse,width,slope,d_x_area,p_lon,p_lat,cycle_id,pass_id,crid'
    });
    if (ctx.inputs['datetime']) q.set('datetime', String(ctx.inputs['datetime']));
    ctx.progress(5, `reading the observations of basin ${basin}`);
    const res = await fetch(`${ctx.gatewayUrl}/timeseries?${q}`, { headers: ctx.token ? { Authorization: `token ${ctx.token}` } : {}, signal: ctx.signal });
    if (!res.ok) throw gatewayError(res.status, await res.text());
    const obs = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    const rows = obs.numRows;
    if (rows === 0) throw new InputError(`no observations in basin ${basin}`);
    ctx.progress(40, `${rows} observations read`);
    const col = (name: string) => obs.getChild(name)!;
    const ids = col('reach_id');
    // Mean width per reach, for A0 = W̄ · h0.
    const widthSum = new Map<string, [number, number]>();
    for (let i = 0; i < rows; i++) {
      const w = col('width').get(i) as number | null;
      if (w !== null && w > 0) {
        const s = widthSum.get(ids.get(i)) ?? [0, 0];
        widthSum.set(ids.get(i), [s[0] + w, s[1] + 1]);
      }
    }
    const discharge = new Float64Array(rows);
    const area = new Float64Array(rows);
    let computed = 0;
    let [w, s, e, nn] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let i = 0; i < rows; i++) {
      const ws = widthSum.get(ids.get(i));
      const width = col('width').get(i) as number | null;
      const slope = col('slope').get(i) as number | null;
      const dA = (col('d_x_area').get(i) as number | null) ?? 0;
      const a = ws ? (ws[0] / ws[1]) * h0 + dA : NaN;
      area[i] = a;
      const qv = width !== null && slope !== null ? manning(n, a, width, slope) : null;
      discharge[i] = qv ?? NaN;
      if (qv !== null) computed++;
      const x = col('p_lon').get(i) as number | null,
        y = col('p_lat').get(i) as number | null;
      if (x !== null && y !== null) {
        w = Math.min(w, x);
        e = Math.max(e, x);
        s = Math.min(s, y);
        nn = Math.max(nn, y);
      }
    }
    ctx.progress(80, `discharge computed for ${computed} of ${rows} observations`);
    const times = Array.from({ length: rows }, (_, i) => col('time').get(i) as number | null);
    const table = new Table({
      reach_id: stringVector(Array.from({ length: rows }, (_, i) => ids.get(i) as string)),
      time: timestampVector(times),
      wse: numericVector(Float64Array.from({ length: rows }, (_, i) => (col('wse').get(i) as number | null) ?? NaN)),
      width: numericVector(Float64Array.from({ length: rows }, (_, i) => (col('width').get(i) as number | null) ?? NaN)),
      slope: numericVector(Float64Array.from({ length: rows }, (_, i) => (col('slope').get(i) as number | null) ?? NaN)),
      area: numericVector(area),
      discharge: numericVector(discharge),
      // The reach's prior position (its centre in SWORD), so the product is drawn on a map.
      p_lon: numericVector(Float64Array.from({ length: rows }, (_, i) => (col('p_lon').get(i) as number | null) ?? NaN)),
      p_lat: numericVector(Float64Array.from({ length: rows }, (_, i) => (col('p_lat').get(i) as number | null) ?? NaN)),
      cycle_id: numericVector(Int32Array.from({ length: rows }, (_, i) => Number(col('cycle_id').get(i) ?? 0))),
      pass_id: numericVector(Int32Array.from({ length: rows }, (_, i) => Number(col('pass_id').get(i) ?? 0)))
    });
    const file = 'discharge.parquet';
    await writeParquetTable(table, path.join(ctx.workDir, file), {
      rowGroupSize: 8192,
      metadata: new Map([['hysope:method', JSON.stringify({ formula: 'Q = (1/n) A^(5/3) W^(-2/3) S^(1/2); A = mean(W) h0 + d_x_area', n, h0 })]])
    });
    const valid = times.filter((t): t is number => t !== null);
    const summary = { basin, observations: rows, computed, reaches: widthSum.size, n, h0 };
    ctx.progress(100, 'done');
    return {
      outputs: { discharge: { file, mediaType: 'application/vnd.apache.parquet' }, summary: { value: summary } },
      register: {
        derived: [
          {
            file,
            collection: 'hysope-discharge',
            id: `discharge-basin-${basin}-n${n}-h${h0}`,
            bbox: Number.isFinite(w) ? [w, s, e, nn] : [-180, -90, 180, 90],
            start: new Date(Math.min(...valid)).toISOString(),
            end: new Date(Math.max(...valid)).toISOString(),
            properties: {
              'processing:level': 'L4',
              'processing:lineage': `Manning discharge (n=${n}, h0=${h0} m) from SWOT RiverSP reach observations of SWORD basin ${basin} (de-duplicated CRIDs, good and suspect quality)`,
              'processing:software': { 'hysope-reach-discharge': '1.0.0' },
              'hysope:basin': basin,
              'hysope:observations': rows
            }
          }
        ]
      }
    };
  }
};
