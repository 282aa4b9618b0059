import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PIXC_NORMANDY } from '../helpers.js';
import { procMb, report } from './stats.js';
import { findBin, startPostgres } from '../pg-server.js';

const HYSOPE = fileURLToPath(new URL('../../server/gateway/bin/hysope.js', import.meta.url));
const SYNTHESIZE = fileURLToPath(new URL('../python/synthesize_pixc.py', import.meta.url));

/** Seconds for Debian's h5py (the HDF5 C library) to read every variable of every group of a file. */
function h5pyReadAll(file: string): number {
  const code = `
import sys, time, h5py
t = time.perf_counter()
n = 0
def read(name, o):
    global n
    if isinstance(o, h5py.Dataset):
        n += o[()].nbytes
with h5py.File(sys.argv[1], 'r') as f:
    f.visititems(read)
print(time.perf_counter() - t, n)`;
  const r = spawnSync('/usr/bin/python3', ['-c', code, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`h5py: ${r.stderr}`);
  const [seconds, bytes] = r.stdout.trim().split(' ').map(Number);
  if (!(bytes! > 0)) throw new Error('h5py read nothing');
  return seconds!;
}

/**
 * `hysope ingest FILE` in its own process: wall seconds (process start and catalog connection included), the
 * ingest's own seconds as it reports them (what each granule costs a running ingest), and peak RSS (MB, polled).
 */
async function ingestOnce(file: string, databaseUrl: string | undefined, keep?: string): Promise<{ seconds: number; own: number; peakMb: number }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hysope-bench-pixc-'));
  try {
    const t = performance.now();
    const child = spawn(process.execPath, [HYSOPE, 'ingest', '--data', dataDir, file], {
      env: { ...process.env, HYSOPE_LOG_LEVEL: 'warn', ...(databaseUrl ? { HYSOPE_DATABASE_URL: databaseUrl } : {}) },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let peakMb = 0;
    const poll = setInterval(() => {
      try {
        peakMb = Math.max(peakMb, procMb('VmRSS', child.pid!));
      } catch {
        // exited between polls
      }
    }, 20);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearInterval(poll);
    if (code !== 0) throw new Error(`hysope ingest failed (${code}): ${out}`);
    const own = Number(/ ok .* ([\d.]+) s$/m.exec(out)?.[1]);
    if (!(own > 0)) throw new Error(`hysope ingest did not report its time: ${out}`);
    if (keep) await rename(path.join(dataDir, 'products', 'swot-pixc', `${path.basename(file, '.nc')}.parquet`), keep);
    return { seconds: (performance.now() - t) / 1000, own, peakMb };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * PIXC ingest at full size: a granule of `pixels` pixels synthesized from the real sample (its groups,
 * attributes, shuffle + deflate, netCDF-C's 4 MB chunks), ingested by `hysope ingest` (process start,
 * embedded database, HDF5 read, GeoParquet written, source copied, item committed), against h5py reading
 * every variable of the same file in the same run.
 */
export async function benchPixc(sizes: number[]): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-bench-pixc-'));
  // The catalog on PostgreSQL, as deployed (the embedded PGlite alone holds ~700 MB of the process).
  const bin = findBin();
  const pg = bin ? await startPostgres(bin) : null;
  const db = pg ? 'PostgreSQL' : 'PGlite';
  try {
    const small = await ingestOnce(PIXC_NORMANDY, pg?.url);
    report(`PIXC ingest of the 92,247-pixel sample (${db} catalog): process peak RSS, the fixed part`, small.peakMb, 'MB');
    for (const pixels of sizes) {
      const file = path.join(dir, String(pixels), path.basename(PIXC_NORMANDY));
      spawnSync('mkdir', ['-p', path.dirname(file)]);
      const synth = spawnSync('/usr/bin/python3', [SYNTHESIZE, PIXC_NORMANDY, file, String(pixels)], { encoding: 'utf8' });
      if (synth.status !== 0) throw new Error(`synthesize_pixc.py: ${synth.stderr}`);
      const mb = (await stat(file)).size / 1e6;
      process.stderr.write(`  PIXC ${pixels.toLocaleString('en')} pixels: ${mb.toFixed(0)} MB granule\n`);
      // Warm the page cache for both readers alike, then alternate the two.
      h5pyReadAll(file);
      const h5py: number[] = [];
      const ours: { seconds: number; own: number; peakMb: number }[] = [];
      for (let round = 0; round < 2; round++) {
        h5py.push(h5pyReadAll(file));
        ours.push(await ingestOnce(file, pg?.url, round === 0 ? `${file}.parquet` : undefined));
      }
      const best = Math.min(...ours.map((o) => o.seconds));
      const label = `PIXC ingest ${pixels.toLocaleString('en')} pixels (${mb.toFixed(0)} MB, hysope ingest, ${db} catalog)`;
      const anchor = { name: 'h5py reading every variable', value: mb / Math.min(...h5py), higherIsBetter: true };
      report(`${label} throughput, process wall time`, mb / best, 'MB/s', anchor);
      report(`${label} throughput, the ingest's own time`, mb / Math.min(...ours.map((o) => o.own)), 'MB/s', anchor);
      report(`${label} peak RSS`, Math.max(...ours.map((o) => o.peakMb)), 'MB');
      report(`  its GeoParquet product`, (await stat(`${file}.parquet`)).size / 1e6, 'MB', { name: 'the granule', value: mb, higherIsBetter: false });
    }
  } finally {
    pg?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
