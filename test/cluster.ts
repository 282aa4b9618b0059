import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { findHaproxy, startHaproxy } from './haproxy.js';
import { REACHES_PASS_51, sample } from './helpers.js';
import { serveProcess, type Served } from './hysope-serve.js';
import { freePort } from './pg-server.js';

const HYSOPE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../server/gateway/bin/hysope.js');

/** HYSOPE as deployed for scale: `hysope serve` replicas behind haproxy, over shared engines. */
export interface Cluster {
  /** The balancer: the public address. */
  url: string;
  gateways: Served[];
  /** Its own database on the PostgreSQL server. */
  databaseUrl: string;
  /** The folder CNM notifications name files in (shared by every node, as a file system would be). */
  inbox: string;
  /** The Authorization headers of an admin. */
  admin: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts `replicas` gateways (`hysope serve`, each with a data folder of its own as on its own node) over a new
 * database of the PostgreSQL server at `postgresUrl` and the given engines' settings (`env`: the object store, the
 * broker...), sharing one signing key, behind Debian's haproxy; links name the balancer.
 */
export async function startCluster(o: { replicas: number; postgresUrl: string; name: string; env: Record<string, string> }): Promise<Cluster> {
  const c = new pg.Client({ connectionString: o.postgresUrl });
  await c.connect();
  await c.query(`drop database if exists ${o.name}`);
  await c.query(`create database ${o.name}`);
  await c.end();
  const u = new URL(o.postgresUrl);
  u.pathname = `/${o.name}`;
  const databaseUrl = u.toString();
  const folders = [mkdtempSync(path.join(os.tmpdir(), 'hysope-cluster-inbox-'))];
  const inbox = folders[0]!;
  const lbPort = await freePort();
  const env = {
    HYSOPE_PUBLIC_URL: `http://127.0.0.1:${lbPort}`,
    HYSOPE_DATABASE_URL: databaseUrl,
    HYSOPE_SIGNING_KEY: 'replicas-share-this-signing-key-0123456789',
    HYSOPE_INBOXES: inbox,
    HYSOPE_RATE_LIMIT: '0',
    ...o.env
  };
  const cli = mkdtempSync(path.join(os.tmpdir(), 'hysope-cluster-cli-'));
  folders.push(cli);
  const out = execFileSync(process.execPath, [HYSOPE, 'user', 'add', 'ops', 'admin', '--data', cli], { encoding: 'utf8', env: { ...process.env, ...env } });
  const admin = { Authorization: `token ${/API key[^:]*: (\S+)/.exec(out)![1]}` };
  const gateways: Served[] = [];
  for (let i = 0; i < o.replicas; i++) {
    const dir = mkdtempSync(path.join(os.tmpdir(), `hysope-replica-${i}-`));
    folders.push(dir);
    gateways.push(await serveProcess(dir, env));
  }
  const bin = findHaproxy();
  if (!bin) throw new Error('haproxy is not installed (scripts/install.sh installs it)');
  const lb = await startHaproxy(
    bin,
    gateways.map((g) => g.url),
    lbPort
  );
  return {
    url: lb.url,
    gateways,
    databaseUrl,
    inbox,
    admin,
    stop: async () => {
      await lb.stop();
      for (const g of gateways) await g.stop().catch(() => undefined);
      for (const d of folders) rmSync(d, { recursive: true, force: true });
    }
  };
}

/**
 * Granules for ingests under load, copied into `inbox`: the river and lake samples but the first pass of reaches (the
 * ones loaded first), then the same as a newer processing (the CRID `crid`): twice as many ingests, none the same
 * (but a granule whose name has no CRID to change, sent twice as the same granule).
 */
export function loadGranules(inbox: string, crid: string): string[] {
  const granules = [
    ...readdirSync(sample('swot/riversp'))
      .filter((f) => f.endsWith('.zip') && !REACHES_PASS_51.includes(sample('swot/riversp', f)))
      .map((f) => sample('swot/riversp', f)),
    ...readdirSync(sample('swot/lakesp')).map((f) => sample('swot/lakesp', f))
  ];
  const copy = (file: string, name: string) => {
    const to = path.join(inbox, name);
    copyFileSync(file, to);
    return to;
  };
  return [
    ...granules.map((f) => copy(f, path.basename(f))),
    ...granules.map((f) => copy(f, path.basename(f).replace(/_(P[A-Z0-9]{3})_(\d\d)/, `_${crid}_$2`)))
  ];
}
