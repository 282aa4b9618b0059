import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Server } from 'node:http';
import { pino } from 'pino';
import { createGateway, listen, openCatalog } from './app.js';
import { expandInputs, ingestFile, type IngestResult } from './catalog/ingest.js';
import type { CatalogStore } from './catalog/store.js';
import { loadConfig, type Config, type ConfigFlags } from './config.js';
import { SAMPLES_DIR } from './formats/samples.js';
import { Compactor, reconcileTimeseries } from './dissemination/timeseries-parts.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { ACCESS_LEVELS, anonymous, type AccessLevel } from './auth/principal.js';
import { UserStore } from './auth/users.js';
import { CatalogService } from './catalog/service.js';
import { exportStatic } from './dissemination/static-export.js';
import { labBuildAt, writeWorkshopSite } from './dissemination/workshop-site.js';
import { Gallery } from './dissemination/gallery.js';
import { TimeseriesService } from './dissemination/timeseries.js';

const HELP = `hysope — the HYSOPE gateway

Usage:
  hysope serve  [--data DIR] [--port N] [--host H]   serve the STAC API and assets (/health/live answers once ready)
  hysope ingest [--data DIR] <file|folder|glob>...    ingest granules into the catalog (non-zero exit if any fails)
  hysope start  [--data DIR] [--port N] [--host H]   ingest the bundled sample data if the catalog is empty, then serve
                                                      the gateway and the lab (HYSOPE_LAB_PORT, 8888); prints the URL to open
  hysope ingest --owner NAME ...                      ingest into NAME's private workspace (only NAME sees the items)
  hysope compact [--data DIR]                         index and compact the time-series store now (a running gateway does it by itself)
  hysope export-static --collections A,B [--bbox W,S,E,N] [--datetime T1/T2] [--with-sources] [--title T] OUT
                                                      write a static STAC catalog of public data (items, GeoParquet, the area's
                                                      time series) into OUT, for a workshop site on any web server
  hysope export-static --lab [--notebooks DIR,...] [--gallery ID,...] --collections ... OUT
                                                      the same catalog in OUT/data, with the zero-server lab around it (JupyterLite,
                                                      a TypeScript kernel in the browser; notebooks: the bundled workshop ones and the
                                                      tutorials that run without a server; Python ones are left out; public gallery
                                                      notebooks by id, opened by OUT/lab/?path=gallery/<name>);
                                                      open OUT/index.html through any web server
  hysope user add NAME ROLE                           create a user (public, educational, scientific, institutional, producer, admin); prints an API key
  hysope access COLLECTION LEVEL [--owner NAME]       set a collection's access level (public ... institutional, private)
  hysope --help

Environment: HYSOPE_DATA_DIR (default ./data), HYSOPE_PORT (8080), HYSOPE_HOST (127.0.0.1),
HYSOPE_DATABASE_URL (PostgreSQL; default: embedded PGlite in DATA/db), HYSOPE_PUBLIC_URL, HYSOPE_LOG_LEVEL,
HYSOPE_HUB_API_URL (JupyterHub API whose tokens are accepted), HYSOPE_RATE_LIMIT (requests/minute per caller, 1200).
HYSOPE_CORS_ORIGINS (browser origins allowed), HYSOPE_ALLOWED_HOSTS, HYSOPE_TRUST_PROXY, HYSOPE_METRICS_TOKEN,
HYSOPE_INBOXES (folders the ingest process reads), HYSOPE_JOB_* (job limits; see the README).
Clients send an API key or hub token as "Authorization: token KEY".
`;

interface Parsed {
  command: string | undefined;
  flags: ConfigFlags & {
    help?: boolean;
    owner?: string;
    collections?: string;
    bbox?: string;
    datetime?: string;
    title?: string;
    notebooks?: string;
    gallery?: string;
    'with-sources'?: boolean;
    lab?: boolean;
  };
  args: string[];
}

