// The swath viewer's data path in headless Chromium (software WebGL here): query to first frame for 1M and
// 5M PIXC points read from GeoParquet by DuckDB-WASM, bytes fetched for a 1% bbox, memory per point;
// baseline: the same points loaded as GeoJSON (the usual way) in the same run.
import { copyFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { build } from 'esbuild';
import express from 'express';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../browser/chromium.js';
import type { Item } from '@hysope/api';
import { LAKE_GREENLAND, PIXC_NORMANDY, REACH_548, startGateway } from '../helpers.js';
import { percentile, report } from './stats.js';
import type { FrameResult } from './viewer-page.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WASM_DIST = path.resolve(HERE, '../../node_modules/@duckdb/duckdb-wasm/dist');

/** A PIXC-like cloud of `n` points: the real Normandy sample repeated on a grid of offsets, spatially sorted. */
async function synthesize(dir: string, source: string, n: number): Promise<string> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const out = path.join(dir, `pixc-${n}.parquet`);
  const base = `(select longitude, latitude, height, classification from read_parquet('${source}') where longitude is not null)`;
  const count = Number((await c.runAndReadAll(`select count(*) from ${base}`)).getRows()[0]![0]);
  const copies = Math.ceil(n / count);
  const side = Math.ceil(Math.sqrt(copies));
  // Sorted by 0.05° cells like the gateway's Hilbert-sorted products, so row groups are spatially compact.
  await c.run(
    `copy (select * from (select longitude + (k % ${side}) * 0.15 as longitude, latitude + (k // ${side}) * 0.12 as latitude, height, classification
       from ${base}, range(${copies}) t(k)) s
       order by floor(s.latitude / 0.05), floor(s.longitude / 0.05) limit ${n}) to '${out}' (format parquet, row_group_size 100000, compression zstd)`
  );
  c.closeSync();
  return out;
}

async function geojson(file: string, parquet: string): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const r = await c.runAndReadAll(`select longitude, latitude, height from read_parquet('${parquet}')`);
  const cols = r.getColumns() as number[][];
  const out = createWriteStream(file);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((res) => out.once('drain', () => res())));
  await write('{"type":"FeatureCollection","features":[');
  let buf = '';
  for (let i = 0; i < cols[0]!.length; i++) {
    buf += `${i ? ',' : ''}{"type":"Feature","geometry":{"type":"Point","coordinates":[${cols[0]![i]},${cols[1]![i]}]},"properties":{"height":${cols[2]![i] ?? 'null'}}}`;
    if (buf.length > 1 << 20) {
      await write(buf);
      buf = '';
    }
  }
  await write(buf + ']}');
  await new Promise((res) => out.end(res));
  c.closeSync();
}

/**
 * Frame time while panning with three layers loaded (1M PIXC points, a RiverSP reach pass, a LakeSP pass) over the
 * basemap, through the viewer's own data path and layer builders; baseline: the same layers as object layers.
 */
async function benchPan(
  fresh: () => Promise<import('playwright-core').Page>,
  g: Awaited<ReturnType<typeof startGateway>>,
  pixcUrl: string,
  pixcFile: string
): Promise<void> {
  const items: Item[] = [];
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const bbox = (
    await c.runAndReadAll(`select min(longitude), min(latitude), max(longitude), max(latitude) from read_parquet('${pixcFile}')`)
  ).getRows()[0]! as number[];
  c.closeSync();
  items.push({
    type: 'Feature',
    stac_version: '1.0.0',
    id: 'pixc-1M',
    collection: 'swot-pixc',
    bbox,
    geometry: null,
    properties: {},
    links: [],
    assets: { data: { href: pixcUrl } }
  } as unknown as Item);
  for (const file of [REACH_548, LAKE_GREENLAND]) {
    const r = await g.ingest(file);
    if (!r.ok) throw new Error(r.error);
    items.push((await (await fetch(`${g.url}/stac/collections/${r.collection}/items/${r.id}`)).json()) as Item);
  }
  const run = async (shown: Item[], asObjects: boolean) => {
    const page = await fresh();
    const frames = Number(process.env['BENCH_PAN_FRAMES'] ?? 20);
    const r = await page.evaluate(([i, f, o]) => window.panFrames(i as Item[], f as number, o as boolean, true), [shown, frames, asObjects] as const);
    await page.close();
    return { rows: r.rows, sorted: [...r.frames].sort((a, b) => a - b) };
  };
  // The vector products alone (a reach pass and a lake pass, centred on the reaches), then with the 1M-point cloud.
  for (const [what, shown] of [
    ['a reach pass and a lake pass', items.slice(1)],
    ['1M PIXC points, a reach pass and a lake pass', items]
  ] as const) {
    const binary = await run(shown, false);
    const objects = await run(shown, true);
    for (const p of [50, 95]) {
      report(
        `viewer pan frame time p${p}, ${what} over the basemap (${binary.rows.toLocaleString()} features and points)`,
        percentile(binary.sorted, p),
        'ms',
        {
          name: 'same layers as objects (every vertex)',
          value: percentile(objects.sorted, p),
          higherIsBetter: false
        }
      );
    }
  }
}

