import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './pg-server.js';

/** Debian's RabbitMQ server script, or null when rabbitmq-server is not installed. */
export function findRabbit(): string | null {
  const bin = '/usr/lib/rabbitmq/bin/rabbitmq-server';
  return existsSync(bin) ? bin : null;
}

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    }).on('error', () => resolve(false));
  });

/**
 * Starts a throw-away RabbitMQ broker (Debian's rabbitmq-server) in a temporary folder, on free ports, for the
 * tests: its own node name, Mnesia folder, logs and Erlang cookie; `guest` may connect from 127.0.0.1.
 */
export async function startRabbit(bin: string): Promise<{ url: string; vhost: (name: string) => string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hysope-amqp-'));
  const [port, dist] = [await freePort(), await freePort()];
  mkdirSync(path.join(dir, 'home'));
  writeFileSync(path.join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(path.join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${port}\nloopback_users = none\n`);
  const node = `hysope-${port}@localhost`;
  const env = {
    ...process.env,
    HOME: path.join(dir, 'home'),
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(dist),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: path.join(dir, 'pid')
  };
  const child = spawn(bin, [], { env, cwd: dir, detached: true, stdio: 'ignore' });
  child.unref();
  for (let i = 0; i < 240 && !(await answers(port)); i++) await new Promise((r) => setTimeout(r, 250));
  if (!(await answers(port))) throw new Error(`RabbitMQ did not start on port ${port} (logs in ${dir}/log)`);
  const ctl = (args: string[]) => {
    const r = spawnSync('/usr/lib/rabbitmq/bin/rabbitmqctl', ['-n', node, ...args], { env, timeout: 60_000, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`rabbitmqctl ${args.join(' ')}: ${r.stderr || r.stdout}`);
  };
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    /** A virtual host of its own (queues and exchanges apart from the others'), and its URL. */
    vhost: (name: string) => {
      ctl(['add_vhost', name]);
      ctl(['set_permissions', '-p', name, 'guest', '.*', '.*', '.*']);
      return `amqp://guest:guest@127.0.0.1:${port}/${encodeURIComponent(name)}`;
    },
    stop: async () => {
      spawnSync('/usr/lib/rabbitmq/bin/rabbitmqctl', ['-n', node, 'stop'], { env, timeout: 30_000 }); // a clean stop, then sure
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
