import { mkdirSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { moduleWorker } from './module-worker.js';
import type { Geometry } from '@hysope/api';
import { Hdf5Structure, UnsupportedLayout } from './hdf5-chunks.js';
import type { H5Dataset } from './hdf5-reader.js';
import { PageFileWriter, PhysicalType, type ChunkStats, type LeafColumn, type Page } from './parquet-pages.js';
import { PAGE_MEMORY_FROM, type ColumnPlan, type PositionPlan } from './pixel-pages.js';
import { GranuleError } from './product.js';

/**
 * Pixel clouds written as GeoParquet from the granule's HDF5 chunks (see pixel-pages.ts): two worker
 * threads build the pages of row group after row group, this thread writes them in order. A granule
 * whose storage is not understood (see hdf5-chunks.ts) has no plan: it is written by DuckDB instead.
 */

/** An output column as the pixel stream describes it. */
export interface PixelColumn {
  name: string;
  dataset: string;
  width: number;
  part: number;
  kind: 'number' | 'time' | 'string';
  /** DuckDB's name of the type written (FLOAT, DOUBLE, INTEGER, UTINYINT, ...). */
  typeName: string;
  fill?: number;
  scale?: number;
  offset?: number;
}

/** Everything the workers need: plain data. */
export interface PagePlan {
  file: string;
  length: number;
  rowGroupRows: number;
  columns: ColumnPlan[];
  leaves: LeafColumn[];
  positions: PositionPlan;
  /** The granule's footprint: positions it does not cover are sent back (see writePages). */
  footprint?: Geometry;
}

const INT_BITS: Record<string, { bits: 8 | 16 | 32; signed: boolean }> = {
  TINYINT: { bits: 8, signed: true },
  UTINYINT: { bits: 8, signed: false },
  SMALLINT: { bits: 16, signed: true },
  USMALLINT: { bits: 16, signed: false },
  INTEGER: { bits: 32, signed: true },
  UINTEGER: { bits: 32, signed: false }
};

/**
 * The plan of a pixel group's pages, or null when a dataset's storage or type is not one this writer
 * reads (strings, big-endian values, layouts hdf5-chunks.ts does not know): the caller writes it another way.
 */
export function planPages(
  file: string,
  length: number,
  columns: PixelColumn[],
  dataset: (name: string) => H5Dataset,
  coords: { lat: string; lon: string; latFill?: number }
): PagePlan | null {
  if (columns.some((c) => c.kind === 'string')) return null;
  let structure: Hdf5Structure;
  try {
    structure = new Hdf5Structure(file);
  } catch (error) {
    if (error instanceof UnsupportedLayout) return null;
    throw error;
  }
  try {
    const layouts = new Map<string, ColumnPlan['layout']>();
    const base = (name: string): Omit<ColumnPlan, 'name' | 'part' | 'target'> | null => {
      const ds = dataset(name);
      const meta = ds.metadata as { type: number; size: number; signed?: boolean; littleEndian?: boolean; shape?: number[] };
      if (meta.littleEndian === false || (meta.type !== 0 && meta.type !== 1) || ![1, 2, 4, 8].includes(meta.size)) return null;
      let layout = layouts.get(name);
      if (!layout) {
        const ref = Array.from((ds as unknown as { create_reference(): { ref_data: Uint8Array } }).create_reference().ref_data);
        let address = 0;
        for (let i = 7; i >= 0; i--) address = address * 256 + ref[i]!;
        layout = structure.layout(address);
        layouts.set(name, layout);
      }
      const shape = ds.shape ?? [];
      const width = shape.length === 2 ? shape[1]! : 1;
      if (layout.elementSize !== meta.size || (shape.length === 2 && layout.chunkShape[1] !== width)) return null;
      return { dataset: name, layout, length, width, source: { real: meta.type === 1, size: meta.size as 1 | 2 | 4 | 8, signed: meta.signed !== false } };
    };
    const plans: ColumnPlan[] = [];
    const leaves: LeafColumn[] = [];
    for (const c of columns) {
      const b = base(c.dataset);
      if (!b) return null;
      const target: ColumnPlan['target'] =
        c.kind === 'time' ? 'time' : c.typeName === 'FLOAT' ? 'float' : c.typeName === 'DOUBLE' ? 'double' : INT_BITS[c.typeName] ? 'int32' : (null as never);
      if (!target) return null;
      plans.push({ ...b, name: c.name, part: c.part, target, fill: c.fill, scale: c.scale, offset: c.offset });
      leaves.push({
        name: c.name,
        type: target === 'float' ? PhysicalType.FLOAT : target === 'double' ? PhysicalType.DOUBLE : target === 'time' ? PhysicalType.INT64 : PhysicalType.INT32,
        ...(target === 'time' ? { logical: { timestampMicros: true } as const } : target === 'int32' ? { logical: { int: INT_BITS[c.typeName]! } } : {})
      });
    }
    // GeoArrow points: their x and y statistics bound each row group (GeoParquet needs no bbox covering for them).
    leaves.push({ name: 'x', type: PhysicalType.DOUBLE, parent: 'geometry' }, { name: 'y', type: PhysicalType.DOUBLE, parent: 'geometry' });
    const lat = base(coords.lat);
    const lon = base(coords.lon);
    if (!lat || !lon || lat.source.size !== 8 || !lat.source.real || lon.source.size !== 8 || !lon.source.real) return null;
    if (lat.layout.chunkRows !== lon.layout.chunkRows) return null;
    const own = (name: string) => plans.find((c) => c.dataset === name && c.part === 0 && c.width === 1 && c.target === 'double');
    if (!own(coords.lat) || !own(coords.lon)) return null;
    const fillOf = (name: string) => columns.find((c) => c.dataset === name)?.fill;
    const positions: PositionPlan = {
      lat: { ...lat, name: coords.lat, part: 0, target: 'double', fill: fillOf(coords.lat) ?? coords.latFill },
      lon: { ...lon, name: coords.lon, part: 0, target: 'double', fill: fillOf(coords.lon) },
      latFill: coords.latFill
    };
    // Row groups as long as the floats' chunks (whole chunks become pages) in granules of more than one chunk of
    // at most 2^20 rows (two included: cut in ~64 groups, a 2 M-pixel tile's every chunk would be decoded and
    // compressed again, 0.7 s more); otherwise (one chunk, or huge ones) about 64 groups, at most 122,880 rows, made
    // by slicing the chunks (compressed again): each row group then covers a strip of the swath.
    const floatChunks = plans.filter((p) => p.source.real && p.width === 1).map((p) => p.layout.chunkRows);
    const chunk = Math.max(positions.lat.layout.chunkRows, ...floatChunks);
    const rowGroupRows = chunk <= 1 << 20 && length > chunk ? chunk : Math.min(122_880, Math.max(2048, Math.ceil(length / 64 / 2048) * 2048));
    return { file, length, rowGroupRows, columns: plans, leaves, positions };
  } catch (error) {
    if (error instanceof UnsupportedLayout) return null;
    throw error;
  } finally {
    structure.close();
  }
}

/** A task for a page worker: the pages of some columns of a row group (`positions`: latitude, longitude, geometry). */
export interface PageTask {
  group: number;
  from: number;
  to: number;
  columns: number[];
}

export interface PageResult {
  group: number;
  columns: number[];
  chunks: { pages: Page[]; stats: ChunkStats }[];
  geometry?: { x: { pages: Page[]; stats: ChunkStats }; y: { pages: Page[]; stats: ChunkStats } };
  /** Valid positions outside the footprint, and the extent of all valid positions. */
  xs?: Float64Array;
  ys?: Float64Array;
  bbox?: [number, number, number, number] | null;
  error?: string;
  /** The error lies in the granule (a damaged chunk): `error` is its reason. */
  granule?: boolean;
}

/** The distinct page memory of a result's page values (a geometry page may be a latitude or longitude page). */
function pageBuffers(r: PageResult): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const chunks = [...r.chunks, ...(r.geometry ? [r.geometry.x, r.geometry.y] : [])];
  for (const c of chunks)
    for (const p of c.pages)
      for (const v of Array.isArray(p.values) ? p.values : [p.values]) if (v.buffer instanceof ArrayBuffer && v.length >= PAGE_MEMORY_FROM) out.add(v.buffer);
  return [...out];
}

