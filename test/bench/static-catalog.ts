// A workshop site's static catalog at the sizes a region's archive has: the first search (the catalog walked over
// HTTP, then filtered in memory) by @hysope/api's StaticCatalogIndex — what the catalog browser and the browser
// kernel's Catalog() do — against pystac reading the same catalog from the same server (the STAC community's reader),
// measured in this run. Items are copies of a real exported RiverSP item spread over two years and a continent, so a
// search's area holds about 1% of them.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import express from 'express';
import { StaticCatalogIndex } from '@hysope/api';
import { CatalogService } from '../../server/gateway/dist/catalog/service.js';
import { exportStatic } from '../../server/gateway/dist/dissemination/static-export.js';
import { REACH_548, startGateway } from '../helpers.js';
import { report } from './stats.js';

const run = promisify(execFile);
const PYTHON_DIR = fileURLToPath(new URL('../python', import.meta.url));
const COLLECTION = 'swot-riversp-reach';

/** A real exported item, as the template of the synthetic ones. */
async function templateItem(work: string): Promise<Record<string, unknown>> {
  const g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0' } });
  try {
    if (!(await g.ingest(REACH_548)).ok) throw new Error('ingest');
    const out = path.join(work, 'template');
    await exportStatic(
      { catalog: new CatalogService(g.gateway.store), store: g.gateway.store, series: g.gateway.series, dataDir: g.dataDir },
      { collections: [COLLECTION] },
      out
    );
    const dir = (await readdir(path.join(out, COLLECTION), { withFileTypes: true })).find((e) => e.isDirectory())!.name;
    return JSON.parse(await readFile(path.join(out, COLLECTION, dir, `${dir}.json`), 'utf8')) as Record<string, unknown>;
  } finally {
    await g.stop();
  }
}

/** Writes a static catalog of `n` items (a 10×10-degree grid over North America, one a day), returns its folder. */
async function synthesize(work: string, template: Record<string, unknown>, n: number): Promise<string> {
  const root = path.join(work, `catalog-${n}`);
  const links: { rel: string; href: string; type: string }[] = [];
  const t0 = Date.parse('2024-01-01T00:00:00Z');
  for (let k = 0; k < n; k++) {
    const id = `${template['id'] as string}_${k}`;
    // 100 cells of 1° over 10°×10°: the search area lies in one of them (1% of the items).
    const [x, y] = [-110 + (k % 10), 35 + (Math.floor(k / 10) % 10)];
    const day = new Date(t0 + k * 86_400_000 * (730 / n)).toISOString();
    const item = {
      ...template,
      id,
      bbox: [x + 0.1, y + 0.1, x + 0.9, y + 0.9],
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [x + 0.1, y + 0.1],
            [x + 0.9, y + 0.1],
            [x + 0.9, y + 0.9],
            [x + 0.1, y + 0.9],
            [x + 0.1, y + 0.1]
          ]
        ]
      },
      properties: { ...(template['properties'] as object), datetime: day, start_datetime: day, end_datetime: day },
      links: [
        { rel: 'root', href: '../../catalog.json', type: 'application/json' },
        { rel: 'parent', href: '../collection.json', type: 'application/json' },
        { rel: 'collection', href: '../collection.json', type: 'application/json' }
      ]
    };
    await mkdir(path.join(root, COLLECTION, id), { recursive: true });
    await writeFile(path.join(root, COLLECTION, id, `${id}.json`), JSON.stringify(item));
    links.push({ rel: 'item', href: `./${id}/${id}.json`, type: 'application/geo+json' });
  }
  const collection = {
    type: 'Collection',
    stac_version: '1.0.0',
    id: COLLECTION,
    description: 'synthetic',
    license: 'CC-BY-4.0',
    extent: { spatial: { bbox: [[-110, 35, -100, 45]] }, temporal: { interval: [['2024-01-01T00:00:00Z', '2026-01-01T00:00:00Z']] } },
    links: [{ rel: 'root', href: '../catalog.json', type: 'application/json' }, ...links]
  };
  await writeFile(path.join(root, COLLECTION, 'collection.json'), JSON.stringify(collection));
  await writeFile(
    path.join(root, 'catalog.json'),
    JSON.stringify({
      type: 'Catalog',
      stac_version: '1.0.0',
      id: 'bench',
      description: 'synthetic',
      links: [{ rel: 'child', href: `./${COLLECTION}/collection.json` }]
    })
  );
  return root;
}

/** pystac: the catalog read over HTTP, its items filtered by the same area; seconds and the count. */
async function pystacSearch(url: string, bbox: number[]): Promise<{ seconds: number; found: number }> {
  const code = `
import json, sys, time
sys.path[:0] = [${JSON.stringify(PYTHON_DIR)}, ${JSON.stringify(path.join(PYTHON_DIR, 'vendor'))}]
import pystac
w, s, e, n = ${JSON.stringify(bbox)}
t = time.perf_counter()
found = sum(1 for i in pystac.Catalog.from_file(${JSON.stringify(url)}).get_items(recursive=True)
            if i.bbox[0] <= e and i.bbox[2] >= w and i.bbox[1] <= n and i.bbox[3] >= s)
print(json.dumps({"seconds": time.perf_counter() - t, "found": found}))`;
  // NOTE: asynchronous: the static server answering pystac runs in this process.
  const { stdout } = await run('/usr/bin/python3', ['-c', code], { encoding: 'utf8', timeout: 1_800_000 });
  return JSON.parse(stdout) as { seconds: number; found: number };
}

export async function benchStaticCatalog(sizes: number[]): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'hysope-bench-static-'));
  try {
    const template = await templateItem(work);
    for (const n of sizes) {
      const root = await synthesize(work, template, n);
      const app = express();
      app.use(express.static(root));
      const server = await new Promise<import('node:http').Server>((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s));
      });
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/catalog.json`;
        const bbox = [-105.8, 39.2, -105.2, 39.8];
        const t = performance.now();
        const index = new StaticCatalogIndex(url);
        const found = (await index.matching({ collections: [COLLECTION], bbox })).length;
        const first = (performance.now() - t) / 1000;
        const t2 = performance.now();
        await index.matching({ collections: [COLLECTION], bbox, datetime: '2025-01-01T00:00:00Z/2025-06-30T23:59:59Z' });
        const next = (performance.now() - t2) / 1000;
        const py = await pystacSearch(url, bbox);
        if (py.found !== found) throw new Error(`pystac found ${py.found} items, StaticCatalogIndex ${found}`);
        report(`static catalog of ${n} items: first search (walk over HTTP + filter, ${found} found)`, first, 's', {
          name: 'pystac reading the same catalog from the same server',
          value: py.seconds,
          higherIsBetter: false
        });
        report(`static catalog of ${n} items: a later search (in memory)`, next * 1000, 'ms');
      } finally {
        server.close();
        await rm(root, { recursive: true, force: true });
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
