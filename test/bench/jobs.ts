import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { startGateway } from '../helpers.js';
import { procMb, report } from './stats.js';

const WORKER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/gateway/dist/production/worker.js');
const peakRssMb = () => procMb('VmHWM');

/** Runs the worker directly, `concurrency` at a time: the baseline the executor's overhead is measured against. */
async function rawWorkers(n: number, concurrency: number): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-raw-'));
  const t = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      const d = path.join(dir, String(i));
      await mkdir(d);
      await writeFile(path.join(d, 'job.json'), JSON.stringify({ processId: 'echo', inputs: { message: 'x', seconds: 0 }, gatewayUrl: 'http://127.0.0.1:1' }));
      await new Promise((r) => spawn(process.execPath, [WORKER, d], { stdio: 'ignore' }).once('exit', r));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - t) / 1000;
  await rm(dir, { recursive: true, force: true });
  return seconds;
}

/** `n` tiny jobs (echo) through the gateway and the local executor: jobs/s, overhead per job, peak RSS. */
export async function benchJobs(n: number, concurrency = 2): Promise<void> {
  const baseline = await rawWorkers(Math.min(n, 200), concurrency);
  const perJobBaseline = baseline / Math.min(n, 200);
  const g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_JOB_CONCURRENCY: String(concurrency) } });
  const auth = (await g.user('bench', 'educational')).headers;
  writeFileSync('/proc/self/clear_refs', '5');
  try {
    const t = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await fetch(`${g.url}/processes/echo/execution`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json', Prefer: 'respond-async' },
        body: JSON.stringify({ inputs: { message: `m${i}` } })
      });
      ids.push(((await r.json()) as { jobID: string }).jobID);
    }
    const submitted = (performance.now() - t) / 1000;
    for (;;) {
      const rows = await g.gateway.db.query<{ n: number }>("select count(*)::int as n from jobs where status in ('successful', 'failed')");
      if (Number(rows[0]!.n) >= n) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = (performance.now() - t) / 1000;
    const failed = await g.gateway.db.query<{ n: number }>("select count(*)::int as n from jobs where status = 'failed'");
    const overheadMs = (seconds / n - perJobBaseline) * 1000;
    report(
      `${n} tiny jobs through the local executor (concurrency ${concurrency}; ${failed[0]!.n} failed; submitted in ${submitted.toFixed(1)} s)`,
      n / seconds,
      'jobs/s',
      {
        name: 'the worker run directly, same concurrency',
        value: 1 / perJobBaseline,
        higherIsBetter: true
      }
    );
    report('scheduling overhead per job (gateway + executor, beyond the worker process itself)', overheadMs, 'ms (goal < 20 ms)');
    report('peak RSS of the gateway process during the run', peakRssMb(), 'MB');
  } finally {
    await g.stop();
  }
}

/** SLURM: time from the execute request to the job running (the controller's scheduling + our 300 ms poll), p50 of `n`. */
export async function benchSlurmLatency(n = 10): Promise<void> {
  const g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0', HYSOPE_EXECUTOR: 'slurm' } });
  const auth = (await g.user('bench', 'educational')).headers;
  try {
    const latencies: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const r = await fetch(`${g.url}/processes/echo/execution`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json', Prefer: 'respond-async' },
        body: JSON.stringify({ inputs: { message: 'x', seconds: 0.5 } })
      });
      const id = ((await r.json()) as { jobID: string }).jobID;
      for (;;) {
        const job = await g.gateway.jobs.jobs.get(id);
        if (job && job.status !== 'accepted') break;
        await new Promise((res) => setTimeout(res, 20));
      }
      latencies.push(performance.now() - t);
      await g.gateway.jobs.wait(id, 30_000);
    }
    latencies.sort((a, b) => a - b);
    report(`SLURM submit-to-running latency (p50 of ${n}; sbatch + scheduling + 300 ms state poll)`, latencies[Math.floor(n / 2)]!, 'ms');
  } finally {
    await g.stop();
  }
}
