import { copyFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import express from 'express';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIXC_NORMANDY, startGateway, type TestGateway } from '../helpers.js';
import { testS3 } from '../s3-server.js';
import { launchChromium } from './chromium.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WASM_DIST = path.resolve(HERE, '../../node_modules/@duckdb/duckdb-wasm/dist');
const ITEM = 'SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01';

type Served = { status: number; bytes: number; range: string | undefined };

/** The byte spans [start, end) a list of answered ranges covers, merged (a block fetched twice counts once). */
function spansRead(served: Served[]): [number, number][] {
  const spans = served
    .filter((r) => r.status === 206 && r.bytes > 0 && r.range)
    .map((r) => {
      const start = Number(/^bytes=(\d+)-/.exec(r.range!)![1]);
      return [start, start + r.bytes] as [number, number];
    })
    .sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const [x, y] of spans) {
    const last = merged.at(-1);
    if (last && x <= last[1]) last[1] = Math.max(last[1], y);
    else merged.push([x, y]);
  }
  return merged;
}

/** DuckDB-WASM's read size: a block of the file. */
const BLOCK = 16 * 1024;

/** Bytes of `spans` inside `within` (both lists of [start, end)). */
function overlap(spans: [number, number][], within: [number, number][]): number {
  let bytes = 0;
  for (const [x, y] of spans) for (const [u, v] of within) bytes += Math.max(0, Math.min(y, v) - Math.max(x, u));
  return bytes;
}

