import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authed as call, authedFetch, runProcess, session, startGateway, type TestGateway } from '../helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const notebook = (kernel: { name: string; language: string }, cells: { source: string; tags?: string[] }[]) => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: kernel.name, display_name: kernel.name, language: kernel.language } },
  cells: cells.map((c, i) => ({
    id: `c${i}`,
    cell_type: 'code',
    source: c.source,
    metadata: c.tags ? { tags: c.tags } : {},
    outputs: [],
    execution_count: null
  }))
});

function textOf(executed: any, index: number): string {
  return executed.cells[index].outputs.map((o: any) => (o.text ?? o.data?.['text/plain'] ?? '').toString()).join('');
}

describe('the notebook-run process (headless execution through a Jupyter kernel, with parameters)', () => {
  let g: TestGateway;
  let kernels: string;
  beforeAll(async () => {
    kernels = await mkdtemp(path.join(os.tmpdir(), 'hysope-kernels-'));
    // Jobs run under their own uid: the kernel specs must be readable by others, as an operator installs them.
    await chmod(kernels, 0o755);
    const r = await runProcess('bash', [path.join(ROOT, 'scripts/kernels.sh'), kernels]);
    expect(r.status, r.stderr).toBe(0);
    // The worker (a child of this process) finds tslab here, and Debian's python3 kernel in /usr/share/jupyter.
    process.env['JUPYTER_PATH'] = kernels;
    g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0' } });
    session.headers = (await g.user('analyst', 'scientific')).headers;
  });
  afterAll(async () => {
    await g?.stop();
    await rm(kernels, { recursive: true, force: true });
  });

  const run = async (inputs: Record<string, unknown>) => {
    const r = await call(`${g.url}/processes/notebook-run/execution`, { json: { inputs }, headers: { Prefer: 'respond-async' } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    let job = r.body;
    for (let i = 0; i < 600 && !['successful', 'failed'].includes(job.status); i++) {
      await new Promise((res) => setTimeout(res, 100));
      job = (await call(`${g.url}/jobs/${r.body.jobID}`)).body;
    }
    return job;
  };

  it('runs a Python notebook with parameters injected after the "parameters" cell', async () => {
    const nb = notebook({ name: 'python3', language: 'python' }, [{ source: 'x = 1', tags: ['parameters'] }, { source: 'x * 2' }]);
    const job = await run({ notebook: nb, parameters: { x: 21 } });
    expect(job.status, job.message).toBe('successful');
    const results = (await call(`${g.url}/jobs/${job.jobID}/results`)).body;
    const executed = await (await authedFetch(results.notebook.href)).json();
    expect(executed.cells[1].metadata.tags).toEqual(['injected-parameters']);
    expect(textOf(executed, 2)).toBe('42');
  });

  it('runs a TypeScript notebook (tslab) the same way', async () => {
    const nb = notebook({ name: 'tslab', language: 'typescript' }, [
      { source: 'let cycles = [1];', tags: ['parameters'] },
      { source: 'cycles.map((c) => c * 10).join(",")' }
    ]);
    const job = await run({ notebook: nb, parameters: { cycles: [1, 2, 3] } });
    expect(job.status, job.message).toBe('successful');
    const executed = await (await authedFetch((await call(`${g.url}/jobs/${job.jobID}/results`)).body.notebook.href)).json();
    expect(textOf(executed, 2)).toMatch(/10,20,30/);
  });

  it('a failing cell fails the job with the error; paths cannot leave the notebooks folder', async () => {
    const failing = await run({ notebook: notebook({ name: 'python3', language: 'python' }, [{ source: '1 / 0' }]) });
    expect(failing.status).toBe('failed');
    expect(failing.message).toMatch(/ZeroDivisionError/);
    const escape = await run({ notebook: '../../etc/passwd' });
    expect(escape.status).toBe('failed');
    expect(escape.message).toMatch(/outside the notebooks folder/);
  });
});