/** Parses `hysope <command> [--flag value]... [args]`. */
export function parseArgs(argv: string[]): Parsed {
  const flags: Parsed['flags'] = {};
  const args: string[] = [];
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') flags.help = true;
    else if (a === '--with-sources') flags['with-sources'] = true;
    else if (a === '--lab') flags.lab = true;
    else if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
      const names = ['data', 'port', 'host', 'owner', 'collections', 'bbox', 'datetime', 'title', 'notebooks', 'gallery'] as const;
      if (!(names as readonly string[]).includes(name)) throw new Error(`unknown option --${name} (see hysope --help)`);
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      flags[name as (typeof names)[number]] = value;
    } else if (command === undefined) command = a;
    else args.push(a);
  }
  return { command, flags, args };
}

const lockFile = (config: Config) => path.join(config.dataDir, 'db', 'hysope.pid');

/** The embedded database is single-process: refuse to open it while a gateway holds it. */
async function checkLock(config: Config): Promise<void> {
  if (config.databaseUrl) return;
  const pid = Number(await readFile(lockFile(config), 'utf8').catch(() => ''));
  if (pid && pid !== process.pid) {
    try {
      process.kill(pid, 0);
    } catch {
      return; // stale lock
    }
    throw new Error(`a gateway (pid ${pid}) holds the embedded database in ${config.dataDir}; stop it first, or set HYSOPE_DATABASE_URL`);
  }
}

async function ingestAll(
  store: CatalogStore,
  config: Config,
  inputs: string[],
  out: (line: string) => void,
  owner?: string,
  observe?: (r: IngestResult) => void
): Promise<IngestResult[]> {
  const files = await expandInputs(inputs);
  const results: IngestResult[] = [];
  for (const [i, file] of files.entries()) {
    const r = await ingestFile(store, config.dataDir, file, { owner, observe });
    results.push(r);
    const n = `[${i + 1}/${files.length}]`;
    if (r.ok)
      out(
        `${n} ok ${r.collection}/${r.id}: ${r.rows} rows, ${(r.bytes / 1e6).toFixed(2)} MB GeoParquet, ${r.seconds.toFixed(2)} s${r.latest !== r.id ? ` (superseded by ${r.latest})` : ''}`
      );
    else console.error(`${n} FAILED ${r.error}`);
  }
  return results;
}

/**
 * Starts the lab (server/lab/start-lab.sh, Debian's Jupyter Server) beside the gateway, when it is built.
 * Returns the child process, or null when the lab is not built.
 */
