import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readProduct, writeGeoParquet } from '@hysope/gateway';
import { PIXC_NORMANDY, REACH_548, REACHES_PASS_51 } from '../helpers.js';
import { report } from './stats.js';

const REACHES = [REACH_548, ...REACHES_PASS_51];

/** Ingest throughput: RiverSP reach granules/s and PIXC MB/s, against GDAL's ogr2ogr (shapefile → GeoPackage) in the same run. */
export async function benchIngest(rounds: number): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-bench-'));
  try {
    // Warm-up (WASM compilation of parquet-wasm and h5wasm).
    await writeGeoParquet(await readProduct(REACH_548), path.join(dir, 'warm.parquet'));
    let t = performance.now();
    for (let r = 0; r < rounds; r++) for (const [i, f] of REACHES.entries()) await writeGeoParquet(await readProduct(f), path.join(dir, `r${r}-${i}.parquet`));
    const ours = (rounds * REACHES.length) / ((performance.now() - t) / 1000);

    t = performance.now();
    for (let r = 0; r < rounds; r++) {
      for (const [i, f] of REACHES.entries()) {
        execFileSync('ogr2ogr', ['-f', 'GPKG', path.join(dir, `o${r}-${i}.gpkg`), `/vsizip/${f}`], { stdio: 'ignore' });
      }
    }
    const gdal = (rounds * REACHES.length) / ((performance.now() - t) / 1000);
    report('ingest RiverSP reach (read zip + write GeoParquet)', ours, 'granules/s', { name: 'ogr2ogr zip→GPKG', value: gdal, higherIsBetter: true });

    const mb = (await stat(PIXC_NORMANDY)).size / 1e6;
    t = performance.now();
    for (let r = 0; r < rounds; r++) await writeGeoParquet(await readProduct(PIXC_NORMANDY), path.join(dir, `p${r}.parquet`));
    report('ingest PIXC NetCDF (92,247 pixels) → GeoParquet', (rounds * mb) / ((performance.now() - t) / 1000), 'MB/s');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
