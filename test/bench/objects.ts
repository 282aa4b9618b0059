import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { PIXC_NORMANDY } from '../helpers.js';
import { serveProcess, type Served } from '../hysope-serve.js';
import { findBin, startPostgres } from '../pg-server.js';
import { haveCeph, startS3 } from '../s3-server.js';
import { median, report } from './stats.js';

const HYSOPE = fileURLToPath(new URL('../../server/gateway/bin/hysope.js', import.meta.url));
const SYNTHESIZE = fileURLToPath(new URL('../python/synthesize_pixc.py', import.meta.url));
const ROUNDS = 5;

/** `hysope ingest FILE` in its own process: its own reported seconds. */
function ingest(file: string, dataDir: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HYSOPE, 'ingest', '--data', dataDir, file], {
      env: { ...process.env, HYSOPE_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const own = Number(/ ok .* ([\d.]+) s$/m.exec(out)?.[1]);
      if (code !== 0 || !(own > 0)) reject(new Error(`hysope ingest failed (${code}): ${out}`));
      else resolve(own);
    });
  });
}

/** The byte ranges a range reader (DuckDB-WASM) fetches for a bbox: the footer, then the row groups the bbox statistics keep. */
async function rangesFor(file: string, box: number[]): Promise<{ ranges: [number, number][]; groups: number; kept: number }> {
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  const rows = (
    await duck.runAndReadAll(
      `select row_group_id g, path_in_schema p, coalesce(stats_min_value, stats_min) lo, coalesce(stats_max_value, stats_max) hi, coalesce(dictionary_page_offset, data_page_offset) s, total_compressed_size n
       from parquet_metadata('${file}')`
    )
  ).getRowObjectsJS();
  const groups = new Map<number, { start: number; end: number; x?: [number, number]; y?: [number, number] }>();
  for (const r of rows) {
    const g = Number(r['g']);
    const e = groups.get(g) ?? { start: Infinity, end: 0 };
    e.start = Math.min(e.start, Number(r['s']));
    e.end = Math.max(e.end, Number(r['s']) + Number(r['n']));
    if (r['p'] === 'geometry, x') e.x = [Number(r['lo']), Number(r['hi'])];
    if (r['p'] === 'geometry, y') e.y = [Number(r['lo']), Number(r['hi'])];
    groups.set(g, e);
  }
  const size = (await stat(file)).size;
  const footer = (await import('node:fs'))
    .readFileSync(file)
    .subarray(size - 8, size - 4)
    .readUInt32LE(0);
  const ranges: [number, number][] = [[size - 8 - footer, size]];
  let kept = 0;
  for (const e of groups.values()) {
    if (!e.x || !e.y) throw new Error('no geometry x/y statistics in the product');
    if (e.x[1] < box[0]! || e.x[0] > box[2]! || e.y[1] < box[1]! || e.y[0] > box[3]!) continue;
    ranges.push([e.start, e.end]);
    kept++;
  }
  return { ranges, groups: groups.size, kept };
}

/** Fetches the ranges one after the other (as a range reader does); milliseconds and bytes. */
async function fetchRanges(url: string, ranges: [number, number][], headers: Record<string, string> = {}): Promise<{ ms: number; bytes: number }> {
  const t = performance.now();
  let bytes = 0;
  for (const [start, end] of ranges) {
    const res = await fetch(url, { headers: { ...headers, Range: `bytes=${start}-${end - 1}` } });
    if (res.status !== 206) throw new Error(`${url}: ${res.status} for bytes=${start}-${end - 1}`);
    bytes += (await res.arrayBuffer()).byteLength;
  }
  return { ms: performance.now() - t, bytes };
}

