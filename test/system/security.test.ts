import { chmod, mkdir, mkdtemp, readFile, rm, symlink, cp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, REACH_548, REACHES_PASS_51, startGateway, type TestGateway } from '../helpers.js';

const isRoot = process.getuid?.() === 0;
/** This file's gateway gives its jobs uids from here up (`HYSOPE_JOB_UID_BASE`). */
const UID_BASE = 300_000;

/** A CWL tool that runs a shell script and keeps its output. */
const shellTool = (id: string, script: string) => `cwlVersion: v1.2
class: CommandLineTool
id: ${id}
baseCommand: [sh, -c]
arguments: [${JSON.stringify(`(${script}) > out.txt 2>&1`)}]
inputs: {}
outputs:
  out:
    type: File
    outputBinding:
      glob: out.txt
`;

async function finished(g: TestGateway, jobId: string, headers: Record<string, string>, timeoutMs = 60_000): Promise<any> {
  let job: any = { status: 'accepted' };
  for (const t0 = Date.now(); Date.now() - t0 < timeoutMs && !['successful', 'failed', 'dismissed'].includes(job.status);) {
    await new Promise((r) => setTimeout(r, 150));
    job = (await call(`${g.url}/jobs/${jobId}`, { headers })).body;
  }
  return job;
}

