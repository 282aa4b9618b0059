// The zero-server workshop site against the lab it stands in for: the same workshop notebook, from opening the page
// to its first query result (a catalog search, SQL on a GeoParquet product, the table drawn), in a fresh Chromium
// context each time. Baseline: the lab with its Jupyter server, the tslab kernel and the gateway, measured in this run.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Page } from '@playwright/test';
import { CatalogService } from '../../server/gateway/dist/catalog/service.js';
import { exportStatic } from '../../server/gateway/dist/dissemination/static-export.js';
import { writeWorkshopSite } from '../../server/gateway/dist/dissemination/workshop-site.js';
import { REACHES_PASS_51, REACH_548, startGateway } from '../helpers.js';
import { launchChromium } from '../browser/chromium.js';
import { startLab } from '../browser/lab.js';
import { report } from './stats.js';
import { dirSize } from '../dir-size.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NOTEBOOK = 'solution-1-reach-wse.ipynb';

/** Opens `url` (a page that opens the notebook), runs all its cells, and returns seconds to the first table. */
async function firstResult(url: string, runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const browser = await launchChromium();
    try {
      const page: Page = await (await browser.newContext({ viewport: { width: 1400, height: 850 } })).newPage();
      const t0 = performance.now();
      await page.goto(url);
      await page.waitForSelector('.jp-NotebookPanel .jp-Cell', { timeout: 120_000 });
      // The kernel is known (its name in the toolbar) before the run is asked for.
      await page.waitForFunction(
        () => {
          const w = (window as unknown as { jupyterapp?: { shell: { currentWidget: { sessionContext?: { session?: { kernel?: unknown } } } | null } } })
            .jupyterapp?.shell.currentWidget;
          return !!w?.sessionContext?.session?.kernel;
        },
        null,
        { timeout: 120_000 }
      );
      await page.evaluate(() =>
        (window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }).jupyterapp.commands.execute('notebook:run-all-cells')
      );
      await page.waitForSelector('.jp-OutputArea-output table', { timeout: 120_000 });
      out.push((performance.now() - t0) / 1000);
    } finally {
      await browser.close();
    }
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchLite(runs = 3): Promise<void> {
  const g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_CORS_ORIGINS: '*' } });
  const work = await mkdtemp(path.join(os.tmpdir(), 'hysope-bench-lite-'));
  try {
    for (const f of [...REACHES_PASS_51, REACH_548]) if (!(await g.ingest(f)).ok) throw new Error(`ingest ${f}`);
    // Baseline: the lab as deployed with a server, the notebook opened by its address.
    const notebooks = await mkdtemp(path.join(ROOT, 'test-results', 'bench-lite-'));
    await cp(path.join(ROOT, 'notebooks', 'workshop', NOTEBOOK), path.join(notebooks, NOTEBOOK));
    const lab = await startLab(g.url, notebooks);
    let server: number[];
    try {
      server = await firstResult(`${lab.url}/lab/tree/${NOTEBOOK}?token=${lab.token}`, runs);
    } finally {
      await lab.stop();
      await rm(notebooks, { recursive: true, force: true });
    }
    // The zero-server site of the same catalog, served as plain files.
    const site = path.join(work, 'site');
    await exportStatic(
      { catalog: new CatalogService(g.gateway.store), store: g.gateway.store, series: g.gateway.series, dataDir: g.dataDir },
      { collections: ['swot-riversp-reach'] },
      path.join(site, 'data')
    );
    await writeWorkshopSite(site, { labBuild: path.join(ROOT, 'server', 'lab', 'build'), notebooks: [path.join(ROOT, 'notebooks', 'workshop')] });
    const app = express();
    app.use(express.static(site));
    const http = await new Promise<import('node:http').Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    let lite: number[];
    try {
      lite = await firstResult(`http://127.0.0.1:${(http.address() as AddressInfo).port}/lab/?path=workshop/${NOTEBOOK}`, runs);
    } finally {
      http.close();
    }
    const bytes = await dirSize(site);
    const data = await dirSize(path.join(site, 'data'));
    report('zero-server site size', bytes / 1e6, `MB (lab ${((bytes - data) / 1e6).toFixed(1)} MB, data ${(data / 1e6).toFixed(1)} MB)`);
    report(`zero-server site: page open to the workshop notebook's first query result (median of ${runs}, cold browser)`, median(lite), 's', {
      name: 'the lab with its Jupyter server, tslab and the gateway',
      value: median(server),
      higherIsBetter: false
    });
  } finally {
    await rm(work, { recursive: true, force: true });
    await g.stop();
  }
}
