// The zero-server workshop site: the lab's own production build (same JupyterLab 4.6 packages, same HYSOPE
// extensions) started in its "lite" edition, where JupyterLite answers the services in the browser and the
// HYSOPE browser kernel runs the TypeScript notebooks; the data is a static STAC export beside it. Everything is
// files: any web server (or a GitHub Pages-like host) serves it, and no request leaves that host.
//
//   OUT/index.html            → lab/
//   OUT/lab/index.html        the lab page (its page config finds everything relative to where it is served)
//   OUT/static/               the lab build (bundle, chunks, DuckDB-WASM, themes, schemas) + settings/all.json
//   OUT/files/, OUT/api/contents/**/all.json   the notebooks and their listings (JupyterLite's contents)
//   OUT/data/                 the static catalog (`export-static`)
import fs from 'node:fs/promises';
import path from 'node:path';

/** What a workshop site is built from. */
export interface WorkshopSiteOptions {
  /** The lab's production build (`server/lab/build`). */
  labBuild: string;
  /** Notebook folders or files, copied under `files/` (a folder keeps its name). */
  notebooks: string[];
  /** The page title. */
  title?: string;
  /** The static catalog, relative to the site (written by `export-static` into `data/`). */
  catalog?: string;
  /** Notebooks given as documents (gallery notebooks), written under `files/gallery/` by name. */
  documents?: { name: string; notebook: unknown }[];
}

/** The lab build in `build`, checked to be there. */
export async function labBuildAt(build: string): Promise<string> {
  try {
    await fs.access(path.join(build, 'bundle.js'));
  } catch {
    throw new Error(`the lab is not built in ${build} (npm run build): a workshop site ships its production build`);
  }
  return build;
}

/** A file of JupyterLite's contents listing (`api/contents/<dir>/all.json`). */
interface ContentModel {
  name: string;
  path: string;
  type: 'notebook' | 'directory' | 'file';
  format: null;
  mimetype: string | null;
  created: string;
  last_modified: string;
  size: number | null;
  writable: boolean;
  content: null;
}

const MIME: Record<string, string> = {
  '.ipynb': 'application/x-ipynb+json',
  '.md': 'text/markdown',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.parquet': 'application/vnd.apache.parquet',
  '.png': 'image/png',
  '.txt': 'text/plain'
};

