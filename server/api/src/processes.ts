import { z } from 'zod';
import { Link } from './stac.js';

/**
 * OGC API - Processes - Part 1 (core, JSON) and Part 2 (deploy), as the gateway serves them: the shapes of
 * `/processes`, `/processes/{id}`, the execute request, job status, job lists and results.
 */

/** The JSON Schema of an input or output (a subset the job launcher draws forms from; any other keyword passes). */
export interface JsonSchema {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  contentMediaType?: string;
  /** An example value (OpenAPI 3.0's `example`, which OGC API - Processes schemas follow; the form shows it as a hint). */
  example?: unknown;
  [keyword: string]: unknown;
}
export const JsonSchema: z.ZodType<JsonSchema> = z.record(z.string(), z.unknown()) as unknown as z.ZodType<JsonSchema>;

/** How a process may be run. */
export const JobControlOption = z.enum(['sync-execute', 'async-execute', 'dismiss']);

/** An entry of `/processes`. */
export const ProcessSummary = z
  .object({
    id: z.string(),
    title: z.string().optional(),
    description: z.string().optional(),
    version: z.string(),
    keywords: z.array(z.string()).optional(),
    jobControlOptions: z.array(JobControlOption).optional(),
    outputTransmission: z.array(z.enum(['value', 'reference'])).optional(),
    links: z.array(Link).optional()
  })
  .loose();
export type ProcessSummary = z.infer<typeof ProcessSummary>;

/** `GET /processes`: one page of processes, with a `next` link while more remain. */
export const ProcessList = z.object({ processes: z.array(ProcessSummary), links: z.array(Link) });
export type ProcessList = z.infer<typeof ProcessList>;

/** An input of a process description. */
export const InputDescription = z
  .object({
    title: z.string().optional(),
    description: z.string().optional(),
    minOccurs: z.number().int().optional(),
    maxOccurs: z.union([z.number().int(), z.literal('unbounded')]).optional(),
    schema: JsonSchema
  })
  .loose();
export type InputDescription = z.infer<typeof InputDescription>;

/** An output of a process description. */
export const OutputDescription = z.object({ title: z.string().optional(), description: z.string().optional(), schema: JsonSchema }).loose();
export type OutputDescription = z.infer<typeof OutputDescription>;

/** `GET /processes/{id}`. */
export const ProcessDescription = ProcessSummary.extend({
  inputs: z.record(z.string(), InputDescription),
  outputs: z.record(z.string(), OutputDescription)
});
export type ProcessDescription = z.infer<typeof ProcessDescription>;

/** What an execute request asks of one output. */
export const OutputRequest = z
  .object({ transmissionMode: z.enum(['value', 'reference']).optional(), format: z.object({ mediaType: z.string() }).loose().optional() })
  .loose();

/** `POST /processes/{id}/execution` (`Prefer: respond-async` for a job; `response: raw` for the bare output). */
export const ExecuteRequest = z
  .object({
    inputs: z.record(z.string(), z.unknown()).optional(),
    outputs: z.record(z.string(), OutputRequest).optional(),
    response: z.enum(['document', 'raw']).optional(),
    subscriber: z.object({ successUri: z.string().optional(), failedUri: z.string().optional(), inProgressUri: z.string().optional() }).optional()
  })
  .loose();
export type ExecuteRequest = z.infer<typeof ExecuteRequest>;

/** A job's state. */
export const JobState = z.enum(['accepted', 'running', 'successful', 'failed', 'dismissed']);
export type JobState = z.infer<typeof JobState>;
/** States a job does not leave. */
export const FINAL_STATES: ReadonlySet<JobState> = new Set(['successful', 'failed', 'dismissed']);

/** A job's status (`statusInfo`). */
export const StatusInfo = z
  .object({
    type: z.literal('process'),
    processID: z.string().optional(),
    jobID: z.string(),
    status: JobState,
    message: z.string().nullish(),
    progress: z.number().min(0).max(100).nullish(),
    created: z.string().optional(),
    started: z.string().optional(),
    finished: z.string().optional(),
    updated: z.string().optional(),
    links: z.array(Link).optional()
  })
  .loose();
export type StatusInfo = z.infer<typeof StatusInfo>;

/** `GET /jobs`. */
export const JobList = z.object({ jobs: z.array(StatusInfo), links: z.array(Link) });
export type JobList = z.infer<typeof JobList>;

/** An output as a link (`transmissionMode: reference`, or a file). */
export const OutputReference = z.object({ href: z.string(), type: z.string().optional(), rel: z.string().optional(), title: z.string().optional() }).loose();

/** `GET /jobs/{id}/results` and a synchronous execution: each output by value, or a link to it. */
export const Results = z.record(z.string(), z.unknown());
export type Results = z.infer<typeof Results>;

/** The query of `GET /jobs` (OGC API - Processes job list): repeated keys and comma lists alike. */
export const JobListQuery = z.object({
  type: z.string().optional().describe('"process" (the only job type here)'),
  processID: z.string().optional().describe('process ids, comma-separated or repeated'),
  status: z.string().optional().describe('accepted, running, successful, failed, dismissed; comma-separated or repeated'),
  datetime: z.string().optional().describe('when the job was created: an RFC 3339 instant or interval'),
  minDuration: z.string().optional().describe('seconds the job ran at least'),
  maxDuration: z.string().optional().describe('seconds the job ran at most'),
  limit: z.string().optional().describe('page size, 1-10000 (100)')
});
