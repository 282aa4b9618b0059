// JupyterHub end to end: Debian's jupyterhub and configurable-http-proxy with deploy/jupyterhub's config;
// a user logs in through the hub's form (test authenticator), the hub spawns the HYSOPE lab for them, a
// notebook runs in it, and the gateway knows the user by the hub token the lab was given.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../browser/chromium.js';
import { freePort } from '../pg-server.js';
import { REACH_548, slurmReady, startGateway, type TestGateway } from '../helpers.js';
import { startOidcProvider, type TestProvider } from '../oidc-server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PASSWORD = 'workshop-password';
const SERVICE_TOKEN = 'hysope-test-service-token-0123456789';

type LabWindow = {
  jupyterapp: {
    commands: { execute(id: string, args?: unknown): Promise<unknown> };
    shell: {
      currentWidget: {
        content: { activeCell: { model: { sharedModel: { setSource(s: string): void } } } };
        context?: { sessionContext?: { session?: { kernel?: { status: string } | null } | null } };
      } | null;
    };
  };
};

interface HubPorts {
  url: string;
  /** The hub API's address, as the gateway is told (HYSOPE_HUB_API_URL of the gateway). */
  api: string;
  apiPort: number;
  proxyPort: number;
}

async function hubPorts(): Promise<HubPorts> {
  const [port, apiPort, proxyPort] = [await freePort(), await freePort(), await freePort()];
  return { url: `http://127.0.0.1:${port}`, api: `http://127.0.0.1:${apiPort}/hub/api`, apiPort, proxyPort };
}

interface Hub {
  log(): string;
  stop(): Promise<void>;
}

