// A prebuilt (federated) build of one of our extensions, made with @jupyterlab/builder against the lab's core
// metadata (server/lab/core), installed in the lab's labextensions folder as a deployment would, replaces the
// built-in copy and works: loaded from its own remote entry, sharing the lab's packages and tokens.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';
import { startLab, type TestLab } from './lab.js';
import { REACHES_PASS_51, runProcess, startGateway, type TestGateway } from '../helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXT = path.join(ROOT, 'extensions/catalog-browser');

describe('a prebuilt (federated) HYSOPE extension', () => {
  let g: TestGateway;
  let lab: TestLab;
  let browser: Browser;
  beforeAll(async () => {
    const build = await runProcess('npm', ['run', 'build:labextension', '-w', '@hysope/catalog-browser'], { cwd: ROOT });
    expect(build.status, build.stdout + build.stderr).toBe(0);
    // The lab is another origin, on a port chosen later: this gateway lets any origin read (as a public catalog may).
    g = await startGateway({ env: { HYSOPE_CORS_ORIGINS: '*' } });
    for (const f of REACHES_PASS_51) expect((await g.ingest(f)).ok).toBe(true);
    lab = await startLab(g.url, undefined, { labextensions: { '@hysope/catalog-browser': path.join(EXT, 'labextension') } });
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
    await g?.stop();
  });

  it('builds with a remote entry, its shared packages taken from the lab', () => {
    const meta = JSON.parse(readFileSync(path.join(EXT, 'labextension/package.json'), 'utf8')) as {
      jupyterlab: { _build: { load: string; extension: string } };
    };
    expect(meta.jupyterlab._build.extension).toBe('./extension');
    expect(existsSync(path.join(EXT, 'labextension', meta.jupyterlab._build.load))).toBe(true);
    // The lab's packages are not bundled in it: the whole build is small.
    const core = JSON.parse(readFileSync(path.join(ROOT, 'server/lab/core/package.json'), 'utf8')) as { jupyterlab: { singletonPackages: string[] } };
    expect(core.jupyterlab.singletonPackages).toContain('@jupyterlab/application');
    expect(core.jupyterlab.singletonPackages).toContain('@hysope/gateway-status');
  });

  it('is loaded by the lab from its labextensions folder instead of the built-in copy, and works', async () => {
    const page = await browser.newPage({ viewport: { width: 1300, height: 850 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${lab.url}/lab?token=${lab.token}`);
    await page.waitForFunction(() => (window as any).jupyterapp && document.querySelector('.jp-Launcher'), null, { timeout: 60_000 });
    expect(await page.evaluate(() => Object.keys((window as any)._JUPYTERLAB ?? {}))).toEqual(['@hysope/catalog-browser']);
    // It found the lab's gateway connection (a shared token): its search reaches the gateway.
    await page.evaluate(() => (window as any).jupyterapp.commands.execute('hysope-catalog:open'));
    await page.waitForSelector('.hy-Catalog-collection option[value="swot-riversp-reach"]', { state: 'attached', timeout: 20_000 });
    await page.selectOption('.hy-Catalog-collection', 'swot-riversp-reach');
    await page.click('.hy-Catalog-search');
    await page.waitForSelector('.hy-Catalog[data-state="ready"]', { timeout: 20_000 });
    expect(await page.getAttribute('.hy-Catalog', 'data-matched')).toBe('3');
    // Only one catalog panel: the built-in copy stood aside.
    expect(await page.locator('.hy-Catalog').count()).toBe(1);
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  });
});
