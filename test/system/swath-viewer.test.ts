// The swath viewer's data path outside the browser: WKB flattening checked against the gateway's own
// WKB reader on a real RiverSP product, colour scales, and the latitude bands of progressive loading.
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromWkb, toWkb } from '../../server/gateway/src/formats/wkb.js';
import { bands, KINDS, kindOf } from '../../extensions/swath-viewer/src/data.js';
import { colorize, expandColors, flattenWkb, interleave, PIXC_CLASSES, QUALITY, robustRange } from '../../extensions/swath-viewer/src/geo.js';
import { LAKE_GREENLAND, REACH_548, startGateway, type TestGateway } from '../helpers.js';

describe('swath viewer geometry', () => {
  let g: TestGateway;
  const blobs: Record<string, (Uint8Array | null)[]> = {};
  beforeAll(async () => {
    g = await startGateway();
    for (const f of [REACH_548, LAKE_GREENLAND]) expect((await g.ingest(f)).ok).toBe(true);
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    for (const [key, collection, file] of [
      ['reach', 'swot-riversp-reach', REACH_548],
      ['lake', 'swot-lakesp', LAKE_GREENLAND]
    ] as const) {
      const parquet = path.join(g.dataDir, 'products', collection, `${path.basename(file, '.zip')}.parquet`);
      const r = await c.runAndReadAll(`select st_asbinary(geometry)::blob as g from read_parquet('${parquet}')`);
      blobs[key] = r.getRows().map((row) => (row[0] as { bytes: Uint8Array } | null)?.bytes ?? null);
    }
    c.closeSync();
  });
  afterAll(async () => g?.stop());

  it('flattens the real reach lines vertex for vertex as the gateway reads them', () => {
    const reach = blobs['reach']!;
    const flat = flattenWkb(reach);
    let k = 0;
    for (let row = 0; row < reach.length; row++) {
      if (!reach[row]) continue;
      const geom = fromWkb(reach[row]!);
      const lines = geom.type === 'LineString' ? [geom.coordinates] : geom.type === 'MultiLineString' ? geom.coordinates : [];
      for (const line of lines as number[][][]) {
        expect(flat.rows[k]).toBe(row);
        expect(flat.starts[k + 1]! - flat.starts[k]!).toBe(line.length);
        const first = flat.starts[k]!;
        expect([flat.positions[2 * first], flat.positions[2 * first + 1]]).toEqual([line[0]![0], line[0]![1]]);
        k++;
      }
    }
    expect(flat.length).toBe(k);
    expect(k).toBeGreaterThan(600);
  });

  it('keeps the outer ring of each real lake polygon', () => {
    const lakes = blobs['lake']!;
    const flat = flattenWkb(lakes);
    expect(lakes.filter((b) => b === null).length).toBeLessThan(lakes.length);
    const outer = lakes.flatMap((b) => {
      if (!b) return [];
      const geom = fromWkb(b);
      return geom.type === 'Polygon' ? [geom.coordinates[0]!] : geom.type === 'MultiPolygon' ? geom.coordinates.map((p) => p[0]!) : [];
    });
    expect(flat.length).toBe(outer.length);
    expect(flat.starts[flat.length]).toBe(outer.reduce((n, r) => n + r.length, 0));
  });

  it('reads big-endian and Z geometries, skips nulls, and refuses what it cannot draw', () => {
    const line = toWkb({
      type: 'LineString',
      coordinates: [
        [1, 2],
        [3, 4],
        [5, 6]
      ]
    });
    // The same line big-endian with Z (ISO type 1002).
    const be = new DataView(new ArrayBuffer(1 + 4 + 4 + 3 * 24));
    be.setUint8(0, 0);
    be.setUint32(1, 1002, false);
    be.setUint32(5, 3, false);
    [
      [1, 2, 10],
      [3, 4, 11],
      [5, 6, 12]
    ].forEach((p, i) => p.forEach((v, j) => be.setFloat64(9 + i * 24 + j * 8, v, false)));
    const flat = flattenWkb([line, null, new Uint8Array(be.buffer)]);
    expect(flat.length).toBe(2);
    expect(Array.from(flat.rows)).toEqual([0, 2]);
    expect(Array.from(flat.positions.subarray(6))).toEqual([1, 2, 3, 4, 5, 6]);
    const bad = new Uint8Array(9);
    new DataView(bad.buffer).setUint8(0, 1);
    new DataView(bad.buffer).setUint32(1, 17, true);
    expect(() => flattenWkb([bad])).toThrow(/type 17/);
  });

  it('colours values on the ramp, categories from their palette, and missing values grey', () => {
    const c = colorize([0, 10, NaN, 9.96921e36], [0, 10]);
    expect(Array.from(c.subarray(0, 4))).toEqual([68, 1, 84, 220]);
    expect(Array.from(c.subarray(4, 8))).toEqual([253, 231, 37, 220]);
    expect(c[11]).toBe(90);
    expect(c[15]).toBe(90);
    const classes = colorize([4, 1], [0, 1], PIXC_CLASSES);
    expect(Array.from(classes.subarray(0, 3))).toEqual(PIXC_CLASSES[4]!.color);
    expect(Array.from(colorize([3], [0, 1], QUALITY).subarray(0, 3))).toEqual(QUALITY[3]!.color);
    // Outliers and fills do not stretch the scale.
    const values = [...Array.from({ length: 1000 }, (_, i) => i / 100), 1e6, -9.99e11];
    const [lo, hi] = robustRange(values);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(11);
  });

  it('gives each path vertex its feature colour and interleaves coordinates', () => {
    const flat = flattenWkb([
      toWkb({
        type: 'LineString',
        coordinates: [
          [0, 0],
          [1, 1]
        ]
      }),
      toWkb({
        type: 'LineString',
        coordinates: [
          [2, 2],
          [3, 3],
          [4, 4]
        ]
      })
    ]);
    const colors = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(expandColors(flat, colors))).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8, 5, 6, 7, 8]);
    expect(Array.from(interleave([1, 2], [3, 4]))).toEqual([1, 3, 2, 4]);
  });

  it('splits a pixel cloud into latitude bands covering the item and the asked area exactly once', () => {
    const item = { bbox: [-1, 48, 1, 49.5] } as never;
    const b = bands(item, undefined, 4);
    expect(b).toHaveLength(4);
    expect(b[0]![0]).toBe(48);
    for (let i = 1; i < 4; i++) expect(b[i]![0]).toBe(b[i - 1]![1]);
    expect(b[3]![1]).toBeGreaterThan(49.5);
    expect(bands(item, [0, 48.5, 1, 49], 2).map((x) => x[0])).toEqual([48.5, 48.75]);
    expect(bands(item, [0, 50, 1, 51], 2)).toEqual([]);
  });

  it('knows which collections it draws and how', () => {
    expect(kindOf({ collection: 'swot-pixc' } as never)).toBe('pixc');
    expect(kindOf({ collection: 'swot-pixcvec' } as never)).toBeNull();
    expect(kindOf({ collection: 'swot-riversp-node' } as never)).toBe('node');
    expect(kindOf({ collection: 'hydroweb-stations' } as never)).toBeNull();
    expect(KINDS.reach.feature).toBe('Reach');
  });
});

