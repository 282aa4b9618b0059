import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { readProduct, writeGeoParquet } from '@hysope/gateway';
import { PIXC_NORMANDY } from '../helpers.js';
import { report } from './stats.js';

/**
 * Bytes a range reader fetches for a bbox query covering 1% of a PIXC product: the footer plus the
 * column chunks of the row groups whose bbox statistics intersect the query (what DuckDB's pushdown
 * skips), computed from the file's own metadata; against reading the whole file.
 */
export async function benchGeoParquet(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-bench-'));
  try {
    const product = await readProduct(PIXC_NORMANDY);
    const file = path.join(dir, 'pixc.parquet');
    await writeGeoParquet(product, file);
    const size = (await stat(file)).size;
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const meta = (
      await db.runAndReadAll(`select row_group_id, path_in_schema, total_compressed_size, stats_min, stats_max from parquet_metadata('${file}')`)
    ).getRowObjectsJson() as Record<string, string | number>[];
    // Footer: its length is stored in the 4 bytes before the trailing "PAR1".
    const handle = await open(file);
    const tail = Buffer.alloc(8);
    await handle.read(tail, 0, 8, size - 8);
    await handle.close();
    const footer = tail.readUInt32LE(0) + 8;
    const [w, s, e, n] = product.bbox;
    const fractions: number[] = [];
    // Ten 1%-area windows (10% x 10% of the extent) across the product.
    for (let k = 0; k < 10; k++) {
      const x0 = w + (e - w) * (0.05 + 0.085 * k),
        y0 = s + (n - s) * (0.05 + 0.085 * k);
      const q = [x0, y0, x0 + (e - w) * 0.1, y0 + (n - s) * 0.1];
      const groups = new Map<number, Record<string, number>>();
      for (const m of meta) {
        const g = groups.get(Number(m['row_group_id'])) ?? { bytes: 0 };
        g['bytes']! += Number(m['total_compressed_size']);
        const p = String(m['path_in_schema']);
        if (p === 'bbox, xmin') g['xmin'] = Number(m['stats_min']);
        if (p === 'bbox, ymin') g['ymin'] = Number(m['stats_min']);
        if (p === 'bbox, xmax') g['xmax'] = Number(m['stats_max']);
        if (p === 'bbox, ymax') g['ymax'] = Number(m['stats_max']);
        groups.set(Number(m['row_group_id']), g);
      }
      let bytes = footer;
      for (const g of groups.values()) if (g['xmin']! <= q[2]! && g['xmax']! >= q[0]! && g['ymin']! <= q[3]! && g['ymax']! >= q[1]!) bytes += g['bytes']!;
      fractions.push(bytes / size);
    }
    fractions.sort((a, b) => a - b);
    const median = fractions[Math.floor(fractions.length / 2)]!;
    report('GeoParquet 1% bbox query over PIXC: bytes read / file size (median of 10 windows)', median * 100, '%', {
      name: 'whole file',
      value: 100,
      higherIsBetter: false
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
