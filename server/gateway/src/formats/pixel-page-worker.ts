import { parentPort, workerData } from 'node:worker_threads';
import type { Page } from './parquet-pages.js';
import type { PagePlan, PageResult, PageTask } from './pixel-parquet.js';
import { ChunkSource, PAGE_MEMORY_FROM, columnPages, pageMemory, positionPages } from './pixel-pages.js';
import { convexEdges, pointCover } from '../catalog/spatial.js';
import { GranuleError } from './product.js';

/** A page worker of a pixel-cloud write (see pixel-parquet.ts): builds the pages of the tasks it is sent. */
const plan = workerData as PagePlan;
const source = new ChunkSource(plan.file);
const covers = plan.footprint ? pointCover(plan.footprint) : () => false;
const edges = plan.footprint ? convexEdges(plan.footprint) : null;

/**
 * The positions the footprint does not cover. A convex footprint is tested edge by edge in a tight loop; a
 * position within a hair of its boundary counts as outside here, so the writing thread decides it with the
 * exact test (a position sent that the footprint covers changes nothing). Other footprints: the exact test.
 */
function outsideFootprint(xs: Float64Array, ys: Float64Array): number[][] {
  const out: number[][] = [];
  if (edges) {
    const { ax, ay, dx, dy, margin } = edges;
    const k = ax.length;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      const y = ys[i]!;
      for (let e = 0; e < k; e++) {
        if (dx[e]! * (y - ay[e]!) - dy[e]! * (x - ax[e]!) <= margin[e]!) {
          out.push([x, y]);
          break;
        }
      }
    }
    return out;
  }
  for (let i = 0; i < xs.length; i++) if (!covers(xs[i]!, ys[i]!)) out.push([xs[i]!, ys[i]!]);
  return out;
}

/**
 * A page as it can be moved to the writing thread: its large parts (a stored chunk copied as a page, a compressed
 * page) keep their memory, which is moved, not copied — each part's memory is its page's alone (page memory is
 * taken for one page; see pixel-pages.ts) — and comes back once written; small ones are copied together.
 */
function owned(page: Page, transfer: Set<ArrayBuffer>): Page {
  const parts = Array.isArray(page.values) ? page.values : [page.values];
  const out: Uint8Array[] = [];
  let small: Uint8Array[] = [];
  const joinSmall = () => {
    if (!small.length) return;
    const joined = new Uint8Array(small.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of small) {
      joined.set(b, at);
      at += b.length;
    }
    transfer.add(joined.buffer);
    out.push(joined);
    small = [];
  };
  for (const b of parts) {
    if (b.length < PAGE_MEMORY_FROM || !(b.buffer instanceof ArrayBuffer)) small.push(b);
    else {
      joinSmall();
      transfer.add(b.buffer);
      out.push(b);
    }
  }
  joinSmall();
  const levels = page.levels.slice();
  transfer.add(levels.buffer);
  return { ...page, values: out.length === 1 ? out[0]! : out, levels };
}

parentPort!.on('message', (message: PageTask | { give: ArrayBuffer[] }) => {
  // Memory of pages the writing thread has written, back for the next ones.
  if ('give' in message) return pageMemory.give(message.give);
  const task = message;
  const transfer = new Set<ArrayBuffer>();
  const own = (c: { pages: Page[]; stats: PageResult['chunks'][number]['stats'] }) => ({ pages: c.pages.map((p) => owned(p, transfer)), stats: c.stats });
  try {
    if (task.columns[0] === -1) {
      const p = positionPages(plan.positions, source, task.from, task.to);
      // The valid positions the footprint does not cover (the only ones that can change it).
      const outside = outsideFootprint(p.xs, p.ys);
      const xs = Float64Array.from(outside, (i) => i[0]!);
      const ys = Float64Array.from(outside, (i) => i[1]!);
      transfer.add(xs.buffer).add(ys.buffer);
      // A geometry page copied from a latitude/longitude page is the same page: each is sent once per column.
      const result: PageResult = {
        group: task.group,
        columns: task.columns,
        chunks: [own(p.lat), own(p.lon)],
        geometry: { x: own(p.x), y: own(p.y) },
        xs,
        ys,
        bbox: p.bbox
      };
      parentPort!.postMessage(result, [...transfer]);
      return;
    }
    const chunks = task.columns.map((k) => own(columnPages(plan.columns[k]!, source, task.from, task.to)));
    parentPort!.postMessage({ group: task.group, columns: task.columns, chunks } satisfies PageResult, [...transfer]);
  } catch (error) {
    const granule = error instanceof GranuleError;
    parentPort!.postMessage({
      group: task.group,
      columns: task.columns,
      chunks: [],
      error: granule ? error.reason : (error as Error).message,
      granule
    } satisfies PageResult);
  } finally {
    // The task's pages are copied out: the chunk buffers it gave up serve the next one.
    source.settle();
  }
});
