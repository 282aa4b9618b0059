// The Binder configuration's build and start steps, run here without Docker: binder/postBuild ingests the
// samples and registers the kernels for the user; binder/start starts the gateway, then the command a hub
// would give, whose Jupyter Server serves the HYSOPE lab pointed at that gateway.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runProcess } from '../helpers.js';
import { freePort } from '../pg-server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('Binder (repo2docker) build and start steps', () => {
  let home = '';
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) {
      const exited = new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
      await exited;
    }
    // The gateway (started in the background by binder/start) may still be closing its database.
    if (home) await rm(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 300 });
  });

  it("the Dockerfile builds with the repository's own steps on Debian 12 with Node 20", () => {
    const docker = readFileSync(path.join(ROOT, 'binder/Dockerfile'), 'utf8');
    expect(docker).toMatch(/^FROM node:20-bookworm$/m);
    const runs = [...docker.matchAll(/^RUN (.+)$/gm)].map((m) => m[1]);
    expect(runs.some((r) => r!.includes('bash scripts/install.sh'))).toBe(true);
    expect(runs.some((r) => r!.includes('bash binder/postBuild'))).toBe(true);
    expect(docker).toMatch(/^ENTRYPOINT \["binder\/start"\]$/m);
    expect(docker).toMatch(/^ARG NB_UID=1000$/m);
  });

  it('postBuild ingests the samples and registers the kernels; start serves the lab and the gateway', async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'hysope-binder-'));
    const env = { ...process.env, HOME: home };
    const build = await runProcess('bash', [path.join(ROOT, 'binder/postBuild')], { env });
    expect(build.status, build.stderr).toBe(0);
    expect(build.stdout).toMatch(/\d+ ingested/);
    expect(existsSync(path.join(home, '.local/share/jupyter/kernels/tslab/kernel.json'))).toBe(true);

    const [gatewayPort, labPort] = [await freePort(), await freePort()];
    const lab = spawn(
      path.join(ROOT, 'binder/start'),
      [
        '/usr/bin/python3',
        '-m',
        'jupyter_server',
        `--ServerApp.port=${labPort}`,
        '--ServerApp.token=',
        '--ServerApp.open_browser=False',
        '--ServerApp.allow_root=True',
        '--ServerApp.ip=127.0.0.1'
      ],
      { env: { ...env, HYSOPE_PORT: String(gatewayPort), HYSOPE_LOG_LEVEL: 'warn' }, detached: true, stdio: 'ignore' }
    );
    children.push(lab);
    let html = '';
    for (let i = 0; i < 120 && !html; i++) {
      html = await fetch(`http://127.0.0.1:${labPort}/lab`).then(
        (r) => (r.ok ? r.text() : ''),
        () => ''
      );
      if (!html) await new Promise((r) => setTimeout(r, 500));
    }
    // The HYSOPE lab (not a plain Jupyter Server), configured with the gateway start launched.
    expect(html).toContain('hysopeGatewayUrl');
    expect(html).toContain(`http://127.0.0.1:${gatewayPort}`);
    const collections = (await (await fetch(`http://127.0.0.1:${gatewayPort}/stac/collections`)).json()) as { collections: { id: string }[] };
    expect(collections.collections.map((c) => c.id)).toContain('swot-riversp-reach');
    const items = (await (await fetch(`http://127.0.0.1:${gatewayPort}/stac/collections/swot-riversp-reach/items`)).json()) as { features: unknown[] };
    expect(items.features.length).toBeGreaterThan(0);
    // The notebooks folder is the lab's root.
    const contents = (await (await fetch(`http://127.0.0.1:${labPort}/api/contents`)).json()) as { content: { name: string }[] };
    expect(contents.content.map((c) => c.name)).toContain('01-discover-the-catalog.ipynb');
  }, 300_000);
});
