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
  const runner = process.env['HYSOPE_CWL_RUNNER'] ?? 'cwltool';
  const child = spawn(runner, ['--quiet', '--no-container', '--outdir', outdir, cwlFile, jobFile], { cwd: ctx.workDir, stdio: ['ignore', 'pipe', 'pipe'] });
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
  if (code !== 0) throw new Error(`cwltool failed (exit ${code}); see the job log`);
  const result = JSON.parse(stdout || '{}') as Record<string, unknown>;
  const outputs: Record<string, OutputValue> = {};
  for (const [k, v] of Object.entries(result)) {
    const file = v as { class?: string; path?: string; location?: string };
    if (file && typeof file === 'object' && file.class === 'File' && file.path) {
      outputs[k] = { file: path.relative(ctx.workDir, file.path), mediaType: 'application/octet-stream' };
    } else outputs[k] = { value: v };
  }
  ctx.progress(100, 'cwltool done');
  return { outputs };
}
