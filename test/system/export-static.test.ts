// `hysope export-static`: a static STAC catalog of public data for a workshop site — read by pystac and validated
// against the official schemas, served by a plain static web server and searched by the catalog browser's client.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyCatalog, StaticCatalog } from '../../extensions/catalog-browser/src/static-catalog.js';
import { StacError } from '../../extensions/catalog-browser/src/stac.js';
import { Catalog } from '../../kernels-bridge/src/catalog.js';
import { openCatalog } from '../../server/gateway/src/app.js';
import { loadConfig } from '../../server/gateway/src/config.js';
import { Gallery } from '../../server/gateway/src/dissemination/gallery.js';
import { LAKE_GREENLAND, PIXC_NORMANDY, REACHES_PASS_51, REACH_548, runProcess } from '../helpers.js';

const HYSOPE = fileURLToPath(new URL('../../server/gateway/bin/hysope.js', import.meta.url));
const READER = fileURLToPath(new URL('../python/read_static_catalog.py', import.meta.url));
const NOTEBOOKS = fileURLToPath(new URL('../../notebooks/workshop', import.meta.url));
/** Around Pittsburgh: the pass-51 reaches are in it, the pass-548 granule and the PIXC tile (Normandy) are not. */
const AREA = [-81, 39.5, -79, 41.5] as const;
const PITTSBURGH = '74269900011';

function hysope(...args: string[]) {
  return runProcess(process.execPath, [HYSOPE, ...args], { env: { ...process.env, HYSOPE_LOG_LEVEL: 'warn' }, timeout: 300_000 });
}

