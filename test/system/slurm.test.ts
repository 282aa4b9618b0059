import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authed as call, authedFetch, session, slurmReady, startGateway, type TestGateway } from '../helpers.js';

describe.runIf(slurmReady())('the SLURM executor on a real one-node cluster', () => {
  let g: TestGateway;
  const job = (id: string) => call(`${g.url}/jobs/${id}`).then((r) => r.body);
  const until = async (id: string, states: string[]) => {
    for (let i = 0; i < 600; i++) {
      const j = await job(id);
      if (states.includes(j.status)) return j;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`job ${id} never reached ${states}`);
  };
  beforeAll(async () => {
    g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_EXECUTOR: 'slurm' } });
    session.headers = (await g.user('hpc', 'producer')).headers;
  });
  afterAll(async () => g?.stop());

  it('runs a job as a SLURM batch job and returns its results; readiness checks the cluster', async () => {
    const r = await call(`${g.url}/processes/echo/execution`, {
      json: { inputs: { message: 'from slurm', seconds: 0.5 } },
      headers: { Prefer: 'respond-async' }
    });
    const done = await until(r.body.jobID, ['successful', 'failed']);
    expect(done.status, done.message).toBe('successful');
    expect((await call(`${g.url}/jobs/${r.body.jobID}/results`)).body).toEqual({ message: 'from slurm' });
    const row = await g.gateway.jobs.jobs.get(r.body.jobID);
    expect(row!.executor).toBe('slurm');
    expect(row!.external_id).toMatch(/^\d+$/);
    const state = spawnSync('scontrol', ['show', 'job', '-o', row!.external_id!], { encoding: 'utf8' }).stdout;
    expect(state).toMatch(/JobState=COMPLETED/);
    expect((await call(`${g.url}/health/ready`)).body.checks.executor.status).toBe('ok');
  });

  it.runIf(process.getuid?.() === 0)('a SLURM job is confined as a local one: its own uid, no /etc/shadow, no gateway settings', async () => {
    const cwl = `cwlVersion: v1.2
class: CommandLineTool
id: whoami_slurm
baseCommand: [sh, -c]
arguments: ['(id -u; cat /etc/shadow >/dev/null 2>&1 && echo shadow-read || echo shadow-denied; env | grep -c HYSOPE_DATABASE || true) > out.txt']
inputs: {}
outputs:
  out: {type: File, outputBinding: {glob: out.txt}}
`;
    const d = await authedFetch(`${g.url}/processes`, { method: 'POST', headers: { 'Content-Type': 'application/cwl+yaml' }, body: cwl });
    expect(d.status).toBe(201);
    const r = await call(`${g.url}/processes/whoami_slurm/execution`, { json: { inputs: {} }, headers: { Prefer: 'respond-async' } });
    const done = await until(r.body.jobID, ['successful', 'failed']);
    expect(done.status, done.message).toBe('successful');
    const results = (await call(`${g.url}/jobs/${r.body.jobID}/results`)).body;
    const [uid, shadow, env] = (await (await authedFetch(results.out.href)).text()).trim().split('\n');
    expect(Number(uid)).toBeGreaterThanOrEqual(200000);
    expect(shadow).toBe('shadow-denied');
    expect(env).toBe('0');
  });

  it('DELETE /jobs/{id} scancels the SLURM job; a failing process fails its job with the reason', async () => {
    const r = await call(`${g.url}/processes/echo/execution`, { json: { inputs: { message: 'x', seconds: 60 } }, headers: { Prefer: 'respond-async' } });
    await until(r.body.jobID, ['running']);
    const row = await g.gateway.jobs.jobs.get(r.body.jobID);
    expect((await call(`${g.url}/jobs/${r.body.jobID}`, { method: 'DELETE' })).body.status).toBe('dismissed');
    for (let i = 0; i < 50 && !/JobState=CANCELLED/.test(spawnSync('scontrol', ['show', 'job', '-o', row!.external_id!], { encoding: 'utf8' }).stdout); i++)
      await new Promise((res) => setTimeout(res, 100));
    expect(spawnSync('scontrol', ['show', 'job', '-o', row!.external_id!], { encoding: 'utf8' }).stdout).toMatch(/JobState=CANCELLED/);
    const f = await call(`${g.url}/processes/echo/execution`, { json: { inputs: { message: 'x', fail: true } }, headers: { Prefer: 'respond-async' } });
    const failed = await until(f.body.jobID, ['failed', 'successful']);
    expect(failed.status).toBe('failed');
    expect(failed.message).toMatch(/failed on purpose/);
  });

  it('a deployed CWL package runs with toil-cwl-runner --batchSystem slurm', async () => {
    const cwl = `cwlVersion: v1.2
class: CommandLineTool
id: shout_toil
baseCommand: [sh, -c]
arguments: ['echo "$(inputs.message)" | tr a-z A-Z > shout.txt']
inputs:
  message: {type: string}
outputs:
  shouted: {type: File, outputBinding: {glob: shout.txt}}
`;
    const toil = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_CWL_RUNNER: 'toil' } });
    session.headers = (await toil.user('hpc', 'producer')).headers;
    try {
      const d = await authedFetch(`${toil.url}/processes`, { method: 'POST', headers: { 'Content-Type': 'application/cwl+yaml' }, body: cwl });
      expect(d.status).toBe(201);
      const r = await call(`${toil.url}/processes/shout_toil/execution`, { json: { inputs: { message: 'via toil' } }, headers: { Prefer: 'respond-async' } });
      let job = r.body;
      for (let i = 0; i < 1200 && !['successful', 'failed'].includes(job.status); i++) {
        await new Promise((res) => setTimeout(res, 100));
        job = (await call(`${toil.url}/jobs/${r.body.jobID}`)).body;
      }
      expect(job.status, job.message).toBe('successful');
      const results = (await call(`${toil.url}/jobs/${r.body.jobID}/results`)).body;
      expect(await (await authedFetch(results.shouted.href)).text()).toBe('VIA TOIL\n');
      expect((await call(`${toil.url}/jobs/${r.body.jobID}/log`)).body).toMatch(/toil/i);
    } finally {
      await toil.stop();
    }
  }, 180_000);
});
