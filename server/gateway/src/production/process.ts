import type { DerivedProduct } from '../catalog/derived.js';
import type { WorkerConfig } from '../config.js';

/** What a process does while it runs in a worker. */
export interface ProcessContext {
  /** Validated inputs. */
  inputs: Record<string, unknown>;
  /** The job's own working folder (outputs go here). */
  workDir: string;
  /** The gateway, for processes that read the catalog or time series over HTTP (any executor, any node). */
  gatewayUrl: string;
  /** Credentials of the job's owner for the gateway (none for anonymous jobs). */
  token?: string;
  /** Reports progress (0-100) with a message. */
  progress(percent: number, message: string): void;
  /** Writes a line to the job log. */
  log(line: string): void;
  /** Aborted when the job is cancelled. */
  signal: AbortSignal;
  /** The worker's settings (read once by the worker, see `loadWorkerConfig`). */
  settings: WorkerConfig;
  /** The secrets the process declared (`secrets`), from the gateway's configuration. */
  secrets: Record<string, string>;
}

/** A result: a value, or a file of the job folder served at /jobs/{id}/results/{output}. */
export type OutputValue = { value: unknown } | { file: string; mediaType: string };

/** What a process leaves for the gateway to do once it succeeded (the worker cannot write the catalog). */
export interface Registration {
  /** Products to ingest (original granules). */
  ingest?: string[];
  /** Derived products to register as catalog items, with their lineage. */
  derived?: DerivedProduct[];
  /**
   * A harvest: its granules (files of the job's folder) to ingest, then the source's high-water marks to move to what
   * they hold; `keys` are every source key the harvest looked at (those with nothing new are marked up to date too).
   */
  harvest?: { source: string; keys: string[]; granules: { key: string; file: string; records: number; highWater: string }[] };
}

/** The outcome of a process run. */
export interface ProcessResult {
  outputs: Record<string, OutputValue>;
  register?: Registration;
}

/** A process HYSOPE runs: its OGC API - Processes description and its implementation. */
export interface ProcessDefinition {
  id: string;
  title: string;
  description: string;
  version: string;
  keywords?: string[];
  /** Input descriptions (OGC: title, description, schema, minOccurs...). */
  inputs: Record<string, { title: string; description?: string; schema: Record<string, unknown>; minOccurs?: number; maxOccurs?: number }>;
  outputs: Record<string, { title: string; description?: string; schema: Record<string, unknown> }>;
  jobControlOptions: ('sync-execute' | 'async-execute' | 'dismiss')[];
  /** The least role that may execute it (default: any signed-in user; never anonymous callers). */
  execute?: 'educational' | 'scientific' | 'institutional' | 'producer' | 'admin';
  /** Checks beyond the inputs' JSON schemas (what a process description cannot say): the problem, or null. */
  checkInputs?(inputs: Record<string, unknown>): string | null;
  /** Secrets of the gateway's configuration the process needs (`earthdata`): written in its job's folder only. */
  secrets?: ('earthdata' | 'hydroweb')[];
  /** Inputs that name files on the server: each must be a real path inside an inbox (HYSOPE_INBOXES). */
  serverPaths?: string[];
  run(ctx: ProcessContext): Promise<ProcessResult>;
}

/** A job that fails on its own input (the caller's to fix): a synchronous execution answers 400. */
export class InputError extends Error {
  override name = 'InputError';
}

/** The error for a gateway answer a process got: its input's fault for a 4xx, the gateway's otherwise. */
export function gatewayError(status: number, detail: string): Error {
  const message = `the gateway answered ${status}: ${detail.slice(0, 300)}`;
  return status >= 400 && status < 500 && status !== 429 ? new InputError(message) : new Error(message);
}
