import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authed as call, session, startGateway, type TestGateway } from '../helpers.js';

// The official OGC API - Processes - Part 1 schemas (YAML, relative $refs), copied into test/specs with their license.
const SCHEMAS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../specs/ogcapi-processes/part1-1.0.0-maintenance/core/openapi/schemas');
const addFormats = ((formats as unknown as { default?: unknown }).default ?? formats) as (ajv: Ajv) => Ajv;

/** OpenAPI 3.0's boolean exclusiveMinimum/Maximum (with minimum/maximum) in JSON Schema draft-07 form, for ajv. */
function draft07(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(draft07);
  if (!node || typeof node !== 'object') return node;
  const o = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, draft07(v)])) as Record<string, unknown>;
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum']
  ] as const) {
    if (o[flag] === true && typeof o[bound] === 'number') {
      o[flag] = o[bound];
      delete o[bound];
    } else if (o[flag] === false) delete o[flag];
  }
  return o;
}

function loadAjv(): Ajv {
  // NOTE: OpenAPI 3.0 schemas, converted by draft07() and not checked against the JSON Schema meta-schema.
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  for (const f of readdirSync(SCHEMAS).filter((f) => f.endsWith('.yaml'))) {
    const schema = draft07(yaml.load(readFileSync(path.join(SCHEMAS, f), 'utf8'))) as Record<string, unknown>;
    ajv.addSchema({ ...schema, $id: pathToFileURL(path.join(SCHEMAS, f)).href });
  }
  return ajv;
}

describe('OGC API - Processes responses against the official Part 1 schemas', () => {
  let ajv: Ajv;
  let g: TestGateway;
  const schema = (name: string): ValidateFunction => ajv.getSchema(pathToFileURL(path.join(SCHEMAS, name)).href)!;
  const valid = (name: string, doc: unknown) => {
    const v = schema(name);
    return v(doc) ? 'valid' : ajv.errorsText(v.errors);
  };
  beforeAll(async () => {
    ajv = loadAjv();
    g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0' } });
    session.headers = (await g.user('schema', 'educational')).headers;
  });
  afterAll(async () => g?.stop());

  it('the schemas reject a broken status (the check can fail)', () => {
    expect(valid('statusInfo.yaml', { jobID: 'x', status: 'sleeping', type: 'process' })).not.toBe('valid');
  });

  it('GET /processes is a processList; each GET /processes/{id} a process description', async () => {
    const list = (await call(`${g.url}/processes`)).body;
    expect(valid('processList.yaml', list)).toBe('valid');
    for (const p of list.processes) expect(valid('process.yaml', (await call(`${g.url}/processes/${p.id}`)).body), p.id).toBe('valid');
  });

  it('job status, job list, results and exceptions follow their schemas', async () => {
    const created = await call(`${g.url}/processes/echo/execution`, { json: { inputs: { message: 'schema' } }, headers: { Prefer: 'respond-async' } });
    expect(valid('statusInfo.yaml', created.body)).toBe('valid');
    for (let i = 0; i < 100 && (await call(`${g.url}/jobs/${created.body.jobID}`)).body.status !== 'successful'; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(valid('statusInfo.yaml', (await call(`${g.url}/jobs/${created.body.jobID}`)).body)).toBe('valid');
    expect(valid('jobList.yaml', (await call(`${g.url}/jobs`)).body)).toBe('valid');
    expect(valid('results.yaml', (await call(`${g.url}/jobs/${created.body.jobID}/results`)).body)).toBe('valid');
    expect(valid('confClasses.yaml', (await call(`${g.url}/conformance`)).body)).toBe('valid');
    expect(valid('exception.yaml', (await call(`${g.url}/processes/nope`)).body)).toBe('valid');
    expect(valid('exception.yaml', (await call(`${g.url}/processes/echo/execution`, { json: { inputs: {} } })).body)).toBe('valid');
  });
});
