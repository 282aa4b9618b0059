import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { expandInputs, readProduct } from '@hysope/gateway';
import { SAMPLES, call, eachConcurrently, startGateway, type TestGateway } from '../helpers.js';

/** Every vertex of a feature (GeoJSON coordinates, any nesting). */
function vertices(coordinates: unknown, out: number[][] = []): number[][] {
  if (Array.isArray(coordinates) && typeof coordinates[0] === 'number') out.push(coordinates as number[]);
  else if (Array.isArray(coordinates)) for (const c of coordinates) vertices(c, out);
  return out;
}

/** Up to `n` elements spread evenly over a list (all of them when it is short), first and last included. */
function spread<T>(list: T[], n: number): T[] {
  if (list.length <= n) return list;
  return Array.from({ length: n }, (_, i) => list[Math.round((i * (list.length - 1)) / (n - 1))]!);
}

/**
 * The WKB geometries of a product as the catalog published it (its GeoParquet file): WKB as stored, or GeoArrow
 * points (pixel clouds written from their chunks) made WKB here.
 */
async function publishedGeometries(dataDir: string, collection: string, id: string): Promise<{ length: number; get(i: number): Uint8Array | null }> {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const file = path.join(dataDir, 'products', collection, `${id}.parquet`);
  const [kind] = (await db.runAndReadAll(`select typeof(geometry) t from read_parquet('${file}') limit 1`)).getRowObjectsJS();
  const points = String(kind?.['t']).startsWith('STRUCT');
  const sql = points ? `select geometry.x x, geometry.y y from read_parquet('${file}')` : `select ST_AsWKB(geometry) g from read_parquet('${file}')`;
  const rows = (await db.runAndReadAll(sql)).getRows();
  db.closeSync();
  const point = (x: number, y: number) => {
    const wkb = new Uint8Array(21);
    const view = new DataView(wkb.buffer);
    wkb[0] = 1;
    view.setUint32(1, 1, true);
    view.setFloat64(5, x, true);
    view.setFloat64(13, y, true);
    return wkb;
  };
  const values = rows.map((r) => (points ? (r[0] === null ? null : point(Number(r[0]), Number(r[1]))) : r[0] ? (r[0] as { bytes: Uint8Array }).bytes : null));
  return { length: values.length, get: (i) => values[i] ?? null };
}

describe('footprints and time ranges that cover the data: every sample granule, searched through the STAC API', () => {
  let g: TestGateway;
  let files: string[];
  beforeAll(async () => {
    g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0' } });
    files = await expandInputs([SAMPLES]);
    for (const f of files) await g.ingest(f);
  }, 300_000);
  afterAll(async () => g?.stop());

  it('a tiny box around a vertex of each feature finds its item; each observation instant finds it too', async () => {
    const { fromWkb } = await import('../../server/gateway/dist/formats/wkb.js');
    const counts: Record<string, { features: number; missedSpace: number; instants: number; missedTime: number }> = {};
    let granules = 0;
    for (const file of files) {
      const product = await readProduct(file).catch(() => null);
      if (!product) continue; // refused by design (listed by the ingest test)
      granules++;
      const c = (counts[product.collection] ??= { features: 0, missedSpace: 0, instants: 0, missedTime: 0 });
      // Rows in memory, or (pixel clouds, streamed at ingest) the GeoParquet product the catalog published.
      const geometry = product.table ? product.table.getChild('geometry')! : await publishedGeometries(g.dataDir, product.collection, product.id);
      // SWOT vector products: every feature; point clouds and station lists: 500 spread over the file.
      const all = Array.from({ length: geometry.length }, (_, i) => i);
      const rows = product.collection.startsWith('swot-riversp') || product.collection === 'swot-lakesp' ? all : spread(all, 500);
      const hit = async (body: Record<string, unknown>) => {
        const r = await call(`${g.url}/stac/search`, { json: { ids: [product.id], collections: [product.collection], limit: 1, ...body } });
        expect(r.status, JSON.stringify(r.body).slice(0, 200)).toBe(200);
        return r.body.features.length === 1;
      };
      await eachConcurrently(rows, 8, async (i) => {
        const wkb = geometry.get(i) as Uint8Array | null;
        if (!wkb) return;
        const [x, y] = vertices((fromWkb(wkb) as { coordinates: unknown }).coordinates)[0]!;
        const d = 1e-5;
        c.features++;
        const box = {
          type: 'Polygon',
          coordinates: [
            [
              [x! - d, y! - d],
              [x! + d, y! - d],
              [x! + d, y! + d],
              [x! - d, y! + d],
              [x! - d, y! - d]
            ]
          ]
        };
        if (!(await hit({ intersects: box }))) c.missedSpace++;
      });
      const time = product.table?.getChild('time');
      if (time && String(time.type).startsWith('Timestamp')) {
        const instants = [
          ...new Set(Array.from({ length: time.length }, (_, i) => time.get(i) as number | null).filter((t): t is number => t !== null && t > 0))
        ].sort();
        await eachConcurrently(spread(instants, 300), 8, async (t) => {
          c.instants++;
          if (!(await hit({ datetime: new Date(t).toISOString() }))) c.missedTime++;
        });
      }
    }
    console.log(
      `footprints: ${granules} granules; ${Object.entries(counts)
        .map(([k, v]) => `${k}: ${v.features} features (${v.missedSpace} missed), ${v.instants} instants (${v.missedTime} missed)`)
        .join('; ')}`
    );
    expect(granules).toBeGreaterThan(20);
    for (const [collection, v] of Object.entries(counts)) {
      expect(v.missedSpace, `${collection}: features outside their item`).toBe(0);
      expect(v.missedTime, `${collection}: observation instants outside their item`).toBe(0);
    }
  }, 600_000);
});
