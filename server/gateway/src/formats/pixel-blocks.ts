import type { Worker } from 'node:worker_threads';
import { moduleWorker } from './module-worker.js';
import type { Typed } from './hdf5-reader.js';

/** Typed arrays by name (what crosses to the worker: a constructor cannot). */
export const ARRAYS = {
  Float64Array,
  Float32Array,
  Int32Array,
  Int16Array,
  Int8Array,
  Uint8Array,
  Uint16Array,
  Uint32Array
} as const;
export type ArrayName = keyof typeof ARRAYS;

/** One numeric dataset the worker reads: its place in a slot of the shared buffer. */
export interface BlockDataset {
  name: string;
  width: number;
  array: ArrayName;
  /** Byte offset of its values in a slot. */
  offset: number;
}

/** What the reading worker is given. */
export interface BlockJob {
  file: string;
  group: string;
  length: number;
  blockRows: number;
  slots: number;
  slotBytes: number;
  datasets: BlockDataset[];
  /** `slots` blocks of every dataset's values. */
  data: SharedArrayBuffer;
  /** One state per slot (EMPTY/FULL), then a stop flag (set by the reader), a failure flag and a started flag (set by the worker). */
  control: SharedArrayBuffer;
  /** The worker's error message (UTF-8, zero-padded): messages cannot reach a thread blocked waiting. */
  error: SharedArrayBuffer;
}

/** Writes a failure where the waiting thread reads it, then raises the failure flag. */
export function reportFailure(job: BlockJob, message: string): void {
  const bytes = new TextEncoder().encode(message).subarray(0, job.error.byteLength);
  new Uint8Array(job.error as unknown as ArrayBuffer).set(bytes);
  const control = new Int32Array(job.control as unknown as ArrayBuffer);
  Atomics.store(control, flag(job.slots, 'failed'), 1);
  for (let s = 0; s < job.slots; s++) Atomics.notify(control, s);
}

export const EMPTY = 0;
export const FULL = 1;

/** Flags after the slots' states in the control array: a stop asked by the reader, the worker's failure, its start. */
export const flag = (slots: number, which: 'stop' | 'failed' | 'started') => slots + { stop: 0, failed: 1, started: 2 }[which];

/** Rows per block: a multiple of DuckDB's 2048-row vectors, so a vector never spans two blocks. */
const BLOCK_ROWS = 1 << 16;
/** Blocks in flight: one being encoded, the next ones being inflated. */
const SLOTS = 3;
/** Longest wait for the worker before the ingest fails (a stuck read must not hang the gateway). */
const WAIT_MS = 120_000;
/** Longest wait for the worker to start (a worker that cannot load reports nothing to a blocked thread). */
const START_MS = 30_000;

/**
 * Numeric datasets of a pixel group, inflated by a worker thread (HDF5 decompression is the reader's
 * heaviest part) into blocks of a shared buffer that the encoding thread consumes in order: two cores
 * for one granule, with memory bounded by the slots (a few blocks of every column).
 */
export class PixelBlocks {
  private readonly worker: Worker;
  private readonly control: Int32Array;
  private readonly views: Map<string, Typed>[];
  private readonly widths: Map<string, number>;
  private readonly error: SharedArrayBuffer;
  private current = -1;

  constructor(file: string, group: string, length: number, datasets: { name: string; width: number; array: ArrayName }[]) {
    let slotBytes = 0;
    const placed: BlockDataset[] = datasets.map((d) => {
      const offset = slotBytes;
      slotBytes += Math.ceil((BLOCK_ROWS * d.width * ARRAYS[d.array].BYTES_PER_ELEMENT) / 8) * 8;
      return { ...d, offset };
    });
    const data = new SharedArrayBuffer(Math.max(8, slotBytes * SLOTS));
    const control = new SharedArrayBuffer(4 * (SLOTS + 3));
    this.error = new SharedArrayBuffer(1024);
    this.control = new Int32Array(control as unknown as ArrayBuffer);
    this.widths = new Map(datasets.map((d) => [d.name, d.width]));
    this.views = Array.from(
      { length: SLOTS },
      (_, slot) =>
        new Map(placed.map((d) => [d.name, new ARRAYS[d.array](data as unknown as ArrayBuffer, slot * slotBytes + d.offset, BLOCK_ROWS * d.width) as Typed]))
    );
    const job: BlockJob = { file, group, length, blockRows: BLOCK_ROWS, slots: SLOTS, slotBytes, datasets: placed, data, control, error: this.error };
    this.worker = moduleWorker('pixel-worker', import.meta.url, job);
    // A worker that dies before reporting (it could not start) is a failure too.
    this.worker.on('error', (e) => reportFailure(job, e.message));
  }

  /** Values of `dataset` for rows [from, from + n) (within one block), and the index of row `from` in them. */
  rows(dataset: string, from: number, n: number): { values: Typed; at: number } {
    const block = Math.floor(from / BLOCK_ROWS);
    if (Math.floor((from + n - 1) / BLOCK_ROWS) !== block) throw new Error('a read spans two blocks');
    while (block > this.current) this.advance();
    return { values: this.views[block % SLOTS]!.get(dataset)!, at: (from - block * BLOCK_ROWS) * (this.widths.get(dataset) ?? 1) };
  }

  /** Hands the current block back to the worker and waits until the next one is inflated. */
  private advance(): void {
    if (this.current >= 0) {
      const slot = this.current % SLOTS;
      Atomics.store(this.control, slot, EMPTY);
      Atomics.notify(this.control, slot);
    }
    this.current++;
    const slot = this.current % SLOTS;
    const begun = Date.now();
    while (Atomics.load(this.control, slot) !== FULL) {
      if (Atomics.load(this.control, flag(SLOTS, 'failed'))) throw new Error(this.failureMessage());
      if (!Atomics.load(this.control, flag(SLOTS, 'started')) && Date.now() - begun > START_MS) throw new Error('the HDF5 reader did not start');
      if (Date.now() - begun > WAIT_MS) throw new Error('the HDF5 reader stopped answering');
      Atomics.wait(this.control, slot, EMPTY, 200);
    }
  }

  private failureMessage(): string {
    const bytes = new Uint8Array(this.error as unknown as ArrayBuffer).slice();
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end)) || 'the HDF5 reader failed';
  }

  /** Stops the worker (at the end, or when encoding failed). */
  async close(): Promise<void> {
    Atomics.store(this.control, flag(SLOTS, 'stop'), 1);
    for (let s = 0; s < SLOTS; s++) Atomics.notify(this.control, s);
    await this.worker.terminate();
  }
}
