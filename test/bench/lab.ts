import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rows, sql } from '@hysope/kernels-bridge';
import { PIXC_NORMANDY, startGateway } from '../helpers.js';
import { launchChromium } from '../browser/chromium.js';
import { startLab } from '../browser/lab.js';
import { report } from './stats.js';
import { dirSize } from '../dir-size.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What a page load transferred (compressed bytes on the wire, headers included), all and JavaScript only. */
interface Transfer {
  total: number;
  js: number;
}

/** The launcher with its kernels' notebook cards: what a user clicks first. */
export const LAUNCHER_READY = '.jp-Launcher .jp-LauncherCard[data-category="Notebook"]';

/**
 * Loads a page (the lab, the portal) in a fresh browser context (empty cache), then again (warm cache): seconds from
 * navigation to the `ready` element (the lab: an interactive launcher), taken in the page (a mutation observer stamps when the kernel cards appear, so the
 * figure does not include Playwright's polling), and bytes moved.
 */
export async function firstLoad(url: string, ready = LAUNCHER_READY): Promise<{ cold: number; warm: number; coldBytes: Transfer; warmBytes: Transfer }> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.addInitScript((selector: string) => {
      const stamp = new MutationObserver(() => {
        if (!document.querySelector(selector)) return;
        (window as unknown as { __launcherReady: number }).__launcherReady = performance.now();
        stamp.disconnect();
      });
      stamp.observe(document, { childList: true, subtree: true });
    }, ready);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const types = new Map<string, string>();
    let moved: Transfer = { total: 0, js: 0 };
    cdp.on('Network.responseReceived', (e: { requestId: string; type: string; response: { mimeType: string } }) => types.set(e.requestId, e.response.mimeType));
    cdp.on('Network.loadingFinished', (e: { requestId: string; encodedDataLength: number }) => {
      moved.total += e.encodedDataLength;
      if (/javascript/.test(types.get(e.requestId) ?? '')) moved.js += e.encodedDataLength;
    });
    const load = async () => {
      moved = { total: 0, js: 0 };
      await page.goto(url);
      await page.waitForSelector(ready, { timeout: 60_000, state: 'attached' });
      const ms = await page.evaluate(() => (window as unknown as { __launcherReady: number }).__launcherReady);
      await page.waitForTimeout(500);
      return { seconds: ms / 1000, bytes: { ...moved } };
    };
    const cold = await load();
    const warm = await load();
    return { cold: cold.seconds, warm: warm.seconds, coldBytes: cold.bytes, warmBytes: warm.bytes };
  } finally {
    await browser.close();
  }
}

/**
 * The lab's first load as deployed (the production build: minified, gzip, hashed chunks cached for a year)
 * against the development build of the same sources, built beside it in this run and served the same way.
 */
export async function benchLabFirstLoad(gatewayUrl: string): Promise<void> {
  const devDir = await mkdtemp(path.join(os.tmpdir(), 'hysope-lab-dev-'));
  try {
    const built = spawnSync('npx', ['webpack', '--mode', 'development'], {
      cwd: path.join(ROOT, 'server/lab'),
      env: { ...process.env, HYSOPE_LAB_BUILD_DIR: devDir },
      encoding: 'utf8'
    });
    if (built.status !== 0) throw new Error(`development build: ${built.stderr}`);
    const measure = async (env: Record<string, string>) => {
      const lab = await startLab(gatewayUrl, undefined, { env });
      try {
        return await firstLoad(`${lab.url}/lab?token=${lab.token}`);
      } finally {
        await lab.stop();
      }
    };
    const prod = await measure({});
    const dev = await measure({ HYSOPE_LAB_BUILD: devDir });
    // How the lab was served before: the development build, uncompressed.
    const before = await measure({ HYSOPE_LAB_BUILD: devDir, HYSOPE_LAB_COMPRESS: '0' });
    const mb = (b: number) => b / 1e6;
    for (const [name, base] of [
      ['development build, compressed', dev],
      ['development build uncompressed (as served before)', before]
    ] as const) {
      report('lab first load: JavaScript transferred (production build, gzip)', mb(prod.coldBytes.js), 'MB', {
        name,
        value: mb(base.coldBytes.js),
        higherIsBetter: false
      });
      report('lab first load: page to interactive launcher (production build, gzip)', prod.cold, 's', { name, value: base.cold, higherIsBetter: false });
    }
    report('lab first load: everything transferred (production build, gzip)', mb(prod.coldBytes.total), 'MB');
    report('lab second load (warm cache): transferred (production build)', mb(prod.warmBytes.total), 'MB', {
      name: 'as served before',
      value: mb(before.warmBytes.total),
      higherIsBetter: false
    });
    report('lab second load (warm cache): page to interactive launcher (production build)', prod.warm, 's', {
      name: 'as served before',
      value: before.warm,
      higherIsBetter: false
    });
  } finally {
    await rm(devDir, { recursive: true, force: true });
  }
}

/**
 * The lab: cold start (lab server spawn → interactive launcher in Chromium), bundle size, tslab kernel
 * start (new notebook → first result), and `sql` over the PIXC GeoParquet from the Node kernel side.
 */
export async function benchLab(): Promise<void> {
  const build = path.join(ROOT, 'server/lab/build');
  report('lab bundle (JavaScript, without source maps)', (await dirSize(build, (f) => f.endsWith('.js'))) / 1e6, 'MB');
  const g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_CORS_ORIGINS: '*' } });
  const ingested = await g.ingest(PIXC_NORMANDY);
  if (!ingested.ok) throw new Error(ingested.error);
  await benchLabFirstLoad(g.url);
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