/** Deploys and runs a shell script as a job; returns the job and its stdout. */
async function runShell(g: TestGateway, who: { headers: Record<string, string> }, id: string, script: string) {
  const d = await fetch(`${g.url}/processes`, {
    method: 'POST',
    headers: { ...who.headers, 'Content-Type': 'application/cwl+yaml' },
    body: shellTool(id, script)
  });
  expect(d.status, await d.clone().text()).toBe(201);
  const r = await call(`${g.url}/processes/${id}/execution`, { json: { inputs: {} }, headers: { ...who.headers, Prefer: 'respond-async' } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const job = await finished(g, r.body.jobID, who.headers);
  const results = job.status === 'successful' ? (await call(`${g.url}/jobs/${job.jobID}/results`, { headers: who.headers })).body : null;
  const out = results ? await (await fetch(results.out.href, { headers: who.headers })).text() : '';
  return { job, out };
}

describe('production: who may deploy and execute, and what a job can reach', () => {
  let g: TestGateway;
  let producer: { key: string; headers: Record<string, string> };
  let other: { key: string; headers: Record<string, string> };
  let student: { key: string; headers: Record<string, string> };
  let admin: { key: string; headers: Record<string, string> };
  let inbox: string;
  beforeAll(async () => {
    inbox = await mkdtemp(path.join(os.tmpdir(), 'hysope-inbox-'));
    await chmod(inbox, 0o755);
    // Its jobs' uids from 300000 up (the fork bomb's check below counts what is left in that range).
    g = await startGateway({
      env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_INBOXES: inbox, HYSOPE_JOB_PROCESSES: '64', HYSOPE_JOB_WALL_SECONDS: '10', HYSOPE_JOB_UID_BASE: String(UID_BASE) }
    });
    producer = await g.user('prod', 'producer');
    other = await g.user('prod2', 'producer');
    student = await g.user('student', 'educational');
    admin = await g.user('root-admin', 'admin');
  });
  afterAll(async () => {
    await g?.stop();
    await rm(inbox, { recursive: true, force: true });
  });

  it('anonymous callers deploy, replace, undeploy and execute nothing; non-producers deploy nothing', async () => {
    const cwl = shellTool('whoami-tool', 'id -u');
    const anon = await fetch(`${g.url}/processes`, { method: 'POST', headers: { 'Content-Type': 'application/cwl+yaml' }, body: cwl });
    expect(anon.status).toBe(401);
    expect((await anon.json()).detail).toMatch(/producer or an admin/);
    const stud = await fetch(`${g.url}/processes`, { method: 'POST', headers: { ...student.headers, 'Content-Type': 'application/cwl+yaml' }, body: cwl });
    expect(stud.status).toBe(403);
    for (const process of ['echo', 'notebook-run', 'ingest']) {
      const r = await call(`${g.url}/processes/${process}/execution`, { json: { inputs: { message: 'x', notebook: 'a.ipynb', files: ['/etc/shadow'] } } });
      expect(r.status, process).toBe(401);
    }
    const mine = await fetch(`${g.url}/processes`, { method: 'POST', headers: { ...producer.headers, 'Content-Type': 'application/cwl+yaml' }, body: cwl });
    expect(mine.status).toBe(201);
    // Somebody else's process: neither anonymous callers nor another producer replace or undeploy it; an admin may.
    for (const headers of [{}, other.headers]) {
      expect((await fetch(`${g.url}/processes/whoami-tool`, { method: 'DELETE', headers })).status).toBeGreaterThanOrEqual(401);
      const put = await fetch(`${g.url}/processes/whoami-tool`, { method: 'PUT', headers: { ...headers, 'Content-Type': 'application/cwl+yaml' }, body: cwl });
      expect([401, 403]).toContain(put.status);
    }
    expect((await call(`${g.url}/processes/whoami-tool`)).status).toBe(200);
    expect((await fetch(`${g.url}/processes/whoami-tool`, { method: 'DELETE', headers: admin.headers })).status).toBe(204);
    // Students run the built-in processes, but not ingest (a producer's).
    expect((await call(`${g.url}/processes/echo/execution`, { json: { inputs: { message: 'hi' } }, headers: student.headers })).status).toBe(200);
    expect((await call(`${g.url}/processes/ingest/execution`, { json: { inputs: { files: [`${inbox}/x.zip`] } }, headers: student.headers })).status).toBe(403);
  });

  it.runIf(isRoot)('a job runs as its own unprivileged uid: not root, no /etc/shadow, no other job’s folder, no database', async () => {
    const first = await runShell(g, producer, 'probe-a', 'id -u; id -G; echo secret > mine.txt; pwd');
    expect(first.job.status, first.job.message).toBe('successful');
    const [uid, groups, dir] = first.out.trim().split('\n');
    expect(Number(uid)).toBeGreaterThanOrEqual(UID_BASE);
    expect(groups!.trim()).toBe(uid);
    const script = [
      `cat /etc/shadow >/dev/null 2>&1 && echo shadow-read || echo shadow-denied`,
      `cat ${path.dirname(dir!)}/*/job.json >/dev/null 2>&1 && echo jobs-read || echo jobs-denied`,
      `cat ${dir}/mine.txt >/dev/null 2>&1 && echo other-read || echo other-denied`,
      `ls ${g.dataDir}/db >/dev/null 2>&1 && echo db-read || echo db-denied`,
      `ls ${g.dataDir}/products >/dev/null 2>&1 && echo products-read || echo products-denied`,
      `env | grep -c HYSOPE_DATABASE || true`
    ].join('; ');
    const second = await runShell(g, producer, 'probe-b', script);
    expect(second.job.status, second.job.message).toBe('successful');
    expect(second.out.trim().split('\n')).toEqual(['shadow-denied', 'jobs-denied', 'other-denied', 'db-denied', 'products-denied', '0']);
  });

  it.runIf(isRoot)("a uid another gateway of the host gave to a job still running is skipped: that job outlives this one's end", async () => {
    // Another gateway (its own database and sequence) runs a job as the uid this gateway would give next.
    const probe = await runShell(g, producer, 'uid-probe-a', 'id -u');
    expect(probe.job.status, probe.job.message).toBe('successful');
    const taken = Number(probe.out.trim()) + 1;
    const { spawn } = await import('node:child_process');
    const other = spawn('setpriv', [`--reuid=${taken}`, `--regid=${taken}`, '--clear-groups', 'sleep', '120'], { stdio: 'ignore' });
    try {
      await new Promise((res) => setTimeout(res, 300));
      const next = await runShell(g, producer, 'uid-probe-b', 'id -u');
      expect(next.job.status, next.job.message).toBe('successful');
      expect(Number(next.out.trim())).not.toBe(taken);
      // This job's end killed every process of its own uid, not the other gateway's job.
      await new Promise((res) => setTimeout(res, 500));
      expect(other.exitCode).toBeNull();
      expect(other.signalCode).toBeNull();
    } finally {
      other.kill('SIGKILL');
    }
  });

  it.runIf(isRoot)('two gateways of the host (their own databases) starting jobs at the same moment never give one uid to two jobs', async () => {
    // Both catalogs are new: their sequences offer the same uids, at the same time.
    const env = { HYSOPE_RATE_LIMIT: '0', HYSOPE_JOB_WALL_SECONDS: '60', HYSOPE_JOB_UID_BASE: String(UID_BASE + 50_000) };
    const pair = await Promise.all([startGateway({ env }), startGateway({ env })]);
    try {
      const runs = await Promise.all(
        pair.map(async (gw, i) => {
          const who = await gw.user(`twin${i}`, 'producer');
          // Each job outlives the start of the others: a job of the other gateway under the same uid would be killed
          // at this one's end, or would share its account.
          return Promise.all([0, 1, 2].map((k) => runShell(gw, who, `twin-${k}`, 'id -u; sleep 2; echo alive')));
        })
      );
      const all = runs.flat();
      for (const r of all) {
        expect(r.job.status, r.job.message).toBe('successful');
        expect(r.out.trim().split('\n')[1]).toBe('alive');
      }
      const uids = all.map((r) => Number(r.out.trim().split('\n')[0]));
      expect(new Set(uids).size).toBe(6);
    } finally {
      await Promise.all(pair.map((gw) => gw.stop()));
    }
  });

  it.runIf(isRoot)(
    'a fork bomb hits the process limit, is killed with its job, and the gateway keeps answering',
    async () => {
      const d = await fetch(`${g.url}/processes`, {
        method: 'POST',
        headers: { ...producer.headers, 'Content-Type': 'application/cwl+yaml' },
        body: shellTool('bomb', 'b() { b | b & }; b; sleep 30')
      });
      expect(d.status).toBe(201);
      const r = await call(`${g.url}/processes/bomb/execution`, { json: { inputs: {} }, headers: { ...producer.headers, Prefer: 'respond-async' } });
      const t0 = Date.now();
      // Meanwhile the gateway answers.
      await new Promise((res) => setTimeout(res, 2000));
      const live = await fetch(`${g.url}/health/live`);
      expect(live.status).toBe(200);
      expect(Date.now() - t0).toBeLessThan(10_000);
      const job = await finished(g, r.body.jobID, producer.headers, 60_000);
      expect(job.status).toBe('failed');
      // No process of this gateway's job uids is left (other test files' jobs run under uids of their own meanwhile).
      const { execFileSync } = await import('node:child_process');
      await new Promise((res) => setTimeout(res, 500));
      const left = execFileSync('ps', ['-e', '-o', 'uid='], { encoding: 'utf8' })
        .split('\n')
        .map((l) => Number(l.trim()))
        .filter((u) => u >= UID_BASE && u < UID_BASE + 100_000);
      expect(left).toEqual([]);
    },
    90_000
  );

  it("a job's key reads as its owner, starts no job, and stops working when the job ends", async () => {
    const r = await call(`${g.url}/processes/echo/execution`, {
      json: { inputs: { message: 'x', seconds: 1.5 } },
      headers: { ...student.headers, Prefer: 'respond-async' }
    });
    expect(r.status).toBe(201);
    const dir = path.join(g.dataDir, 'jobs', r.body.jobID);
    const token = JSON.parse(await readFile(path.join(dir, 'job.json'), 'utf8')).token as string;
    expect(token).toMatch(/^hyj_/);
    const auth = { Authorization: `token ${token}` };
    expect((await call(`${g.url}/whoami`, { headers: auth })).body.name).toBe('student');
    expect((await call(`${g.url}/processes/echo/execution`, { json: { inputs: { message: 'nested' } }, headers: auth })).status).toBe(403);
    await finished(g, r.body.jobID, student.headers);
    expect((await call(`${g.url}/whoami`, { headers: auth })).status).toBe(401);
    // Another user (and anonymous callers) do not see the job.
    expect((await call(`${g.url}/jobs/${r.body.jobID}`, { headers: producer.headers })).status).toBe(404);
    expect((await call(`${g.url}/jobs/${r.body.jobID}`)).status).toBe(404);
  });

  it('ingest reads only from the inboxes, tells nothing of other paths, refuses links, and never changes an owner', async () => {
    const exec = (files: string[], who = producer) => call(`${g.url}/processes/ingest/execution`, { json: { inputs: { files } }, headers: who.headers });
    const shadow = await exec(['/etc/shadow']);
    const nothing = await exec(['/no/such/file.zip']);
    expect(shadow.status).toBe(400);
    expect(nothing.status).toBe(400);
    expect(shadow.body.detail.replace('/etc/shadow', 'P')).toBe(nothing.body.detail.replace('/no/such/file.zip', 'P'));
    expect((await exec([`${inbox}/../../etc/shadow`])).status).toBe(400);
    // A link in the inbox that leads out of it.
    await symlink('/etc/shadow', path.join(inbox, 'shadow.json'));
    expect((await exec([path.join(inbox, 'shadow.json')])).body.detail).toMatch(/not in an inbox/);
    // An unzipped granule folder holding a link: refused whole, nothing enters the catalog.
    const folder = path.join(inbox, path.basename(REACH_548, '.zip'));
    await mkdir(folder);
    const { execFileSync } = await import('node:child_process');
    execFileSync('unzip', ['-q', REACH_548, '-d', folder]);
    await symlink('/etc/shadow', path.join(folder, 'notes.txt'));
    const before = (await call(`${g.url}/stac/search?limit=100`)).body.numberMatched;
    const linked = await exec([folder]);
    expect(linked.status).toBe(400);
    expect(linked.body.detail).toMatch(/symbolic link/);
    expect((await call(`${g.url}/stac/search?limit=100`)).body.numberMatched).toBe(before);
    // A private granule: re-ingested by another producer through the inbox, it stays private and keeps its owner.
    expect((await g.ingest(REACHES_PASS_51[0]!, 'prod')).ok).toBe(true);
    await cp(REACHES_PASS_51[0]!, path.join(inbox, path.basename(REACHES_PASS_51[0]!)));
    const again = await exec([path.join(inbox, path.basename(REACHES_PASS_51[0]!))], other);
    expect(again.status).toBe(400);
    expect(again.body.detail).toMatch(/private workspace/);
    const id = path.basename(REACHES_PASS_51[0]!, '.zip');
    expect((await call(`${g.url}/stac/collections/swot-riversp-reach/items/${id}`)).status).toBe(404);
    expect((await call(`${g.url}/stac/collections/swot-riversp-reach/items/${id}`, { headers: producer.headers })).status).toBe(200);
    // Its owner may.
    expect((await exec([path.join(inbox, path.basename(REACHES_PASS_51[0]!))], producer)).status).toBe(200);
    expect((await call(`${g.url}/stac/collections/swot-riversp-reach/items/${id}`)).status).toBe(404);
  });

  it('notebook parameters: names must be identifiers', async () => {
    const r = await call(`${g.url}/processes/notebook-run/execution`, {
      json: { inputs: { notebook: 'x.ipynb', parameters: { 'a=1;import os;os.system("id")#': 1 } } },
      headers: student.headers
    });
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/parameters/);
  });
});

describe('assets never follow a link out of the object store', () => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0' } });
    expect((await g.ingest(REACH_548)).ok).toBe(true);
  });
  afterAll(async () => g?.stop());

  it('a link planted in sources/ is not served', async () => {
    const item = (await call(`${g.url}/stac/collections/swot-riversp-reach/items/${path.basename(REACH_548, '.zip')}`)).body;
    const rel = item.assets.source.href.replace(/^.*\/assets\//, '');
    const dir = path.join(g.dataDir, path.dirname(rel));
    await symlink('/etc/shadow', path.join(dir, 'notes.txt'));
    await writeFile(path.join(dir, 'fine.txt'), 'x');
    const base = item.assets.source.href.replace(/[^/]+$/, '');
    expect((await fetch(`${base}fine.txt`)).status).toBe(200);
    const r = await fetch(`${base}notes.txt`);
    expect(r.status).toBe(404);
    expect(await r.text()).not.toMatch(/root:/);
  });
});
