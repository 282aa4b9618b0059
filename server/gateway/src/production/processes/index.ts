import type { ProcessDefinition } from '../process.js';
import { echo } from './echo.js';
import { harvest } from './harvest.js';
import { ingest } from './ingest.js';
import { notebookRun } from './notebook-run.js';
import { reachDischarge } from './reach-discharge.js';
import { subset } from './subset.js';
import { timeseriesExport } from './timeseries-export.js';

/** The built-in processes, by id. */
export const BUILTIN_PROCESSES: Record<string, ProcessDefinition> = Object.fromEntries(
  [echo, ingest, timeseriesExport, reachDischarge, notebookRun, subset, harvest].map((p) => [p.id, p])
);
