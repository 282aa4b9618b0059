// Click on a reach → its time series plotted, in the real lab in headless Chromium (software GL, as on a laptop
// without a GPU or a remote desktop): p50/p95 and misses over clicks spread over the reaches, each a few pixels off
// the 2-pixel line. Before CPU picking, a click often never opened the plot (7 clicks on one reach did not).
import path from 'node:path';
import { launchChromium } from '../browser/chromium.js';
import { startLab } from '../browser/lab.js';
import { SAMPLES, startGateway } from '../helpers.js';
import { percentile, report } from './stats.js';

type LabWindow = {
  jupyterapp: {
    commands: { execute(id: string, args?: unknown): Promise<unknown> };
    shell: {
      currentWidget: {
        content: { screenPositionOf(kind: string, i: number): [number, number] | null; model: { layers: { chunks: { geometry?: { length: number } }[] }[] } };
      };
    };
  };
};

const CYCLES = ['1_51_NA_20100816T184024_20100816T184031', '2_51_NA_20100906T152521_20100906T152528', '3_51_NA_20100927T121018_20100927T121025'];

export async function benchViewerClicks(clicks = 30): Promise<void> {
  const g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_CORS_ORIGINS: '*' } });
  const lab = await startLab(g.url);
  const browser = await launchChromium();
  try {
    const ids = CYCLES.map((c) => `SWOT_L2_HR_RiverSP_Reach_${c}_PGA2_03`);
    for (const id of ids) {
      const r = await g.ingest(path.join(SAMPLES, 'swot/riversp', `${id}.zip`));
      if (!r.ok) throw new Error(r.error);
    }
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${lab.url}/lab?token=${lab.token}`);
    await page.waitForSelector('.jp-Launcher', { timeout: 60_000 });
    await page.evaluate(
      (items) => (window as unknown as LabWindow).jupyterapp.commands.execute('hysope-viewer:open', { title: 'clicks', items }),
      ids.map((id) => ({ collection: 'swot-riversp-reach', id }))
    );
    const viewer = page.locator('.hy-SwathView');
    await viewer.and(page.locator('[data-ready="true"]')).waitFor({ timeout: 60_000 });
    const reaches = await page.evaluate(
      () => (window as unknown as LabWindow).jupyterapp.shell.currentWidget.content.model.layers[0]!.chunks[0]!.geometry!.length
    );
    const plot = viewer.locator('.hy-SwathView-plot');
    const times: number[] = [];
    let missed = 0;
    const map = (await viewer.locator('.hy-SwathView-map').boundingBox())!;
    const inside = ([x, y]: [number, number]) => x > map.x + 10 && x < map.x + map.width - 10 && y > map.y + 10 && y < map.y + map.height - 10;
    for (let i = 0, k = 0; i < clicks && k < clicks * 10; k++) {
      const pos = await page.evaluate((r) => (window as unknown as LabWindow).jupyterapp.shell.currentWidget.content.screenPositionOf('reach', r), k % reaches);
      // Reaches out of the view, or under the legend, the layer list or the scale bar, are not clicked.
      if (!pos || !inside(pos)) continue;
      const onMap = await page.evaluate(([x, y]) => document.elementFromPoint(x, y)?.tagName === 'CANVAS', [pos[0] + 3, pos[1] + 2]);
      if (!onMap) continue;
      i++;
      const t = performance.now();
      await page.mouse.click(pos[0] + 3, pos[1] + 2);
      try {
        await plot.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 10_000 });
        times.push(performance.now() - t);
        await page.getByRole('button', { name: 'Close the time series' }).click();
        await plot.waitFor({ state: 'hidden' });
        // The map takes the plot's room back: let deck.gl redraw at the new size before the next position is read.
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        await page.waitForTimeout(200);
      } catch {
        missed++;
      }
    }
    times.sort((a, b) => a - b);
    report(`viewer: click on a reach (of ${reaches}, 3 px off its line) → its plot drawn, p50 over ${clicks} clicks, software GL`, percentile(times, 50), 'ms');
    report('viewer: click → plot drawn, p95', percentile(times, 95), `ms (missed: ${missed} of ${clicks})`);
  } finally {
    await browser.close();
    await lab.stop();
    await g.stop();
  }
}
