import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from '../alert-receivers.js';
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
  let hook: WebhookReceiver;
  let smtp: SmtpReceiver;
  const job = (id: string) => call(`${g.url}/jobs/${id}`).then((r) => r.body);
  beforeAll(async () => {
    hook = await startWebhookReceiver();
    smtp = await startSmtpReceiver();
    g = await startGateway({
      env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_INBOXES: SAMPLES, HYSOPE_SMTP_URL: smtp.url, HYSOPE_SMTP_FROM: 'HYSOPE <jobs@hysope.test>' }
    });
    session.headers = (await g.user('hydro', 'producer')).headers;
    for (const f of [REACH_548, ...REACHES_PASS_51]) expect((await g.ingest(f)).ok).toBe(true);
  });
  afterAll(async () => {
    await g?.stop();
    await hook?.stop();
    await smtp?.stop();
  });

  it('GET /processes lists the built-in processes; GET /processes/{id} describes inputs and outputs', async () => {
    const list = await call(`${g.url}/processes`);
    expect(list.body.processes.map((p: any) => p.id).sort()).toEqual([
      'echo',
      'harvest',
      'ingest',
      'notebook-run',
      'reach-discharge',
      'subset',
      'timeseries-export'
    ]);
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

  it('callbacks: the status document POSTed to inProgressUri, successUri, failedUri once each; mailto: sends an e-mail; bad URIs are 400', async () => {
    expect((await call(`${g.url}/conformance`)).body.conformsTo).toContain('http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/callback');
    const base = hook.url.replace(/\/hook$/, '');
    const before = hook.received.length;
    const ok = await call(`${g.url}/processes/echo/execution`, {
      json: { inputs: { message: 'told' }, subscriber: { inProgressUri: `${base}/started`, successUri: `${base}/done`, failedUri: `${base}/failed` } },
      headers: { Prefer: 'respond-async' }
    });
    const failing = await call(`${g.url}/processes/echo/execution`, {
      json: { inputs: { message: 'x', fail: true }, subscriber: { successUri: `${base}/done`, failedUri: `${base}/failed` } },
      headers: { Prefer: 'respond-async' }
    });
    expect([ok.status, failing.status]).toEqual([201, 201]);
    const got = (await hook.waitFor(before + 3)).slice(before).map((d) => ({ path: d.path, doc: JSON.parse(d.body) }));
    const of = (id: string) => got.filter((x) => x.doc.jobID === id).map((x) => `${x.path} ${x.doc.status}`);
    expect(of(ok.body.jobID)).toEqual(['/started running', '/done successful']);
    expect(of(failing.body.jobID)).toEqual(['/failed failed']);
    // The document is the job's status, as GET /jobs/{id} gives it (links to its results).
    const done = got.find((x) => x.path === '/done')!.doc;
    expect(done.links.some((l: { rel: string; href: string }) => l.href === `${g.url}/jobs/${ok.body.jobID}/results`)).toBe(true);
    // mailto: the download basket's "e-mail me when ready".
    const mails = smtp.mails.length;
    const t = await call(`${g.url}/processes/timeseries-export/execution`, {
      json: { inputs: { ids: ['74269900011'] }, subscriber: { successUri: 'mailto:ines@example.org' } },
      headers: { Prefer: 'respond-async' }
    });
    expect(t.status).toBe(201);
    const mail = (await smtp.waitFor(mails + 1))[mails]!;
    expect(mail.to).toEqual(['ines@example.org']);
    expect(mail.data).toMatch(/Subject: HYSOPE: your timeseries-export job is ready/);
    // The body as the reader sees it (quoted-printable undone).
    const text = mail.data.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    expect(text).toContain(`${g.url}/jobs/${t.body.jobID}/results`);
    expect(text).toContain(`${g.url}/portal/basket`);
    for (const [subscriber, detail] of [
      [{ successUri: 'ftp://example.org/x' }, /http\(s\) or mailto/],
      [{ successUri: 'mailto:a@example.org,b@example.org' }, /not one e-mail address/],
      [{ whenever: 'https://example.org' }, /subscriber has no "whenever"/],
      ['https://example.org', /subscriber is an object/]
    ] as const) {
      const r = await call(`${g.url}/processes/echo/execution`, { json: { inputs: { message: 'x' }, subscriber } });
      expect(r.status, JSON.stringify(subscriber)).toBe(400);
      expect(r.body.detail).toMatch(detail);
    }
    // Each state is told once: nothing more arrived for these jobs.
    expect(hook.received.length).toBe(before + 3);
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

  it('a failing process: the job is failed with the reason and keeps its log; its results answer its failure, as the synchronous execution does', async () => {
    const r = await call(`${g.url}/processes/echo/execution`, { json: { inputs: { message: 'x', fail: true } }, headers: { Prefer: 'respond-async' } });
    const done = await until(
      () => job(r.body.jobID),
      (j) => j.status === 'failed'
    );
    expect(done.message).toMatch(/failed on purpose/);
    const results = await call(`${g.url}/jobs/${r.body.jobID}/results`);
    const sync = await call(`${g.url}/processes/echo/execution`, { json: { inputs: { message: 'x', fail: true } } });
    for (const failure of [results, sync]) {
      expect(failure.status).toBe(500);
      expect(failure.body.type).toBe('http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/job-failed');
      expect(failure.body.detail).toMatch(/failed on purpose/);
    }
    expect((await call(`${g.url}/jobs/${r.body.jobID}/log`)).body).toMatch(/failed: failed on purpose/);
    // Not finished yet: result-not-ready.
    const slow = await call(`${g.url}/processes/echo/execution`, { json: { inputs: { message: 'x', seconds: 30 } }, headers: { Prefer: 'respond-async' } });
    const early = await call(`${g.url}/jobs/${slow.body.jobID}/results`);
    expect(early.status).toBe(404);
    expect(early.body.type).toBe('http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/result-not-ready');
    await call(`${g.url}/jobs/${slow.body.jobID}`, { method: 'DELETE' });
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
    // Once its process is gone, the job still says it was dismissed (not the signal that ended it).
    await new Promise((r) => setTimeout(r, 300));
    expect(await job(r.body.jobID)).toMatchObject({ status: 'dismissed', message: 'dismissed by the user' });
    const gone = await call(`${g.url}/jobs/${r.body.jobID}/results`);
    expect(gone.status).toBe(404);
    expect(gone.body.type).toBe('http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/no-such-job');
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

  it('response raw gives the output as it is; transmissionMode reference gives links; several raw outputs come as multipart', async () => {
    const raw = await authedFetch(`${g.url}/processes/echo/execution`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ inputs: { message: 'brut' }, response: 'raw' })
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toMatch(/application\/json/);
    expect(await raw.json()).toBe('brut');
    const byRef = await call(`${g.url}/processes/echo/execution`, {
      json: { inputs: { message: 'lien' }, outputs: { message: { transmissionMode: 'reference' } } }
    });
    expect(byRef.status).toBe(200);
    expect(byRef.body.message.href).toMatch(new RegExp(`^${g.url}/jobs/[0-9a-f-]+/results/message$`));
    expect((await call(byRef.body.message.href)).body).toBe('lien');
    // The same choices on an asynchronous job's /results.
    const later = await call(`${g.url}/processes/echo/execution`, {
      json: { inputs: { message: 'plus tard' }, outputs: { message: { transmissionMode: 'reference' } }, response: 'raw' },
      headers: { Prefer: 'respond-async' }
    });
    await until(
      () => job(later.body.jobID),
      (j) => j.status === 'successful'
    );
    const links = await authedFetch(`${g.url}/jobs/${later.body.jobID}/results`);
    expect(links.status).toBe(204);
    expect(links.headers.get('link')).toBe(`<${g.url}/jobs/${later.body.jobID}/results/message>; rel="message"; type="application/json"`);
    // Two outputs raw (a file and a value): multipart/related, the file as a link, the value as JSON.
    const multi = await authedFetch(`${g.url}/processes/reach-discharge/execution`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ inputs: { basin: '7426', n: 0.03 }, response: 'raw' })
    });
    expect(multi.status).toBe(200);
    const boundary = /boundary=(\S+)/.exec(multi.headers.get('content-type') ?? '')?.[1];
    expect(multi.headers.get('content-type')).toMatch(/^multipart\/related/);
    const parts = (await multi.text()).split(`--${boundary}`).slice(1, -1);
    expect(parts.map((p) => /Content-ID: <(\w+)>/.exec(p)?.[1]).sort()).toEqual(['discharge', 'summary']);
    const summary = parts.find((p) => p.includes('<summary>'))!;
    expect(JSON.parse(summary.split('\r\n\r\n')[1]!).basin).toBe('7426');
    expect(parts.find((p) => p.includes('<discharge>'))).toMatch(/Content-Location: http.*\/results\/discharge/);
    // Only the summary, raw: the value alone.
    const one = await call(`${g.url}/processes/reach-discharge/execution`, {
      json: { inputs: { basin: '7426', n: 0.03 }, outputs: { summary: {} }, response: 'raw' }
    });
    expect(one.body.basin).toBe('7426');
    for (const [body, detail] of [
      [{ inputs: { message: 'x' }, response: 'bare' }, /response is "document" or "raw"/],
      [{ inputs: { message: 'x' }, outputs: { nope: {} } }, /has no output "nope"/],
      [{ inputs: { message: 'x' }, outputs: { message: { transmissionMode: 'pigeon' } } }, /transmissionMode of "message"/]
    ] as const) {
      const bad = await call(`${g.url}/processes/echo/execution`, { json: body });
      expect(bad.status).toBe(400);
      expect(bad.body.detail).toMatch(detail);
    }
  });

  it('/jobs filters by type, processID, status (repeated or comma-separated), datetime and duration; 400 on garbage', async () => {
    const all = (await call(`${g.url}/jobs?limit=1000`)).body.jobs as any[];
    const ids = (r: any) => (r.body.jobs as any[]).map((j) => j.jobID).sort();
    const expectIds = (r: any, keep: (j: any) => boolean) => {
      expect(r.status).toBe(200);
      expect(ids(r)).toEqual(
        all
          .filter(keep)
          .map((j) => j.jobID)
          .sort()
      );
    };
    expect(new Set(all.map((j) => j.status))).toEqual(new Set(['successful', 'failed', 'dismissed']));
    expectIds(await call(`${g.url}/jobs?limit=1000&status=failed&status=dismissed`), (j) => ['failed', 'dismissed'].includes(j.status));
    expectIds(await call(`${g.url}/jobs?limit=1000&status=failed,dismissed`), (j) => ['failed', 'dismissed'].includes(j.status));
    expectIds(await call(`${g.url}/jobs?limit=1000&processID=reach-discharge`), (j) => j.processID === 'reach-discharge');
    expectIds(
      await call(`${g.url}/jobs?limit=1000&type=process&processID=echo,reach-discharge&status=successful`),
      (j) => ['echo', 'reach-discharge'].includes(j.processID) && j.status === 'successful'
    );
    const newest = all
      .map((j) => j.created)
      .sort()
      .at(-1);
    expectIds(await call(`${g.url}/jobs?limit=1000&datetime=${encodeURIComponent(`${newest}/..`)}`), (j) => j.created >= newest);
    const ran = (j: any) => (j.started ? (Date.parse(j.finished ?? new Date().toISOString()) - Date.parse(j.started)) / 1000 : null);
    expectIds(await call(`${g.url}/jobs?limit=1000&minDuration=0.5`), (j) => ran(j) !== null && ran(j)! >= 0.5);
    expectIds(await call(`${g.url}/jobs?limit=1000&maxDuration=0.5`), (j) => ran(j) !== null && ran(j)! <= 0.5);
    expect((await call(`${g.url}/jobs?limit=1000&minDuration=0.5`)).body.jobs.length).toBeGreaterThan(0);
    for (const [q, detail] of [
      ['status=finished', /status is one of/],
      ['type=workflow', /type is "process"/],
      ['datetime=yesterday', /RFC 3339/],
      ['minDuration=-1', /minDuration is a number of seconds/],
      ['maxDuration=abc', /maxDuration is a number of seconds/],
      ['minDuration=5&maxDuration=1', /minDuration is more than maxDuration/],
      ['limit=0', /limit must be/]
    ] as const) {
      const bad = await call(`${g.url}/jobs?${q}`);
      expect(bad.status, q).toBe(400);
      expect(bad.body.detail).toMatch(detail);
    }
  });

  it('timeseries-export and subset write file results; ingest refuses a bad granule and registers a good one', async () => {
    const t = await call(`${g.url}/processes/timeseries-export/execution`, { json: { inputs: { ids: ['74269900011'] } } });
    expect(t.status).toBe(200);
    expect((await authedFetch(t.body.observations.href)).headers.get('content-type')).toBe('application/vnd.apache.parquet');
    // Other formats, as the time-series API writes them.
    for (const [format, type] of [
      ['csv', 'text/csv'],
      ['netcdf', 'application/x-netcdf'],
      ['geojson', 'application/geo+json']
    ] as const) {
      const r = await call(`${g.url}/processes/timeseries-export/execution`, { json: { inputs: { ids: ['74269900011'], format } } });
      expect(r.status, format).toBe(200);
      const file = await authedFetch(r.body.observations.href);
      expect(file.headers.get('content-type'), format).toContain(type);
      if (format === 'csv')
        expect(await file.text()).toBe(
          await (await authedFetch(`${g.url}/timeseries?feature=Reach&ids=74269900011&format=csv&dedupe=true&quality=all`)).text()
        );
    }
    const wrong = await call(`${g.url}/processes/timeseries-export/execution`, { json: { inputs: { ids: ['74269900011'], format: 'xlsx' } } });
    expect(wrong.status).toBe(400);
    // A browser downloads a result file by a signed link (no header to send), bound to its owner.
    const signed = await call(`${g.url}/auth/sign`, { json: { href: t.body.observations.href }, headers: session.headers });
    expect(signed.status).toBe(200);
    const got = await fetch(signed.body.href);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/vnd.apache.parquet');
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
    // A job's ingest is counted (and announced) like any other.
    const metrics = await (await fetch(`${g.url}/metrics`)).text();
    expect(metrics).toMatch(/hysope_ingests_total\{collection="swot-riversp-node",outcome="ok"\} 1/);
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