/**
 * Writes the planned pixel cloud: tasks (each column of each row group; positions with the latitude and
 * longitude columns) spread over two workers, at most three row groups in flight; the file under a temporary
 * name, renamed once complete. `onPositions` receives, row group after row group, the extent of the valid
 * positions and those outside the plan's footprint.
 */
export async function writePages(
  plan: PagePlan,
  out: string,
  metadata: () => Record<string, string>,
  onPositions: (bbox: [number, number, number, number] | null, xs: Float64Array, ys: Float64Array) => void,
  threads = 2
): Promise<{ bytes: number; rowGroups: number }> {
  const groups = Math.ceil(plan.length / plan.rowGroupRows);
  const latIndex = plan.columns.findIndex((c) => c.dataset === plan.positions.lat.dataset && c.part === 0);
  const lonIndex = plan.columns.findIndex((c) => c.dataset === plan.positions.lon.dataset && c.part === 0);
  const tmp = `${out}.tmp-${process.pid}-${Date.now()}`;
  // Up to the workers' first tasks without giving the event loop a turn: this thread's other work (the ingest's
  // auxiliary tables) then runs while they start.
  mkdirSync(path.dirname(out), { recursive: true });
  const writer = new PageFileWriter(tmp, plan.leaves);
  const workers = Array.from({ length: threads }, () => moduleWorker('pixel-page-worker', import.meta.url, plan));
  // One job per dataset (a 2D dataset's components together: its chunks are inflated once) and one for the
  // positions, each given to the same worker in every row group (a chunk longer than a row group is then
  // inflated once), the workers balanced by the bytes they inflate.
  const jobs: { columns: number[]; bytes: number }[] = [{ columns: [-1], bytes: 4 * plan.length * 8 }];
  plan.columns.forEach((c, k) => {
    if (k === latIndex || k === lonIndex) return;
    const job = jobs.find((j) => j.columns[0] !== -1 && plan.columns[j.columns[0]!]!.dataset === c.dataset);
    if (job) job.columns.push(k);
    else jobs.push({ columns: [k], bytes: plan.length * c.width * c.source.size });
  });
  const load = new Array<number>(threads).fill(0);
  const queues: PageTask[][] = workers.map(() => []);
  const owner = jobs
    .map((job, i) => ({ job, i }))
    .sort((a, b) => b.job.bytes - a.job.bytes)
    .map(({ job, i }) => {
      const w = load.indexOf(Math.min(...load));
      load[w] += job.bytes;
      return { i, w };
    })
    .sort((a, b) => a.i - b.i)
    .map((o) => o.w);
  for (let g = 0; g < groups; g++) {
    const from = g * plan.rowGroupRows;
    const to = Math.min(plan.length, from + plan.rowGroupRows);
    jobs.forEach((job, i) => queues[owner[i]!]!.push({ group: g, from, to, columns: job.columns }));
  }
  // Results of row groups after the one being written, kept until it is.
  const later = new Map<number, { result: PageResult; worker: number }[]>();
  try {
    await new Promise<void>((resolve, reject) => {
      // The row group being written, and how many of its tasks' results are in the file.
      let current = 0;
      let arrived = 0;
      // Tasks sent to each worker and not answered yet: two, so that a worker has its next task at hand while this
      // thread is busy (writing pages, or another ingest's work).
      const sent = workers.map(() => 0);
      // A worker takes its own next task, or else, when it has nothing to do, the next one of another worker (its
      // chunks are then inflated once more, but no core waits).
      const dispatch = () => {
        workers.forEach((worker, w) => {
          const ready = (q: PageTask[]) => q.length > 0 && q[0]!.group < current + 3;
          while (sent[w]! < 2) {
            const queue = ready(queues[w]!) ? queues[w]! : sent[w] === 0 ? queues.find(ready) : undefined;
            if (!queue) return;
            sent[w]!++;
            worker.postMessage(queue.shift());
          }
        });
      };
      // A result's column chunks go to the file as they come (in the row group being written), their memory back to
      // the worker that built them: a row group's pages are never all held at once.
      const write = ({ result: r, worker }: { result: PageResult; worker: number }) => {
        if (r.geometry) {
          writer.chunk(latIndex, r.chunks[0]!.pages, r.chunks[0]!.stats);
          writer.chunk(lonIndex, r.chunks[1]!.pages, r.chunks[1]!.stats);
          writer.chunk(plan.columns.length, r.geometry.x.pages, r.geometry.x.stats);
          writer.chunk(plan.columns.length + 1, r.geometry.y.pages, r.geometry.y.stats);
          onPositions(r.bbox ?? null, r.xs!, r.ys!);
        } else r.columns.forEach((k, i) => writer.chunk(k, r.chunks[i]!.pages, r.chunks[i]!.stats));
        const memory = pageBuffers(r);
        workers[worker]!.postMessage({ give: memory }, memory);
        arrived++;
      };
      const advance = () => {
        while (current < groups && arrived === jobs.length) {
          writer.endRowGroup(Math.min(plan.length, (current + 1) * plan.rowGroupRows) - current * plan.rowGroupRows);
          current++;
          arrived = 0;
          for (const r of later.get(current) ?? []) write(r);
          later.delete(current);
        }
        if (current === groups) resolve();
      };
      workers.forEach((worker, w) => {
        worker.on('message', (r: PageResult) => {
          if (r.error) return reject(r.granule ? new GranuleError(plan.file, r.error) : new Error(r.error));
          sent[w]!--;
          // The worker's next task first: writing pages holds this thread a while.
          dispatch();
          try {
            if (r.group === current) write({ result: r, worker: w });
            else later.set(r.group, [...(later.get(r.group) ?? []), { result: r, worker: w }]);
            advance();
          } catch (error) {
            return reject(error as Error);
          }
          dispatch();
        });
        worker.on('error', reject);
      });
      dispatch();
    });
    await writer.close(metadata());
    await rename(tmp, out);
  } catch (error) {
    await writer.abort();
    await rm(tmp, { force: true });
    throw error;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { bytes: (await stat(out)).size, rowGroups: groups };
}
