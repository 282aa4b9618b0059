// The zero-server workshop edition in Debian's Chromium: the site `hysope export-static --lab` wrote, served by a
// plain static web server (start-lite.sh), no HYSOPE process behind it. A workshop notebook runs in the browser
// kernel (catalog search over the static catalog, SQL by DuckDB-WASM over HTTP ranges), the catalog browser and
// the swath viewer read the same files, and no request leaves the static host.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { ViewerPage, featurePosition } from './viewer-page.js';
import { dirSize } from '../dir-size.js';

const SITE = `http://127.0.0.1:${process.env['HYSOPE_UI_SITE_PORT'] ?? '8095'}`;
const SITE_DIR = fileURLToPath(new URL('../../test-results/lite-site', import.meta.url));

/** Every request the page makes that is not for the site (data: and blob: URLs are the page's own). */
function watchRequests(page: Page): { outside: string[]; failed: string[] } {
  const seen = { outside: [] as string[], failed: [] as string[] };
  page.on('request', (r) => {
    if (!r.url().startsWith(`${SITE}/`) && !/^(data|blob):/.test(r.url())) seen.outside.push(r.url());
  });
  page.on('response', (r) => {
    if (r.status() >= 400) seen.failed.push(`${r.status()} ${r.url()}`);
  });
  return seen;
}

test.describe('zero-server workshop site', () => {
  test('a workshop notebook runs in the browser kernel, and nothing is fetched from anywhere but the site', async ({ page }) => {
    const seen = watchRequests(page);
    const opened = Date.now();
    // A link a trainer hands out: the site's address with the notebook to open.
    await page.goto(`${SITE}/lab/?path=workshop/solution-1-reach-wse.ipynb`);
    const notebook = page.locator('.jp-NotebookPanel');
    await expect(notebook).toBeVisible({ timeout: 60_000 });
    await expect(page.locator('.jp-Notebook-ExecutionIndicator, .jp-KernelStatus').first()).toBeVisible();
    await expect(notebook.locator('.jp-Toolbar-kernelName')).toHaveText('TypeScript (browser)', { timeout: 30_000 });
    await page.evaluate(() =>
      (window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }).jupyterapp.commands.execute('notebook:run-all-cells')
    );
    const table = notebook.locator('.jp-OutputArea-output table').first();
    await expect(table).toBeVisible({ timeout: 60_000 });
    const firstResult = Date.now() - opened;
    // The answer is read from the GeoParquet product: five reaches, highest first, the last cell agreeing with it.
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')));
    expect(rows).toHaveLength(5);
    const wse = rows.map((r) => Number(r[2]));
    expect(wse.every((v, i) => Number.isFinite(v) && (i === 0 || v <= wse[i - 1]!))).toBe(true);
    await expect(notebook.locator('.jp-OutputArea-output').last()).toHaveText(`highest reach: ${rows[0]![0]} at ${rows[0]![2]} m`, { timeout: 30_000 });
    await expect(notebook.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')).toHaveCount(0);
    // The page's address is still a file of the site: a reload finds it, and the notebook comes back from the
    // layout the lab keeps in the browser's storage (once it is saved there).
    expect(new URL(page.url()).pathname).toBe('/lab/');
    await expect
      .poll(() =>
        page.evaluate(async () => {
          const app = (window as unknown as { jupyterapp: { serviceManager: { workspaces: { fetch(id: string): Promise<unknown> } } } }).jupyterapp;
          return JSON.stringify(await app.serviceManager.workspaces.fetch('default').catch(() => null));
        })
      )
      .toContain('notebook:workshop/solution-1-reach-wse.ipynb');
    await page.reload();
    await expect(page.locator('.jp-NotebookPanel')).toBeVisible({ timeout: 60_000 });

    const bytes = await dirSize(SITE_DIR);
    const data = await dirSize(path.join(SITE_DIR, 'data'));
    console.log(
      `zero-server site: ${(bytes / 1e6).toFixed(1)} MB (lab ${((bytes - data) / 1e6).toFixed(1)} MB, data ${(data / 1e6).toFixed(1)} MB); ` +
        `page opened → first query result: ${firstResult} ms`
    );
    expect(seen.outside).toEqual([]);
    expect(seen.failed).toEqual([]);
  });

  test('the catalog browser searches the static catalog; the viewer draws a granule and plots a reach from the site', async ({ page }) => {
    const seen = watchRequests(page);
    await page.goto(`${SITE}/lab/`);
    await page.locator('.lm-TabBar-tab[data-id="hysope-catalog"]').click();
    const panel = page.locator('.hy-Catalog');
    const collection = panel.getByRole('combobox', { name: 'Collection', exact: true });
    await expect(collection.locator('option[value="swot-riversp-reach"]')).toHaveCount(1, { timeout: 30_000 });
    await collection.selectOption('swot-riversp-reach');
    await panel.getByRole('textbox', { name: 'Pass', exact: true }).fill('51');
    await panel.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(panel).toHaveAttribute('data-state', 'ready');
    // The site holds the three cycles of pass 51 that start-lite.sh exported.
    await expect(panel).toHaveAttribute('data-matched', '3');
    await panel.getByRole('list', { name: 'Results' }).getByRole('listitem').filter({ hasText: 'Reach_1_51' }).click();
    const detail = panel.getByRole('region', { name: 'Item detail' });
    await expect(detail.getByRole('link', { name: 'Download' }).first()).toHaveAttribute('href', new RegExp(`^${SITE}/data/swot-riversp-reach/.*\\.parquet$`));
    await detail.getByRole('button', { name: 'Preview' }).click();
    const view = new ViewerPage(page);
    await expect(view.root).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    expect(Number(await view.root.getAttribute('data-rows'))).toBeGreaterThan(0);
    await expect(view.legend).toContainText('Water surface elevation');
    // A click on a reach plots its series from the site's time-series file (no gateway): the three cycles of pass 51.
    const [x, y] = await featurePosition(page, 'reach', 3);
    await page.mouse.click(x + 4, y + 3);
    await expect(view.plot).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    expect(Number(await view.plot.getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
    await expect(view.plot.locator('.ytitle')).toHaveText('Water surface elevation (m)');
    expect(seen.outside).toEqual([]);
    expect(seen.failed).toEqual([]);
  });
});