describe('swath viewer online tiles (optional setting)', () => {
  it('covers the view with the XYZ tiles of the zoom, bounds as web mercator tiles', async () => {
    const { tilesFor } = await import('../../extensions/swath-viewer/src/geo.js');
    const world = tilesFor([-180, -85, 180, 85], 1);
    expect(world.map((t) => `${t.z}/${t.x}/${t.y}`).sort()).toEqual(['1/0/0', '1/0/1', '1/1/0', '1/1/1']);
    expect(world.find((t) => t.x === 0 && t.y === 0)!.bounds.map((v) => +v.toFixed(4))).toEqual([-180, 0, 0, 85.0511]);
    // Paris at zoom 10 is tile 518/352 (OpenStreetMap's scheme).
    const paris = tilesFor([2.35, 48.85, 2.351, 48.851], 10);
    expect(paris.map((t) => [t.x, t.y])).toEqual([[518, 352]]);
    const [w, s, e, n] = paris[0]!.bounds;
    expect(w).toBeLessThan(2.35);
    expect(e).toBeGreaterThan(2.351);
    expect(s).toBeLessThan(48.85);
    expect(n).toBeGreaterThan(48.851);
    expect(tilesFor([-180, -85, 180, 85], 10, 64)).toHaveLength(64);
  });
});
