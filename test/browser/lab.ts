import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess } from '../helpers.js';
import { freePort } from '../pg-server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A running lab: Debian's Jupyter Server with our build, kernels registered in its own state folder. */
export interface TestLab {
  url: string;
  token: string;
  stop(): Promise<void>;
}

/** Starts the real lab (server/lab/start-lab.sh) on a free port, pointed at `gatewayUrl`. */
export async function startLab(
  gatewayUrl: string,
  notebooksDir?: string,
  options: { labextensions?: Record<string, string>; env?: Record<string, string> } = {}
): Promise<TestLab> {
  const state = await mkdtemp(path.join(os.tmpdir(), 'hysope-lab-'));
  // Prebuilt extensions installed the way a deployment installs them: <data>/labextensions/<package name>.
  for (const [name, dir] of Object.entries(options.labextensions ?? {})) await cp(dir, path.join(state, 'data', 'labextensions', name), { recursive: true });
  await mkdir(path.join(ROOT, 'test-results'), { recursive: true });
  // NOTE: test notebooks go under test-results/ (ignored), inside the repository so tslab resolves our packages,
  // never into notebooks/ that users open.
  const notebooks = notebooksDir ?? (await mkdtemp(path.join(ROOT, 'test-results', 'lab-')));
  const kernels = await runProcess('bash', [path.join(ROOT, 'scripts/kernels.sh'), path.join(state, 'data')]);
  if (kernels.status !== 0) throw new Error(`kernels.sh failed: ${kernels.stderr}`);
  const port = await freePort();
  const token = 'hysope-test-token';
  const child: ChildProcess = spawn(path.join(ROOT, 'server/lab/start-lab.sh'), [String(port), token, notebooks], {
    env: { ...process.env, HYSOPE_LAB_STATE: state, HYSOPE_GATEWAY_URL: gatewayUrl, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the lab exited (${child.exitCode}):\n${log}`);
    try {
      const r = await fetch(`${url}/api/status?token=${token}`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`the lab did not start in 60 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    token,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      await rm(state, { recursive: true, force: true });
      if (!notebooksDir) await rm(notebooks, { recursive: true, force: true });
    }
  };
}
