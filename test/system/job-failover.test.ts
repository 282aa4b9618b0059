import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, testDatabaseUrl } from '../helpers.js';
import { serveProcess, type Served } from '../hysope-serve.js';

const HYSOPE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/gateway/bin/hysope.js');

describe.runIf(testDatabaseUrl())('jobs across gateway replicas: each followed by one, taken over when it dies', () => {
  let data: string;
  let url: string;
  const served: Served[] = [];
  let env: Record<string, string>;
  let headers: Record<string, string>;
  beforeAll(async () => {
    // A database of its own: two `hysope serve` processes share it, and the data folder.
    const admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    const name = `jobs_failover_${process.pid}`;
    await admin.query(`drop database if exists ${name}`);
    await admin.query(`create database ${name}`);
    await admin.end();
    const u = new URL(testDatabaseUrl()!);
    u.pathname = `/${name}`;
    url = u.toString();
    data = await mkdtemp(path.join(os.tmpdir(), 'hysope-failover-'));
    env = { HYSOPE_DATABASE_URL: url, HYSOPE_JOB_LEASE_MS: '2000', HYSOPE_RATE_LIMIT: '0' };
    const out = execFileSync(process.execPath, [HYSOPE, 'user', 'add', 'jo', 'educational', '--data', data], {
      encoding: 'utf8',
      env: { ...process.env, ...env }
    });
    headers = { Authorization: `token ${/API key[^:]*: (\S+)/.exec(out)![1]}` };
  });
  afterAll(async () => {
    for (const s of served) s.kill();
    await rm(data, { recursive: true, force: true });
  });

  it('a gateway killed (SIGKILL) while following jobs: another takes them over, each ends once, none lost', async () => {
    const [a, b] = [await serveProcess(data, env), await serveProcess(data, env)];
    served.push(a, b);
    const submit = async (on: Served, seconds: number) =>
      (
        await call(`${on.url}/processes/echo/execution`, {
          json: { inputs: { message: `m${seconds}`, seconds } },
          headers: { ...headers, Prefer: 'respond-async' }
        })
      ).body.jobID as string;
    const onA = [await submit(a, 4), await submit(a, 4), await submit(a, 0.5)];
    const onB = await submit(b, 1);
    const status = async (id: string) => (await call(`${b.url}/jobs/${id}`, { headers })).body.status as string;
    await expect.poll(() => status(onA[0]!), { timeout: 20_000, interval: 100 }).toBe('running');
    const killedAt = Date.now();
    a.kill();
    // The jobs A followed (running, and queued behind them) end on B: taken over once A's leases lapse.
    await expect
      .poll(async () => (await Promise.all([...onA, onB].map(status))).every((s) => s === 'successful'), { timeout: 60_000, interval: 200 })
      .toBe(true);
    const resumed = (Date.now() - killedAt) / 1000;
    for (const [i, id] of onA.entries()) expect((await call(`${b.url}/jobs/${id}/results`, { headers })).body).toEqual({ message: `m${[4, 4, 0.5][i]}` });
    // Each job ended once: one final state, one end time, events of its end from one gateway.
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const rows = (await db.query(`select id, status, finished from jobs where id = any($1::text[])`, [[...onA, onB]])).rows;
    const ends = (
      await db.query(`select data->>'job' as job, count(*)::int as n from events where type = 'job.status' and data->>'status' = 'successful' group by 1`)
    ).rows;
    await db.end();
    expect(rows).toHaveLength(4);
    const ours = ends.filter((e) => [...onA, onB].includes(e.job));
    expect(ours).toHaveLength(4);
    expect(ours.every((e) => e.n === 1)).toBe(true);
    console.log(`jobs of a killed gateway resumed on the other and all ended ${resumed.toFixed(1)} s after the kill (lease 2 s)`);
  }, 120_000);
  it("a gateway of another node takes over: a job still running on the dead gateway's node is followed through its folder, one lost with its node runs again", async () => {
    for (const s of served.splice(0)) await s.stop();
    // Two nodes sharing the data folder (as an HPC file system): each gateway watches its own node's processes only.
    const nodes = { ...env, HYSOPE_JOB_STALE_MS: '3000' };
    const [a, b] = [await serveProcess(data, { ...nodes, HYSOPE_NODE_NAME: 'node-a' }), await serveProcess(data, { ...nodes, HYSOPE_NODE_NAME: 'node-b' })];
    served.push(a, b);
    const submit = async (message: string) =>
      (
        await call(`${a.url}/processes/echo/execution`, {
          json: { inputs: { message, seconds: 5 } },
          headers: { ...headers, Prefer: 'respond-async' }
        })
      ).body.jobID as string;
    const [alive, lost] = [await submit('still running'), await submit('lost with its node')];
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const row = async (id: string) => (await db.query(`select status, progress, host, pid, dir from jobs where id = $1`, [id])).rows[0];
    // Both workers at work (they have reported progress).
    await expect.poll(async () => [(await row(alive)).progress > 0, (await row(lost)).progress > 0], { timeout: 20_000, interval: 100 }).toEqual([true, true]);
    const before = { alive: await row(alive), lost: await row(lost) };
    expect([before.alive.host, before.lost.host]).toEqual(['node-a', 'node-a']);
    // Node A's gateway dies; so does one of its jobs' processes (as the node would take them all down).
    const killedAt = Date.now();
    a.kill();
    process.kill(-before.lost.pid, 'SIGKILL');
    const status = async (id: string) => (await call(`${b.url}/jobs/${id}`, { headers })).body.status as string;
    await expect.poll(async () => [await status(alive), await status(lost)], { timeout: 60_000, interval: 200 }).toEqual(['successful', 'successful']);
    const resumed = (Date.now() - killedAt) / 1000;
    expect((await call(`${b.url}/jobs/${alive}/results`, { headers })).body).toEqual({ message: 'still running' });
    expect((await call(`${b.url}/jobs/${lost}/results`, { headers })).body).toEqual({ message: 'lost with its node' });
    // The live one ran once, on node A; the lost one twice, the second time on node B.
    const runs = async (dir: string) => ((await readFile(path.join(dir, 'job.log'), 'utf8')).match(/ runs echo/g) ?? []).length;
    expect(await runs(before.alive.dir)).toBe(1);
    expect(await runs(before.lost.dir)).toBe(2);
    expect((await row(alive)).host).toBe('node-a');
    expect((await row(lost)).host).toBe('node-b');
    const ends = (
      await db.query(
        `select data->>'job' as job, count(*)::int as n from events where type = 'job.status' and data->>'status' = 'successful' and data->>'job' = any($1::text[]) group by 1`,
        [[alive, lost]]
      )
    ).rows;
    await db.end();
    expect(ends.map((e) => e.n)).toEqual([1, 1]);
    console.log(`a dead node's jobs: the live one followed through its folder, the lost one run again; both ended ${resumed.toFixed(1)} s after the kill`);
  }, 120_000);
});