/** Writes `api/contents/<dir>/all.json` for every folder under `files/`. */
async function writeListings(out: string): Promise<number> {
  const files = path.join(out, 'files');
  let count = 0;
  const list = async (rel: string): Promise<void> => {
    const entries = (await fs.readdir(path.join(files, rel), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    const content: ContentModel[] = [];
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      const stat = await fs.stat(path.join(files, p));
      const time = stat.mtime.toISOString();
      const dir = e.isDirectory();
      const ext = path.extname(e.name);
      content.push({
        name: e.name,
        path: p,
        type: dir ? 'directory' : ext === '.ipynb' ? 'notebook' : 'file',
        format: null,
        mimetype: dir ? null : (MIME[ext] ?? 'application/octet-stream'),
        created: time,
        last_modified: time,
        size: dir ? null : stat.size,
        writable: true,
        content: null
      });
      if (dir) await list(p);
      else count++;
    }
    const listing = path.join(out, 'api', 'contents', rel, 'all.json');
    await fs.mkdir(path.dirname(listing), { recursive: true });
    const now = new Date().toISOString();
    await fs.writeFile(
      listing,
      JSON.stringify({
        name: path.basename(rel),
        path: rel,
        type: 'directory',
        format: 'json',
        mimetype: null,
        created: now,
        last_modified: now,
        size: null,
        writable: true,
        content
      })
    );
  };
  await list('');
  return count;
}

/** Every extension's settings schema in one `all.json`, as JupyterLite's settings service reads them. */
async function writeSettings(labBuild: string, out: string): Promise<number> {
  const schemas = path.join(labBuild, 'schemas');
  const plugins: { id: string; schema: unknown; raw: string; settings: object; version: string }[] = [];
  const walk = async (dir: string, pkg: string[]): Promise<void> => {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(path.join(dir, e.name), [...pkg, e.name]);
      else if (e.name.endsWith('.json')) {
        const schema = JSON.parse(await fs.readFile(path.join(dir, e.name), 'utf8')) as object;
        plugins.push({ id: `${pkg.join('/')}:${e.name.slice(0, -5)}`, schema, raw: '{}', settings: {}, version: '0.1.0' });
      }
    }
  };
  await walk(schemas, []);
  plugins.sort((a, b) => a.id.localeCompare(b.id));
  await fs.mkdir(path.join(out, 'static', 'settings'), { recursive: true });
  await fs.writeFile(path.join(out, 'static', 'settings', 'all.json'), JSON.stringify(plugins));
  // The prebuilt extensions' settings: none (ours are built into the lab), said so rather than left a 404.
  await fs.writeFile(path.join(out, 'static', 'settings', 'all_federated.json'), '[]');
  return plugins.length;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The lab page: its page config, completed in the browser with the addresses of where the site is served. */
function labPage(title: string, catalog: string): string {
  const config = {
    appName: title,
    appNamespace: 'hysope-lite',
    appVersion: '0.1.0',
    hysopeEdition: 'lite',
    hysopeGatewayUrl: catalog,
    appUrl: '/lab',
    treeUrl: 'lab/tree',
    themesUrl: 'static/themes',
    translationsApiUrl: 'api/translations',
    terminalsAvailable: false,
    buildAvailable: false,
    buildCheck: false,
    notebookStartsKernel: true,
    exposeAppInBrowser: true,
    contentsAllJsonFile: 'all.json',
    defaultKernelName: 'tslab',
    federated_extensions: [],
    disabledExtensions: [],
    mode: 'multiple-document',
    cacheFiles: false,
    devMode: false,
    // The browser's storage, one per site (two workshops on one host do not share notebooks).
    contentsStorageName: '',
    settingsStorageName: '',
    workspacesStorageName: ''
  };
  // NOTE: the config is completed before the bundle runs (JupyterLab reads its paths when its modules load).
  const complete = `(function () {
  var el = document.getElementById('jupyter-config-data');
  var c = JSON.parse(el.textContent);
  var root = new URL('../', location.href);
  c.baseUrl = root.pathname;
  c.fullStaticUrl = root.href + 'static';
  c.settingsUrl = root.href + 'static/settings';
  c.fullAppUrl = root.pathname + 'lab';
  c.hysopeGatewayUrl = new URL(c.hysopeGatewayUrl, root).href;
  c.contentsStorageName = c.settingsStorageName = c.workspacesStorageName = 'HYSOPE workshop ' + root.pathname;
  el.textContent = JSON.stringify(c);
  var s = document.createElement('script');
  s.src = c.fullStaticUrl + '/bundle.js';
  document.head.appendChild(s);
})();`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(title)}</title>
    <link rel="icon" href="data:," />
    <script id="jupyter-config-data" type="application/json">${JSON.stringify(config).replace(/</g, '\\u003c')}</script>
    <script>${complete}</script>
  </head>
  <body></body>
</html>
`;
}

/** What was written, and the notebooks left out (their kernel does not run in a browser). */
export interface WorkshopSiteReport {
  notebooks: number;
  settings: number;
  skipped: string[];
}

/** The kernels the zero-server edition has: the browser TypeScript kernel, under the lab's TypeScript kernel's name. */
const BROWSER_KERNELS = new Set(['tslab']);

/**
 * Whether a notebook runs in the zero-server edition: a TypeScript one. Python notebooks do not: no Python kernel
 * works offline from npm packages alone (Pyodide fetches its packages from a CDN).
 */
async function runsInBrowser(file: string): Promise<boolean> {
  try {
    return kernelRunsInBrowser(JSON.parse(await fs.readFile(file, 'utf8')));
  } catch {
    return false;
  }
}

function kernelRunsInBrowser(notebook: unknown): boolean {
  return BROWSER_KERNELS.has((notebook as { metadata?: { kernelspec?: { name?: string } } } | null)?.metadata?.kernelspec?.name ?? '');
}

/**
 * Writes the lab around a static export in `out` (the export's `data/` is written separately, before or after).
 * Bad input (a notebook path that does not exist) fails before anything is written.
 */
export async function writeWorkshopSite(out: string, options: WorkshopSiteOptions): Promise<WorkshopSiteReport> {
  for (const n of options.notebooks) await fs.access(n).catch(() => Promise.reject(new Error(`no notebook or folder at ${n}`)));
  const title = options.title ?? 'HYSOPE workshop';
  await fs.mkdir(out, { recursive: true });
  await fs.cp(options.labBuild, path.join(out, 'static'), { recursive: true, filter: (src) => !src.endsWith('.orig') });
  const skipped: string[] = [];
  for (const n of options.notebooks) {
    const target = path.join(out, 'files', path.basename(n));
    await fs.cp(n, target, {
      recursive: true,
      filter: async (src) => {
        if (/(^|\/)\.ipynb_checkpoints(\/|$)/.test(src)) return false;
        if (!src.endsWith('.ipynb') || (await runsInBrowser(src))) return true;
        skipped.push(path.relative(path.dirname(n), src));
        return false;
      }
    });
  }
  await fs.mkdir(path.join(out, 'files'), { recursive: true });
  for (const d of options.documents ?? []) {
    const file = path.join(out, 'files', 'gallery', d.name);
    if (!kernelRunsInBrowser(d.notebook)) {
      skipped.push(`gallery/${d.name}`);
      continue;
    }
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, `${JSON.stringify(d.notebook, null, 1)}\n`);
  }
  const notebooks = await writeListings(out);
  const settings = await writeSettings(options.labBuild, out);
  await fs.mkdir(path.join(out, 'lab'), { recursive: true });
  await fs.writeFile(path.join(out, 'lab', 'index.html'), labPage(title, options.catalog ?? 'data/catalog.json'));
  await fs.writeFile(
    path.join(out, 'index.html'),
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8" /><title>${escapeHtml(title)}</title><meta http-equiv="refresh" content="0; url=lab/" /></head><body><a href="lab/">${escapeHtml(title)}</a></body></html>\n`
  );
  return { notebooks, settings, skipped };
}