/** Debian's jupyterhub with deploy/jupyterhub's config, in a state folder of its own. */
async function startHub(ports: HubPorts, gatewayUrl: string, env: Record<string, string>): Promise<Hub> {
  const state = await mkdtemp(path.join(os.tmpdir(), 'hysope-hub-'));
  const hub: ChildProcess = spawn('jupyterhub', ['-f', path.join(ROOT, 'deploy/jupyterhub/jupyterhub_config.py')], {
    cwd: state,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HYSOPE_HUB_STATE: state,
      HYSOPE_HUB_URL: ports.url,
      HYSOPE_HUB_API_URL: `http://127.0.0.1:${ports.apiPort}`,
      HYSOPE_HUB_PROXY_API: `http://127.0.0.1:${ports.proxyPort}`,
      HYSOPE_GATEWAY_URL: gatewayUrl,
      HYSOPE_HUB_SERVICE_TOKEN: SERVICE_TOKEN,
      // Its own folder: what the test's notebooks write never lands in the repository's notebooks/.
      HYSOPE_HUB_NOTEBOOK_DIR: state,
      ...env
    }
  });
  let log = '';
  hub.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  hub.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  for (let i = 0; i < 120; i++) {
    const ok = await fetch(`${ports.url}/hub/api/`).then(
      (r) => r.ok,
      () => false
    );
    if (ok) break;
    if (hub.exitCode !== null) throw new Error(`jupyterhub exited: ${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    log: () => log,
    async stop() {
      if (hub.pid && hub.exitCode === null) {
        // The hub stops the users' servers and its proxy on SIGTERM (cleanup_servers).
        process.kill(-hub.pid, 'SIGTERM');
        await new Promise((r) => (hub.exitCode !== null ? r(null) : hub.once('exit', r)));
      }
      await rm(state, { recursive: true, force: true });
    }
  };
}

function hubSuite(spawner: 'simple' | 'slurm') {
  let g: TestGateway;
  let hub: Hub;
  let hubUrl: string;
  let browser: Browser;
  const hubLog = () => hub?.log() ?? '';

  beforeAll(async () => {
    const ports = await hubPorts();
    hubUrl = ports.url;
    // As deployed: the labs (served through the hub's origin) are the gateway's allowed CORS origin.
    g = await startGateway({ env: { HYSOPE_HUB_API_URL: ports.api, HYSOPE_RATE_LIMIT: '0', HYSOPE_CORS_ORIGINS: hubUrl } });
    expect((await g.ingest(REACH_548)).ok).toBe(true);
    hub = await startHub(ports, g.url, { HYSOPE_HUB_AUTH: 'dummy', HYSOPE_HUB_PASSWORD: PASSWORD, HYSOPE_HUB_SPAWNER: spawner });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    await g?.stop();
  }, 60_000);

  it('refuses a wrong password and logs a user in with the right one, spawning their lab', async () => {
    const page = await browser.newPage();
    await page.goto(`${hubUrl}/hub/login`);
    await page.fill('#username_input', 'alice');
    await page.fill('#password_input', 'wrong');
    await page.click('#login_submit');
    await expect(page.locator('.login_error, .alert-danger').first().textContent()).resolves.toMatch(/Invalid username or password/i);
    await page.fill('#username_input', 'alice');
    await page.fill('#password_input', PASSWORD);
    await page.click('#login_submit');
    await page.waitForURL(/\/user\/alice\/lab/, { timeout: 150_000 });
    await page.waitForSelector('.jp-Launcher', { timeout: 120_000 });
    // The lab reached the gateway configured by the hub.
    await page.waitForSelector('.hy-GatewayStatus[data-state="ok"]', { timeout: 30_000 });
    // The hub's own API says alice's server runs.
    const user = await (await fetch(`${hubUrl}/hub/api/users/alice`, { headers: { Authorization: `token ${SERVICE_TOKEN}` } })).json();
    expect(user.servers[''].ready, hubLog().slice(-2000)).toBe(true);
    if (spawner === 'slurm') {
      // The lab is a SLURM job of the cluster.
      const q = spawnSync('squeue', ['-h', '-n', 'hysope-lab-alice', '-o', '%T'], { encoding: 'utf8' });
      expect(q.stdout.trim()).toBe('RUNNING');
    }
    await page.close();
  }, 300_000);

  it("runs a notebook in alice's lab, and the gateway knows alice by her hub token", async () => {
    const page = await browser.newPage();
    await page.goto(`${hubUrl}/hub/login`);
    await page.fill('#username_input', 'alice');
    await page.fill('#password_input', PASSWORD);
    await page.click('#login_submit');
    await page.waitForSelector('.jp-Launcher', { timeout: 120_000 });
    await page.evaluate(() => (window as unknown as LabWindow).jupyterapp.commands.execute('notebook:create-new', { kernelName: 'python3' }));
    await page.waitForSelector('.jp-NotebookPanel .jp-Cell', { timeout: 60_000 });
    await page
      .waitForSelector('.jp-NotebookPanel [data-status="idle"], .jp-Notebook-ExecutionIndicator[data-status="idle"]', { timeout: 60_000 })
      .catch(() => undefined);
    const code = [
      'import json, os, urllib.request',
      "req = urllib.request.Request(os.environ['HYSOPE_GATEWAY_URL'] + '/whoami', headers={'Authorization': 'token ' + os.environ['JUPYTERHUB_API_TOKEN']})",
      'me = json.load(urllib.request.urlopen(req))',
      "print('gateway user:', me['name'], me['role'])"
    ].join('\n');
    await page.evaluate((source) => {
      const w = (window as unknown as LabWindow).jupyterapp.shell.currentWidget!;
      w.content.activeCell.model.sharedModel.setSource(source);
    }, code);
    await page.evaluate(() => (window as unknown as LabWindow).jupyterapp.commands.execute('notebook:run-cell'));
    const output = page.locator('.jp-OutputArea-output').filter({ hasText: 'gateway user:' });
    await output.waitFor({ timeout: 90_000 }).catch(async (error: Error) => {
      // What the lab shows instead: the cell's outputs (a traceback?) and its kernel's state.
      const shown = await page.locator('.jp-OutputArea').allTextContents();
      const kernel = await page.evaluate(
        () => (window as unknown as LabWindow).jupyterapp.shell.currentWidget?.context?.sessionContext?.session?.kernel?.status ?? 'no kernel'
      );
      throw new Error(`${error.message}\nkernel: ${kernel}\noutputs: ${shown.join('\n') || '(none)'}\nhub log: ${hubLog().slice(-1500)}`);
    });
    // Hub users without a hysope-<role> group are "educational".
    expect((await output.textContent())?.trim()).toBe('gateway user: alice educational');
    await page.close();
  }, 300_000);
}

describe('JupyterHub spawns the HYSOPE lab per user (local processes)', () => hubSuite('simple'));
describe.runIf(slurmReady())('JupyterHub spawns the HYSOPE lab per user as SLURM jobs (batchspawner-style)', () => hubSuite('slurm'));

// One identity across portal, lab and API: the hub signs in with the same OpenID provider as the portal, the
// gateway names the person and maps their role for the hub, and the lab's hub token is that person at the gateway.
describe('JupyterHub signs in with the OpenID provider (single sign-on with the portal and the API)', () => {
  let g: TestGateway;
  let hub: Hub;
  let hubUrl: string;
  let idp: TestProvider;
  let browser: Browser;

  beforeAll(async () => {
    const ports = await hubPorts();
    hubUrl = ports.url;
    idp = await startOidcProvider({ redirectUris: [`${hubUrl}/hub/oauth_callback`] });
    idp.groups.set('carol', ['hydro-scientists']);
    g = await startGateway({
      env: {
        HYSOPE_HUB_API_URL: ports.api,
        HYSOPE_RATE_LIMIT: '0',
        HYSOPE_CORS_ORIGINS: hubUrl,
        HYSOPE_OIDC_ISSUER: idp.issuer,
        HYSOPE_OIDC_CLIENT_ID: 'hysope',
        HYSOPE_OIDC_ROLES: 'hydro-scientists=scientific,agency=institutional'
      }
    });
    hub = await startHub(ports, g.url, { HYSOPE_HUB_AUTH: 'oidc', HYSOPE_OIDC_ISSUER: idp.issuer, HYSOPE_HUB_SPAWNER: 'simple' });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    await g?.stop();
    await idp?.stop();
  }, 60_000);

  it("signs carol in at the provider, spawns her lab, and the gateway knows her hub token as the provider's carol", async () => {
    const page = await browser.newPage();
    await page.goto(`${hubUrl}/hub/login`);
    // No hub form: straight to the provider's sign-in page, then its consent page.
    await page.getByPlaceholder('Enter any login').fill('carol');
    await page.getByPlaceholder('and password').fill('any');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/user\/carol\/lab/, { timeout: 150_000 });
    await page.waitForSelector('.jp-Launcher', { timeout: 120_000 });
    await page.waitForSelector('.hy-GatewayStatus[data-state="ok"]', { timeout: 30_000 });
    await page.close();

    const admin = { Authorization: `token ${SERVICE_TOKEN}` };
    const user = await (await fetch(`${hubUrl}/hub/api/users/carol`, { headers: admin })).json();
    expect(user.groups, hub.log().slice(-2000)).toEqual(['hysope-scientific']);
    // A hub token of carol's (the one her lab holds is of the same kind) is carol, scientific, at the gateway...
    const made = await fetch(`${hubUrl}/hub/api/users/carol/tokens`, { method: 'POST', headers: admin, body: JSON.stringify({ note: 'test' }) });
    expect(made.status).toBe(201);
    const hubToken = ((await made.json()) as { token: string }).token;
    const viaHub = await (await fetch(`${g.url}/whoami`, { headers: { Authorization: `token ${hubToken}` } })).json();
    // ...the same person as the provider's token names for the portal and scripts.
    const tokens = await idp.login('carol');
    const viaSso = await (await fetch(`${g.url}/whoami`, { headers: { Authorization: `Bearer ${tokens.access_token}` } })).json();
    expect(viaHub).toEqual({ name: 'carol', role: 'scientific' });
    expect(viaSso).toEqual(viaHub);
  }, 300_000);

  it('refuses a callback it did not start (state) and a refusal by the provider, with the reason', async () => {
    const forged = await fetch(`${hubUrl}/hub/oauth_callback?code=abc&state=xyz`, { redirect: 'manual' });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toMatch(/not started here/);
    const refused = await fetch(`${hubUrl}/hub/oauth_callback?error=access_denied&error_description=no+consent`, { redirect: 'manual' });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/access_denied: no consent/);
  });

  it("reaches the provider's sign-in page when the hub's login is asked for (no form of its own)", async () => {
    const res = await fetch(`${hubUrl}/hub/oauth_login?next=/hub/home`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(to.origin).toBe(idp.issuer);
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('redirect_uri')).toBe(`${hubUrl}/hub/oauth_callback`);
  });
});
