import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HysopeApiError, HysopeClient, HysopeNetworkError } from '@hysope/api';
import { NODE_WITHOUT_DBF, REACHES_PASS_51, REACH_548, startGateway, type TestGateway } from '../helpers.js';

const run = promisify(execFile);
const HYSOPE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/.bin/hysope');

describe('@hysope/api client against the real gateway', () => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startGateway();
    for (const f of [REACH_548, ...REACHES_PASS_51]) expect((await g.ingest(f)).ok).toBe(true);
  });
  afterAll(async () => g?.stop());

  it('searchAll follows next links and yields typed items', async () => {
    const client = new HysopeClient({ baseUrl: g.url });
    const ids: string[] = [];
    for await (const item of client.searchAll({ collections: ['swot-riversp-reach'], limit: 1 })) ids.push(item.id);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
  });

  it('collection, item and queryables parse with the contract schemas', async () => {
    const client = new HysopeClient({ baseUrl: g.url });
    expect((await client.collection('swot-riversp-reach')).extent.temporal.interval[0]![0]).toMatch(/^2010/);
    const q = await client.queryables('swot-riversp-reach');
    expect(q.properties['swot:cycle']).toMatchObject({ type: 'integer' });
    expect(q.properties['swot:tile']).toBeUndefined();
    expect((await client.queryables()).properties['swot:tile']).toMatchObject({ type: 'string' });
  });

  it('a non-OK answer becomes a HysopeApiError carrying the OGC exception', async () => {
    const client = new HysopeClient({ baseUrl: g.url });
    const error = await client.search({ bbox: [1, 2, 3] }).catch((e) => e);
    expect(error).toBeInstanceOf(HysopeApiError);
    expect(error.status).toBe(400);
    expect(error.exception.detail).toMatch(/bbox needs 4 or 6 numbers/);
  });

  it('an unreachable gateway is a HysopeNetworkError', async () => {
    const client = new HysopeClient({ baseUrl: 'http://127.0.0.1:1' });
    await expect(client.landing()).rejects.toBeInstanceOf(HysopeNetworkError);
  });
});

describe('hysope CLI', () => {
  it('hysope --help lists the commands', async () => {
    const { stdout } = await run(HYSOPE, ['--help']);
    expect(stdout).toMatch(/hysope serve/);
    expect(stdout).toMatch(/hysope ingest/);
  });

  it('hysope ingest prints one line per granule and exits non-zero with the reason of each failure', async () => {
    const data = await mkdtemp(path.join(os.tmpdir(), 'hysope-cli-'));
    try {
      const result = await run(HYSOPE, ['ingest', '--data', data, REACH_548, NODE_WITHOUT_DBF], { env: { ...process.env, HYSOPE_LOG_LEVEL: 'silent' } }).then(
        (r) => ({ code: 0, ...r }),
        (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string })
      );
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/\[1\/2\] ok swot-riversp-reach\/SWOT_L2_HR_RiverSP_Reach_548_011_NA_.*: 687 rows/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/\[2\/2\] FAILED .*SWOT_L2_HR_RiverSP_Node_540_010_AS_.*\.dbf \(attributes\) is missing/);
      const again = await run(HYSOPE, ['ingest', '--data', data, path.join(path.dirname(REACH_548), 'SWOT_L2_HR_RiverSP_Reach_*_51_*.zip')]);
      expect(again.stdout).toMatch(/3 ingested, 0 failed/);
      // Ingested without a gateway running: `hysope compact` compacts the time-series store's buckets now (the 548
      // granule's and the pass's), and then has nothing left to do.
      const compact = await run(HYSOPE, ['compact', '--data', data], { env: { ...process.env, HYSOPE_LOG_LEVEL: 'silent' } });
      expect(compact.stdout).toMatch(/^Reach 7426: 3 granule part\(s\) and 0 compacted part\(s\) merged, 30 rows in /m); // 10 reaches of the basin, 3 passes
      const buckets = Number(/(\d+) bucket\(s\) compacted, 0 failed/.exec(compact.stdout)?.[1]);
      expect(buckets).toBeGreaterThan(1);
      expect((await run(HYSOPE, ['compact', '--data', data])).stdout).toMatch(/^0 bucket\(s\) compacted, 0 failed/m);
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });

  it('hysope serve answers /health/live once ready and stops on SIGTERM', async () => {
    const data = await mkdtemp(path.join(os.tmpdir(), 'hysope-cli-'));
    const { spawn } = await import('node:child_process');
    const child = spawn(HYSOPE, ['serve', '--data', data, '--port', '0'], { env: { ...process.env, HYSOPE_LOG_LEVEL: 'silent' } });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /ready: (http:\/\/[^/]+)\/stac/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const res = await fetch(`${url}/health/live`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${url}/health/ready`);
      expect((await ready.json()).checks.store.status).toBe('ok');
      const exited = new Promise<number | null>((r) => child.once('exit', r));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await rm(data, { recursive: true, force: true });
    }
  });
});
