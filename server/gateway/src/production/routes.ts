import path from 'node:path';
import { open, readFile } from 'node:fs/promises';
import express, { Router, type Request, type Response } from 'express';
import { principalOf } from '../auth/middleware.js';
import { SearchParameterError, parseDatetime } from '@hysope/api';
import { NotFoundError, ValidationError } from '../errors.js';
import { asyncHandler, sendException } from '../http/errors.js';
import type { ProcessDefinition } from './process.js';
import { statusInfo, type JobService } from './service.js';
import type { JobRow } from './store.js';
import { sendStoredObject } from '../http/objects.js';
import type { ObjectStore } from '../store/object-store.js';

/** Conformance classes of OGC API - Processes - Part 1 that the gateway implements. */
export const PROCESSES_CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/ogc-process-description',
  'http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/json',
  'http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/job-list',
  'http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/dismiss',
  'http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/callback',
  'http://www.opengis.net/spec/ogcapi-processes-2/1.0/conf/deploy-replace-undeploy',
  'http://www.opengis.net/spec/ogcapi-processes-2/1.0/conf/cwl'
];

function description(p: Omit<ProcessDefinition, 'run'>, base: string, full: boolean): Record<string, unknown> {
  const summary = {
    id: p.id,
    title: p.title,
    description: p.description,
    version: p.version,
    keywords: p.keywords ?? [],
    jobControlOptions: p.jobControlOptions,
    outputTransmission: ['value', 'reference'],
    links: [
      { href: `${base}/processes/${p.id}`, rel: full ? 'self' : 'process', type: 'application/json', title: p.title },
      { href: `${base}/processes/${p.id}/execution`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/execute', type: 'application/json', title: 'execute' }
    ]
  };
  if (!full) return summary;
  return { ...summary, inputs: Object.fromEntries(Object.entries(p.inputs).map(([k, d]) => [k, { minOccurs: 1, maxOccurs: 1, ...d }])), outputs: p.outputs };
}

/** An output as the job row keeps it: a value, or a file in the job's folder (and its key in an S3 object store). */
type StoredOutput = { value?: unknown; file?: string; key?: string; mediaType?: string };

/** The outputs a job's execute request asked for (all of them when it named none), with how each is sent. */
function deliveredOutputs(job: JobRow): [string, StoredOutput, 'value' | 'reference'][] {
  const outputs = (job.outputs ?? {}) as Record<string, StoredOutput>;
  const asked = job.delivery?.outputs;
  return Object.entries(outputs)
    .filter(([k]) => !asked || Object.hasOwn(asked, k))
    .map(([k, o]) => [k, o, o.file || asked?.[k]?.transmissionMode === 'reference' ? 'reference' : 'value']);
}

const outputUrl = (job: JobRow, base: string, name: string) => `${base}/jobs/${job.id}/results/${encodeURIComponent(name)}`;

/** The results document: each output by value, or a link to it (files always; values asked `by reference`). */
function results(job: JobRow, base: string): Record<string, unknown> {
  return Object.fromEntries(
    deliveredOutputs(job).map(([k, o, mode]) => [
      k,
      mode === 'reference' ? { href: outputUrl(job, base, k), type: o.file ? (o.mediaType ?? 'application/octet-stream') : 'application/json' } : o.value
    ])
  );
}

/** One output as it is: a file with its media type, a value as JSON. */
/** Where output files are read from when they are in an object store, and how they are sent (see `sendStoredObject`). */
interface OutputStore {
  objects: ObjectStore | null;
  req: Request;
  options: { access: 'proxy' | 'redirect'; presignSeconds: number };
}

async function sendOutput(res: Response, job: JobRow, output: StoredOutput, from: OutputStore): Promise<void> {
  if (!output.file) return void res.json(output.value ?? null);
  if (output.key && from.objects && !from.objects.folder) {
    const type = output.mediaType ?? 'application/octet-stream';
    if (!(await sendStoredObject(from.objects, output.key, from.req, res, { ...from.options, type }))) throw new NotFoundError('no such output');
    return;
  }
  const file = path.resolve(job.dir, output.file);
  if (!file.startsWith(path.resolve(job.dir) + path.sep)) throw new NotFoundError('no such output');
  await new Promise<void>((resolve, reject) =>
    res.sendFile(file, { headers: { 'Content-Type': output.mediaType ?? 'application/octet-stream' } }, (e) => (e ? reject(e) : resolve()))
  );
}

/**
 * A successful job's results, as its execute request asked: the results document (`response: document`, the default),
 * or raw (`response: raw`): the one output as it is, links only (`Link` headers, 204) when all go by reference, or
 * `multipart/related` with a part per output.
 */
async function sendResults(res: Response, job: JobRow, base: string, from: OutputStore, status = 200): Promise<void> {
  if (job.delivery?.response !== 'raw') return void res.status(status).json(results(job, base));
  const outputs = deliveredOutputs(job);
  if (outputs.length > 0 && outputs.every(([, , mode]) => mode === 'reference')) {
    res.setHeader('Link', outputs.map(([k, o]) => `<${outputUrl(job, base, k)}>; rel="${k}"; type="${o.mediaType ?? 'application/json'}"`).join(', '));
    return void res.status(204).end();
  }
  if (outputs.length === 1) return void (await sendOutput(res.status(status), job, outputs[0]![1], from));
  const boundary = `hysope-${job.id}`;
  const parts: Buffer[] = [];
  for (const [k, o, mode] of outputs) {
    let head = `--${boundary}\r\nContent-ID: <${k}>\r\n`;
    let body: Buffer;
    if (mode === 'reference') {
      head += `Content-Type: text/plain\r\nContent-Location: ${outputUrl(job, base, k)}\r\n`;
      body = Buffer.from(outputUrl(job, base, k));
    } else {
      head += 'Content-Type: application/json\r\n';
      body = Buffer.from(JSON.stringify(o.value ?? null));
    }
    parts.push(Buffer.from(`${head}\r\n`), body, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  res.status(status).setHeader('Content-Type', `multipart/related; boundary=${boundary}`);
  res.end(Buffer.concat(parts));
}

/** A failed job's failure, the same on the synchronous answer and on `/jobs/{id}/results`: 400 when its input was at fault. */
function sendFailure(res: Response, job: JobRow): void {
  sendException(
    res,
    job.error_kind === 'input' ? 400 : 500,
    'http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/job-failed',
    'Job failed',
    job.error ?? 'the job failed',
    `/jobs/${job.id}`
  );
}

/** Values of a repeatable query parameter: `a=x&a=y` and `a=x,y` alike. */
function listParam(v: unknown, name: string): string[] | undefined {
  if (v === undefined) return undefined;
  const values = (Array.isArray(v) ? v : [v]).flatMap((x) => {
    if (typeof x !== 'string') throw new ValidationError(`${name} is a comma-separated list`);
    return x.split(',');
  });
  return values.map((x) => x.trim()).filter(Boolean);
}

/** OGC API - Processes - Part 1 routes, plus the job log and live events (SSE). */
export function processRoutes(
  service: JobService,
  baseUrl: (req: Request) => string,
  objects: { store: ObjectStore | null; access: 'proxy' | 'redirect'; presignSeconds: number } = { store: null, access: 'proxy', presignSeconds: 300 }
): Router {
  const stored = (req: Request): OutputStore => ({ objects: objects.store, req, options: objects });
  const r = Router();
  r.get('/conformance', (_req, res) => {
    res.json({ conformsTo: PROCESSES_CONFORMANCE });
  });
  r.get(
    '/processes',
    asyncHandler(async (req, res) => {
      const base = baseUrl(req);
      // Paged by `limit` (1-1000, default 100) and `offset`, with a `next` link while more remain.
      const number = (name: string, fallback: number, min: number, max: number) => {
        const v = req.query[name];
        if (v === undefined) return fallback;
        const n = Number(v);
        if (typeof v !== 'string' || !/^\d+$/.test(v) || n < min || n > max) throw new ValidationError(`${name} must be a whole number from ${min} to ${max}`);
        return n;
      };
      const limit = number('limit', 100, 1, 1000);
      const offset = number('offset', 0, 0, 1_000_000);
      const all = await service.processes();
      const page = all.slice(offset, offset + limit);
      const links = [{ href: `${base}/processes?limit=${limit}&offset=${offset}`, rel: 'self', type: 'application/json' }];
      if (offset + limit < all.length) links.push({ href: `${base}/processes?limit=${limit}&offset=${offset + limit}`, rel: 'next', type: 'application/json' });
      res.json({ processes: page.map((p) => description(p, base, false)), links });
    })
  );
  r.get(
    '/processes/:id',
    asyncHandler(async (req, res) => {
      res.json(description(await service.process(String(req.params['id'])), baseUrl(req), true));
    })
  );
  // OGC API - Processes - Part 2: deploy, replace, undeploy CWL application packages.
  const cwlBody = express.text({ type: ['application/cwl', 'application/cwl+yaml', 'application/cwl+json', 'application/x-yaml', 'text/yaml'], limit: '2mb' });
  const packageOf = (req: Request): string => {
    if (typeof req.body === 'string') return req.body;
    const unit = (req.body as { executionUnit?: { value?: unknown; unit?: unknown } } | undefined)?.executionUnit;
    const value = unit?.value ?? unit?.unit;
    if (value) return typeof value === 'string' ? value : JSON.stringify(value);
    throw new ValidationError('deploy a CWL document (Content-Type: application/cwl+yaml) or an OGC application package {"executionUnit": {"value": <CWL>}}');
  };
  r.post(
    '/processes',
    cwlBody,
    asyncHandler(async (req, res) => {
      const id = typeof req.query['id'] === 'string' ? req.query['id'] : undefined;
      const d = await service.deploy(packageOf(req), id, principalOf(res), false);
      res
        .status(201)
        .location(`${baseUrl(req)}/processes/${d.id}`)
        .json(description(d, baseUrl(req), false));
    })
  );
  r.put(
    '/processes/:id',
    cwlBody,
    asyncHandler(async (req, res) => {
      await service.deploy(packageOf(req), String(req.params['id']), principalOf(res), true);
      res.status(204).end();
    })
  );
  r.delete(
    '/processes/:id',
    asyncHandler(async (req, res) => {
      await service.undeploy(String(req.params['id']), principalOf(res));
      res.status(204).end();
    })
  );
  r.post(
    '/processes/:id/execution',
    asyncHandler(async (req: Request, res: Response) => {
      const def = await service.process(String(req.params['id']));
      if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))
        throw new ValidationError('the execute request is a JSON object: {"inputs": {...}}');
      const base = baseUrl(req);
      const wantsAsync = /respond-async/.test(req.get('prefer') ?? '');
      const async = (wantsAsync && def.jobControlOptions.includes('async-execute')) || !def.jobControlOptions.includes('sync-execute');
      const job = await service.execute(def.id, req.body, principalOf(res));
      if (async) {
        res.status(201).location(`${base}/jobs/${job.id}`);
        if (wantsAsync) res.setHeader('Preference-Applied', 'respond-async');
        return void res.json(statusInfo(job, base));
      }
      const done = await service.wait(job.id, 120_000);
      if (done.status === 'successful') return void (await sendResults(res, done, base, stored(req)));
      if (done.status === 'failed') return sendFailure(res, done);
      res.status(201).location(`${base}/jobs/${job.id}`).json(statusInfo(done, base));
    })
  );
  r.get(
    '/jobs',
    asyncHandler(async (req, res) => {
      const base = baseUrl(req);
      const p = principalOf(res);
      const q = req.query as Record<string, unknown>;
      const one = (name: string) => {
        const v = q[name];
        if (v !== undefined && typeof v !== 'string') throw new ValidationError(`${name} is given once`);
        return v;
      };
      const limitText = one('limit') ?? '100';
      const limit = Number(limitText);
      if (!/^\d+$/.test(limitText) || limit < 1 || limit > 10000) throw new ValidationError('limit must be a whole number between 1 and 10000');
      const status = listParam(q['status'], 'status');
      const states = ['accepted', 'running', 'successful', 'failed', 'dismissed'];
      const badStatus = status?.filter((x) => !states.includes(x)) ?? [];
      if (badStatus.length) throw new ValidationError(`status is one of ${states.join(', ')}; got ${badStatus.join(', ')}`);
      const types = listParam(q['type'], 'type');
      const badType = types?.filter((t) => t !== 'process') ?? [];
      if (badType.length) throw new ValidationError(`type is "process" (the only job type here), got ${badType.join(', ')}`);
      const seconds = (name: string) => {
        const v = one(name);
        if (v === undefined) return undefined;
        const n = Number(v);
        if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new ValidationError(`${name} is a number of seconds (0 or more), got "${v}"`);
        return n;
      };
      const minDuration = seconds('minDuration');
      const maxDuration = seconds('maxDuration');
      if (minDuration !== undefined && maxDuration !== undefined && minDuration > maxDuration)
        throw new ValidationError('minDuration is more than maxDuration');
      const datetime = one('datetime');
      let created;
      try {
        created = datetime === undefined ? undefined : parseDatetime(datetime);
      } catch (error) {
        if (error instanceof SearchParameterError) throw new ValidationError(error.message);
        throw error;
      }
      const jobs = await service.jobs.list({
        owner: p.name,
        status,
        processId: listParam(q['processID'], 'processID'),
        created,
        minDuration,
        maxDuration,
        limit
      });
      res.json({ jobs: jobs.map((j) => statusInfo(j, base)), links: [{ href: `${base}/jobs`, rel: 'self', type: 'application/json' }] });
    })
  );
  r.get(
    '/jobs/:id',
    asyncHandler(async (req, res) => {
      res.json(statusInfo(await service.job(String(req.params['id']), principalOf(res)), baseUrl(req)));
    })
  );
  r.delete(
    '/jobs/:id',
    asyncHandler(async (req, res) => {
      res.json(statusInfo(await service.dismiss(String(req.params['id']), principalOf(res)), baseUrl(req)));
    })
  );
  r.get(
    '/jobs/:id/results',
    asyncHandler(async (req, res) => {
      const job = await service.job(String(req.params['id']), principalOf(res));
      if (job.status === 'successful') return void (await sendResults(res, job, baseUrl(req), stored(req)));
      if (job.status === 'failed') return sendFailure(res, job);
      if (job.status === 'dismissed')
        return sendException(
          res,
          404,
          'http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/no-such-job',
          'No such job',
          `job ${job.id} was dismissed`,
          req.originalUrl
        );
      return sendException(
        res,
        404,
        'http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/result-not-ready',
        'Result not ready',
        `job ${job.id} is ${job.status}`,
        req.originalUrl
      );
    })
  );
  r.get(
    '/jobs/:id/results/:output',
    asyncHandler(async (req, res) => {
      const job = await service.job(String(req.params['id']), principalOf(res));
      const outputs = (job.outputs ?? {}) as Record<string, StoredOutput>;
      const name = String(req.params['output']);
      const out = Object.hasOwn(outputs, name) ? outputs[name] : undefined;
      if (job.status !== 'successful' || !out) throw new NotFoundError(`job ${job.id} has no output "${name}"`);
      await sendOutput(res, job, out, stored(req));
    })
  );
  r.get(
    '/jobs/:id/log',
    asyncHandler(async (req, res) => {
      const job = await service.job(String(req.params['id']), principalOf(res));
      res.type('text/plain').send(await readFile(path.join(job.dir, 'job.log'), 'utf8').catch(() => ''));
    })
  );
  r.get(
    '/jobs/:id/events',
    asyncHandler(async (req, res) => {
      const base = baseUrl(req);
      const job = await service.job(String(req.params['id']), principalOf(res));
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      const send = (j: JobRow) => res.write(`event: status\ndata: ${JSON.stringify(statusInfo(j, base))}\n\n`);
      const final = (j: JobRow) => ['successful', 'failed', 'dismissed'].includes(j.status);
      // The log as it grows: `event: log` with the new text (read from where the last one ended).
      const logFile = path.join(job.dir, 'job.log');
      let offset = 0;
      const sendLog = async () => {
        if (res.writableEnded) return;
        const handle = await open(logFile, 'r').catch(() => null);
        if (!handle) return;
        try {
          const { size } = await handle.stat();
          if (size <= offset) return;
          const buf = Buffer.alloc(size - offset);
          await handle.read(buf, 0, buf.length, offset);
          offset = size;
          res.write(`event: log\ndata: ${JSON.stringify({ text: buf.toString('utf8') })}\n\n`);
        } finally {
          await handle.close();
        }
      };
      await sendLog();
      send(job);
      if (final(job)) return void res.end();
      // One queue, so the log and the states go out in the order they happened.
      let queue: Promise<void> = Promise.resolve();
      const tail = setInterval(() => (queue = queue.then(sendLog).catch(() => undefined)), 500);
      const onJob = (j: JobRow) => {
        if (j.id !== job.id) return;
        queue = queue
          .then(sendLog)
          .catch(() => undefined)
          .then(() => {
            if (res.writableEnded) return;
            send(j);
            if (final(j)) {
              clearInterval(tail);
              service.off('job', onJob);
              res.end();
            }
          });
      };
      service.on('job', onJob);
      req.on('close', () => {
        clearInterval(tail);
        service.off('job', onJob);
      });
    })
  );
  return r;
}
