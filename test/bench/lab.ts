import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rows, sql } from '@hysope/kernels-bridge';
import { PIXC_NORMANDY, startGateway } from '../helpers.js';
import { launchChromium } from '../browser/chromium.js';
import { startLab } from '../browser/lab.js';
import { report } from './stats.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function dirSize(dir: string, filter: (f: string) => boolean = () => true): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += dirSize(p, filter);
    else if (filter(e.name)) total += statSync(p).size;
  }
  return total;
}

/**
 * The lab: cold start (lab server spawn → interactive launcher in Chromium), bundle size, tslab kernel
 * start (new notebook → first result), and `sql` over the PIXC GeoParquet from the Node kernel side.
 */
export async function benchLab(): Promise<void> {
  const build = path.join(ROOT, 'server/lab/build');
  report('lab bundle (JavaScript, without source maps)', dirSize(build, (f) => f.endsWith('.js')) / 1e6, 'MB');
  const g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_CORS_ORIGINS: '*' } });
  const ingested = await g.ingest(PIXC_NORMANDY);
  if (!ingested.ok) throw new Error(ingested.error);
  const t0 = performance.now();
  const lab = await startLab(g.url);
  const serverUp = performance.now() - t0;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    const t1 = performance.now();
    await page.goto(`${lab.url}/lab?token=${lab.token}`);
    await page.waitForSelector('.jp-Launcher', { timeout: 60_000 });
    const launcher = performance.now() - t1;
    report('lab cold start: server answers', serverUp / 1000, 's');
    report('lab cold start: page load to interactive launcher (Chromium)', launcher / 1000, `s (total ${((serverUp + launcher) / 1000).toFixed(2)} s)`);
    const t2 = performance.now();
    await page.evaluate(() => (window as any).jupyterapp.commands.execute('notebook:create-new', { kernelName: 'tslab' }));
    await page.waitForSelector('.jp-Notebook .jp-Cell .cm-content', { timeout: 30_000 });
    await page.click('.jp-Notebook .jp-Cell .cm-content');
    await page.keyboard.insertText('1 + 1');
    await page.keyboard.press('Shift+Enter');
    await page.waitForFunction(() => document.querySelector('.jp-OutputArea-output')?.textContent?.trim() === '2', null, { timeout: 60_000 });
    report('tslab kernel: new notebook to first result', (performance.now() - t2) / 1000, 's');
  } finally {
    await browser.close();
    await lab.stop();
  }
  const href = `${g.url}/assets/products/swot-pixc/${ingested.id}.parquet`;
  // A 1%-area box (10% x 10% of the tile's extent) centred on a pixel.
  const item = await g.gateway.store.item('swot-pixc', ingested.id);
  const [w, s, e, n] = item!.content.bbox as number[] as [number, number, number, number];
  const t0copy = performance.now();
  const centre = rows(await sql('select longitude x, latitude y from pixc where longitude is not null limit 1 offset 40000', { assets: { pixc: href } }))[0]!;
  report(
    `kernel sql: first call on the PIXC asset (copies ${(ingested.bytes / 1e6).toFixed(1)} MB once, then ETag-validated)`,
    performance.now() - t0copy,
    'ms'
  );
  const [x, y] = [Number(centre['x']), Number(centre['y'])];
  const box = `longitude between ${x - (e - w) * 0.05} and ${x + (e - w) * 0.05} and latitude between ${y - (n - s) * 0.05} and ${y + (n - s) * 0.05}`;
  let t = performance.now();
  const first = await sql(`select count(*)::int as n from pixc where ${box}`, { assets: { pixc: href } });
  const firstMs = performance.now() - t;
  t = performance.now();
  await sql(`select count(*)::int as n from pixc where ${box}`, { assets: { pixc: href } });
  const warmMs = performance.now() - t;
  report(`kernel sql 1% bbox query on the PIXC sample (${rows(first)[0]!['n']} pixels), 0 bytes fetched (304)`, firstMs, `ms (again: ${warmMs.toFixed(0)} ms)`);
  await g.stop();
}
