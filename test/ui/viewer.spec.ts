import { expect, test } from '@jupyterlab/galata';
import { readFileSync } from 'node:fs';
import { CatalogPage } from './catalog-page.js';
import { featurePosition, ViewerPage, type LabWindow } from './viewer-page.js';

const GATEWAY = `http://127.0.0.1:${process.env['HYSOPE_UI_GATEWAY_PORT'] ?? '8091'}`;
const REACHES_PASS_51 = [1, 2, 3].map((c) => ({
  collection: 'swot-riversp-reach',
  id: {
    1: 'SWOT_L2_HR_RiverSP_Reach_1_51_NA_20100816T184024_20100816T184031_PGA2_03',
    2: 'SWOT_L2_HR_RiverSP_Reach_2_51_NA_20100906T152521_20100906T152528_PGA2_03',
    3: 'SWOT_L2_HR_RiverSP_Reach_3_51_NA_20100927T121018_20100927T121025_PGA2_03'
  }[c]!
}));

test.use({ mockSettings: false, mockState: false, autoGoto: true });

test.describe('catalog browser and swath viewer', () => {
  test('search → preview → click a reach → its time series', async ({ page }) => {
    const catalog = new CatalogPage(page);
    const panel = catalog.panel;
    await catalog.open();
    // The small map's land is drawn once the panel is shown (its data is not part of the lab's first load).
    await expect(catalog.land).toHaveAttribute('d', /^M\d/, { timeout: 20_000 });
    await catalog.search({ collection: 'swot-riversp-reach', pass: '51' });
    // Three cycles of pass 51 are ingested by start-servers.sh.
    await expect(panel).toHaveAttribute('data-matched', '3');
    await expect(catalog.items()).toHaveCount(3);
    await expect(catalog.months().first()).toBeVisible();

    await catalog.items('Reach_1_51').click();
    const detail = catalog.detail;
    await expect(detail).toContainText('swot:cycle');
    await expect(detail).toContainText('SWOT cycle number');
    // The detail is resized from the handle above it, not squeezed.
    const before = (await detail.boundingBox())!.height;
    const handle = (await panel.getByRole('separator', { name: 'Resize the detail' }).boundingBox())!;
    await page.mouse.move(handle.x + handle.width / 2, handle.y + 2);
    await page.mouse.down();
    await page.mouse.move(handle.x + handle.width / 2, handle.y - 100, { steps: 5 });
    await page.mouse.up();
    expect((await detail.boundingBox())!.height).toBeGreaterThan(before + 60);
    await expect(detail.getByRole('link', { name: 'Download' }).first()).toHaveAttribute('href', /\/assets\/products\/swot-riversp-reach\/.*\.parquet$/);

    await detail.getByRole('button', { name: 'Preview' }).click();
    const view = new ViewerPage(page);
    const viewer = view.root;
    await expect(viewer).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    expect(Number(await viewer.getAttribute('data-rows'))).toBeGreaterThan(0);
    await expect(view.legend).toContainText('Water surface elevation');
    await page.mouse.move(0, 0);
    await expect(view.map).toHaveScreenshot('viewer-reaches.png', { maxDiffPixelRatio: 0.03 });

    const [x, y] = await featurePosition(page, 'reach', 3);
    const plot = view.plot;
    // One click, a few pixels off the 2-pixel line, opens it: picking is done on the CPU within 8 pixels,
    // and a click is told from a drag by distance, not by timing.
    await page.mouse.click(x + 4, y + 3);
    await expect(plot).toHaveAttribute('data-state', /loading|ready/, { timeout: 5000 });
    await expect(plot).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
    // The reach is observed in the three cycles of pass 51 (and by pass 372): one point per cycle at least.
    expect(Number(await plot.getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
    await expect(plot.locator('.main-svg').first()).toBeVisible();
    await page.mouse.move(0, 0);
    await expect(plot).toHaveScreenshot('reach-timeseries.png', { maxDiffPixelRatio: 0.03 });
    // Axes say what and in which unit; WSE has its ±1σ band; nothing offers to send the data online.
    await expect(plot.locator('.ytitle')).toHaveText('Water surface elevation (m)');
    await expect(plot.locator('.legendtext')).not.toContainText(['dschg_c']);
    await plot.hover();
    await expect(plot.getByRole('button', { name: /png/i }).or(plot.locator('[data-title*="png"]'))).toHaveCount(1);
    await expect(plot.locator('[data-title*="Chart Studio"], [data-title*="cloud"]')).toHaveCount(0);
    // A second reach joins the plot; the CSV holds both, one row per observation.
    const [x2, y2] = await featurePosition(page, 'reach', 7);
    await page.mouse.click(x2, y2);
    await expect(plot).toHaveAttribute('data-features', '2', { timeout: 30_000 });
    const download = page.waitForEvent('download');
    await plot.getByRole('button', { name: 'Download the plotted series as CSV' }).click();
    const csv = readFileSync(await (await download).path(), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('series,time,value,units,uncertainty,quality');
    expect(new Set(csv.slice(1).map((l) => l.split(' ')[1])).size).toBe(2);
    await plot.getByRole('button', { name: 'Close the time series' }).click();
    await expect(plot).toBeHidden();
    // The cursor's coordinates and a scale bar in a corner of the map.
    await page.mouse.move(x, y);
    await expect(view.info('Cursor position')).toHaveText(/^\d+\.\d+° [NS], \d+\.\d+° [EW]$/);
    await expect(view.info('Scale')).toHaveText(/^\d+(\.\d+)? k?m$/);
  });

  test('the map names the rivers loaded and the places around them, from offline data', async ({ page }) => {
    await page.evaluate(() => (window as unknown as LabWindow).jupyterapp.commands.execute('application:close-all'));
    const catalog = new CatalogPage(page);
    await catalog.open();
    await catalog.search({ collection: 'swot-riversp-reach', words: 'Rio Grande' });
    await expect(catalog.panel).toHaveAttribute('data-matched', '1');
    await catalog.panel.getByRole('button', { name: 'Show the result in the viewer' }).click();
    const view = new ViewerPage(page);
    const viewer = view.root;
    await expect(viewer).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    // The whole pass (zoom 3): cities only, no reach is long enough on screen for a river's name.
    await expect(viewer).toHaveAttribute('data-place-labels', /^[1-9]\d*$/, { timeout: 20_000 });
    await expect(viewer).toHaveAttribute('data-water-labels', '0');
    // Zoomed in on the Rio Grande, the rivers are named (the SWORD names the reaches carry) and towns appear.
    const places = Number(await viewer.getAttribute('data-place-labels'));
    const [x, y] = await page.evaluate(() => {
      const w = (window as unknown as LabWindow).jupyterapp.shell.currentWidget as unknown as {
        content: {
          model: { layers: { chunks: { geometry: { length: number; rows: Uint32Array }; names: { get(i: number): unknown } }[] }[] };
          screenPositionOf(k: string, i: number): [number, number];
        };
      };
      const chunk = w.content.model.layers[0]!.chunks[0]!;
      let f = 0;
      while (f < chunk.geometry.length && chunk.names.get(chunk.geometry.rows[f]!) !== 'Rio Grande') f++;
      return w.content.screenPositionOf('reach', f);
    });
    await page.mouse.move(x, y);
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -300);
    await expect(viewer).toHaveAttribute('data-water-labels', /^[1-9]\d*$/, { timeout: 20_000 });
    await expect.poll(async () => Number(await viewer.getAttribute('data-place-labels'))).toBeGreaterThan(0);
    expect(await viewer.getAttribute('data-place-labels')).not.toBe(String(places));
    await expect(view.info('Credits')).toContainText('GeoNames');
    await page.mouse.move(0, 0);
    await expect(view.map).toHaveScreenshot('viewer-labels.png', { maxDiffPixelRatio: 0.03 });
    await catalog.clear();
  });

  test('results ticked in the catalog open together in the viewer, which steps through their cycles', async ({ page }) => {
    await page.evaluate(() => (window as unknown as LabWindow).jupyterapp.commands.execute('application:close-all'));
    const catalog = new CatalogPage(page);
    const panel = catalog.panel;
    await catalog.open();
    await catalog.search({ collection: 'swot-riversp-reach', pass: '51' });
    await expect(panel).toHaveAttribute('data-matched', '3');
    // Nothing ticked: the button shows every result; two ticked: those two.
    await expect(panel.getByRole('button', { name: 'Show 3 results in the viewer' })).toBeVisible();
    await panel.getByRole('checkbox', { name: `Select ${REACHES_PASS_51[0]!.id}` }).check();
    await panel.getByRole('checkbox', { name: `Select ${REACHES_PASS_51[2]!.id}` }).check();
    await panel.getByRole('button', { name: 'Show 2 selected in the viewer' }).click();
    const two = new ViewerPage(page);
    await two.ready();
    await expect(two.cycle).toHaveText('cycle 1 (1/2)');
    await page.evaluate(() => (window as unknown as LabWindow).jupyterapp.commands.execute('application:close-all'));
    await panel.getByRole('checkbox', { name: `Select ${REACHES_PASS_51[0]!.id}` }).uncheck();
    await panel.getByRole('checkbox', { name: `Select ${REACHES_PASS_51[2]!.id}` }).uncheck();
    await panel.getByRole('button', { name: 'Show 3 results in the viewer' }).click();
    const view = new ViewerPage(page);
    const viewer = view.root;
    await expect(viewer).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    await expect(viewer).toHaveAttribute('data-cycle', '1');
    await expect(view.cycle).toHaveText('cycle 1 (1/3)');
    // The layer list: the product of the cycle shown and the footprints; hiding the product takes it off the legend.
    const layers = viewer.getByRole('list', { name: 'Layers' });
    await expect(layers.getByRole('listitem')).toHaveCount(2);
    await layers.getByRole('checkbox', { name: `Show ${REACHES_PASS_51[0]!.id}` }).uncheck();
    await expect(view.legend).toBeHidden();
    await layers.getByRole('checkbox', { name: `Show ${REACHES_PASS_51[0]!.id}` }).check();
    await expect(view.legend).toBeVisible();
    // The time slider goes straight to a cycle.
    await viewer.getByRole('slider', { name: 'Cycle' }).fill('2');
    await expect(viewer).toHaveAttribute('data-cycle', '3', { timeout: 30_000 });
    await expect(viewer).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
    await viewer.getByRole('slider', { name: 'Cycle' }).fill('0');
    await expect(viewer).toHaveAttribute('data-cycle', '1', { timeout: 30_000 });
    await expect(viewer).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
    // Compare two cycles: coloured by each reach's WSE change, matched by reach id.
    const compare = viewer.getByRole('combobox', { name: 'Compare with cycle' });
    await compare.selectOption({ label: 'minus cycle 2' });
    await expect(viewer).toHaveAttribute('data-matched', /^[1-9]\d*$/, { timeout: 30_000 });
    await expect(view.legend).toContainText('WSE change (m)');
    await compare.selectOption({ label: 'no comparison' });
    await expect(viewer).toHaveAttribute('data-matched', '', { timeout: 30_000 });
    await expect(view.legend).toContainText('Water surface elevation');
    await view.button('Next cycle').click();
    await expect(viewer).toHaveAttribute('data-cycle', '2', { timeout: 30_000 });
    await expect(viewer).toHaveAttribute('data-ready', 'true');
    await view.button('Previous cycle').click();
    await view.button('Previous cycle').click();
    await expect(viewer).toHaveAttribute('data-cycle', '3', { timeout: 30_000 });
    await catalog.clear();
  });

  test('an error from the gateway shows a notification, not a blank panel', async ({ page }) => {
    await page.evaluate(() => (window as unknown as LabWindow).jupyterapp.commands.execute('application:close-all'));
    await expect(new ViewerPage(page).root).toHaveCount(0);
    await page.evaluate(() =>
      (window as unknown as LabWindow).jupyterapp.commands.execute('hysope-viewer:open', {
        items: [{ collection: 'swot-riversp-reach', id: 'NO_SUCH_GRANULE' }]
      })
    );
    await expect(page.getByRole('alert').filter({ hasText: 'could not open' })).toBeVisible({ timeout: 20_000 });
    await expect(new ViewerPage(page).root).toHaveCount(0);
  });

  test('a notebook output of show.map renders in the viewer', async ({ page }) => {
    await page.notebook.createNew('map.ipynb', { kernel: 'tslab' });
    await page.notebook.setCell(
      0,
      'code',
      [
        "import { Catalog, show } from '@hysope/kernels-bridge';",
        `const items = await new Catalog({ url: '${GATEWAY}' }).search({ collections: ['swot-riversp-reach'], ids: ['${REACHES_PASS_51[0]!.id}'] });`,
        "show.map(items, { title: 'pass 51' });"
      ].join('\n')
    );
    await page.notebook.runCell(0);
    const output = ViewerPage.inOutput(page).root;
    await expect(output).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    expect(Number(await output.getAttribute('data-rows'))).toBeGreaterThan(0);
    await page.notebook.save();
  });

  test('the catalog form is restored on reload, and the panel follows the dark theme', async ({ page }) => {
    const catalog = new CatalogPage(page);
    const panel = catalog.panel;
    await catalog.open();
    await catalog.collection.selectOption('swot-riversp-reach');
    await catalog.pass.fill('51');
    // The form goes to the state database, which the lab saves in the workspace on the server (both debounced).
    const saved = page.waitForResponse(
      (r) => r.url().includes('/api/workspaces') && r.request().method() === 'PUT' && (r.request().postData() ?? '').includes('"51"')
    );
    await catalog.searchButton.click();
    await expect(panel).toHaveAttribute('data-matched', '3');
    await saved;
    await page.reload();
    await page.sidebar.openTab('hysope-catalog');
    await expect(catalog.collection).toHaveValue('swot-riversp-reach', { timeout: 20_000 });
    await expect(catalog.pass).toHaveValue('51');
    // A restored form searches again by itself.
    await expect(panel).toHaveAttribute('data-matched', '3', { timeout: 20_000 });

    const background = () => panel.evaluate((e) => getComputedStyle(e).backgroundColor);
    const light = await background();
    await page.evaluate(() => (window as unknown as LabWindow).jupyterapp.commands.execute('apputils:change-theme', { theme: 'JupyterLab Dark' }));
    await expect(page.locator('body')).toHaveAttribute('data-jp-theme-light', 'false', { timeout: 20_000 });
    const dark = await background();
    expect(dark).not.toBe(light);
    const [r, g, b] = dark.match(/\d+/g)!.map(Number) as [number, number, number];
    expect((0.2126 * r + 0.7152 * g + 0.0722 * b) / 255).toBeLessThan(0.35);
    await page.evaluate(() => (window as unknown as LabWindow).jupyterapp.commands.execute('apputils:change-theme', { theme: 'JupyterLab Light' }));
    await expect(page.locator('body')).toHaveAttribute('data-jp-theme-light', 'true', { timeout: 20_000 });
    // Leave the form empty for the other tests (the lab keeps its state between them).
    await catalog.clear();
  });

  test('an item dragged onto a notebook cell becomes its code', async ({ page }) => {
    await page.notebook.createNew('dragged.ipynb', { kernel: 'tslab' });
    const catalog = new CatalogPage(page);
    await catalog.open();
    await catalog.search({ collection: 'swot-riversp-reach' });
    // The timeline is a time axis: every month from August 2010 to June 2023 has its place (152 of the 155 empty),
    // each year labelled once.
    await expect(catalog.months()).toHaveCount(155);
    await expect(catalog.months(true)).toHaveCount(152);
    await expect(catalog.years).toHaveText(Array.from({ length: 14 }, (_, i) => String(2010 + i)));
    const item = catalog.items('Reach_548');
    await item.dragTo(page.locator('.jp-Cell .cm-content').first());
    const source = page.locator('.jp-Cell .cm-content').first();
    await expect(source).toContainText("from '@hysope/kernels-bridge'");
    await expect(source).toContainText('SWOT_L2_HR_RiverSP_Reach_548_011_NA');
    await catalog.clear();
  });
});
