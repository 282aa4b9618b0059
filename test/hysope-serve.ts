import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HYSOPE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../server/gateway/bin/hysope.js');

/** A gateway as deployed: `hysope serve` in a process of its own. */
export interface Served {
  url: string;
  pid: number;
  /** SIGTERM, resolved once it exited. */
  stop(): Promise<void>;
  /** SIGKILL, at once (a crash). */
  kill(): void;
  /** When the process ended (ms since the epoch): a killed one holds its sockets until then. */
  exited: Promise<number>;
}

/**
 * Starts `hysope serve` on a free port over `dataDir` with `env` (HYSOPE_LOG_LEVEL warn unless set); resolves once it
 * says it is ready. Its errors (log level 50) are shown on stderr.
 */
export async function serveProcess(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(process.execPath, [HYSOPE, 'serve', '--data', dataDir, '--port', '0'], {
    env: { ...process.env, HYSOPE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready: (http:\/\/[^/\s]+)/.exec(out);
      if (m) resolve(m[1]!);
      if (/"level":50/.test(d.toString())) process.stderr.write(d.toString().slice(0, 3000));
    });
    child.once('exit', (code) => reject(new Error(`hysope serve exited with ${code}: ${out}`)));
  });
  const exited = new Promise<number>((resolve) => (child.exitCode !== null ? resolve(Date.now()) : child.once('exit', () => resolve(Date.now()))));
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
    kill: () => void child.kill('SIGKILL'),
    exited
  };
}
