/**
 * The job worker: one process per job, whatever the executor (a local child process, a SLURM batch step,
 * a Kubernetes pod). It reads `job.json` in the job folder, runs the process, and leaves
 * `progress.json` while it runs and `result.json` or `error.json` when it ends. Exit code 0 = success. A thread of
 * its own touches `heartbeat` every second, however busy the job keeps the main thread: a gateway of another node
 * that follows the job (its own gateway died) tells a live process from one lost with its node.
 */
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadWorkerConfig } from '../config.js';
import type { ProcessDefinition } from './process.js';

/** The lab's notebooks folder of this checkout (notebooks given by path are looked up there by default). */
const NOTEBOOKS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../notebooks');

interface JobFile {
  processId: string;
  /** A deployed CWL application package (run with cwltool). */
  cwlFile?: string;
  inputs: Record<string, unknown>;
  gatewayUrl: string;
  token?: string;
  secrets?: Record<string, string>;
}

function atomicJson(file: string, value: unknown): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(value));
  renameSync(`${file}.tmp`, file);
}

/** Touches the job folder's `heartbeat` every second from a thread of its own (stops with the process). */
function beat(dir: string): void {
  const code = `const { closeSync, openSync, utimesSync } = require('node:fs');
const file = require('node:worker_threads').workerData;
const touch = () => { try { const t = new Date(); utimesSync(file, t, t); } catch { try { closeSync(openSync(file, 'a')); } catch {} } };
touch();
setInterval(touch, 1000);`;
  new Worker(code, { eval: true, workerData: path.join(dir, 'heartbeat') }).unref();
}

async function run(dir: string): Promise<number> {
  beat(dir);
  const job = JSON.parse(readFileSync(path.join(dir, 'job.json'), 'utf8')) as JobFile;
  const log = (line: string) => appendFileSync(path.join(dir, 'job.log'), `${new Date().toISOString()} ${line}\n`);
  // NOTE: imported on demand (not from processes/index.js) so a job loads only its own process's modules.
  const loaders: Record<string, () => Promise<ProcessDefinition>> = {
    echo: async () => (await import('./processes/echo.js')).echo,
    ingest: async () => (await import('./processes/ingest.js')).ingest,
    'timeseries-export': async () => (await import('./processes/timeseries-export.js')).timeseriesExport,
    'reach-discharge': async () => (await import('./processes/reach-discharge.js')).reachDischarge,
    'notebook-run': async () => (await import('./processes/notebook-run.js')).notebookRun,
    subset: async () => (await import('./processes/subset.js')).subset,
    harvest: async () => (await import('./processes/harvest.js')).harvest
  };
  const process_ = job.cwlFile
    ? ({ run: async (ctx) => (await import('./processes/cwl-runner.js')).runCwl(ctx, job.cwlFile!) } as Pick<ProcessDefinition, 'run'>)
    : Object.hasOwn(loaders, job.processId)
      ? await loaders[job.processId]!()
      : undefined;
  if (!process_) {
    atomicJson(path.join(dir, 'error.json'), { message: `unknown process ${job.processId}` });
    return 2;
  }
  const controller = new AbortController();
  process.on('SIGTERM', () => {
    log('cancel requested (SIGTERM)');
    controller.abort();
    setTimeout(() => process.exit(143), 2000).unref();
  });
  log(`worker ${process.pid} runs ${job.processId}`);
  try {
    const result = await process_.run({
      inputs: job.inputs,
      workDir: dir,
      gatewayUrl: job.gatewayUrl,
      token: job.token,
      signal: controller.signal,
      settings: loadWorkerConfig(process.env, NOTEBOOKS),
      secrets: job.secrets ?? {},
      log,
      progress: (percent, message) => {
        atomicJson(path.join(dir, 'progress.json'), { percent, message, at: new Date().toISOString() });
        log(`progress ${percent}% ${message}`);
      }
    });
    atomicJson(path.join(dir, 'result.json'), result);
    log('succeeded');
    return 0;
  } catch (error) {
    // fetch's own message ("fetch failed") says nothing: its cause does.
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const message = (error instanceof Error ? error.message : String(error)) + cause;
    // Errors about the job's own input (a granule that cannot be read, a bad parameter) are the caller's to fix.
    const kind = error instanceof Error && ['GranuleError', 'ValidationError', 'InputError'].includes(error.name) ? 'input' : 'internal';
    atomicJson(path.join(dir, 'error.json'), { message: controller.signal.aborted ? `cancelled: ${message}` : message, kind });
    log(`failed: ${message}`);
    return 1;
  }
}

run(process.argv[2] ?? '.').then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(3);
  }
);
