import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { OutputValue, ProcessContext, ProcessResult } from '../process.js';

/** Runs a deployed CWL package with cwltool (Debian's) in the job folder; files it outputs become file results. */
export async function runCwl(ctx: ProcessContext, cwlFile: string): Promise<ProcessResult> {
  const inputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ctx.inputs)) {
    // Strings that name files are passed as CWL File objects when the tool declares File (cwltool checks).
    inputs[k] = v;
  }
  const jobFile = path.join(ctx.workDir, 'cwl-inputs.json');
  await writeFile(jobFile, JSON.stringify(inputs));
  const outdir = path.join(ctx.workDir, 'out');
  ctx.progress(5, 'cwltool started');
  // cwltool runs the tool where the worker runs; Toil spreads the workflow's steps over SLURM.
  const toil = ctx.settings.cwlRunner === 'toil';
  const runner = toil ? 'toil-cwl-runner' : 'cwltool';
  const args = toil
    ? [
        '--batchSystem',
        ctx.settings.toilBatchSystem,
        '--jobStore',
        path.join(ctx.workDir, 'toil-store'),
        '--quiet',
        '--no-container',
        '--outdir',
        outdir,
        cwlFile,
        jobFile
      ]
    : ['--quiet', '--no-container', '--outdir', outdir, cwlFile, jobFile];
  const child = spawn(runner, args, { cwd: ctx.workDir, stdio: ['ignore', 'pipe', 'pipe'] });
  ctx.signal.addEventListener('abort', () => child.kill('SIGTERM'));
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d: Buffer) =>
    d
      .toString()
      .split('\n')
      .filter(Boolean)
      .forEach((l) => ctx.log(`cwltool: ${l}`))
  );
  const code: number = await new Promise((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`cannot run ${runner}: ${e.message}`)));
    child.once('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`${runner} failed (exit ${code}); see the job log`);
  // The output object is the JSON document on stdout (Toil may print log lines around it).
  const json = /^\{[\s\S]*^\}/m.exec(stdout)?.[0] ?? '{}';
  const result = JSON.parse(json) as Record<string, unknown>;
  const outputs: Record<string, OutputValue> = {};
  for (const [k, v] of Object.entries(result)) {
    const file = v as { class?: string; path?: string; location?: string };
    if (file && typeof file === 'object' && file.class === 'File' && file.path) {
      outputs[k] = { file: path.relative(ctx.workDir, file.path), mediaType: 'application/octet-stream' };
    } else outputs[k] = { value: v };
  }
  ctx.progress(100, `${runner} done`);
  return { outputs };
}
