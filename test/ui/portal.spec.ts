// The portal for people who do not code, in Debian's Chromium against the gateway serving its production build
// (start-portal.sh): search by river, place, SWORD id and area drawn; the map; feature, station and gauge pages
// with their series, downloads and citation; French; WCAG 2.1 AA checked by axe-core; a phone's width.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

const PORTAL = `http://127.0.0.1:${process.env['HYSOPE_UI_PORTAL_PORT'] ?? '8092'}`;
/** A reach of pass 51 seen on 5 passes in 2010 (cycles 1-3 of pass 51, 1-2 of pass 372). */
const PITTSBURGH_REACH = '74269900011';
const STATION = 'hydroweb-R_PERU-6-BASIN_PERU-6-BASIN_KM0049';

/** No WCAG 2.1 A/AA violation axe-core can find on the page as it is now. */
async function expectAccessible(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  expect(found).toEqual([]);
}

async function search(page: Page, words: string): Promise<void> {
  const form = page.getByRole('search', { name: 'Search the catalog' });
  await form.getByLabel('Place, river, lake, SWORD id or basin').fill(words);
  await form.getByLabel('Place, river, lake, SWORD id or basin').press('Enter');
  await expect(page.locator('.hp-search')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
}

const map = (page: Page) => page.getByRole('region', { name: 'Map of the results' });

test.describe('the portal', () => {
  test('a browser at / gets the portal (an API client the JSON landing page); a river name finds its granules and draws them', async ({ page, request }) => {
    const landing = await request.get(`${PORTAL}/`, { headers: { Accept: 'application/json' } });
    expect((await landing.json()).links.some((l: { rel: string }) => l.rel === 'service-desc')).toBe(true);
    await page.goto(`${PORTAL}/`);
    await expect(page).toHaveTitle(/Find hydrology data · HYSOPE/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Find hydrology data');
    await search(page, 'Red River of the North');
    await expect(page.getByRole('status').filter({ hasText: 'result' })).toHaveText('1 result');
    const results = page.getByRole('list', { name: 'Results' }).getByRole('listitem');
    await expect(results).toHaveCount(1);
    await expect(results.first()).toContainText('SWOT_L2_HR_RiverSP_Reach_548_011_NA');
    await expect(results.first()).toContainText('cycle 548, pass 11');
    // The products are read in the browser (DuckDB-WASM) and drawn on the lab viewer's map.
    await expect(map(page)).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    expect(Number(await map(page).getAttribute('data-rows'))).toBe(687);
    await expect(page.getByText('687 features on the map; click one for its page')).toBeVisible();
    // The search is in the address: a shared link runs it again.
    expect(new URL(page.url()).searchParams.get('q')).toBe('Red River of the North');
    // And in a notebook: "Open in the lab" carries the same search to STYX.
    const open = new URL((await page.getByRole('link', { name: 'Open in the lab' }).getAttribute('href'))!);
    expect(open.pathname).toBe('/lab');
    expect(JSON.parse(open.searchParams.get('hysope-open')!).search).toEqual({ q: 'Red River of the North' });
    await page.reload();
    // The search runs again on load: as long a wait for its answer as the first one (a loaded machine took over 5 s).
    await expect(page.locator('.hp-search')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
    await expect(page.getByLabel('Place, river, lake, SWORD id or basin')).toHaveValue('Red River of the North');
    await expect(map(page)).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    await expect(map(page)).toHaveScreenshot('portal-search.png', { maxDiffPixelRatio: 0.03 });
  });

  test('a place name moves the map there; a SWORD id goes to its page', async ({ page }) => {
    await page.goto(`${PORTAL}/portal/`);
    await search(page, 'Pittsburgh');
    const go = page.getByRole('button', { name: /^Pittsburgh \(/ });
    await go.click();
    const area = page.locator('.hp-bbox');
    const box = (await area.getAttribute('data-bbox'))!.split(',').map(Number);
    expect(box[0]).toBeLessThan(-79.99);
    expect(box[2]).toBeGreaterThan(-79.99);
    expect(box[1]).toBeLessThan(40.44);
    expect(box[3]).toBeGreaterThan(40.44);
    await search(page, PITTSBURGH_REACH);
    await page.getByRole('link', { name: `River reach ${PITTSBURGH_REACH}` }).click();
    await expect(page).toHaveURL(`${PORTAL}/portal/reach/${PITTSBURGH_REACH}`);
    await expect(page.getByRole('heading', { level: 1 })).toContainText(`River reach ${PITTSBURGH_REACH}`);
  });

  test('an area drawn on the map narrows the search; a time range from the month axis too', async ({ page }) => {
    await page.goto(`${PORTAL}/portal/`);
    await search(page, 'basin:7426');
    const all = await page.getByRole('list', { name: 'Results' }).getByRole('listitem').count();
    expect(all).toBeGreaterThan(4);
    // Draw a rectangle around Pittsburgh's reaches only.
    await page.getByRole('button', { name: 'Draw an area' }).click();
    const m = (await map(page).boundingBox())!;
    await page.mouse.move(m.x + m.width * 0.3, m.y + m.height * 0.3);
    await page.mouse.down();
    await page.mouse.move(m.x + m.width * 0.7, m.y + m.height * 0.7, { steps: 5 });
    await page.mouse.up();
    await expect(page.locator('.hp-bbox')).toContainText('west');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page.locator('.hp-search')).toHaveAttribute('data-state', 'ready');
    expect(new URL(page.url()).searchParams.get('bbox')).toMatch(/^-?\d/);
    // The month axis: September 2010 only.
    const september = page.getByRole('button', { name: /^2010-09: \d+ results?$/ });
    await september.click();
    await expect(page.locator('.hp-search')).toHaveAttribute('data-state', 'ready');
    await expect(page.getByLabel('From')).toHaveValue('2010-09-01');
    await expect(page.getByLabel('To')).toHaveValue('2010-09-30');
    for (const meta of await page.locator('.hp-result .hp-meta').allTextContents()) expect(meta).toMatch(/Sep \d+, 2010/);
    // A reversed range is refused with a message, never a blank list.
    await page.getByLabel('From').fill('2011-01-01');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page.getByRole('alert')).toContainText('The start date is after the end date.');
  });

  test('clicking a reach on the map opens its page: series with uncertainty and quality, table, granules, downloads, citation', async ({ page, request }) => {
    await page.goto(`${PORTAL}/portal/?q=basin:7426`);
    await expect(map(page)).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    const at = await page.evaluate(() =>
      (window as unknown as { hysopeMap: { screenPositionOf(k: string, i: number): [number, number] | null } }).hysopeMap.screenPositionOf('reach', 0)
    );
    expect(at).not.toBeNull();
    await page.mouse.click(at![0], at![1]);
    await expect(page).toHaveURL(/\/portal\/reach\/\d{11}$/);
    await page.goto(`${PORTAL}/portal/reach/${PITTSBURGH_REACH}`);
    const article = page.locator('article.hp-feature');
    await expect(article).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
    await expect(page.getByText('5 observations from Aug 16, 2010 to Sep 27, 2010')).toBeVisible();
    const chart = page.getByRole('figure', { name: /Chart of Water surface elevation/ });
    await expect(chart.locator('.ytitle').first()).toHaveText('Water surface elevation (m)');
    await expect(chart.locator('.legendtext')).toContainText(['SWOT wse (m)']);
    await page.getByText('The observations as a table').click();
    const table = page.getByRole('table');
    await expect(table.getByRole('row')).toHaveCount(6);
    await expect(table.getByRole('row').nth(1)).toContainText('216.451');
    await expect(table.getByRole('row').nth(1)).toContainText('good');
    await expect(page.getByRole('list', { name: 'Granules' }).getByRole('listitem')).toHaveCount(5);
    // Each download answers with its format.
    const types: Record<string, RegExp> = { CSV: /text\/csv/, GeoJSON: /geo\+json/, 'NetCDF-CF': /x-netcdf/, Parquet: /parquet/, Arrow: /arrow/ };
    for (const [name, type] of Object.entries(types)) {
      const href = await page.getByRole('link', { name, exact: true }).getAttribute('href');
      const r = await request.get(href!);
      expect(r.status(), name).toBe(200);
      expect(r.headers()['content-type'], name).toMatch(type);
    }
    await expect(page.getByLabel('Permanent address')).toHaveValue(`${PORTAL}/portal/reach/${PITTSBURGH_REACH}`);
    await expect(page.locator('.hp-cite')).toContainText(`HYSOPE. River reach ${PITTSBURGH_REACH}. Time series, ${PORTAL}/portal/reach/${PITTSBURGH_REACH}`);
    // The feature is on the map beside the chart.
    await expect(page.getByRole('region', { name: 'Map of the feature' })).toBeVisible();
    // Quality: good only is in the address and in the downloads.
    await page.getByLabel('Quality', { exact: true }).selectOption('good');
    await expect(article).toHaveAttribute('data-ready', 'true');
    expect(new URL(page.url()).searchParams.get('quality')).toBe('good');
    expect(await page.getByRole('link', { name: 'CSV', exact: true }).getAttribute('href')).toContain('quality=good');
    await expectAccessible(page);
    await expect(page.locator('.hp-plot')).toHaveScreenshot('portal-reach-series.png', { maxDiffPixelRatio: 0.03 });
  });

  test('"Open in the lab" opens a notebook of the reach in STYX (another origin), and it runs', async ({ page, context }) => {
    await page.goto(`${PORTAL}/portal/reach/${PITTSBURGH_REACH}`);
    await expect(page.locator('article.hp-feature')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
    const open = page.getByRole('link', { name: 'Open in the lab' });
    await expect(open).toBeVisible();
    const [lab] = await Promise.all([context.waitForEvent('page'), open.click()]);
    const tab = lab.locator('.lm-TabBar-tab', { hasText: `reach-${PITTSBURGH_REACH}` });
    await expect(tab).toBeVisible({ timeout: 120_000 });
    // The selection left the address (a reload does not make the notebook again) and the lab says what it made.
    expect(lab.url()).not.toContain('hysope-open');
    await expect(lab.locator('.jp-Notebook .jp-Cell').nth(1)).toContainText(`let reachIds0 = ["${PITTSBURGH_REACH}"]`);
    // Its TypeScript kernel starts with it (the lab may start its default kernel first and switch): run everything
    // once the notebook's own kernel has answered (its kernel_info reply; a status is only what the lab last heard).
    type Kernel = { name: string; status: string; info: Promise<unknown> };
    type Panel = { id: string; context?: { path: string }; sessionContext?: { session?: { kernel?: Kernel | null } | null } };
    type Lab = {
      jupyterapp: {
        commands: { execute(id: string): Promise<unknown> };
        shell: { widgets(area: string): Iterable<Panel>; activateById(id: string): void };
      };
    };
    const notebook = `reach-${PITTSBURGH_REACH}.ipynb`;
    await lab.waitForFunction(
      async (path) => {
        const { shell } = (window as unknown as Lab).jupyterapp;
        const panel = [...shell.widgets('main')].find((w) => w.context?.path === path);
        const kernel = panel?.sessionContext?.session?.kernel;
        if (kernel?.name !== 'tslab') return false;
        await kernel.info;
        return true;
      },
      notebook,
      { timeout: 60_000, polling: 500 }
    );
    await lab.evaluate(async (path) => {
      const { shell, commands } = (window as unknown as Lab).jupyterapp;
      shell.activateById([...shell.widgets('main')].find((w) => w.context?.path === path)!.id);
      await commands.execute('notebook:run-all-cells');
    }, notebook);
    // The reach's five observations, read by the notebook through the lab's gateway.
    await expect(lab.locator('.jp-OutputArea-output').filter({ hasText: '5 observations' })).toBeVisible({ timeout: 120_000 });
    // And drawn: one chart of one series (the lab's time-series renderer).
    await expect(lab.locator('.hy-Timeseries')).toHaveAttribute('data-series', '1', { timeout: 30_000 });
    // Its kernel is shut down with the test (a kernel left running would outlive the lab server).
    await lab.evaluate(() =>
      (window as unknown as { jupyterapp: { serviceManager: { sessions: { shutdownAll(): Promise<void> } } } }).jupyterapp.serviceManager.sessions.shutdownAll()
    );
    await lab.close();
  });

  test('virtual station and gauge pages: their series at their place, their files', async ({ page }) => {
    await page.goto(`${PORTAL}/portal/?q=PERU-6`);
    await page.getByRole('list', { name: 'Results' }).getByRole('link', { name: 'Hydroweb virtual stations' }).first().click();
    await expect(page).toHaveURL(`${PORTAL}/portal/station/${STATION}`);
    const article = page.locator('article.hp-feature');
    await expect(article).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Virtual station R_PERU-6-BASIN_PERU-6-BASIN_KM0049');
    await expect(page.getByText(/^42 observations from Mar 22, 2019/)).toBeVisible();
    await expect(page.locator('.hp-facts')).toContainText('EGM2008');
    await expect(page.locator('.hp-plot .ytitle').first()).toHaveText(/Water level/);
    await expectAccessible(page);
    await page.goto(`${PORTAL}/portal/?collection=insitu-gauges`);
    await page.getByRole('list', { name: 'Results' }).getByRole('link').first().click();
    await expect(page).toHaveURL(/\/portal\/gauge\/hubeau-/);
    await expect(article).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Gauge K447001001');
    expect(Number(await article.getAttribute('data-observations'))).toBeGreaterThan(0);
    await expect(page.locator('.hp-plot .ytitle').first()).toHaveText(/Discharge/);
  });

  test('wrong addresses and ids say so (an alert, never a blank page)', async ({ page }) => {
    await page.goto(`${PORTAL}/portal/reach/123`);
    await expect(page.getByRole('alert')).toContainText('A river reach id has 11 digits; "123" is not one.');
    await page.goto(`${PORTAL}/portal/station/nothing-here`);
    await expect(page.getByRole('alert')).toContainText('No virtual station "nothing-here" in the catalog.');
    await page.goto(`${PORTAL}/portal/rivers`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
    await page.goto(`${PORTAL}/portal/reach/74269900019`);
    await expect(page.locator('article.hp-feature')).toHaveAttribute('data-ready', 'true');
    await expect(page.getByText('No observation of this feature in the catalog.').first()).toBeVisible();
  });

  test('in French: the words, the dates and the numbers', async ({ page }) => {
    await page.goto(`${PORTAL}/portal/?lang=fr`);
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Trouver des données hydrologiques');
    const form = page.getByRole('search', { name: 'Rechercher dans le catalogue' });
    await form.getByLabel('Lieu, rivière, lac, identifiant SWORD ou bassin').fill('basin:7426');
    await form.getByRole('button', { name: 'Rechercher' }).click();
    await expect(page.locator('.hp-search')).toHaveAttribute('data-state', 'ready');
    await expect(page.getByRole('status').filter({ hasText: 'résultat' })).toHaveText(/^\d+ résultats$/);
    await expect(page.locator('.hp-meta').first()).toContainText(/\d+ (août|sept\.) 2010/);
    await expect(page.locator('.hp-meta').first()).toContainText('trace 51');
    await expectAccessible(page);
    // The choice is kept: the next page is French without ?lang.
    await page.goto(`${PORTAL}/portal/reach/${PITTSBURGH_REACH}`);
    await expect(page.locator('article.hp-feature')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
    await expect(page.getByText('5 observations du 16 août 2010 au 27 sept. 2010')).toBeVisible();
    await page.getByText('Les observations en tableau').click();
    await expect(page.getByRole('table').getByRole('row').nth(1)).toContainText('216,451');
    await expect(page.getByRole('table').getByRole('row').nth(1)).toContainText('bonne');
    await expect(page.locator('.hp-plot .ytitle').first()).toHaveText('Hauteur de la surface de l’eau (m)');
    // The map shared with the lab speaks French too.
    const featureMap = page.getByRole('region', { name: 'Carte de l’objet' });
    await expect(featureMap.getByRole('note', { name: 'Échelle' })).toBeVisible();
    await expect(featureMap.getByRole('note', { name: 'Crédits' })).toHaveText('Lieux : GeoNames (CC BY 4.0) · Terres : Natural Earth');
    await page.getByLabel('Langue').selectOption('en');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  });

  test('sign in with the OpenID provider (code + PKCE), make and revoke an API key, sign out', async ({ page, request }) => {
    await page.goto(`${PORTAL}/portal/reach/${PITTSBURGH_REACH}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The provider's own sign-in page (another origin), then its consent page.
    await expect(page).toHaveURL(/127\.0\.0\.1:8093\/interaction\//);
    await page.getByPlaceholder('Enter any login').fill('alice');
    await page.getByPlaceholder('and password').fill('any');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    // Back where she was, signed in.
    await expect(page).toHaveURL(`${PORTAL}/portal/reach/${PITTSBURGH_REACH}`);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'alice' })).toBeVisible();
    await nav.getByRole('link', { name: 'alice' }).click();
    const account = page.locator('article.hp-account');
    await expect(account).toHaveAttribute('data-ready', 'true');
    await expect(account.locator('.hp-facts')).toContainText('scientific');
    await expect(account.locator('.hp-facts')).toContainText('single sign-on');
    await expect(account.getByText('No API key yet.')).toBeVisible();
    await page.getByLabel('Name of the new key').fill('laptop');
    await page.getByRole('button', { name: 'Create a key' }).click();
    const key = await page.getByLabel('New API key').inputValue();
    expect(key).toMatch(/^hy_/);
    // The key works for scripts, with her role.
    const who = await request.get(`${PORTAL}/whoami`, { headers: { Authorization: `token ${key}` } });
    expect(await who.json()).toEqual({ name: 'alice', role: 'scientific' });
    await expect(page.getByRole('table', { name: 'Your API keys' }).getByRole('row')).toHaveCount(2);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Revoke the key laptop' }).click();
    await expect(account.getByText('No API key yet.')).toBeVisible();
    expect((await request.get(`${PORTAL}/whoami`, { headers: { Authorization: `token ${key}` } })).status()).toBe(401);
    // Signing out ends the provider's session too (its confirmation page), and comes back signed out.
    await nav.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: /Yes, sign me out/i }).click();
    await expect(page).toHaveURL(`${PORTAL}/portal/`);
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign in' })).toBeVisible();
    expect(await page.evaluate(() => sessionStorage.getItem('hysope-portal-session'))).toBeNull();
  });

  test('the download basket: features put aside, a bulk export run as a job with its progress, a notice and the file', async ({ page }) => {
    await page.goto(`${PORTAL}/portal/basket`);
    await expect(page.getByText('The basket is empty')).toBeVisible();
    for (const id of [PITTSBURGH_REACH, '74269900031']) {
      await page.goto(`${PORTAL}/portal/reach/${id}`);
      await expect(page.locator('article.hp-feature')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
      await page.getByRole('button', { name: 'Add to the download basket' }).click();
      await expect(page.getByRole('button', { name: 'In the basket: remove' })).toHaveAttribute('aria-pressed', 'true');
    }
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Basket (2)' })).toBeVisible();
    await nav.getByRole('link', { name: 'Basket (2)' }).click();
    const inBasket = page.getByRole('list', { name: 'In the basket' }).getByRole('listitem');
    await expect(inBasket).toHaveCount(2);
    await page.getByLabel('Format').selectOption('csv');
    // Downloads run as the person's jobs: signing in first.
    await page.getByRole('button', { name: 'Prepare the download' }).click();
    await expect(page.getByRole('alert')).toContainText('Sign in to prepare downloads');
    await page.getByRole('main').getByRole('button', { name: 'Sign in' }).click();
    await page.getByPlaceholder('Enter any login').fill('ines');
    await page.getByPlaceholder('and password').fill('any');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page).toHaveURL(`${PORTAL}/portal/basket`);
    await expect(inBasket).toHaveCount(2);
    await page.getByLabel('Format').selectOption('csv');
    // The provider's address of the person, to be told by e-mail too.
    await expect(page.getByLabel('E-mail me when ready (optional)')).toHaveValue('ines@example.org');
    await page.getByRole('button', { name: 'Prepare the download' }).click();
    const job = page.getByRole('list', { name: 'Downloads' }).getByRole('listitem').first();
    await expect(job).toHaveAttribute('data-status', 'successful', { timeout: 60_000 });
    await expect(page.getByRole('status').filter({ hasText: 'Your download is ready' })).toBeVisible();
    // The e-mail (the gateway's SMTP server keeps each message as a file): to ines, naming the job's results.
    const jobId = await job.getAttribute('data-job');
    const mailDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/portal-mail');
    const mailTo = async () => {
      const { readdir, readFile } = await import('node:fs/promises');
      const all = await Promise.all((await readdir(mailDir).catch(() => [])).map(async (f) => JSON.parse(await readFile(path.join(mailDir, f), 'utf8'))));
      return all.find((m: { to: string[]; data: string }) => m.to.includes('ines@example.org') && m.data.replace(/=\r?\n/g, '').includes(jobId!));
    };
    await expect.poll(async () => Boolean(await mailTo()), { timeout: 20_000 }).toBe(true);
    expect((await mailTo()).data).toMatch(/Subject: HYSOPE: your timeseries-export job is ready/);
    const [download] = await Promise.all([page.waitForEvent('download'), job.getByRole('button', { name: 'Download the file' }).click()]);
    const csv = (await (await import('node:fs/promises')).readFile((await download.path())!, 'utf8')).trim().split('\n');
    expect(csv[0]).toMatch(/^reach_id,time,wse/);
    expect(new Set(csv.slice(1).map((l) => l.split(',')[0]))).toEqual(new Set([PITTSBURGH_REACH, '74269900031']));
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Remove River reach 74269900031 from the basket' }).click();
    await expect(inBasket).toHaveCount(1);
  });

  test('alerts from a reach page: signed in, "WSE above" with an e-mail; listed on the page and the account; stopped', async ({ page }) => {
    await page.goto(`${PORTAL}/portal/reach/${PITTSBURGH_REACH}`);
    await expect(page.locator('article.hp-feature')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
    await expect(page.getByText('Sign in to be told of new observations')).toBeVisible();
    await page.locator('.hp-alertsPanel').getByRole('button', { name: 'Sign in' }).click();
    await page.getByPlaceholder('Enter any login').fill('alice');
    await page.getByPlaceholder('and password').fill('any');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page).toHaveURL(`${PORTAL}/portal/reach/${PITTSBURGH_REACH}`);
    await page.getByLabel('Tell me of').selectOption('above');
    await page.getByLabel('Water surface elevation (m)').fill('216.7');
    await page.getByLabel('E-mail (optional)').fill('alice@example.org');
    await page.getByRole('button', { name: 'Alert me' }).click();
    const mine = page.getByRole('list', { name: 'Your alerts for this feature' }).getByRole('listitem');
    await expect(mine).toHaveCount(1);
    await expect(mine.first()).toContainText('water surface elevation above 216.7 m · alice@example.org');
    await expectAccessible(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'alice' }).click();
    const onAccount = page.getByRole('list', { name: 'Your alerts' }).getByRole('listitem');
    await expect(onAccount).toHaveCount(1);
    await onAccount
      .first()
      .getByRole('button', { name: /Stop the alert/ })
      .click();
    await expect(page.getByText('No alert yet')).toBeVisible();
  });

  test.describe('on a phone', () => {
    test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    test('one column, nothing wider than the screen, the map under the form, accessible', async ({ page }) => {
      await page.goto(`${PORTAL}/portal/?q=Red%20River%20of%20the%20North`);
      await expect(page.locator('.hp-search')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
      await expect(map(page)).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      const form = (await page.getByRole('search').boundingBox())!;
      const m = (await map(page).boundingBox())!;
      expect(m.y).toBeGreaterThan(form.y + form.height - 1);
      expect(m.width).toBeGreaterThan(350);
      await expectAccessible(page);
      await page.goto(`${PORTAL}/portal/reach/${PITTSBURGH_REACH}`);
      await expect(page.locator('article.hp-feature')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await expect(page).toHaveScreenshot('portal-reach-phone.png', { maxDiffPixelRatio: 0.03, fullPage: true });
    });
  });
});