describe('hysope export-static: a workshop site from a static folder', () => {
  let dir: string;
  let data: string;
  let out: string;
  let server: import('node:http').Server;
  let site: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-static-'));
    data = path.join(dir, 'data');
    out = path.join(dir, 'site');
    const ingest = await hysope('ingest', '--data', data, ...REACHES_PASS_51, REACH_548, PIXC_NORMANDY, LAKE_GREENLAND);
    expect(ingest.status, ingest.stdout + ingest.stderr).toBe(0);
    // Any static web server: here express.static, on another port than anything HYSOPE runs.
    const app = express();
    app.use(express.static(out));
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    site = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 300_000);
  afterAll(async () => {
    server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** `hysope export-static` of this suite's catalog into `out`. */
  const exportTo = (out: string, ...args: string[]) => hysope('export-static', '--data', data, ...args, out);

  /** An export that must fail with `message` before writing anything in `out`. */
  async function refusedBeforeWriting(out: string, message: RegExp, ...args: string[]) {
    const r = await exportTo(out, ...args);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  }

  it('refuses what a static site cannot protect or name, before writing anything', async () => {
    const access = await hysope('access', 'swot-lakesp', 'scientific', '--data', data);
    expect(access.status, access.stderr).toBe(0);
    const restricted = await hysope('export-static', '--data', data, '--collections', 'swot-riversp-reach,swot-lakesp', out);
    expect(restricted.status).not.toBe(0);
    expect(restricted.stderr).toMatch(/swot-lakesp.*not public/);
    expect(existsSync(out)).toBe(false);
    const unknown = await hysope('export-static', '--data', data, '--collections', 'no-such-thing', out);
    expect(unknown.stderr).toMatch(/"no-such-thing" does not exist/);
    const badBox = await hysope('export-static', '--data', data, '--collections', 'swot-riversp-reach', '--bbox', '10,0,5,1', out);
    expect(badBox.stderr).toMatch(/--bbox must be W,S,E,N/);
    expect(existsSync(out)).toBe(false);
  });

  it('writes a self-contained STAC 1.0 catalog that pystac reads and validates offline, every asset a file of the site', async () => {
    const r = await hysope(
      'export-static',
      '--data',
      data,
      '--collections',
      'swot-riversp-reach,swot-pixc',
      `--bbox=${AREA.join(',')}`,
      '--title',
      'Ohio workshop',
      out
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/swot-riversp-reach: 3 items, swot-pixc: 0 items; 1 time-series file/);
    const py = await runProcess('/usr/bin/python3', [READER, path.join(out, 'catalog.json')], { timeout: 120_000 });
    expect(py.status, py.stderr).toBe(0);
    const read = JSON.parse(py.stdout) as {
      type: string;
      collections: Record<string, { items: number; assets: number; collection_assets: string[] }>;
      missing: string[];
    };
    expect(read.type).toBe('SELF_CONTAINED');
    expect(read.collections['swot-riversp-reach']).toEqual({ items: 3, assets: 3, collection_assets: ['timeseries'] });
    expect(read.collections['swot-pixc']!.items).toBe(0);
    expect(read.missing).toEqual([]);
    // The original granules stay out unless asked for (they are the heavy part).
    expect(existsSync(path.join(out, 'swot-riversp-reach', path.basename(REACHES_PASS_51[0]!, '.zip'), path.basename(REACHES_PASS_51[0]!)))).toBe(false);
  });

  it('the time-series file holds the observations of the features in the area, and only those', async () => {
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const file = path.join(out, 'swot-riversp-reach', 'timeseries.parquet');
    const rows = (
      await duck.runAndReadAll(
        `select count(*)::int as n, count(distinct reach_id)::int as reaches, min(p_lon) as w, min(p_lat) as s, max(p_lon) as e, max(p_lat) as n2,
                count(*) filter (where reach_id = '${PITTSBURGH}')::int as pittsburgh from read_parquet('${file}')`
      )
    ).getRowObjectsJS()[0]!;
    expect(rows['n']).toBeGreaterThan(0);
    expect(rows['pittsburgh']).toBe(3);
    expect(Number(rows['w'])).toBeGreaterThanOrEqual(AREA[0]);
    expect(Number(rows['s'])).toBeGreaterThanOrEqual(AREA[1]);
    expect(Number(rows['e'])).toBeLessThanOrEqual(AREA[2]);
    expect(Number(rows['n2'])).toBeLessThanOrEqual(AREA[3]);
    duck.closeSync();
  });

  it("the catalog browser's client searches the static site: collections, area, time, SWOT fields, text, pages", async () => {
    const catalog = new AnyCatalog({ name: 'workshop', url: `${site}/catalog.json` });
    expect((await catalog.collections()).map((c) => c.id).sort()).toEqual(['swot-pixc', 'swot-riversp-reach']);
    const first = await catalog.search({ collections: ['swot-riversp-reach'], limit: 2 });
    expect(first.matched).toBe(3);
    expect(first.items).toHaveLength(2);
    const second = await first.next!();
    expect(second.items).toHaveLength(1);
    expect(second.next).toBeNull();
    // Assets resolve to the static host, and it serves them.
    const asset = Object.values(second.items[0]!.assets)[0]!;
    expect(asset.href.startsWith(`${site}/swot-riversp-reach/`)).toBe(true);
    expect((await fetch(asset.href, { method: 'HEAD' })).status).toBe(200);
    expect((await catalog.search({ bbox: [0, 40, 1, 41] })).matched).toBe(0);
    expect((await catalog.search({ bbox: [-80.5, 40, -79.5, 41] })).matched).toBe(3);
    expect((await catalog.search({ datetime: '2010-09-01T00:00:00Z/2010-09-10T00:00:00Z' })).items.map((i) => i.id)).toEqual([
      path.basename(REACHES_PASS_51[1]!, '.zip')
    ]);
    expect((await catalog.search({ filter: 'swot:cycle = 3 and swot:pass = 51', 'filter-lang': 'cql2-text' })).items.map((i) => i.id)).toEqual([
      path.basename(REACHES_PASS_51[2]!, '.zip')
    ]);
    await expect(catalog.search({ filter: 'swot:cycle > 3' })).rejects.toThrow(StacError);
    expect((await catalog.search({ q: 'riversp' })).matched).toBe(3);
    expect((await catalog.datetimes({ collections: ['swot-riversp-reach'], datetime: '2000-01-01T00:00:00Z/2000-01-02T00:00:00Z' })).length).toBe(3);
  });

  it("kernels-bridge's Catalog searches the static site as a notebook searches the gateway, pins included", async () => {
    const catalog = new Catalog({ url: `${site}/catalog.json` });
    expect((await catalog.collections()).map((c) => c.id).sort()).toEqual(['swot-pixc', 'swot-riversp-reach']);
    const cycle3 = await catalog.search({ collections: ['swot-riversp-reach'], filter: '"swot:cycle" = 3', 'filter-lang': 'cql2-text' });
    expect(cycle3.map((i) => i.id)).toEqual([path.basename(REACHES_PASS_51[2]!, '.zip')]);
    expect(await catalog.search({ collections: ['swot-riversp-reach'] }, 2)).toHaveLength(2);
    // A re-run of a gallery notebook reads only its pinned items, from a static site as from the gateway.
    process.env['HYSOPE_PINS'] = JSON.stringify([{ collection: 'swot-riversp-reach', id: path.basename(REACHES_PASS_51[0]!, '.zip') }]);
    try {
      expect((await catalog.search({ collections: ['swot-riversp-reach'] })).map((i) => i.id)).toEqual([path.basename(REACHES_PASS_51[0]!, '.zip')]);
    } finally {
      delete process.env['HYSOPE_PINS'];
    }
    await expect(catalog.search({ filter: 'swot:cycle > 3' })).rejects.toThrow(/"property = value" terms only/);
  });

  it('--lab wraps the export in the zero-server lab: the lab build, the notebooks and their listings, settings, one page', async () => {
    const lab = path.join(dir, 'lab-site');
    await refusedBeforeWriting(
      lab,
      /--notebooks: no notebook or folder at/,
      '--collections',
      'swot-riversp-reach',
      '--lab',
      '--notebooks',
      path.join(dir, 'nowhere')
    );
    const r = await exportTo(lab, '--collections', 'swot-riversp-reach', `--bbox=${AREA.join(',')}`, '--lab', '--title', 'Ohio <workshop>');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // The Python workshop notebooks are left out, and said so: no Python kernel runs without a server.
    expect(r.stdout).toMatch(/left out \(a Python kernel[^)]*\): .*exercise-2-water-pixels\.ipynb/);
    expect(existsSync(path.join(lab, 'files', 'workshop', 'exercise-2-water-pixels.ipynb'))).toBe(false);
    expect(existsSync(path.join(lab, 'files', '01-discover-the-catalog.ipynb'))).toBe(true);
    // The catalog in data/, the same one export-static writes alone.
    expect(JSON.parse(await readFile(path.join(lab, 'data', 'catalog.json'), 'utf8'))).toMatchObject({ type: 'Catalog' });
    const page = await readFile(path.join(lab, 'lab', 'index.html'), 'utf8');
    expect(page).toContain('<title>Ohio &lt;workshop&gt;</title>');
    const config = JSON.parse(/<script id="jupyter-config-data" type="application\/json">(.*?)<\/script>/s.exec(page)![1]!) as Record<string, unknown>;
    expect(config).toMatchObject({ hysopeEdition: 'lite', hysopeGatewayUrl: 'data/catalog.json', defaultKernelName: 'tslab', contentsAllJsonFile: 'all.json' });
    // The bundled workshop notebooks, listed as JupyterLite's contents service reads them.
    const workshop = JSON.parse(await readFile(path.join(lab, 'api', 'contents', 'workshop', 'all.json'), 'utf8')) as {
      content: { path: string; type: string }[];
    };
    expect(workshop.content.map((c) => c.path)).toContain('workshop/solution-1-reach-wse.ipynb');
    expect(workshop.content.every((c) => c.type === 'notebook')).toBe(true);
    expect(existsSync(path.join(lab, 'files', 'workshop', 'solution-1-reach-wse.ipynb'))).toBe(true);
    const settings = JSON.parse(await readFile(path.join(lab, 'static', 'settings', 'all.json'), 'utf8')) as { id: string }[];
    expect(settings.map((p) => p.id)).toEqual(expect.arrayContaining(['@hysope/catalog-browser:plugin', '@jupyterlab/notebook-extension:tracker']));
    expect(existsSync(path.join(lab, 'static', 'bundle.js'))).toBe(true);
  });

  it('--gallery puts public gallery notebooks into the site (their pins with them); a restricted one is refused before writing', async () => {
    const lab = path.join(dir, 'gallery-site');
    const { db, store } = await openCatalog(loadConfig({}, { data }));
    const ids: Record<string, string> = {};
    try {
      const gallery = new Gallery(db, store);
      const trainer = { name: 'trainer', role: 'scientific', key: 'user:trainer' } as const;
      const read = async (name: string) => JSON.parse(await readFile(path.join(NOTEBOOKS, name), 'utf8')) as Record<string, unknown>;
      ids['ts'] = (
        await gallery.publish(trainer, { title: 'Highest reach / Ohio', license: 'CC-BY-4.0', notebook: await read('solution-1-reach-wse.ipynb') })
      ).id;
      ids['py'] = (await gallery.publish(trainer, { title: 'Water pixels', license: 'CC-BY-4.0', notebook: await read('solution-2-water-pixels.ipynb') })).id;
      // A notebook whose pins are in a restricted collection is not public (swot-lakesp is scientific-only here).
      const pinned = { ...(await read('solution-1-reach-wse.ipynb')), metadata: { hysope: { reads: [{ collection: 'swot-lakesp', id: 'x' }] } } };
      ids['restricted'] = (await gallery.publish(trainer, { title: 'Lakes', license: 'CC-BY-4.0', notebook: pinned })).id;
    } finally {
      await db.close();
    }
    await refusedBeforeWriting(lab, /no public gallery notebook/, '--collections', 'swot-riversp-reach', '--lab', '--gallery', ids['restricted']!);
    const r = await exportTo(
      lab,
      '--collections',
      'swot-riversp-reach',
      '--lab',
      '--notebooks',
      path.join(NOTEBOOKS, 'exercise-1-reach-wse.ipynb'),
      '--gallery',
      `${ids['ts']},${ids['py']}`
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`gallery notebook: ${path.join(lab, 'lab')}/?path=gallery/Highest-reach-Ohio.ipynb`);
    expect(r.stdout).toMatch(/left out .*gallery\/Water-pixels\.ipynb/);
    const nb = JSON.parse(await readFile(path.join(lab, 'files', 'gallery', 'Highest-reach-Ohio.ipynb'), 'utf8')) as {
      metadata: { hysope: { gallery: string } };
    };
    expect(nb.metadata.hysope.gallery).toBe(ids['ts']);
    const listing = JSON.parse(await readFile(path.join(lab, 'api', 'contents', 'gallery', 'all.json'), 'utf8')) as { content: { path: string }[] };
    expect(listing.content.map((c) => c.path)).toEqual(['gallery/Highest-reach-Ohio.ipynb']);
  });

  it('a site that is not a STAC catalog is a clear error', async () => {
    await expect(new StaticCatalog({ name: 'nothing', url: `${site}/no-such.json` }).collections()).rejects.toThrow(/answered HTTP 404/);
    await expect(
      new StaticCatalog({
        name: 'an item',
        url: `${site}/swot-riversp-reach/${path.basename(REACHES_PASS_51[0]!, '.zip')}/${path.basename(REACHES_PASS_51[0]!, '.zip')}.json`
      }).collections()
    ).rejects.toThrow(/neither a STAC catalog nor a collection/);
  });
});
