import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REACHES_PASS_51, REACH_548, startGateway, type TestGateway } from '../helpers.js';
import { launchChromium } from './chromium.js';
import { startLab, type TestLab } from './lab.js';

/** Opens the lab and collects console errors and uncaught exceptions. */
async function openLab(browser: Browser, lab: TestLab, query = ''): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${lab.url}/lab?token=${lab.token}${query}`);
  await page.waitForFunction(() => (window as any).jupyterapp && document.querySelector('.jp-Launcher'), null, { timeout: 60_000 });
  return { page, errors };
}

describe('the HYSOPE lab (JupyterLab 4.6 on Debian Jupyter Server, real Chromium)', () => {
  let g: TestGateway;
  let lab: TestLab;
  let browser: Browser;
  beforeAll(async () => {
    // The lab is another origin, on a port chosen later: this gateway lets any origin read (as a public catalog may).
    g = await startGateway({ env: { HYSOPE_CORS_ORIGINS: '*' } });
    for (const f of [REACH_548, ...REACHES_PASS_51]) expect((await g.ingest(f)).ok).toBe(true);
    lab = await startLab(g.url);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
    await g?.stop();
  });

  it('opens with no console error and the gateway shown as reachable', async () => {
    const { page, errors } = await openLab(browser, lab);
    await page.waitForSelector('.hy-GatewayStatus[data-state="ok"]', { timeout: 20_000 });
    await page.waitForTimeout(1000);
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  });

  it('opens with a workspace reset (/lab?reset) with no error', async () => {
    // Was a pushState error while the page config lacked baseUrl.
    const { page, errors } = await openLab(browser, lab, '&reset');
    await page.waitForTimeout(1000);
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  });

  it('a TypeScript notebook (tslab) searches the catalog through kernels-bridge', async () => {
    const { page, errors } = await openLab(browser, lab);
    await page.evaluate(() => (window as any).jupyterapp.commands.execute('notebook:create-new', { kernelName: 'tslab' }));
    await page.waitForSelector('.jp-Notebook .jp-Cell .cm-content', { timeout: 30_000 });
    await page
      .waitForFunction(
        () => document.querySelector('.jp-Notebook-ExecutionIndicator[data-status="idle"], .jp-Toolbar-kernelStatus[title*="Idle"], .jp-KernelStatus-success'),
        null,
        { timeout: 60_000 }
      )
      .catch(() => undefined);
    const code = `import { Catalog } from '@hysope/kernels-bridge';\nconst items = await new Catalog({ url: '${g.url}' }).search({ collections: ['swot-riversp-reach'] });\nitems.map((i) => Number(i.properties['swot:cycle'])).sort((a, b) => a - b).join(' ')`;
    await page.click('.jp-Notebook .jp-Cell .cm-content');
    await page.keyboard.insertText(code);
    await page.keyboard.press('Shift+Enter');
    const output = await page.waitForSelector('.jp-OutputArea-output', { timeout: 90_000 });
    await page.waitForFunction(() => /\d/.test(document.querySelector('.jp-OutputArea-output')?.textContent ?? ''), null, { timeout: 90_000 });
    expect((await output.textContent())?.trim()).toBe('1 2 3 548');
    // NOTE: JupyterLab's debugger sidebar asks a kernel without a debugger (tslab) for sources and logs
    // "No active debugger session"; that upstream message is the only one tolerated here.
    expect(errors.filter((e) => e !== 'No active debugger session')).toEqual([]);
    await page.close();
  });

  it('when the gateway does not answer, a notification says so and the lab keeps working', async () => {
    const closed = (await import('node:net')).createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    const lonely = await startLab(`http://127.0.0.1:${port}`);
    try {
      const { page } = await openLab(browser, lonely);
      await page.waitForSelector('.hy-GatewayStatus[data-state="down"]', { timeout: 20_000 });
      const toast = await page.waitForSelector('.Toastify__toast', { timeout: 20_000 });
      expect(await toast.textContent()).toMatch(/does not answer/);
      // One notification for one cause: the catalog and the job launcher say it in their panels.
      await page.waitForTimeout(2000);
      expect(await page.locator('.Toastify__toast').count()).toBe(1);
      expect(await page.isVisible('.jp-Launcher')).toBe(true);
      await page.close();
    } finally {
      await lonely.stop();
    }
  });
});