describe('DuckDB-WASM in Chromium reads a GeoParquet asset by HTTP ranges', () => {
  let g: TestGateway;
  let pageDir: string;
  let pages: import('node:http').Server;
  let front: import('node:http').Server;
  let browser: Browser;
  const served: Served[] = [];
  let gatewayUrl = '';
  let pagesUrl = '';

  beforeAll(async () => {
    g = await startGateway({ env: { HYSOPE_CORS_ORIGINS: '*' } });
    expect((await g.ingest(PIXC_NORMANDY)).ok).toBe(true);
    // A front that counts what the gateway sends for the asset (status, bytes, Range asked).
    const counting = express();
    counting.use((req, res, next) => {
      if (req.path.endsWith(`${ITEM}.parquet`)) {
        // A HEAD (DuckDB-WASM's size probe) sends no body.
        res.on('finish', () =>
          served.push({ status: res.statusCode, bytes: req.method === 'HEAD' ? 0 : Number(res.getHeader('content-length') ?? 0), range: req.get('range') })
        );
      }
      next();
    });
    counting.use(g.gateway.app);
    front = await new Promise((r) => {
      const s = counting.listen(0, '127.0.0.1', () => r(s));
    });
    gatewayUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    pageDir = await mkdtemp(path.join(os.tmpdir(), 'hysope-wasm-'));
    await build({
      entryPoints: [path.join(HERE, 'duckdb-page.ts')],
      bundle: true,
      format: 'esm',
      outfile: path.join(pageDir, 'page.js'),
      logLevel: 'silent',
      platform: 'browser'
    });
    await copyFile(path.join(WASM_DIST, 'duckdb-eh.wasm'), path.join(pageDir, 'duckdb-eh.wasm'));
    await copyFile(path.join(WASM_DIST, 'duckdb-browser-eh.worker.js'), path.join(pageDir, 'duckdb-browser-eh.worker.js'));
    await writeFile(
      path.join(pageDir, 'index.html'),
      '<!doctype html><meta charset="utf-8"><title>duckdb</title><script type="module" src="/page.js"></script>'
    );
    const staticApp = express();
    staticApp.use(express.static(pageDir, { setHeaders: (res, p) => p.endsWith('.wasm') && res.setHeader('Content-Type', 'application/wasm') }));
    pages = await new Promise((r) => {
      const s = staticApp.listen(0, '127.0.0.1', () => r(s));
    });
    pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    pages?.close();
    front?.close();
    await g?.stop();
    if (pageDir) await rm(pageDir, { recursive: true, force: true });
  });

  /** The 1% bbox query in the browser, checked against native DuckDB on the same product; what the counted server sent. */
  async function bboxQuery(assetUrl: string, file: string) {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${pagesUrl}/index.html`);
    await page.waitForFunction(() => typeof window.bboxCount === 'function');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const [ext] = (
      await duck.runAndReadAll(
        `select min(geometry.x) w, min(geometry.y) s, max(geometry.x) e, max(geometry.y) n, (select longitude from '${file}' where longitude is not null limit 1 offset 40000) x, (select latitude from '${file}' where longitude is not null limit 1 offset 40000) y from '${file}'`
      )
    ).getRowObjectsJS();
    const [w, s, e, n, x, y] = [ext!['w'], ext!['s'], ext!['e'], ext!['n'], ext!['x'], ext!['y']].map(Number) as number[];
    // 10% x 10% of the extent (1% of its area), centred on a pixel.
    const box = [x! - (e! - w!) * 0.05, y! - (n! - s!) * 0.05, x! + (e! - w!) * 0.05, y! + (n! - s!) * 0.05];
    const [expected] = (
      await duck.runAndReadAll(
        `select count(*)::int n from '${file}' where geometry.x between ${box[0]} and ${box[2]} and geometry.y between ${box[1]} and ${box[3]} and longitude is not null`
      )
    ).getRowObjectsJS();
    served.length = 0;
    const result = await page.evaluate(([url, b]) => window.bboxCount(url as string, b as number[]), [assetUrl, box] as const);
    await page.close();
    expect(errors).toEqual([]);
    expect(result.count).toBe(expected!['n']);
    expect(result.count).toBeGreaterThan(0);
    // The row groups the bbox excludes by their longitude/latitude statistics, as byte spans of the file.
    const groups = (
      await duck.runAndReadAll(
        `select min(coalesce(dictionary_page_offset, data_page_offset))::bigint first_byte, max(coalesce(dictionary_page_offset, data_page_offset) + total_compressed_size)::bigint end_byte,
           bool_or((path_in_schema = 'longitude' and (try_cast(stats_max_value as double) < ${box[0]} or try_cast(stats_min_value as double) > ${box[2]}))
                or (path_in_schema = 'latitude' and (try_cast(stats_max_value as double) < ${box[1]} or try_cast(stats_min_value as double) > ${box[3]}))) pruned
         from parquet_metadata('${file}') group by row_group_id`
      )
    ).getRowObjectsJS();
    const pruned = groups.filter((r) => r['pruned']).map((r) => [Number(r['first_byte']), Number(r['end_byte'])] as [number, number]);
    return { result, size: (await stat(file)).size, groups: groups.length, pruned };
  }

  /**
   * What the browser read: the row groups the statistics exclude stay unread (no read starts in one but DuckDB-WASM's
   * block alignment and read-ahead, which may spill over their edges), and the file is not read whole. Returns the
   * share of the file read.
   */
  function checkRead(size: number, groups: number, pruned: [number, number][]): { read: number; sent: number; spill: number } {
    const spans = spansRead(served);
    const read = spans.reduce((t, [x, y]) => t + y - x, 0);
    const sent = served.filter((r) => r.status === 206).reduce((t, r) => t + r.bytes, 0);
    const prunedBytes = pruned.reduce((t, [x, y]) => t + y - x, 0);
    // The box is 1 % of the tile's area: most row groups fall outside it.
    expect(pruned.length).toBeGreaterThan(groups / 2);
    const spill = overlap(spans, pruned) / prunedBytes;
    // None of them is read. DuckDB-WASM reads 16 KB blocks, each followed by read-ahead requests continuing where it
    // ends (64 KB or more, with timing): those may run into a pruned group, and a block read for the group after one
    // may start up to 16 KB before that group's end. A read that continues no other and starts anywhere else in a
    // pruned group is a read of it.
    const ranges = served.filter((r) => r.status === 206 && r.bytes > 0 && r.range).map((r) => Number(/^bytes=(\d+)-/.exec(r.range!)![1]));
    const ends = new Set(served.filter((r) => r.status === 206 && r.bytes > 0 && r.range).map((r, k) => ranges[k]! + r.bytes));
    const reads = ranges.filter((start) => !ends.has(start) && pruned.some(([u, v]) => start >= u && start < v - BLOCK));
    expect(reads, `reads starting in pruned row groups; the requests: ${JSON.stringify(served.map((r) => [r.status, r.range, r.bytes]))}`).toEqual([]);
    expect(read / size).toBeLessThan(0.5);
    expect(sent / size).toBeLessThan(0.6);
    return { read, sent, spill };
  }

  it('a 1% bbox query returns what native DuckDB counts, fetching a small part of the file', async () => {
    const file = path.join(g.dataDir, 'products/swot-pixc', `${ITEM}.parquet`);
    const { result, size, groups, pruned } = await bboxQuery(`${gatewayUrl}/assets/products/swot-pixc/${ITEM}.parquet`, file);
    expect(served.some((r) => r.status === 206 && r.range)).toBe(true);
    expect(served.filter((r) => r.status === 200 && !r.range)).toEqual([]);
    const { read, sent, spill } = checkRead(size, groups, pruned);
    console.log(
      `DuckDB-WASM 1% bbox: ${result.count} pixels in ${result.ms.toFixed(0)} ms, ${pruned.length} of ${groups} row groups pruned (${(100 * spill).toFixed(1)}% of their bytes read), ${read} of ${size} bytes read (${((100 * read) / size).toFixed(1)}%; ${sent} sent) in ${served.length} requests`
    );
  });

  it.runIf(testS3())('reads the same by ranges straight from S3, redirected by the gateway to presigned URLs after its access check', async () => {
    // The store's public address is a counting front of the RADOS Gateway (Host kept: the signatures name it).
    const rgw = new URL(testS3()!.HYSOPE_S3_ENDPOINT);
    const s3Front = http.createServer((req, res) => {
      const up = http.request({ host: rgw.hostname, port: rgw.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
        r.on('end', () =>
          served.push({ status: r.statusCode!, bytes: req.method === 'HEAD' ? 0 : Number(r.headers['content-length'] ?? 0), range: req.headers.range })
        );
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((r) => s3Front.listen(0, '127.0.0.1', r));
    const s3 = await startGateway({
      s3: true,
      env: {
        HYSOPE_CORS_ORIGINS: '*',
        HYSOPE_ASSET_ACCESS: 'redirect',
        HYSOPE_S3_PUBLIC_ENDPOINT: `http://127.0.0.1:${(s3Front.address() as AddressInfo).port}`
      }
    });
    try {
      expect((await s3.ingest(PIXC_NORMANDY)).ok).toBe(true);
      const key = `products/swot-pixc/${ITEM}.parquet`;
      const asset = `${s3.url}/assets/${key}`;
      const redirect = await fetch(asset, { redirect: 'manual' });
      expect(redirect.status).toBe(307);
      expect(redirect.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*X-Amz-Signature=/);
      expect(redirect.headers.get('cache-control')).toBe('private, no-store');
      const { result, size, groups, pruned } = await bboxQuery(asset, await s3.gateway.store.objects.localFile(key));
      expect(served.filter((r) => r.status === 206).length).toBeGreaterThan(0);
      expect(served.filter((r) => r.status === 200)).toEqual([]);
      const { read, sent, spill } = checkRead(size, groups, pruned);
      console.log(
        `DuckDB-WASM 1% bbox from S3 (presigned): ${result.count} pixels in ${result.ms.toFixed(0)} ms, ${pruned.length} of ${groups} row groups pruned (${(100 * spill).toFixed(1)}% of their bytes read), ${read} of ${size} bytes read (${((100 * read) / size).toFixed(1)}%; ${sent} sent) in ${served.length} requests to the store`
      );
    } finally {
      await s3.stop();
      s3Front.close();
    }
  });
});
