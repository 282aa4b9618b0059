// The portal as people meet it: its first load (bytes on the wire, time until the search can be used) beside the
// lab's first load measured in the same run, and the time from a river name typed to the results listed and to
// its reaches drawn on the map, beside the STAC search alone (the floor any page on this API starts from).
import { HUBEAU, HYDROWEB, REACHES_PASS_51, REACH_548, startGateway } from '../helpers.js';
import { launchChromium } from '../browser/chromium.js';
import { startLab } from '../browser/lab.js';
import { firstLoad, LAUNCHER_READY } from './lab.js';
import { median, report } from './stats.js';

/** The search form with the catalogue's collections listed: a search can be made. */
const PORTAL_READY = 'form[role="search"] select[name="collection"] option:nth-child(2)';
const RIVER = 'Red River of the North';

export async function benchPortal(rounds = Number(process.env['BENCH_PORTAL_ROUNDS'] ?? 8)): Promise<void> {
  const g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_CORS_ORIGINS: '*' } });
  try {
    for (const f of [REACH_548, ...REACHES_PASS_51, ...HYDROWEB.filter((f) => f.endsWith('_mean.json')), HUBEAU[0]!]) {
      const r = await g.ingest(f);
      if (!r.ok) throw new Error(r.error);
    }
    const portal = await firstLoad(`${g.url}/`, PORTAL_READY);
    const lab = await startLab(g.url);
    let labLoad: Awaited<ReturnType<typeof firstLoad>>;
    try {
      labLoad = await firstLoad(`${lab.url}/lab?token=${lab.token}`, LAUNCHER_READY);
    } finally {
      await lab.stop();
    }
    const mb = (b: number) => b / 1e6;
    const theLab = (value: number) => ({ name: 'the lab (JupyterLab, production build), same run', value, higherIsBetter: false });
    report('portal first load: page to a usable search (production build, brotli)', portal.cold, 's', theLab(labLoad.cold));
    report('portal first load: everything transferred', mb(portal.coldBytes.total), 'MB', theLab(mb(labLoad.coldBytes.total)));
    report('portal first load: JavaScript transferred', mb(portal.coldBytes.js), 'MB', theLab(mb(labLoad.coldBytes.js)));
    report('portal second load (warm cache): page to a usable search', portal.warm, 's', theLab(labLoad.warm));

    // The STAC search alone, over HTTP from Node: what the page waits for at least.
    const api: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      const r = await fetch(`${g.url}/stac/search`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ q: RIVER, limit: 50 })
      });
      await r.json();
      api.push(performance.now() - t);
    }
    const browser = await launchChromium();
    const listed: number[] = [];
    const drawn: number[] = [];
    const drawnWarm: number[] = [];
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      for (let i = 0; i < rounds; i++) {
        await page.goto(`${g.url}/portal/`);
        await page.waitForSelector(PORTAL_READY, { state: 'attached' });
        // Half the rounds type at once (the SQL engine still starting), half once the page has settled (as a person
        // typing a river name does, the engine warmed up meanwhile).
        const settled = i % 2 === 1;
        if (settled) await page.waitForSelector('.hp-search[data-engine="ready"]', { state: 'attached', timeout: 60_000 });
        const box = page.getByLabel('Place, river, lake, SWORD id or basin');
        await box.fill(RIVER);
        // Stamped in the page when the results are listed and when the map has drawn them.
        await page.evaluate(() => {
          const w = window as unknown as { __t0: number; __listed?: number; __drawn?: number };
          const search = document.querySelector('.hp-search')!;
          const map = document.querySelector('.hy-SwathView-map')!;
          new MutationObserver(() => {
            if (search.getAttribute('data-state') === 'ready') w.__listed ??= performance.now();
            if (map.getAttribute('data-ready') === 'true') w.__drawn ??= performance.now();
          }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-state', 'data-ready'] });
          document.querySelector<HTMLInputElement>('#hp-q')!.addEventListener('keydown', () => (w.__t0 = performance.now()), { once: true });
        });
        await box.press('Enter');
        await page.waitForFunction(() => (window as unknown as { __drawn?: number }).__drawn !== undefined, null, { timeout: 60_000 });
        const stamps = await page.evaluate(() => {
          const w = window as unknown as { __t0: number; __listed: number; __drawn: number };
          return [w.__listed - w.__t0, w.__drawn - w.__t0];
        });
        listed.push(stamps[0]!);
        (settled ? drawnWarm : drawn).push(stamps[1]!);
      }
    } finally {
      await browser.close();
    }
    const floor = { name: 'the STAC search alone (HTTP from Node), same run', value: median(api), higherIsBetter: false };
    report(`portal: "${RIVER}" typed → results listed (p50 of ${rounds})`, median(listed), 'ms', floor);
    report(`portal: "${RIVER}" typed at once → its 687 reaches drawn on the map (DuckDB-WASM starting, p50 of ${drawn.length})`, median(drawn), 'ms', floor);
    report(`portal: "${RIVER}" typed once the page settled → its 687 reaches drawn (p50 of ${drawnWarm.length})`, median(drawnWarm), 'ms', floor);
  } finally {
    await g.stop();
  }
}
