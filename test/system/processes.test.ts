import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_WITHOUT_DBF, REACHES_PASS_51, REACH_548, SAMPLES, authed as call, authedFetch, session, startGateway, type TestGateway } from '../helpers.js';

const HYSOPE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/.bin/hysope');

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last: ${JSON.stringify(v).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('OGC API - Processes on the local executor', () => {
  let g: TestGateway;
  const job = (id: string) => call(`${g.url}/jobs/${id}`).then((r) => r.body);
  beforeAll(async () => {
    g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_INBOXES: SAMPLES } });
    session.headers = (await g.user('hydro', 'producer')).headers;
    for (const f of [REACH_548, ...REACHES_PASS_51]) expect((await g.ingest(f)).ok).toBe(true);
  });
  afterAll(async () => g?.stop());

  it('GET /processes lists the built-in processes; GET /processes/{id} describes inputs and outputs', async () => {
    const list = await call(`${g.url}/processes`);
    expect(list.body.processes.map((p: any) => p.id).sort()).toEqual(['echo', 'ingest', 'notebook-run', 'reach-discharge', 'subset', 'timeseries-export']);
    const d = await call(`${g.url}/processes/reach-discharge`);
    expect(d.body.inputs.basin.schema.pattern).toBeTruthy();
    expect(d.body.jobControlOptions).toContain('async-execute');
    expect((await call(`${g.url}/processes/nope`)).status).toBe(404);
    expect((await call(`${g.url}/conformance`)).body.conformsTo).toContain('http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core');
  });

  it('POST /processes/echo/execution runs synchronously in a child process and returns the results', async () => {
    const r = await call(`${g.url}/processes/echo/execution`, { json: { inputs: { message: 'bonjour' } } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ message: 'bonjour' });
  });

  it('Prefer: respond-async → 201 with Location; progress, results and log follow; SSE streams the states', async () => {
    const r = await call(`${g.url}/processes/echo/execution`, { json: { inputs: { message: 'later', seconds: 1 } }, headers: { Prefer: 'respond-async' } });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`${g.url}/jobs/${r.body.jobID}`);
    expect(r.headers.get('preference-applied')).toBe('respond-async');
    const events = authedFetch(`${g.url}/jobs/${r.body.jobID}/events`).then((res) => res.text());
    const done = await until(
      () => job(r.body.jobID),
      (j) => j.status === 'successful'
    );
    expect(done.progress).toBe(100);
    expect((await call(`${g.url}/jobs/${r.body.jobID}/results`)).body).toEqual({ message: 'later' });
    expect((await call(`${g.url}/jobs/${r.body.jobID}/log`)).body).toMatch(/progress 100%/);
    const sse = await events;
    const states = [...sse.matchAll(/"status":"(\w+)"/g)].map((m) => m[1]);
    expect(states[states.length - 1]).toBe('successful');
    expect(states).toContain('running');
    // The log comes in the same stream, as it grows.
    const logged = [...sse.matchAll(/^event: log\ndata: (.+)$/gm)].map((m) => (JSON.parse(m[1]!) as { text: string }).text).join('');
    expect(logged).toContain('echo: later');
    expect((await call(`${g.url}/jobs`)).body.jobs.some((j: any) => j.jobID === r.body.jobID)).toBe(true);
  });

  it('bad inputs → 400 naming the input and why', async () => {
    const bad = async (inputs: unknown, detail: RegExp) => {
      const r = await call(`${g.url}/processes/echo/execution`, { json: { inputs } });
      expect(r.status).toBe(400);
      expect(r.body.detail).toMatch(detail);
    };
    await bad({}, /input "message" is required/);
    await bad({ message: 'x', seconds: -1 }, /input "seconds" must be >= 0/);
    await bad({ message: 'x', colour: 'red' }, /unknown input\(s\) for echo: colour/);
    await bad({ message: 3 }, /input "message" must be string/);
    expect((await call(`${g.url}/processes/reach-discharge/execution`, { json: { inputs: { basin: 'abc' } } })).body.detail).toMatch(
      /input "basin" must match pattern/
    );
  });

  it('a failing process: the job is failed with the reason and keeps its log; results say not ready', async () => {
    const r = await call(`${g.url}/processes/echo/execution`, { json: { inputs: { message: 'x', fail: true } }, headers: { Prefer: 'respond-async' } });
    const done = await until(
      () => job(r.body.jobID),
      (j) => j.status === 'failed'
    );
    expect(done.message).toMatch(/failed on purpose/);
    const results = await call(`${g.url}/jobs/${r.body.jobID}/results`);
    expect(results.status).toBe(404);
    expect(results.body.type).toMatch(/result-not-ready/);
    expect((await call(`${g.url}/jobs/${r.body.jobID}/log`)).body).toMatch(/failed: failed on purpose/);
  });

  it('DELETE /jobs/{id} cancels a running job (its process ends) and a killed process fails its job with the reason', async () => {
    const r = await call(`${g.url}/processes/echo/execution`, { json: { inputs: { message: 'x', seconds: 60 } }, headers: { Prefer: 'respond-async' } });
    await until(
      () => job(r.body.jobID),
      (j) => j.status === 'running'
    );
    const row = await g.gateway.jobs.jobs.get(r.body.jobID);
    const dismissed = await call(`${g.url}/jobs/${r.body.jobID}`, { method: 'DELETE' });
    expect(dismissed.body.status).toBe('dismissed');
    await until(
      async () => alive(row!.pid!),
      (a) => a === false,
      10_000
    );
    const k = await call(`${g.url}/processes/echo/execution`, { json: { inputs: { message: 'x', seconds: 60 } }, headers: { Prefer: 'respond-async' } });
    await until(
      () => job(k.body.jobID),
      (j) => j.status === 'running'
    );
    process.kill((await g.gateway.jobs.jobs.get(k.body.jobID))!.pid!, 'SIGKILL');
    const killed = await until(
      () => job(k.body.jobID),
      (j) => j.status === 'failed'
    );
    expect(killed.message).toMatch(/killed \(SIGKILL\)/);
  });

  it('reach-discharge over a SWORD basin: Parquet result, registered as a catalog item with its lineage', async () => {
    const r = await call(`${g.url}/processes/reach-discharge/execution`, { json: { inputs: { basin: '7426', n: 0.03 } } });
    expect(r.status).toBe(200);
    expect(r.body.summary).toMatchObject({ basin: '7426', n: 0.03 });
    expect(r.body.summary.computed).toBeGreaterThan(0);
    const file = path.join(g.dataDir, 'out.parquet');
    await writeFile(file, new Uint8Array(await (await authedFetch(r.body.discharge.href)).arrayBuffer()));
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const [row] = (await duck.runAndReadAll(`select count(discharge)::int n, min(discharge) lo from '${file}'`)).getRowObjectsJS();
    expect(row!['n']).toBe(r.body.summary.computed);
    expect(Number(row!['lo'])).toBeGreaterThan(0);
    const items = await call(`${g.url}/stac/collections/hysope-discharge/items`);
    expect(items.body.features).toHaveLength(1);
    expect(items.body.features[0].properties['processing:lineage']).toMatch(/Manning discharge \(n=0.03/);
    expect(items.body.features[0].properties['hysope:process']).toBe('reach-discharge');
  });

  it('timeseries-export and subset write file results; ingest refuses a bad granule and registers a good one', async () => {
    const t = await call(`${g.url}/processes/timeseries-export/execution`, { json: { inputs: { ids: ['74269900011'] } } });
    expect(t.status).toBe(200);
    expect((await authedFetch(t.body.observations.href)).headers.get('content-type')).toBe('application/vnd.apache.parquet');
    const bad = await call(`${g.url}/processes/ingest/execution`, { json: { inputs: { files: [NODE_WITHOUT_DBF] } } });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/\.dbf \(attributes\) is missing/);
    const node = REACHES_PASS_51[0]!.replace('Reach_1_51_NA_20100816T184024_20100816T184031', 'Node_1_51_NA_20100816T184024_20100816T184031');
    const sub = await call(`${g.url}/processes/subset/execution`, {
      json: { inputs: { collection: 'swot-riversp-reach', bbox: [-80.5, 40, -79.5, 41], filter: '"swot:cycle" = 2', format: 'csv' } }
    });
    expect(sub.status).toBe(200);
    const csv = (await (await authedFetch(sub.body.subset.href)).text()).trim().split('\n');
    expect(csv[0]!.split(',')[0]).toBe('item_id');
    expect(csv.length).toBeGreaterThan(1);
    expect(csv.slice(1).every((l) => l.startsWith('SWOT_L2_HR_RiverSP_Reach_2_51_'))).toBe(true);
    const badSubset = await call(`${g.url}/processes/subset/execution`, { json: { inputs: { collection: 'nope' } } });
    expect(badSubset.status).toBe(400);
    expect(badSubset.body.detail).toMatch(/404.*does not exist/);
    const good = await call(`${g.url}/processes/ingest/execution`, { json: { inputs: { files: [node] } } });
    expect(good.status).toBe(200);
    expect((await call(`${g.url}/stac/collections/swot-riversp-node/items`)).body.features).toHaveLength(1);
  });
});