export async function benchViewer(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-viewer-bench-'));
  const g = await startGateway({ env: { HYSOPE_CORS_ORIGINS: '*' } });
  try {
    const ingested = await g.ingest(PIXC_NORMANDY);
    if (!ingested.ok) throw new Error(ingested.error);
    const source = path.join(g.dataDir, 'products', 'swot-pixc', `${path.basename(PIXC_NORMANDY, '.nc')}.parquet`);
    const sizes = process.env['BENCH_PAN_ONLY'] ? [1_000_000] : [1_000_000, 5_000_000];
    const files: Record<number, string> = {};
    for (const n of sizes) files[n] = await synthesize(dir, source, n);
    await geojson(path.join(dir, 'pixc-1000000.geojson'), files[1_000_000]!);
    await build({
      entryPoints: [path.join(HERE, 'viewer-page.ts')],
      bundle: true,
      format: 'esm',
      outfile: path.join(dir, 'page.js'),
      logLevel: 'silent',
      platform: 'browser',
      // One kernels-bridge in the page: the one the page configures (sources), also behind the viewer's data.ts.
      alias: { '@hysope/kernels-bridge/wasm': path.resolve(HERE, '../../kernels-bridge/src/sql-wasm.ts') }
    });
    await copyFile(path.join(WASM_DIST, 'duckdb-eh.wasm'), path.join(dir, 'duckdb-eh.wasm'));
    await copyFile(path.join(WASM_DIST, 'duckdb-browser-eh.worker.js'), path.join(dir, 'duckdb-browser-eh.worker.js'));
    await writeFile(
      path.join(dir, 'index.html'),
      '<!doctype html><meta charset="utf-8"><div id="map" style="position:absolute;inset:0"></div><script type="module" src="/page.js"></script>'
    );
    const served = new Map<string, number>();
    let requests = 0;
    const app = express();
    app.use((req, res, next) => {
      if (req.path.endsWith('.parquet')) requests++;
      res.on('finish', () => served.set(req.path, (served.get(req.path) ?? 0) + (req.method === 'HEAD' ? 0 : Number(res.getHeader('content-length') ?? 0))));
      next();
    });
    app.use(express.static(dir, { setHeaders: (res, p) => p.endsWith('.wasm') && res.setHeader('Content-Type', 'application/wasm') }));
    const server = await new Promise<import('node:http').Server>((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, '--enable-precise-memory-info', '--js-flags=--max-old-space-size=8192']
    });
    try {
      const fresh = async () => {
        const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
        await page.goto(`${url}/index.html`);
        await page.waitForFunction(() => typeof window.parquetFrame === 'function');
        return page;
      };
      // Warm-up (DuckDB-WASM instantiation) on a small query, not counted.
      const warm = await fresh();
      await warm.evaluate((u) => window.parquetFrame(u, [0, 0, 0.0001, 0.0001]), `${url}/pixc-1000000.parquet`);
      await warm.close();
      if (process.env['BENCH_PAN_ONLY']) return void (await benchPan(fresh, g, `${url}/pixc-1000000.parquet`, files[1_000_000]!));
      const results: Record<string, FrameResult> = {};
      for (const n of sizes) {
        const page = await fresh();
        await page.evaluate((u) => window.parquetFrame(u, [0, 0, 0.0001, 0.0001]), `${url}/pixc-${n}.parquet`);
        results[`parquet-${n}`] = await page.evaluate((u) => window.parquetFrame(u), `${url}/pixc-${n}.parquet`);
        await page.close();
      }
      {
        const page = await fresh();
        results['geojson-1000000'] = await page.evaluate((u) => window.geojsonFrame(u), `${url}/pixc-1000000.geojson`);
        await page.close();
      }
      const pq1 = results['parquet-1000000']!;
      const gj1 = results['geojson-1000000']!;
      const pq5 = results['parquet-5000000']!;
      console.log(
        `viewer: 1M points GeoParquet ${(await stat(files[1_000_000]!)).size / 1e6} MB, GeoJSON ${(await stat(path.join(dir, 'pixc-1000000.geojson'))).size / 1e6} MB; 5M GeoParquet ${(await stat(files[5_000_000]!)).size / 1e6} MB`
      );
      report(
        `viewer query→first frame, 1M PIXC points (GeoParquet, DuckDB-WASM, binary attributes; query ${pq1.queryMs.toFixed(0)} ms)`,
        pq1.firstFrameMs,
        'ms',
        {
          name: `same points as GeoJSON (fetch+parse ${gj1.queryMs.toFixed(0)} ms)`,
          value: gj1.firstFrameMs,
          higherIsBetter: false
        }
      );
      report(`viewer query→first frame, 5M PIXC points (query ${pq5.queryMs.toFixed(0)} ms)`, pq5.firstFrameMs, 'ms', {
        name: 'lonboard, 3M points (published, ~3 s) scaled to 5M',
        value: 5000,
        higherIsBetter: false
      });
      report('viewer memory per point, GeoParquet path (JS heap + typed arrays), 1M', (pq1.heapBytes + pq1.arrayBytes) / pq1.rows, 'B', {
        name: 'GeoJSON path (JS heap)',
        value: gj1.heapBytes / gj1.rows,
        higherIsBetter: false
      });
      await benchPan(fresh, g, `${url}/pixc-1000000.parquet`, files[1_000_000]!);
      // 1% of the area of the 5M cloud.
      const page = await fresh();
      const db = await DuckDBInstance.create(':memory:');
      const c = await db.connect();
      const [w, s, e, n] = (
        await c.runAndReadAll(`select min(longitude), min(latitude), max(longitude), max(latitude) from read_parquet('${files[5_000_000]}')`)
      ).getRows()[0]! as number[];
      c.closeSync();
      const bbox = [w! + (e! - w!) * 0.45, s! + (n! - s!) * 0.45, w! + (e! - w!) * 0.55, s! + (n! - s!) * 0.55];
      // The engine and the file's footer are warmed by an empty query first, as in a viewer already open.
      await page.evaluate((u) => window.parquetFrame(u, [0, 0, 0.0001, 0.0001]), `${url}/pixc-5000000.parquet`);
      const requestsBefore = requests;
      const before = served.get('/pixc-5000000.parquet') ?? 0;
      const bboxResult = await page.evaluate(([u, b]) => window.parquetFrame(u as string, b as number[]), [`${url}/pixc-5000000.parquet`, bbox] as const);
      const fetched = (served.get('/pixc-5000000.parquet') ?? 0) - before;
      console.log(`viewer 1% bbox: ${requests - requestsBefore} range requests, query ${bboxResult.queryMs.toFixed(0)} ms`);
      const total = (await stat(files[5_000_000]!)).size;
      report(
        `viewer 1% bbox over 5M PIXC points: ${bboxResult.rows.toLocaleString()} points, first frame ${bboxResult.firstFrameMs.toFixed(0)} ms, bytes fetched`,
        (100 * fetched) / total,
        '% of file',
        {
          name: 'whole file',
          value: 100,
          higherIsBetter: false
        }
      );
    } finally {
      await browser.close();
      server.close();
    }
  } finally {
    await g.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