/** The gateway's bytes read from its object store (its metric). */
async function storeBytesRead(g: Served, token: string): Promise<number> {
  const text = await (await fetch(`${g.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } })).text();
  return Number(/hysope_object_store_bytes_total\{direction="read"\} (\d+)/.exec(text)?.[1] ?? NaN);
}

/**
 * The object store at a PIXC tile's real size (`pixels`, synthesized from the real sample): the same tile ingested into
 * a folder store and into S3 (Ceph's RADOS Gateway, one node), then a 1% bbox read — by ranges as DuckDB-WASM reads
 * (through the gateway; straight from S3 by a presigned URL), and as a GeoParquet export (native DuckDB in the gateway:
 * a copy of the product fetched once, checked by ETag after) — against the folder store, measured in the same run.
 */
export async function benchObjects(pixels: number): Promise<void> {
  if (!haveCeph()) throw new Error('the object-store benchmark needs Ceph (apt-get install ceph-mon ceph-osd radosgw ceph-common)');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-bench-objects-'));
  const bin = findBin();
  if (!bin) throw new Error('the object-store benchmark needs PostgreSQL (its gateways share a catalog)');
  const pgServer = await startPostgres(bin);
  const s3 = await startS3();
  const served: Served[] = [];
  const token = 'bench-metrics-token-0123456789abcdef';
  try {
    const file = path.join(dir, 'tile', path.basename(PIXC_NORMANDY));
    spawnSync('mkdir', ['-p', path.dirname(file)]);
    const synth = spawnSync('/usr/bin/python3', [SYNTHESIZE, PIXC_NORMANDY, file, String(pixels)], { encoding: 'utf8' });
    if (synth.status !== 0) throw new Error(`synthesize_pixc.py: ${synth.stderr}`);
    const mb = (await stat(file)).size / 1e6;
    const stores: Record<'folder' | 's3', NodeJS.ProcessEnv> = {
      folder: {},
      s3: { ...s3.env, HYSOPE_OBJECT_STORE: 's3://hysope-bench/store' }
    };
    const dataDirs: Record<string, string> = {};
    const own: Record<string, number> = {};
    for (const [name, env] of Object.entries(stores)) {
      dataDirs[name] = await mkdtemp(path.join(dir, `${name}-`));
      {
        const c = new pg.Client({ connectionString: pgServer.url });
        await c.connect();
        await c.query(`create database bench_${name}`);
        await c.end();
        const u = new URL(pgServer.url);
        u.pathname = `/bench_${name}`;
        env['HYSOPE_DATABASE_URL'] = u.toString();
      }
      env['HYSOPE_METRICS_TOKEN'] = token;
      env['HYSOPE_RATE_LIMIT'] = '0';
      own[name] = await ingest(file, dataDirs[name]!, env);
    }
    const label = `PIXC ${pixels.toLocaleString('en')} pixels (${mb.toFixed(0)} MB granule)`;
    report(`${label} ingest's own time into S3`, own['s3']!, 's', { name: 'into the folder store', value: own['folder']!, higherIsBetter: false });
    const folder = await serveProcess(dataDirs['folder']!, stores.folder);
    served.push(folder);
    const onS3 = await serveProcess(dataDirs['s3']!, { ...stores.s3, HYSOPE_ASSET_ACCESS: 'proxy' });
    served.push(onS3);
    const redirecting = await serveProcess(await mkdtemp(path.join(dir, 's3-redirect-')), { ...stores.s3, HYSOPE_ASSET_ACCESS: 'redirect' });
    served.push(redirecting);

    const item = (await (await fetch(`${folder.url}/stac/search?collections=swot-pixc&limit=1`)).json()) as { features: { id: string }[] };
    const id = item.features[0]!.id;
    const product = path.join(dataDirs['folder']!, 'products', 'swot-pixc', `${id}.parquet`);
    const size = (await stat(product)).size;
    // A box of 10% x 10% of the tile's extent (1% of its area), centred on a pixel of the swath.
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const [e] = (
      await duck.runAndReadAll(
        `select min(geometry.x) w, min(geometry.y) s, max(geometry.x) e, max(geometry.y) n,
                (select geometry.x from '${product}' limit 1 offset ${Math.floor(pixels / 2)}) x, (select geometry.y from '${product}' limit 1 offset ${Math.floor(pixels / 2)}) y
         from '${product}'`
      )
    ).getRowObjectsJS();
    const [w, s, ea, n, x, y] = ['w', 's', 'e', 'n', 'x', 'y'].map((k) => Number(e![k]));
    const box = [x! - (ea! - w!) * 0.05, y! - (n! - s!) * 0.05, x! + (ea! - w!) * 0.05, y! + (n! - s!) * 0.05];
    const { ranges, groups, kept } = await rangesFor(product, box);
    const asset = `/assets/products/swot-pixc/${id}.parquet`;
    const presigned = (await fetch(`${redirecting.url}${asset}`, { redirect: 'manual' })).headers.get('location')!;
    const times: Record<string, number[]> = { folder: [], s3: [], presigned: [] };
    let bytes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const [k, url] of [
        ['folder', `${folder.url}${asset}`],
        ['s3', `${onS3.url}${asset}`],
        ['presigned', presigned]
      ] as const) {
        const r = await fetchRanges(url, ranges);
        times[k]!.push(r.ms);
        bytes = r.bytes;
      }
    }
    const rangeLabel = `${label} 1% bbox by ranges (footer + ${kept} of ${groups} row groups: ${(bytes / 1e6).toFixed(1)} of ${(size / 1e6).toFixed(0)} MB, ${ranges.length} requests)`;
    const base = { name: 'the folder store through the gateway', value: median(times['folder']!), higherIsBetter: false };
    report(`${rangeLabel}: folder store through the gateway, median`, median(times['folder']!), 'ms');
    report(`${rangeLabel}: S3 through the gateway, median`, median(times['s3']!), 'ms', base);
    report(`${rangeLabel}: S3 straight by a presigned URL, median`, median(times['presigned']!), 'ms', base);

    // The export (native DuckDB in the gateway): the product read in place, or from a copy fetched from S3 once.
    const exportOnce = async (g: Served) => {
      const t = performance.now();
      const res = await fetch(`${g.url}/stac/collections/swot-pixc/export?bbox=${box.join(',')}&format=geoparquet`);
      const body = await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`export: ${res.status} ${Buffer.from(body).toString().slice(0, 300)}`);
      return { ms: performance.now() - t, bytes: body.byteLength };
    };
    const readBefore = await storeBytesRead(onS3, token);
    const cold = await exportOnce(onS3);
    const fetched = (await storeBytesRead(onS3, token)) - readBefore;
    const warm: number[] = [];
    const local: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      local.push((await exportOnce(folder)).ms);
      warm.push((await exportOnce(onS3)).ms);
    }
    const again = (await storeBytesRead(onS3, token)) - readBefore - fetched;
    const exportLabel = `${label} 1% bbox GeoParquet export (${(cold.bytes / 1e6).toFixed(1)} MB out)`;
    const exportBase = { name: 'the folder store', value: median(local), higherIsBetter: false };
    report(`${exportLabel}: folder store, median`, median(local), 'ms');
    report(`${exportLabel}: S3, first (fetched ${(fetched / 1e6).toFixed(1)} MB of the store)`, cold.ms, 'ms', exportBase);
    report(`${exportLabel}: S3, next ones (fetched ${(again / 1e6).toFixed(1)} MB more), median`, median(warm), 'ms', exportBase);
  } finally {
    for (const g of served) await g.stop().catch(() => undefined);
    await s3.stop();
    pgServer.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
