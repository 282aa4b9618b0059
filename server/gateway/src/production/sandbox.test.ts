import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UidLedger } from './sandbox.js';

/** Uids far from any account or job of the host. */
const BASE = 3_900_000;

/** A catalog's sequence as the gateway offers it: every new catalog from the same first uid. */
const sequence = (start = BASE) => {
  let n = start;
  return async () => {
    // Another gateway's choice may run between two offers.
    await new Promise((r) => setImmediate(r));
    return n++;
  };
};

describe('job uids reserved host-wide (UidLedger)', () => {
  let root: string;
  let ledgerDir: string;
  const job = async (name: string) => {
    const dir = path.join(root, 'jobs', name);
    await mkdir(dir, { recursive: true });
    return dir;
  };
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'hysope-uids-'));
    ledgerDir = path.join(root, 'ledger');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('two gateways offered the same uids at the same time give each uid to one job only', async () => {
    const a = new UidLedger(ledgerDir);
    const b = new UidLedger(ledgerDir);
    const nextA = sequence();
    const nextB = sequence();
    const dirs = await Promise.all(Array.from({ length: 20 }, (_, i) => job(`j${i}`)));
    const uids = await Promise.all(dirs.map((d, i) => (i % 2 ? b : a).reserve(d, i % 2 ? nextB : nextA)));
    expect(new Set(uids).size).toBe(20);
    // Each gateway took the first free one at each choice: together, the first 20 uids.
    expect([...uids].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => BASE + i));
  });

  it('a uid is held until its job is over (result, error, or folder gone) or given back; another job cannot give it back', async () => {
    const ledger = new UidLedger(ledgerDir);
    const [d1, d2, d3] = [await job('one'), await job('two'), await job('three')];
    expect(await ledger.reserve(d1, sequence())).toBe(BASE);
    expect(await ledger.reserve(d2, sequence())).toBe(BASE + 1);
    // Not this job's reservation: left as it is.
    await ledger.release(BASE, d2);
    expect(await ledger.reserve(d3, sequence())).toBe(BASE + 2);
    await writeFile(path.join(d1, 'result.json'), '{}');
    await writeFile(path.join(d2, 'error.json'), '{}');
    const d4 = await job('four');
    expect(await ledger.reserve(d4, sequence())).toBe(BASE);
    expect(await ledger.reserve(await job('five'), sequence())).toBe(BASE + 1);
    await rm(d3, { recursive: true });
    expect(await ledger.reserve(await job('six'), sequence())).toBe(BASE + 2);
    // Given back by its job: free at once.
    await ledger.release(BASE, d4);
    expect(await ledger.reserve(await job('seven'), sequence())).toBe(BASE);
    // Every offer held: an error that says so.
    await expect(ledger.reserve(await job('eight'), sequence(), 3)).rejects.toThrow(/no free job uid among 3/);
    // No lock is left behind.
    expect((await readdir(ledgerDir)).sort()).toEqual([BASE, BASE + 1, BASE + 2].map(String));
  });

  it.runIf(process.getuid?.() === 0)('a uid a process runs as is skipped, even when its job is over', async () => {
    const ledger = new UidLedger(ledgerDir);
    const d1 = await job('one');
    expect(await ledger.reserve(d1, sequence())).toBe(BASE);
    await writeFile(path.join(d1, 'result.json'), '{}');
    const left = spawn('setpriv', [`--reuid=${BASE}`, `--regid=${BASE}`, '--clear-groups', 'sleep', '60'], { stdio: 'ignore' });
    const stranger = spawn('setpriv', [`--reuid=${BASE + 1}`, `--regid=${BASE + 1}`, '--clear-groups', 'sleep', '60'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(await ledger.reserve(await job('two'), sequence())).toBe(BASE + 2);
    } finally {
      left.kill('SIGKILL');
      stranger.kill('SIGKILL');
    }
  });

  it('a lock left by a gateway that died is taken over', async () => {
    await mkdir(ledgerDir, { recursive: true });
    const dead = spawnSync('true').pid!;
    await writeFile(path.join(ledgerDir, 'lock'), String(dead));
    const ledger = new UidLedger(ledgerDir);
    expect(await ledger.reserve(await job('one'), sequence())).toBe(BASE);
  });
});
