import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, type ProcessDefinition } from '../process.js';

const RUNNER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../python/run_notebook.py');

/** Executes a notebook headless through a Jupyter kernel with parameters (papermill-style) and keeps the executed notebook. */
export const notebookRun: ProcessDefinition = {
  id: 'notebook-run',
  title: 'Run a notebook',
  description:
    'Executes a notebook (a path under the notebooks folder, or the notebook itself) through its Jupyter kernel, with parameters injected after the cell tagged "parameters"; the executed notebook is the result.',
  version: '1.0.0',
  keywords: ['notebook', 'jupyter', 'papermill'],
  inputs: {
    notebook: {
      title: 'Notebook (path under the notebooks folder, or nbformat JSON)',
      schema: { oneOf: [{ type: 'string', minLength: 1 }, { type: 'object' }] },
      minOccurs: 1
    },
    parameters: {
      title: 'Parameters',
      description: 'Names are identifiers; values (JSON) are injected as literals.',
      schema: { type: 'object', default: {} },
      minOccurs: 0
    },
    kernel: { title: 'Kernel (default: the notebook’s)', schema: { type: 'string' }, minOccurs: 0 },
    timeout: { title: 'Timeout per cell (s)', schema: { type: 'integer', minimum: 1, maximum: 86400, default: 600 }, minOccurs: 0 }
  },
  outputs: { notebook: { title: 'Executed notebook', schema: { type: 'string', contentMediaType: 'application/x-ipynb+json' } } },
  jobControlOptions: ['async-execute', 'sync-execute', 'dismiss'],
  checkInputs(inputs) {
    const names = Object.keys((inputs['parameters'] as Record<string, unknown> | undefined) ?? {});
    const bad = names.filter((n) => !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(n));
    if (bad.length)
      return `input "parameters": names must be identifiers (letters, digits, _), got ${bad.map((b) => JSON.stringify(b.slice(0, 40))).join(', ')}`;
    if (names.length > 200) return 'input "parameters": at most 200 parameters';
    return null;
  },
  async run(ctx) {
    const input = ctx.inputs['notebook'];
    const source = path.join(ctx.workDir, 'input.ipynb');
    let cwd = ctx.workDir;
    if (typeof input === 'string') {
      const root = ctx.settings.notebooksDir;
      const file = path.resolve(root, input);
      if (!file.startsWith(root + path.sep)) throw new InputError(`notebook "${input}" is outside the notebooks folder`);
      await writeFile(source, await readFile(file).catch(() => Promise.reject(new Error(`no notebook "${input}" in the notebooks folder`))));
      cwd = path.dirname(file);
    } else await writeFile(source, JSON.stringify(input));
    const out = path.join(ctx.workDir, 'executed.ipynb');
    ctx.progress(5, 'starting the kernel');
    const child = spawn(
      '/usr/bin/python3',
      [RUNNER, source, out, JSON.stringify(ctx.inputs['parameters'] ?? {}), String(ctx.inputs['kernel'] ?? ''), String(ctx.inputs['timeout'] ?? 600), cwd],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HYSOPE_GATEWAY_URL: ctx.gatewayUrl, ...(ctx.token ? { HYSOPE_TOKEN: ctx.token } : {}) } }
    );
    ctx.signal.addEventListener('abort', () => child.kill('SIGTERM'));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      d.toString()
        .split('\n')
        .filter(Boolean)
        .forEach((l) => ctx.log(`nbclient: ${l}`));
    });
    child.stdout.on('data', (d: Buffer) => ctx.log(d.toString().trim()));
    const code: number = await new Promise((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
    if (code !== 0) throw new Error(`the notebook failed: ${stderr.trim().split('\n').pop() ?? `exit ${code}`} (the executed notebook is in the job folder)`);
    ctx.progress(100, 'notebook executed');
    return { outputs: { notebook: { file: 'executed.ipynb', mediaType: 'application/x-ipynb+json' } } };
  }
};
