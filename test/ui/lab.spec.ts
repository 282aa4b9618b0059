import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type JupyterLabPage } from '@jupyterlab/galata';
import { CatalogPage } from './catalog-page.js';
import { JobsPage } from './jobs-page.js';
import { ViewerPage } from './viewer-page.js';

const NOTEBOOKS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../notebooks');

const GATEWAY = `http://127.0.0.1:${process.env['HYSOPE_UI_GATEWAY_PORT'] ?? '8091'}`;

// The real server keeps what notebooks write; no mocked settings or state.
test.use({ mockSettings: false, mockState: false, autoGoto: true });

test.describe('the HYSOPE lab', () => {
  test("the person's alerts show as lab notifications with a link to their page, once", async ({ page, request }) => {
    // The lab's own key (the gateway's user of this lab), as the portal would use for the same person.
    const token = await page.evaluate(() => JSON.parse(document.getElementById('jupyter-config-data')!.textContent!).hysopeToken as string);
    const headers = { Authorization: `token ${token}` };
    // "No data for 1 day" on a reach last seen in 2010: the gateway's timer raises it at once.
    const made = await request.post(`${GATEWAY}/subscriptions`, { headers, data: { feature: 'Reach', id: '74269900011', condition: 'silence', threshold: 1 } });
    expect(made.status()).toBe(201);
    const id = ((await made.json()) as { id: string }).id;
    try {
      await expect
        .poll(async () => ((await (await request.get(`${GATEWAY}/notifications`, { headers })).json()) as { notifications: unknown[] }).notifications.length, {
          timeout: 30_000
        })
        .toBeGreaterThan(0);
      await page.reload();
      await expect(page.locator('body')).toHaveAttribute('data-hysope-alerts-shown', /^[1-9]/, { timeout: 30_000 });
      const toast = page.locator('.Toastify__toast').filter({ hasText: 'HYSOPE alert: Reach 74269900011, no data for 1 days' });
      await expect(toast).toHaveCount(1);
      await expect(toast.getByRole('button', { name: 'Open its page' })).toBeVisible();
      // Shown once: the next opening of the lab does not repeat it.
      await page.reload();
      await expect(page.locator('body')).toHaveAttribute('data-hysope-alerts-shown', '0', { timeout: 30_000 });
      await expect(page.locator('.Toastify__toast').filter({ hasText: 'HYSOPE alert' })).toHaveCount(0);
    } finally {
      await request.delete(`${GATEWAY}/subscriptions/${id}`, { headers });
    }
  });

  test('opens with no console error', async ({ page }) => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.reload();
    await page.waitForSelector('.jp-Launcher');
    await expect(page.locator('.hy-GatewayStatus')).toHaveAttribute('data-state', 'ok', { timeout: 20_000 });
    // The status dot is green when the gateway answers (the theme's success colour), not the text colour.
    const [r, g, b] = (await page.locator('.hy-GatewayStatus-dot').evaluate((e) => getComputedStyle(e).backgroundColor)).match(/\d+/g)!.map(Number);
    expect(g!).toBeGreaterThan(r! + 40);
    expect(g!).toBeGreaterThan(b!);
    expect(errors).toEqual([]);
  });

  test('a TypeScript notebook runs catalog.search and sql against the sample data', async ({ page }) => {
    // Nothing uncaught while the kernel starts and runs (the debugger used to throw after every run).
    const uncaught: string[] = [];
    page.on('pageerror', (e) => uncaught.push(e.message));
    await page.notebook.createNew('search.ipynb', { kernel: 'tslab' });
    await page.notebook.setCell(
      0,
      'code',
      [
        "import { Catalog, sql, rows } from '@hysope/kernels-bridge';",
        `const items = await new Catalog({ url: '${GATEWAY}' }).search({ collections: ['swot-riversp-reach'] });`,
        "const reach = items.find((i) => i.properties['swot:cycle'] === 548)!;",
        "const t = await sql('select count(*)::int as n from r where wse is not null', { assets: { r: reach.assets['data']!.href } });",
        "`${items.length} items, ${rows(t)[0]!['n']} observed reaches`"
      ].join('\n')
    );
    await page.notebook.runCell(0);
    const output = await page.notebook.getCellTextOutput(0);
    // Six reach granules are ingested by start-servers.sh; the observed count comes from the real product.
    expect(output?.join('').trim()).toMatch(/^6 items, [1-9]\d* observed reaches$/);
    await page.notebook.save();
    expect(uncaught).toEqual([]);
  });

  test('a notebook is published to the gallery with the items it read pinned, found in the gallery panel, opened as a copy and re-run on its pins', async ({
    page,
    request
  }) => {
    const token = await page.evaluate(() => JSON.parse(document.getElementById('jupyter-config-data')!.textContent!).hysopeToken as string);
    const title = `Reach 548 WSE ${Date.now()}`;
    await page.notebook.createNew('published.ipynb', { kernel: 'tslab' });
    await page.notebook.setCell(
      0,
      'code',
      [
        "import { Catalog, show } from '@hysope/kernels-bridge';",
        `const items = await new Catalog({ url: '${GATEWAY}' }).search({ collections: ['swot-riversp-reach'], filter: '"swot:cycle" = 548' });`,
        'show.reads();'
      ].join('\n')
    );
    await page.notebook.runCell(0);
    await expect(page.locator('.jp-OutputArea-output').filter({ hasText: 'HYSOPE: 1 catalog item(s) read' })).toBeVisible();
    // The command (palette, or the gallery panel's button) asks for a title, a description, tags and a licence.
    void page.evaluate(() =>
      (window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }).jupyterapp.commands.execute('hysope-gallery:publish')
    );
    const dialog = page.locator('.jp-Dialog');
    await dialog.getByLabel('Title').fill(title);
    await dialog.getByLabel('Tags (comma separated)').fill('swot, workshop');
    await dialog.getByRole('button', { name: 'Publish' }).click();
    await expect(page.locator('.Toastify__toast').filter({ hasText: `"${title}" is in the gallery (1 catalog items pinned)` })).toBeVisible({
      timeout: 30_000
    });
    const found = (await (await request.get(`${GATEWAY}/gallery?q=${encodeURIComponent(title)}`)).json()) as {
      notebooks: { id: string; pins: { id: string }[]; author: string }[];
    };
    expect(found.notebooks).toHaveLength(1);
    expect(found.notebooks[0]!.pins.map((p) => p.id)).toEqual([expect.stringMatching(/_548_/)]);
    try {
      // The gallery panel: search, then open a copy beside the user's files.
      await page.locator('.jp-SideBar [title="HYSOPE notebook gallery"]').click();
      const panel = page.locator('#hysope-gallery');
      await panel.getByRole('searchbox').fill(title);
      await panel.getByRole('button', { name: 'Search' }).click();
      const entry = panel.locator('.hysope-gallery-entry').filter({ hasText: title });
      await expect(entry).toContainText('1 catalog item pinned');
      await expect(entry.getByRole('link', { name: 'Preview' })).toHaveAttribute('href', `${GATEWAY}/gallery/${found.notebooks[0]!.id}/preview`);
      await entry.getByRole('button', { name: 'Open a copy' }).click();
      await expect(page.locator('.jp-mod-current.lm-TabBar-tab, .lm-TabBar-tab.lm-mod-current').filter({ hasText: /^Reach-548-WSE-\d+/ })).toBeVisible({
        timeout: 30_000
      });
      // Re-run on the pinned versions from the lab, and the gateway's check of the outputs.
      void page.evaluate(() =>
        (window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }).jupyterapp.commands.execute('hysope-gallery:rerun')
      );
      await expect(
        page.locator('.Toastify__toast').filter({ hasText: 'Re-run on the pinned versions: every output matches the published notebook.' })
      ).toBeVisible({
        timeout: 60_000
      });
    } finally {
      await request.delete(`${GATEWAY}/gallery/${found.notebooks[0]!.id}`, { headers: { Authorization: `token ${token}` } });
    }
  });

  test('a Python notebook cell runs', async ({ page }) => {
    await page.notebook.createNew('python.ipynb', { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', 'sum(range(10))');
    await page.notebook.runCell(0);
    expect((await page.notebook.getCellTextOutput(0))?.join('')).toBe('45');
  });

  test('tutorials open clean: their kernel starts without changing them', async ({ page, tmpPath }) => {
    for (const name of ['01-discover-the-catalog.ipynb', '04-lakes.ipynb']) {
      await page.contents.uploadFile(path.join(NOTEBOOKS, name), `${tmpPath}/${name}`);
      await page.notebook.openByPath(`${tmpPath}/${name}`);
      // The kernel is up (its info, language included, has reached the notebook).
      await page.waitForFunction(
        () => {
          const w = (window as unknown as { jupyterapp: { shell: { currentWidget: any } } }).jupyterapp.shell.currentWidget;
          return w?.sessionContext?.session?.kernel?.status === 'idle' && !!w.sessionContext.session.kernel.info;
        },
        null,
        { timeout: 60_000 }
      );
      await page.waitForTimeout(1000);
      const dirty = await page.evaluate(
        () => (window as unknown as { jupyterapp: { shell: { currentWidget: any } } }).jupyterapp.shell.currentWidget.context.model.dirty
      );
      expect(dirty, `${name} is marked modified as soon as it is opened`).toBe(false);
      await page.notebook.close(true);
    }
  });

  test('HYSOPE shortcuts are Alt H chords, which browsers leave to the page', async ({ page }) => {
    await page.locator('.jp-Launcher').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Alt+h');
    await page.keyboard.press('c');
    await expect(new CatalogPage(page).panel).toBeVisible();
    await page.keyboard.press('Alt+h');
    await page.keyboard.press('j');
    await expect(new JobsPage(page).panel).toBeVisible();
    await page.keyboard.press('Alt+h');
    await page.keyboard.press('v');
    // The viewer's code (deck.gl) is a chunk loaded on first open: seconds on a busy two-core machine.
    await expect(new ViewerPage(page).root).toBeVisible({ timeout: 30_000 });
  });

  test('the workspace comes back on reload and ?reset empties it; the tab names the document', async ({ page, tmpPath, baseURL }) => {
    await page.notebook.createNew('kept.ipynb', { kernel: 'python3' });
    await expect(page).toHaveTitle(/^kept\.ipynb - /);
    // The open notebook reaches the workspace on the server (the save follows loading, debounced).
    await expect
      .poll(async () => JSON.stringify(await (await page.request.get('/lab/api/workspaces')).json()), {
        timeout: 20_000
      })
      .toContain(`${tmpPath}/kept.ipynb`);
    // (Galata's reload would wait for the launcher, which a restored notebook replaces.)
    await (page as unknown as JupyterLabPage).reload({ waitForIsReady: false });
    await expect(page.getByRole('tab', { name: /kept\.ipynb/ })).toBeVisible({ timeout: 20_000 });
    await page.goto(`${baseURL}/lab?reset`);
    await expect(page.locator('.jp-Launcher')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByRole('tab', { name: /kept\.ipynb/ })).toHaveCount(0);
    // The URL loses `reset` once the state is cleared.
    await expect(page).not.toHaveURL(/reset/);
  });
});
