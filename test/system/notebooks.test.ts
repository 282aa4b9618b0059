// Every notebook of notebooks/ (tutorials and workshop) runs headless against a running gateway with the
// sample data: nbclient through the notebook's own kernel (tslab or Python), failing on any cell error.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSelection, selectionNotebook, type LabSelection } from '../../extensions/catalog-browser/src/selection-notebook.js';
import { HUBEAU, HYDROWEB, LAKE_GREENLAND, PIXC_NORMANDY, REACHES_PASS_51, REACH_548, runProcess, startGateway, type TestGateway } from '../helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NOTEBOOKS = path.join(ROOT, 'notebooks');
const RUNNER = path.join(ROOT, 'server/gateway/python/run_notebook.py');
/** The model samples the model tutorial reads. */
const MODEL_SERIES = ['model/pcrglobwb_rhine_meuse_stations/pcr_uncalibrated_basel.csv', 'model/rapid_uk_thames_qout/Qout_nasa_lis_3hr_20020830_CF.nc'].map(
  (f) => path.join(ROOT, 'samples', f)
);

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  text?: string;
}

async function notebooks(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory() && !e.name.startsWith('.')) out.push(...(await notebooks(path.join(dir, e.name))));
    else if (e.name.endsWith('.ipynb')) out.push(path.join(dir, e.name));
  }
  return out.sort();
}

describe('the notebooks run headless against the running system', async () => {
  let g: TestGateway;
  let work: string;
  const all = await notebooks(NOTEBOOKS);
  let token = '';
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'hysope-notebooks-'));
    const r = await runProcess('bash', [path.join(ROOT, 'scripts/kernels.sh'), path.join(work, 'kernels')]);
    expect(r.status, r.stderr).toBe(0);
    g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_JOB_CONCURRENCY: '2' } });
    // The reader of the tutorials is a signed-in scientist (the production tutorial starts a job).
    token = (await g.user('reader', 'scientific')).key;
    for (const f of [...REACHES_PASS_51, REACH_548, PIXC_NORMANDY, LAKE_GREENLAND, ...HYDROWEB, ...MODEL_SERIES]) expect((await g.ingest(f)).ok, f).toBe(true);
    // One Hub'Eau sample (a window with no observation) is refused by design: the others must pass.
    const hubeau = await Promise.all(HUBEAU.map((f) => g.ingest(f)));
    expect(hubeau.filter((r) => r.ok).length).toBeGreaterThanOrEqual(HUBEAU.length - 1);
  }, 300_000);
  afterAll(async () => {
    await g?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('finds the tutorials (TypeScript and Python) and the workshop', () => {
    const names = all.map((f) => path.relative(NOTEBOOKS, f));
    expect(names.filter((n) => !n.includes('/')).length).toBeGreaterThanOrEqual(5);
    expect(names.some((n) => n.startsWith('workshop/exercise-'))).toBe(true);
    expect(names.some((n) => n.startsWith('workshop/solution-'))).toBe(true);
  });

  /** Runs a notebook headless (nbclient through its kernel, cwd: `cwd`), checking that no cell failed. */
  async function run(file: string, cwd: string): Promise<{ cells: { cell_type: string; outputs?: Output[] }[]; outputs: Output[] }> {
    const out = path.join(work, path.basename(file));
    const code = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('/usr/bin/python3', [RUNNER, file, out, '{}', '', '300', cwd], {
        env: { ...process.env, JUPYTER_PATH: path.join(work, 'kernels'), HYSOPE_GATEWAY_URL: g.url, HYSOPE_TOKEN: token },
        stdio: ['ignore', 'ignore', 'pipe']
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (c) => resolve({ code: c, stderr }));
    });
    const executed = JSON.parse(await readFile(out, 'utf8')) as { cells: { cell_type: string; outputs?: Output[] }[] };
    const outputs = executed.cells.flatMap((c) => c.outputs ?? []);
    const errors = outputs.filter((o) => o.output_type === 'error').map((o) => `${o.ename}: ${o.evalue}`);
    expect(errors, code.stderr).toEqual([]);
    expect(code.code, code.stderr).toBe(0);
    return { ...executed, outputs };
  }

  for (const file of all) {
    it(`runs ${path.relative(NOTEBOOKS, file)}`, async () => {
      const executed = await run(file, path.dirname(file));
      const outputs = executed.outputs;
      // Every code cell ran, and the tutorials show something (HYSOPE bundles or text), not nothing.
      expect(executed.cells.filter((c) => c.cell_type === 'code').every((c) => (c as { execution_count?: number | null }).execution_count !== null)).toBe(true);
      expect(outputs.length).toBeGreaterThan(0);
      if (!file.includes('exercise-')) {
        const rich = outputs.filter((o) => Object.keys(o.data ?? {}).some((k) => k.startsWith('application/vnd.hysope.')));
        expect(rich.length + outputs.filter((o) => o.output_type === 'execute_result' || o.output_type === 'stream').length).toBeGreaterThan(0);
      }
    }, 360_000);
  }

  // The portal's "Open in the lab": the notebook made from a selection runs as written and shows that selection.
  it('runs the notebook the lab makes from a portal selection (a reach, a lake, a place, a search)', async () => {
    const lakes = (await (await fetch(`${g.url}/timeseries?feature=PriorLake&bbox=-180,-90,180,90&format=geojson&fields=lake_id,time,wse`)).json()) as {
      features: { properties: { lake_id: string; wse: number | null } }[];
    };
    const lake = lakes.features.find((f) => f.properties.wse !== null)?.properties.lake_id;
    expect(lake).toBeTruthy();
    const selection: LabSelection = {
      title: 'Reach 74269800031 and friends',
      features: [
        { feature: 'Reach', ids: ['74269800031', '74269800041'] },
        { feature: 'PriorLake', ids: [lake!] }
      ],
      places: [{ lon: -80.2681, lat: -6.4354, name: 'Peru' }],
      search: { collections: ['swot-riversp-reach'], bbox: [-81, -7, -79, -6] }
    };
    // Where the lab puts it: beside the user's notebooks (the kernel resolves @hysope/kernels-bridge from there).
    const file = path.join(NOTEBOOKS, `.selection-${process.pid}.ipynb`);
    await writeFile(file, JSON.stringify(selectionNotebook(parseSelection(JSON.stringify(selection)))));
    try {
      const executed = await run(file, NOTEBOOKS);
      const bundles = executed.outputs.map((o) => o.data ?? {});
      const series = bundles
        .map((d) => d['application/vnd.hysope.timeseries+json'] as { series: { name: string; points: { value: number | null }[] }[] } | undefined)
        .filter(Boolean);
      const reach = series[0]!.series.find((x) => x.name.includes('74269800031'))!;
      expect(reach.points.filter((p) => p.value !== null).length).toBeGreaterThan(0);
      // The place's harmonized series has the Hydroweb station near it.
      expect(series.some((x) => x!.series.some((y) => /hydroweb/i.test(y.name) && y.points.length > 0))).toBe(true);
      // The search's granules are drawn on a map.
      expect(bundles.some((d) => 'application/vnd.hysope.map+json' in d)).toBe(true);
    } finally {
      await rm(file, { force: true });
    }
  }, 360_000);
});
