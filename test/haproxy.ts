import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './pg-server.js';

/** Debian's haproxy, or null when it is not installed. */
export function findHaproxy(): string | null {
  return existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : null;
}

/**
 * Starts haproxy (in the foreground, as a child) balancing HTTP over `servers` (`http://host:port`), round robin, as in
 * front of gateway replicas: a server is taken out after three failed health checks (`/health/live`, every second), a
 * request that cannot connect is sent to another (retries + redispatch, each request on a new server connection),
 * event streams may last (tunnel timeout).
 * `port`: where it listens (known before the servers start, for their public URL), a free one by default.
 */
export async function startHaproxy(bin: string, servers: string[], port?: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hysope-haproxy-'));
  port ??= await freePort();
  const config = [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 120s',
    '  timeout server 120s',
    '  timeout tunnel 1h',
    '  retries 3',
    '  option redispatch',
    // A new server connection for each request: one to a server that just died is refused (and sent to another),
    // never a kept-alive one that breaks after the request went out.
    '  option http-server-close',
    '  http-reuse never',
    'frontend hysope',
    `  bind 127.0.0.1:${port}`,
    '  default_backend gateways',
    'backend gateways',
    '  balance roundrobin',
    '  option httpchk GET /health/live',
    '  http-check expect status 200',
    // Out after three failed checks a second apart (a gateway busy for a moment stays in), back after two.
    '  timeout check 2s',
    ...servers.map((s, i) => `  server g${i + 1} ${new URL(s).host} check inter 1s fall 3 rise 2`)
  ].join('\n');
  writeFileSync(path.join(dir, 'haproxy.cfg'), `${config}\n`);
  const child = spawn(bin, ['-db', '-f', path.join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const answers = (): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true))).on('error', () => resolve(false));
    });
  for (let i = 0; i < 100 && !(await answers()); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await answers())) throw new Error(`haproxy did not start: ${err}`);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