function startLab(config: Config, gatewayUrl: string, key: string): { child: ChildProcess; url: string } | null {
  const repo = path.resolve(SAMPLES_DIR, '..');
  const labDir = path.join(repo, 'server', 'lab');
  if (!existsSync(path.join(labDir, 'build', 'bundle.js'))) {
    console.log('The lab is not built (npm run build): serving the gateway only.');
    return null;
  }
  const state = path.join(config.dataDir, 'lab');
  spawnSync('bash', [path.join(repo, 'scripts', 'kernels.sh'), path.join(state, 'data')], { stdio: 'ignore' });
  const port = String(config.labPort);
  const token = randomBytes(16).toString('hex');
  const child = spawn(path.join(labDir, 'start-lab.sh'), [port, token, path.join(repo, 'notebooks')], {
    env: { ...process.env, HYSOPE_LAB_STATE: state, HYSOPE_GATEWAY_URL: gatewayUrl, HYSOPE_TOKEN: key },
    stdio: ['ignore', 'ignore', 'pipe']
  });
  child.stderr?.on('data', (d: Buffer) => {
    const line = d.toString();
    if (/\[E |Traceback|Error/.test(line)) process.stderr.write(`[lab] ${line}`);
  });
  return { child, url: `http://127.0.0.1:${port}/lab?token=${token}` };
}

async function serve(config: Config, ingestSamples: boolean, withLab = false): Promise<number> {
  await checkLock(config);
  const log = pino({ level: config.logLevel });
  // `hysope start`: the lab beside the gateway is another origin that the CORS policy allows.
  // The portal's "Open in the lab" goes to it (the person has its token from the start message).
  if (withLab)
    config = {
      ...config,
      corsOrigins: [...config.corsOrigins, `http://127.0.0.1:${config.labPort}`, `http://localhost:${config.labPort}`],
      labUrl: config.labUrl ?? `http://127.0.0.1:${config.labPort}/lab`
    };
  const gateway = await createGateway(config, log);
  // The person who ran `hysope start` owns this machine: the lab acts as a local producer (a new key each start).
  const labKey = withLab ? await gateway.users.addUser('lab', 'producer', { replaceKeys: true }) : '';
  if (!config.databaseUrl) {
    await mkdir(path.dirname(lockFile(config)), { recursive: true });
    await writeFile(lockFile(config), String(process.pid));
  }
  if (ingestSamples) {
    const counts = await gateway.store.counts();
    if (Object.values(counts).reduce((a, b) => a + b, 0) === 0) {
      console.log(`Ingesting the bundled sample data from ${SAMPLES_DIR} ...`);
      const results = await ingestAll(gateway.store, config, [SAMPLES_DIR], (l) => console.log(l), undefined, gateway.observeIngest);
      console.log(`${results.filter((r) => r.ok).length} products ingested, ${results.filter((r) => !r.ok).length} refused (see above).`);
    }
  }
  const server: Server = await listen(gateway.app, config.port, config.host);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  gateway.setListenUrl(config.publicUrl ?? `http://${config.host}:${port}`);
  await gateway.jobs.recover();
  console.log(`HYSOPE gateway ready: http://${config.host}:${port}/stac (data in ${config.dataDir})`);
  const lab = withLab ? startLab(config, `http://${config.host}:${port}`, labKey) : null;
  if (lab) console.log(`HYSOPE lab: open ${lab.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      lab?.child.kill('SIGTERM');
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await gateway.close();
  if (!config.databaseUrl) await rm(lockFile(config), { force: true });
  return 0;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const { command, flags, args } = parseArgs(argv);
  if (flags.help || command === undefined || command === 'help') {
    console.log(HELP);
    return command === undefined && !flags.help ? 2 : 0;
  }
  const config = loadConfig(process.env, flags);
  switch (command) {
    case 'serve':
      return serve(config, false);
    case 'start':
      return serve(config, true, true);
    case 'ingest': {
      if (args.length === 0) throw new Error('ingest needs at least one file, folder or glob (see hysope --help)');
      await checkLock(config);
      const { db, store } = await openCatalog(config);
      try {
        const results = await ingestAll(store, config, args, (l) => console.log(l), flags.owner);
        const failed = results.filter((r) => !r.ok).length;
        console.log(`${results.length - failed} ingested, ${failed} failed`);
        return failed > 0 ? 1 : 0;
      } finally {
        await db.close();
      }
    }
    case 'compact': {
      await checkLock(config);
      const { db, seriesFiles } = await openCatalog(config);
      const instance = await DuckDBInstance.create(':memory:');
      const duck = await instance.connect();
      try {
        const reconciled = await reconcileTimeseries(db, seriesFiles, async () => duck);
        if (reconciled.indexed + reconciled.removed) console.log(`indexed ${reconciled.indexed} granule part(s), removed ${reconciled.removed} stray part(s)`);
        let failed = 0;
        const compactor = new Compactor(
          db,
          seriesFiles,
          async () => duck,
          (e) => {
            if (e.type === 'compacted')
              console.log(
                `${e.compaction.feature} ${e.compaction.bucket}: ${e.compaction.merged} granule part(s) and ${e.compaction.rewritten} compacted part(s) merged, ${e.compaction.rows} rows in ${e.compaction.seconds.toFixed(2)} s (${e.compaction.parts} part(s) in the bucket)`
              );
            else {
              failed++;
              console.log(`${e.feature} ${e.bucket}: failed: ${e.error}`);
            }
          }
        );
        const done = await compactor.runPending();
        console.log(`${done.length} bucket(s) compacted, ${failed} failed`);
        return failed > 0 ? 1 : 0;
      } finally {
        duck.closeSync();
        await db.close();
      }
    }
    case 'export-static': {
      if (args.length !== 1) throw new Error('export-static needs one output folder (see hysope --help)');
      await checkLock(config);
      const { db, store, seriesFiles } = await openCatalog(config);
      const series = new TimeseriesService(seriesFiles, db, config.duckdb);
      try {
        const bbox = flags.bbox ? flags.bbox.split(',').map(Number) : undefined;
        if (bbox && (bbox.length !== 4 || bbox.some((v) => !Number.isFinite(v)) || bbox[0]! > bbox[2]! || bbox[1]! > bbox[3]!))
          throw new Error(`--bbox must be W,S,E,N in degrees, got "${flags.bbox}"`);
        const out = path.resolve(args[0]!);
        // The site's parts are checked before anything is written: the lab build, the notebooks.
        const repo = path.resolve(SAMPLES_DIR, '..');
        const labBuild = flags.lab ? await labBuildAt(config.labBuild ?? path.join(repo, 'server', 'lab', 'build')) : null;
        // By default the workshop notebooks and the tutorials that run without a server.
        const tutorials = ['workshop', '01-discover-the-catalog.ipynb', '03-pixc-pixel-cloud.ipynb'].map((n) => path.join(repo, 'notebooks', n));
        const notebooks = (flags.notebooks ?? tutorials.join(','))
          .split(',')
          .filter(Boolean)
          .map((n) => path.resolve(n));
        if (labBuild) for (const n of notebooks) if (!existsSync(n)) throw new Error(`--notebooks: no notebook or folder at ${n}`);
        // Gallery notebooks: public ones only (a static site has no access levels), with their pins.
        const documents: { name: string; notebook: unknown }[] = [];
        const names = new Set<string>();
        for (const id of (flags.gallery ?? '').split(',').filter(Boolean)) {
          if (!labBuild) throw new Error('--gallery puts notebooks into the zero-server lab: add --lab');
          const { entry, notebook } = await new Gallery(db, store).notebook(anonymous('export-static'), id).catch(() => {
            throw new Error(`--gallery: no public gallery notebook "${id}" (a static site shows public notebooks only)`);
          });
          const base = entry.title.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'notebook';
          let name = `${base}.ipynb`;
          for (let k = 2; names.has(name); k++) name = `${base}-${k}.ipynb`;
          names.add(name);
          documents.push({ name, notebook });
        }
        const report = await exportStatic(
          { catalog: new CatalogService(store), store, series, dataDir: config.dataDir },
          {
            collections: (flags.collections ?? '').split(',').filter(Boolean),
            bbox: bbox as [number, number, number, number] | undefined,
            datetime: flags.datetime,
            withSources: flags['with-sources'],
            title: flags.title
          },
          labBuild ? path.join(out, 'data') : out,
          (line) => console.log(line)
        );
        if (labBuild) {
          const site = await writeWorkshopSite(out, { labBuild, notebooks, documents, title: flags.title });
          for (const d of documents)
            if (!site.skipped.includes(`gallery/${d.name}`))
              console.log(`gallery notebook: ${path.join(out, 'lab')}/?path=gallery/${encodeURIComponent(d.name)}`);
          if (site.skipped.length) console.log(`left out (a Python kernel, which does not run without a server): ${site.skipped.join(', ')}`);
          console.log(
            `zero-server lab: ${site.notebooks} notebook file(s), ${site.settings} settings schemas; open ${path.join(out, 'index.html')} through a web server`
          );
        }
        console.log(
          `${report.collections.map((c) => `${c.id}: ${c.items} items`).join(', ')}; ${report.timeseries.length} time-series file(s); ${report.files} files, ${(report.bytes / 1e6).toFixed(1)} MB in ${args[0]}`
        );
        return 0;
      } finally {
        await db.close();
      }
    }
    case 'user':
    case 'access': {
      await checkLock(config);
      const { db, store } = await openCatalog(config);
      try {
        if (command === 'user') {
          const [sub, name, role] = args;
          if (sub !== 'add' || !name || !role) throw new Error('usage: hysope user add NAME ROLE');
          const key = await new UserStore(db).addUser(name, role);
          console.log(`user ${name} (${role}); API key (shown once): ${key}`);
        } else {
          const [collection, level] = args;
          if (!collection || !level || !ACCESS_LEVELS.includes(level as AccessLevel))
            throw new Error(`usage: hysope access COLLECTION ${ACCESS_LEVELS.join('|')} [--owner NAME]`);
          if (level === 'private' && !flags.owner) throw new Error('a private collection needs --owner NAME');
          if (!(await store.setAccess(collection, level, flags.owner ?? null))) throw new Error(`collection "${collection}" does not exist`);
          console.log(`${collection}: ${level}${flags.owner ? ` (owner ${flags.owner})` : ''}`);
        }
        return 0;
      } finally {
        await db.close();
      }
    }
    default:
      throw new Error(`unknown command "${command}" (see hysope --help)`);
  }
}