describe('kill -9 of the gateway loses no job', () => {
  let data: string;
  let child: ChildProcess | null = null;
  const serve = async (): Promise<string> => {
    child = spawn(HYSOPE, ['serve', '--data', data, '--port', '0'], { env: { ...process.env, HYSOPE_LOG_LEVEL: 'silent', HYSOPE_JOB_CONCURRENCY: '1' } });
    return new Promise((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (d) => {
        out += d;
        const m = /ready: (http:\/\/[^/]+)\/stac/.exec(out);
        if (m) resolve(m[1]!);
      });
      child!.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
  };
  beforeAll(async () => {
    data = await mkdtemp(path.join(os.tmpdir(), 'hysope-kill-'));
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(HYSOPE, ['user', 'add', 'killer', 'educational', '--data', data], { encoding: 'utf8' });
    session.headers = { Authorization: `token ${/API key[^:]*: (\S+)/.exec(out)![1]}` };
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await rm(data, { recursive: true, force: true });
  });

  it('running jobs are re-attached and finish; queued jobs start after the restart', async () => {
    let url = await serve();
    const submit = async (seconds: number) =>
      (await call(`${url}/processes/echo/execution`, { json: { inputs: { message: `m${seconds}`, seconds } }, headers: { Prefer: 'respond-async' } })).body
        .jobID as string;
    const running = await submit(3);
    const queued = await submit(0.2);
    await until(
      () => call(`${url}/jobs/${running}`).then((r) => r.body),
      (j) => j.status === 'running'
    );
    expect((await call(`${url}/jobs/${queued}`)).body.status).toBe('accepted');
    const exited = new Promise((r) => child!.once('exit', r));
    child!.kill('SIGKILL');
    await exited;
    url = await serve();
    const a = await until(
      () => call(`${url}/jobs/${running}`).then((r) => r.body),
      (j) => j.status === 'successful' || j.status === 'failed',
      30_000
    );
    expect(a.status).toBe('successful');
    expect((await call(`${url}/jobs/${running}/results`)).body).toEqual({ message: 'm3' });
    const b = await until(
      () => call(`${url}/jobs/${queued}`).then((r) => r.body),
      (j) => j.status === 'successful' || j.status === 'failed',
      30_000
    );
    expect(b.status).toBe('successful');
  });
});
