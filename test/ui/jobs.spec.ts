import { expect, test } from '@jupyterlab/galata';
import { CatalogPage } from './catalog-page.js';
import { JobsPage } from './jobs-page.js';
import { featurePosition, ViewerPage } from './viewer-page.js';

test.use({ mockSettings: false, mockState: false, autoGoto: true });

type LabWindow = { jupyterapp: { commands: { execute(id: string, args?: unknown): Promise<unknown> } } };

test.describe('job launcher and HYDRA status', () => {
  test('a job from a generated form runs with live status, log and results', async ({ page }) => {
    const jobs = new JobsPage(page);
    await jobs.open();
    await jobs.process.selectOption('echo');
    await expect(jobs.input('Message')).toBeVisible();
    // A required input left empty: a notification, nothing submitted.
    await jobs.button('Submit').click();
    await expect(page.getByRole('alert').filter({ hasText: 'is required' })).toBeVisible();

    await jobs.input('Message').fill('hello from the lab');
    await jobs.input('Seconds to wait').fill('2');
    await jobs.button('Submit').click();
    const row = jobs.selectedJob;
    await expect(row).toHaveAttribute('data-status', /accepted|running/);
    // The end arrives by the gateway's event stream, with a notification.
    await expect(row).toHaveAttribute('data-status', 'successful', { timeout: 30_000 });
    await expect(page.getByRole('alert').filter({ hasText: 'successful' })).toBeVisible();
    await expect(jobs.results).toContainText('hello from the lab');
    // The log arrives through the job's event stream.
    await expect(jobs.log).toContainText('echo: hello from the lab');
    await expect(jobs.button('Retry')).toBeVisible();
  });

  test('a form input is picked from the catalog browser selection', async ({ page }) => {
    const catalog = new CatalogPage(page);
    await catalog.open();
    await catalog.search({ collection: 'swot-riversp-reach' });
    await catalog.items().first().click();
    const jobs = new JobsPage(page);
    await jobs.open();
    await jobs.process.selectOption('subset');
    await jobs.field('collection').getByRole('button', { name: 'From catalog' }).click();
    await expect(jobs.input('Collection id')).toHaveValue('swot-riversp-reach');
    await jobs.input('Format').selectOption('csv');
    await jobs.button('Submit').click();
    const row = jobs.selectedJob;
    await expect(row).toHaveAttribute('data-status', 'successful', { timeout: 60_000 });
    await expect(row).toContainText('subset');
    await expect(jobs.results.getByRole('link')).toHaveAttribute('href', /\/jobs\/.+\/results\/subset$/);
  });

  test('reach discharge: basin picked on the map, time window from date pickers, a readable summary, products drawn in the viewer', async ({ page }) => {
    // The reaches of pass 51 in the viewer, to pick the basin from.
    const catalog = new CatalogPage(page);
    await catalog.open();
    await catalog.search({ collection: 'swot-riversp-reach', pass: '51' });
    await catalog.panel.getByRole('button', { name: 'Show 3 results in the viewer' }).click();
    await new ViewerPage(page).ready();
    await catalog.clear();
    const jobs = new JobsPage(page);
    await jobs.open();
    await jobs.process.selectOption('reach-discharge');
    const field = jobs.field('basin');
    const basin = jobs.input('SWORD basin prefix');
    await expect(basin).toHaveAttribute('placeholder', 'e.g. 7426');
    await expect(field).toContainText('SWORD reach ids');
    // "Pick on the map" waits for a reach clicked in the viewer; its basin, at the example's level, fills the field.
    const pick = field.getByRole('button', { name: 'Pick on the map' });
    await pick.click();
    await expect(field.getByRole('button', { name: 'Click a reach…' })).toHaveAttribute('aria-pressed', 'true');
    const [x, y] = await featurePosition(page, 'reach', 3);
    await page.mouse.click(x, y);
    await expect(basin).toHaveValue('7426');
    await expect(pick).toHaveAttribute('aria-pressed', 'false');
    // Pass 51's three cycles (August and September 2010) are in the window.
    await jobs.input('Time window (RFC 3339 interval): from').fill('2010-08-01');
    await jobs.input('Time window (RFC 3339 interval): to').fill('2010-10-31');
    await jobs.button('Submit').click();
    const row = jobs.selectedJob;
    await expect(row).toHaveAttribute('data-status', 'successful', { timeout: 60_000 });
    // The summary is a table of its fields, not a line of JSON.
    const summary = jobs.results.getByRole('table');
    await expect(summary.getByRole('row').filter({ hasText: 'basin' })).toContainText('7426');
    expect(
      Number((await summary.getByRole('row').filter({ hasText: 'observations' }).getByRole('cell').nth(1).textContent())!.replace(/,/g, ''))
    ).toBeGreaterThan(0);
    await jobs.button('Open products').click();
    const view = new ViewerPage(page);
    const viewer = view.root;
    await expect(viewer).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    expect(Number(await viewer.getAttribute('data-rows'))).toBeGreaterThan(0);
    await expect(view.legend).toContainText('Discharge (Manning, HYSOPE) (m^3/s)');
    await page.evaluate(() => (window as unknown as LabWindow).jupyterapp.commands.execute('application:close-all'));
  });

  test('a running job is cancelled', async ({ page }) => {
    const jobs = new JobsPage(page);
    await jobs.open();
    await jobs.process.selectOption('echo');
    await jobs.input('Message').fill('long');
    await jobs.input('Seconds to wait').fill('60');
    await jobs.button('Submit').click();
    const row = jobs.selectedJob;
    await expect(row).toHaveAttribute('data-status', 'running', { timeout: 20_000 });
    await jobs.button('Cancel').click();
    await expect(row).toHaveAttribute('data-status', 'dismissed', { timeout: 20_000 });
  });

  test('a notebook runs as a job from its toolbar', async ({ page }) => {
    await page.notebook.createNew('as-job.ipynb', { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', 'x = 1');
    await page.notebook.addCell('code', 'print(x * 21)');
    await page.notebook.save();
    await page.getByRole('button', { name: 'Job', exact: true }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox').fill('{"x": 2}');
    await dialog.getByRole('button', { name: 'Ok' }).click();
    const row = new JobsPage(page).selectedJob;
    await expect(row).toHaveAttribute('data-status', 'successful', { timeout: 60_000 });
    await expect(row).toContainText('notebook-run');
  });

  test('the HYDRA status view shows health, jobs, freshness and harvested sources', async ({ page }) => {
    await page.evaluate(() => (window as unknown as LabWindow).jupyterapp.commands.execute('hysope-jobs:status'));
    const view = page.locator('.hy-Status');
    await expect(view).toHaveAttribute('data-health', 'ok', { timeout: 20_000 });
    await expect(view.locator('.hy-Status-freshness')).toContainText('swot-riversp-reach');
    await expect(view.locator('.hy-Status-health')).toContainText('executor');
    // The scheduled Hub'Eau harvest (every 30 s, against the replay): its source, key, last success and state.
    const harvest = view.locator('.hy-Status-harvest tbody tr').filter({ hasText: 'K447001001' });
    await expect(harvest).toContainText('hubeau', { timeout: 75_000 });
    await expect(harvest.locator('td').nth(3)).toContainText('ago');
    await expect(harvest.locator('td').nth(4)).toHaveText('ok');
  });
});
