import { expect, test } from '@jupyterlab/galata';
import { CatalogPage } from './catalog-page.js';
import { featurePosition } from './viewer-page.js';

test.use({ mockSettings: false, mockState: false, autoGoto: true });

type LabWindow = { jupyterapp: { commands: { execute(id: string, args?: unknown): Promise<unknown> } } };

test.describe('job launcher and HYDRA status', () => {
  test('a job from a generated form runs with live status, log and results', async ({ page }) => {
    await page.sidebar.openTab('hysope-jobs');
    const panel = page.locator('.hy-Jobs');
    await expect(panel).toHaveAttribute('data-ready', 'true', { timeout: 20_000 });
    await panel.locator('.hy-Jobs-process').selectOption('echo');
    await expect(panel.locator('.hy-Jobs-field[data-input="message"]')).toBeVisible();
    // A required input left empty: a notification, nothing submitted.
    await panel.locator('.hy-Jobs-submit').click();
    await expect(page.locator('.Toastify__toast').filter({ hasText: 'is required' })).toBeVisible();

    await panel.locator('.hy-Jobs-field[data-input="message"] input').fill('hello from the lab');
    await panel.locator('.hy-Jobs-field[data-input="seconds"] input').fill('2');
    await panel.locator('.hy-Jobs-submit').click();
    const row = panel.locator('.hy-Jobs-job.jp-mod-selected');
    await expect(row).toHaveAttribute('data-status', /accepted|running/);
    // The end arrives by the gateway's event stream, with a notification.
    await expect(row).toHaveAttribute('data-status', 'successful', { timeout: 30_000 });
    await expect(page.locator('.Toastify__toast').filter({ hasText: 'successful' })).toBeVisible();
    await expect(panel.locator('.hy-Jobs-outputs')).toContainText('hello from the lab');
    // The log arrives through the job's event stream.
    await expect(panel.locator('.hy-Jobs-log')).toContainText('echo: hello from the lab');
    await expect(panel.locator('.hy-Jobs-retry')).toBeVisible();
  });

  test('a form input is picked from the catalog browser selection', async ({ page }) => {
    const catalog = new CatalogPage(page);
    await catalog.open();
    await catalog.search({ collection: 'swot-riversp-reach' });
    await catalog.panel.locator('.hy-Catalog-item').first().click();
    await page.sidebar.openTab('hysope-jobs');
    const panel = page.locator('.hy-Jobs');
    await expect(panel).toHaveAttribute('data-ready', 'true', { timeout: 20_000 });
    await panel.locator('.hy-Jobs-process').selectOption('subset');
    const collection = panel.locator('.hy-Jobs-field[data-input="collection"]');
    await collection.locator('.hy-Jobs-pickItem').click();
    await expect(collection.locator('input')).toHaveValue('swot-riversp-reach');
    await panel.locator('.hy-Jobs-field[data-input="format"] select').selectOption('csv');
    await panel.locator('.hy-Jobs-submit').click();
    const row = panel.locator('.hy-Jobs-job.jp-mod-selected');
    await expect(row).toHaveAttribute('data-status', 'successful', { timeout: 60_000 });
    await expect(row).toContainText('subset');
    await expect(panel.locator('.hy-Jobs-outputs a')).toHaveAttribute('href', /\/jobs\/.+\/results\/subset$/);
  });

  test('reach discharge: basin picked on the map, time window from date pickers, a readable summary, products drawn in the viewer', async ({ page }) => {
    // The reaches of pass 51 in the viewer, to pick the basin from.
    const catalog = new CatalogPage(page);
    await catalog.open();
    await catalog.search({ collection: 'swot-riversp-reach', pass: '51' });
    await catalog.panel.getByRole('button', { name: 'Show 3 results in the viewer' }).click();
    await expect(page.locator('.hy-SwathView')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    await catalog.clear();
    await page.sidebar.openTab('hysope-jobs');
    const panel = page.locator('.hy-Jobs');
    await expect(panel).toHaveAttribute('data-ready', 'true', { timeout: 20_000 });
    await panel.locator('.hy-Jobs-process').selectOption('reach-discharge');
    const field = panel.locator('.hy-Jobs-field[data-input="basin"]');
    const basin = field.getByRole('textbox');
    await expect(basin).toHaveAttribute('placeholder', 'e.g. 7426');
    await expect(field.locator('.hy-Jobs-help')).toContainText('SWORD reach ids');
    // "Pick on the map" waits for a reach clicked in the viewer; its basin, at the example's level, fills the field.
    const pick = field.getByRole('button', { name: 'Pick on the map' });
    await pick.click();
    await expect(field.getByRole('button', { name: 'Click a reach…' })).toHaveAttribute('aria-pressed', 'true');
    const [x, y] = await featurePosition(page, 'reach', 3);
    await page.mouse.click(x, y);
    await expect(basin).toHaveValue('7426');
    await expect(pick).toHaveAttribute('aria-pressed', 'false');
    // Pass 51's three cycles (August and September 2010) are in the window.
    await panel.getByLabel('Time window (RFC 3339 interval): from').fill('2010-08-01');
    await panel.getByLabel('Time window (RFC 3339 interval): to').fill('2010-10-31');
    await panel.locator('.hy-Jobs-submit').click();
    const row = panel.locator('.hy-Jobs-job.jp-mod-selected');
    await expect(row).toHaveAttribute('data-status', 'successful', { timeout: 60_000 });
    // The summary is a table of its fields, not a line of JSON.
    const summary = panel.locator('.hy-Jobs-summary');
    await expect(summary.getByRole('row').filter({ hasText: 'basin' })).toContainText('7426');
    expect(Number((await summary.getByRole('row').filter({ hasText: 'observations' }).locator('td').nth(1).textContent())!.replace(/,/g, ''))).toBeGreaterThan(
      0
    );
    await panel.locator('.hy-Jobs-open').click();
    const viewer = page.locator('.hy-SwathView');
    await expect(viewer).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    expect(Number(await viewer.getAttribute('data-rows'))).toBeGreaterThan(0);
    await expect(viewer.locator('.hy-SwathView-legend')).toContainText('Discharge (Manning, HYSOPE) (m^3/s)');
    await page.evaluate(() => (window as unknown as LabWindow).jupyterapp.commands.execute('application:close-all'));
  });

  test('a running job is cancelled', async ({ page }) => {
    await page.sidebar.openTab('hysope-jobs');
    const panel = page.locator('.hy-Jobs');
    await expect(panel).toHaveAttribute('data-ready', 'true', { timeout: 20_000 });
    await panel.locator('.hy-Jobs-process').selectOption('echo');
    await panel.locator('.hy-Jobs-field[data-input="message"] input').fill('long');
    await panel.locator('.hy-Jobs-field[data-input="seconds"] input').fill('60');
    await panel.locator('.hy-Jobs-submit').click();
    const row = panel.locator('.hy-Jobs-job.jp-mod-selected');
    await expect(row).toHaveAttribute('data-status', 'running', { timeout: 20_000 });
    await panel.locator('.hy-Jobs-cancel').click();
    await expect(row).toHaveAttribute('data-status', 'dismissed', { timeout: 20_000 });
  });

  test('a notebook runs as a job from its toolbar', async ({ page }) => {
    await page.notebook.createNew('as-job.ipynb', { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', 'x = 1');
    await page.notebook.addCell('code', 'print(x * 21)');
    await page.notebook.save();
    await page.locator('.hy-RunAsJob').first().click();
    await page.locator('.jp-Dialog input').fill('{"x": 2}');
    await page.locator('.jp-Dialog .jp-mod-accept').click();
    const row = page.locator('.hy-Jobs .hy-Jobs-job.jp-mod-selected');
    await expect(row).toHaveAttribute('data-status', 'successful', { timeout: 60_000 });
    await expect(row).toContainText('notebook-run');
  });

  test('the HYDRA status view shows health, jobs and freshness', async ({ page }) => {
    await page.evaluate(() => (window as unknown as LabWindow).jupyterapp.commands.execute('hysope-jobs:status'));
    const view = page.locator('.hy-Status');
    await expect(view).toHaveAttribute('data-health', 'ok', { timeout: 20_000 });
    await expect(view.locator('.hy-Status-freshness')).toContainText('swot-riversp-reach');
    await expect(view.locator('.hy-Status-health')).toContainText('executor');
  });
});
