import { closeSync, openSync, readSync } from 'node:fs';
import { constants, crc32, createGzip, createInflate, gzipSync, inflateSync, type ZlibOptions } from 'node:zlib';
import type { ChunkLayout } from './hdf5-chunks.js';
import { GranuleError } from './product.js';
import { Encoding, definitionLevels, type ChunkStats, type Page } from './parquet-pages.js';
import { SWOT_EPOCH_MS } from './swot-time.js';

/**
 * The pages of a pixel cloud's Parquet columns, built from the HDF5 chunks of its datasets. A chunk whose
 * values need no change (floats, whole, no fill value, no NaN) becomes a page as it is: HDF5 shuffled and
 * deflated it, which is Parquet's BYTE_STREAM_SPLIT encoding under the GZIP codec once the deflate stream
 * gets a gzip header and trailer (its CRC-32 computed on the inflated bytes). Any other piece is decoded,
 * its nulls taken out, and encoded again (level-1 gzip). Plain data in and out: runs in worker threads.
 */

/** How one output column is made from one dataset (or one component of a 2D dataset). */
export interface ColumnPlan {
  name: string;
  dataset: string;
  layout: ChunkLayout;
  /** Dataset length (rows) and width (components per row). */
  length: number;
  width: number;
  part: number;
  /** The dataset's values: HDF5 class and size. */
  source: { real: boolean; size: 1 | 2 | 4 | 8; signed: boolean };
  /** What is written: the values as they are, doubles (scaled), UTC microseconds (SWOT times) or 32-bit integers. */
  target: 'float' | 'double' | 'int32' | 'time';
  fill?: number;
  scale?: number;
  offset?: number;
}

/** The pixel positions: latitude and longitude plans and what is known of the footprint. */
export interface PositionPlan {
  lat: ColumnPlan;
  lon: ColumnPlan;
  latFill?: number;
}

const GZIP_HEADER = Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

/** UTC microseconds of a SWOT time (seconds since 2000-01-01), rounded as DuckDB's `to_timestamp` does: whole seconds, then the fraction. */
function swotMicros(v: number): number {
  const t = v + SWOT_EPOCH_MS / 1000;
  const whole = Math.trunc(t);
  return whole * 1e6 + Math.round((t - whole) * 1e6);
}

/**
 * Memory reused from one piece to the next, by slot: on these machines the first touch of fresh memory (a page
 * fault per 4 KiB) costs more than the work done on it, and every piece of every column needs arrays of its size.
 * A slot's array is valid until the same slot is asked for again (each function names the slots it keeps).
 */
class Scratch {
  private readonly slots = new Map<string, ArrayBuffer>();
  bytes(slot: string, n: number): Uint8Array {
    let b = this.slots.get(slot);
    if (!b || b.byteLength < n) {
      // Whole 8-byte words: any typed array can view it.
      b = new ArrayBuffer(Math.ceil(Math.max(n, (b?.byteLength ?? 0) * 1.25) / 8) * 8);
      this.slots.set(slot, b);
    }
    return new Uint8Array(b, 0, n);
  }
  /** Bytes set to zero. */
  zeros(slot: string, n: number): Uint8Array {
    return this.bytes(slot, n).fill(0);
  }
  f64(slot: string, n: number): Float64Array {
    return new Float64Array(this.bytes(slot, n * 8).buffer, 0, n);
  }
}

const scratch = new Scratch();

/**
 * The memory pages' values are built in (stored chunks copied as pages, values compressed again): it goes to the
 * writing thread with the pages and comes back once they are written ({@link PageMemory.give}), to hold the next
 * pages. Fresh memory costs a page fault per 4 KiB at first touch — on these machines more than building the page
 * in it —, and a granule's pages are its whole product: taken fresh, every byte written was faulted in once.
 */
export class PageMemory {
  private readonly free: ArrayBuffer[] = [];
  /** Memory of at least `size` bytes, the caller's alone until given back (the smallest free one that fits, else new). */
  take(size: number): Uint8Array {
    let best = -1;
    for (let i = 0; i < this.free.length; i++)
      if (this.free[i]!.byteLength >= size && (best < 0 || this.free[i]!.byteLength < this.free[best]!.byteLength)) best = i;
    // New memory in sizes of powers of two, so that it fits the next pages too (only what is written is touched).
    return new Uint8Array(best >= 0 ? this.free.splice(best, 1)[0]! : new ArrayBuffer(2 ** Math.ceil(Math.log2(Math.max(size, 65536)))));
  }
  /** Memory whose pages are written: free for the next ones (at most {@link PageMemory.KEPT} bytes kept, the largest pieces). */
  give(buffers: ArrayBuffer[]): void {
    this.free.push(...buffers.filter((b) => b.byteLength > 0));
    this.free.sort((a, b) => b.byteLength - a.byteLength);
    let kept = 0;
    const n = this.free.findIndex((b) => (kept += b.byteLength) > PageMemory.KEPT);
    if (n >= 0) this.free.splice(n);
  }
  /** Bytes of free page memory kept by a thread (a few row groups' pages of a column job). */
  static readonly KEPT = 128 << 20;
}

/** This thread's page memory. */
export const pageMemory = new PageMemory();

/** Page values at least this large go between threads in their own memory (smaller ones are copied together). */
export const PAGE_MEMORY_FROM = 64 * 1024;

/** Node's zlib handles, driven directly so that output goes to memory of ours (null when this Node has none). */
interface ZlibHandle {
  reset(): void;
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  onerror: (message: string) => void;
}

function zlibHandle(z: unknown): { handle: ZlibHandle; state: Uint32Array } | null {
  const { _handle: handle, _writeState: state } = z as { _handle?: ZlibHandle; _writeState?: Uint32Array };
  return handle && state instanceof Uint32Array && typeof handle.writeSync === 'function' ? { handle, state } : null;
}

/**
 * Reads stored chunks of one file by offset; the last chunks decoded are kept (the components of a 2D dataset share them).
 * Chunks are inflated into buffers that go back to a pool once the task that used them is over ({@link settle}).
 */
export class ChunkSource {
  private readonly fd: number;
  readonly decoded = new Map<number, Decoded>();
  /** Pooled buffers (stored and inflated chunks) free for the next chunks, and those given up during the current task. */
  private readonly free: Uint8Array[] = [];
  private readonly retired: Uint8Array[] = [];
  private readonly zlib = zlibHandle(createInflate());
  constructor(readonly file: string) {
    this.fd = openSync(file, 'r');
  }
  /** A stored chunk's bytes into `out` (its whole length, from `address`). */
  private readInto(out: Uint8Array, address: number): void {
    let done = 0;
    while (done < out.length) {
      const n = readSync(this.fd, out, done, out.length - done, address + done);
      if (n === 0) throw new Error(`HDF5 chunk at ${address} cut short`);
      done += n;
    }
  }
  /** A stored chunk read into page memory (it becomes a page as it is). */
  read(address: number, size: number): Uint8Array {
    const out = pageMemory.take(size).subarray(0, size);
    try {
      this.readInto(out, address);
    } catch (error) {
      pageMemory.give([out.buffer as ArrayBuffer]);
      throw error;
    }
    return out;
  }
  /** A pooled buffer of at least `size` bytes (the smallest free one that fits, else a new one). */
  private take(size: number): Uint8Array {
    let best = -1;
    for (let i = 0; i < this.free.length; i++)
      if (this.free[i]!.byteLength >= size && (best < 0 || this.free[i]!.byteLength < this.free[best]!.byteLength)) best = i;
    return best >= 0 ? this.free.splice(best, 1)[0]! : new Uint8Array(Math.ceil(size / 65536) * 65536);
  }
  /** A stored chunk read into a pooled buffer (given back with its decoded chunk). */
  readPooled(address: number, size: number): { bytes: Uint8Array; base: Uint8Array } {
    const base = this.take(size);
    const bytes = base.subarray(0, size);
    try {
      this.readInto(bytes, address);
    } catch (error) {
      this.free.push(base);
      throw error;
    }
    return { bytes, base };
  }
  /** A zlib stream inflated into a pooled buffer of exactly `size` bytes (null: the stream does not inflate to that size). */
  inflate(input: Uint8Array, size: number): { bytes: Uint8Array; base: Uint8Array } | null {
    if (!this.zlib) return null;
    const base = this.take(size);
    const { handle, state } = this.zlib;
    let failure: string | null = null;
    handle.onerror = (message: string) => (failure = message);
    handle.reset();
    // One byte more than expected: a stream longer than the chunk shows as a full buffer.
    const room = Math.min(base.byteLength, size + 1);
    handle.writeSync(constants.Z_FINISH, input, 0, input.length, base, 0, room);
    const written = room - state[0]!;
    if (failure !== null || written !== size || state[1] !== 0) {
      this.free.push(base);
      throw new Error(failure ?? `inflates to ${written} bytes, ${size} expected`);
    }
    return { bytes: base.subarray(0, size), base };
  }
  /**
   * A decoded chunk kept for the row groups after this one. Row groups shorter than the chunks (a granule of one chunk
   * per dataset, or of huge chunks, is cut in ~64 groups) read every dataset's chunk again in each group: all of a
   * worker's chunks must stay decoded, or each would be inflated once per row group. Up to {@link ChunkSource.KEPT}
   * bytes, the oldest given up first.
   */
  keep(address: number, d: Decoded): void {
    const size = (d: Decoded) => d.bytes.byteLength + (d.compressedBase ? d.compressed.byteLength : 0);
    for (const [oldest, o] of this.decoded) {
      if (this.kept + size(d) <= ChunkSource.KEPT) break;
      this.forget(oldest, o);
    }
    this.decoded.set(address, d);
    this.kept += size(d);
  }
  /** A kept chunk no longer needed. */
  forget(address: number, d = this.decoded.get(address)): void {
    if (!d || !this.decoded.delete(address)) return;
    this.kept -= d.bytes.byteLength + (d.compressedBase ? d.compressed.byteLength : 0);
    this.retire(d);
  }
  private kept = 0;
  /**
   * Bytes of decoded chunks a thread keeps at most: a one-chunk tile's whole share (~1 M pixels with netCDF-C's 4 MB
   * chunks: ~110 MB a thread) with room; huge chunks beyond it are inflated again rather than held (memory bounded).
   */
  static readonly KEPT = 256 << 20;
  /** A decoded chunk no longer kept: its buffer is reused once the current task is over. */
  retire(d: Decoded): void {
    if (d.base) this.retired.push(d.base);
    if (d.compressedBase) this.retired.push(d.compressedBase);
    d.base = d.compressedBase = undefined;
  }
  /** The current task is over: the buffers it gave up are free again (a few kept: memory stays bounded). */
  settle(): void {
    this.free.push(...this.retired.splice(0));
    if (this.free.length > 16) this.free.splice(0, this.free.length - 16);
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** One stored chunk, read and decoded to its shuffled bytes (or plain bytes when not shuffled). */
interface Decoded {
  compressed: Uint8Array;
  bytes: Uint8Array;
  /** Elements in the chunk (rows × width). */
  elements: number;
  shuffled: boolean;
  /** The plain bytes of the rows last read from a 2D chunk (its components read them in turn). */
  rows?: { key: string; bytes: Uint8Array };
  /** The pooled buffers `bytes` and `compressed` lie in (given back to the source when the chunk is no longer kept). */
  base?: Uint8Array;
  compressedBase?: Uint8Array;
}

/**
 * Chunk `index` of a plan's dataset, read and decoded. `copied`: the chunk may become a page as it is stored (its
 * stored bytes then go to the writing thread in memory of their own); other chunks are read into pooled memory.
 */
function decode(plan: ColumnPlan, source: ChunkSource, index: number, until = 0, copied = false): Decoded {
  const { layout } = plan;
  const chunk = layout.chunks[index]!;
  // Kept while a later row group still needs the chunk (it goes on past `until`, the piece's end), or while
  // the components of a 2D dataset read it in turn.
  const keep = plan.width > 1 || (chunk.row + layout.chunkRows > until && until < plan.length);
  const cached = source.decoded.get(chunk.address);
  if (cached) {
    if (!keep) source.forget(chunk.address);
    return cached;
  }
  let compressed: Uint8Array;
  let compressedBase: Uint8Array | undefined;
  if (copied) compressed = source.read(chunk.address, chunk.size);
  else ({ bytes: compressed, base: compressedBase } = source.readPooled(chunk.address, chunk.size));
  const elements = layout.chunkShape.reduce((a, b) => a * b, 1);
  let bytes: Uint8Array = compressed;
  let base: Uint8Array | undefined;
  let shuffled = false;
  for (let k = layout.filters.length - 1; k >= 0; k--) {
    if (chunk.filterMask & (1 << k)) continue;
    const id = layout.filters[k];
    if (id === 1) {
      try {
        // Into a pooled buffer when deflate is the first filter (the chunk's size is then known), else into one buffer of
        // the chunk's size (by default zlib fills 16 KiB pieces and copies them together).
        const pooled = bytes === compressed ? source.inflate(bytes, elements * layout.elementSize) : null;
        if (pooled) ({ bytes, base } = pooled);
        else bytes = inflateSync(bytes, { chunkSize: Math.max(64, elements * layout.elementSize + 64) });
      } catch (error) {
        throw new GranuleError(
          source.file,
          `HDF5 chunk of ${plan.dataset} at byte ${chunk.address} cannot be inflated (${(error as Error).message}): the granule is damaged`
        );
      }
    } else if (id === 2) shuffled = true;
    else throw new GranuleError(source.file, `HDF5 filter ${id} (of ${plan.dataset}) is not read here`);
  }
  if (bytes.length !== elements * layout.elementSize)
    throw new GranuleError(
      source.file,
      `HDF5 chunk of ${plan.dataset} has ${bytes.length} bytes, ${elements * layout.elementSize} expected: the granule is damaged`
    );
  const decoded: Decoded = { compressed, bytes, elements, shuffled, base, compressedBase };
  if (keep) source.keep(chunk.address, decoded);
  else source.retire(decoded);
  return decoded;
}

/** The plain little-endian bytes of elements [first, first + count) of a shuffled chunk of `n` elements (streams joined). */
function unshuffled(bytes: Uint8Array, n: number, size: number, first: number, count: number, out: Uint8Array = new Uint8Array(count * size)): Uint8Array {
  const s = (b: number) => bytes.subarray(b * n + first, b * n + first + count);
  if (size === 1) out.set(s(0));
  else if (size === 2) {
    const o = new Uint16Array(out.buffer, out.byteOffset, count);
    const [s0, s1] = [s(0), s(1)];
    for (let i = 0; i < count; i++) o[i] = s0[i]! | (s1[i]! << 8);
  } else {
    const o = new Uint32Array(out.buffer, out.byteOffset, (count * size) / 4);
    const words = size / 4;
    for (let w = 0; w < words; w++) {
      const [s0, s1, s2, s3] = [s(w * 4), s(w * 4 + 1), s(w * 4 + 2), s(w * 4 + 3)];
      for (let i = 0, j = w; i < count; i++, j += words) o[j] = (s0[i]! | (s1[i]! << 8) | (s2[i]! << 16) | (s3[i]! << 24)) >>> 0;
    }
  }
  return out;
}

/** The typed array of a dataset's values. */
function typedOf(source: ColumnPlan['source']) {
  const { size, real, signed } = source;
  if (real) return size === 8 ? Float64Array : Float32Array;
  if (size === 8) return signed ? BigInt64Array : BigUint64Array;
  if (size === 4) return signed ? Int32Array : Uint32Array;
  if (size === 2) return signed ? Int16Array : Uint16Array;
  return signed ? Int8Array : Uint8Array;
}

/**
 * Values of rows [from, from + count) of a decoded chunk (component `part`), as numbers, in the scratch slot
 * `slot` (valid until that slot is used again).
 */
function values(plan: ColumnPlan, d: Decoded, from: number, count: number, slot = 'values'): Float64Array {
  const size = plan.source.size;
  const w = plan.width;
  let plain: Uint8Array;
  if (w === 1) {
    const into = scratch.bytes(`${slot}.plain`, count * size);
    plain = d.shuffled ? unshuffled(d.bytes, d.elements, size, from, count, into) : (into.set(d.bytes.subarray(from * size, (from + count) * size)), into);
  } else {
    const key = `${from}:${count}`;
    if (d.rows?.key !== key)
      d.rows = {
        key,
        bytes: d.shuffled ? unshuffled(d.bytes, d.elements, size, from * w, count * w) : d.bytes.slice(from * w * size, (from + count) * w * size)
      };
    plain = d.rows.bytes;
  }
  const Typed = typedOf(plan.source);
  const typed = new Typed(plain.buffer as ArrayBuffer, plain.byteOffset, count * w);
  if (w === 1 && typed instanceof Float64Array) return typed;
  const out = scratch.f64(slot, count);
  if (typed instanceof BigInt64Array || typed instanceof BigUint64Array) for (let i = 0, j = plan.part; i < count; i++, j += w) out[i] = Number(typed[j]);
  else if (w === 1) out.set(typed);
  else for (let i = 0, j = plan.part; i < count; i++, j += w) out[i] = typed[j]!;
  return out;
}

/**
 * Whether a shuffled float chunk may hold a null: a byte of its most significant stream with an exponent
 * of a value beyond 1e30 or NaN (exact values are then checked by re-encoding). Only for plans whose nulls
 * are NaN or a fill beyond 1e30; others are always checked.
 */
function mayHoldNull(plan: ColumnPlan, d: Decoded, at = 0, rows = d.elements / plan.width): boolean {
  const fill = plan.fill;
  if (!plan.source.real || !d.shuffled || (fill !== undefined && Math.abs(fill) <= 1e30)) return true;
  const size = plan.source.size;
  const threshold = size === 4 ? 0x71 : 0x46;
  // Only the rows asked: a dataset's last chunk is padded with fill values past its end.
  const first = (size - 1) * d.elements + at * plan.width;
  const top = d.bytes.subarray(first, first + rows * plan.width);
  // Four bytes at a time: a byte's low 7 bits reach the threshold when adding (0x80 - threshold) sets its high bit.
  const head = Math.min(top.length, (4 - (top.byteOffset % 4)) % 4);
  for (let i = 0; i < head; i++) if ((top[i]! & 0x7f) >= threshold) return true;
  const whole = (top.length - head) >> 2;
  const words = new Uint32Array(top.buffer, top.byteOffset + head, whole);
  const add = (0x80 - threshold) * 0x01010101;
  for (let i = 0; i < whole; i++) if ((((words[i]! & 0x7f7f7f7f) + add) & 0x80808080) !== 0) return true;
  for (let i = head + whole * 4; i < top.length; i++) if ((top[i]! & 0x7f) >= threshold) return true;
  return false;
}

/** A HDF5 deflate (zlib) stream re-framed as a gzip member of the given inflated bytes. */
function gzipMember(zlibStream: Uint8Array, inflated: Uint8Array): Uint8Array[] {
  const cmf = zlibStream[0]!;
  const flg = zlibStream[1]!;
  if ((cmf & 0x0f) !== 8 || ((cmf << 8) | flg) % 31 !== 0 || flg & 0x20) throw new Error('not a zlib deflate stream');
  const trailer = new Uint8Array(8);
  const view = new DataView(trailer.buffer);
  view.setUint32(0, crc32(inflated), true);
  view.setUint32(4, inflated.length % 2 ** 32, true);
  return [GZIP_HEADER, zlibStream.subarray(2, zlibStream.length - 4), trailer];
}

/** The byte size of a target's values. */
const targetSize = (t: ColumnPlan['target']) => (t === 'float' || t === 'int32' ? 4 : 8);

/** Level-1 gzip; run-length + Huffman only for bytes split by stream (as fast, and as small there). */
const FLOAT_GZIP = { level: 1, strategy: constants.Z_RLE };
const INT_GZIP = { level: 1 };
const gzipHandles = new Map<ZlibOptions, { handle: ZlibHandle; state: Uint32Array } | null>();

/**
 * A page's values compressed (a gzip member), in page memory of their size (compressed first into memory reused
 * from page to page, as large as the input could need: level 1 stores what does not compress in blocks of 5 bytes
 * more, and a gzip member adds 18; should it not fit all the same, zlib's own buffers take it).
 */
function gzipPage(bytes: Uint8Array, options: ZlibOptions): Uint8Array {
  let z = gzipHandles.get(options);
  if (z === undefined) gzipHandles.set(options, (z = zlibHandle(createGzip(options))));
  const room = bytes.length + (bytes.length >> 10) + 64;
  if (z) {
    const out = scratch.bytes('gzip.out', room);
    let failure: string | null = null;
    z.handle.onerror = (message: string) => (failure = message);
    z.handle.reset();
    z.handle.writeSync(constants.Z_FINISH, bytes, 0, bytes.length, out, 0, room);
    // Finished when zlib took all the input and left room unused (a full buffer may hold an unfinished stream).
    if (failure === null && z.state[1] === 0 && z.state[0]! > 0) {
      const n = room - z.state[0]!;
      if (n < PAGE_MEMORY_FROM) return out.slice(0, n);
      const page = pageMemory.take(n).subarray(0, n);
      page.set(out.subarray(0, n));
      return page;
    }
  }
  return gzipSync(bytes, { ...options, chunkSize: Math.max(64, room) });
}

/** Encodes non-null values (already selected) as a page's compressed values: floats split by byte stream, others plain. */
function encodeValues(target: ColumnPlan['target'], kept: Float64Array): { values: Uint8Array; rawBytes: number; encoding: number } {
  const n = kept.length;
  if (target === 'float' || target === 'double') {
    const size = targetSize(target);
    let plain: Float32Array | Float64Array = kept;
    if (target === 'float') {
      plain = new Float32Array(scratch.bytes('encode.f32', n * 4).buffer, 0, n);
      plain.set(kept);
    }
    const words = new Uint32Array(plain.buffer, plain.byteOffset, (n * size) / 4);
    const split = scratch.bytes('encode.split', n * size);
    const per = size / 4;
    for (let w = 0; w < per; w++) {
      const [s0, s1, s2, s3] = [0, 1, 2, 3].map((b) => split.subarray((w * 4 + b) * n, (w * 4 + b + 1) * n));
      for (let i = 0, j = w; i < n; i++, j += per) {
        const v = words[j]!;
        s0![i] = v;
        s1![i] = v >>> 8;
        s2![i] = v >>> 16;
        s3![i] = v >>> 24;
      }
    }
    return { values: gzipPage(split, FLOAT_GZIP), rawBytes: split.length, encoding: Encoding.BYTE_STREAM_SPLIT };
  }
  if (target === 'int32') {
    const plain = new Int32Array(scratch.bytes('encode.int32', n * 4).buffer, 0, n);
    for (let i = 0; i < n; i++) plain[i] = kept[i]! | 0;
    return integerValues(plain, n, 4);
  }
  const micros = scratch.f64('encode.micros', n);
  for (let i = 0; i < n; i++) micros[i] = swotMicros(kept[i]!);
  return integerValues(micros, n, 8);
}

/** Integer values of a page: plain little-endian, level-1 gzip (smaller and quicker here than delta encodings). */
function integerValues(v: Int32Array | Float64Array, n: number, size: 4 | 8): { values: Uint8Array; rawBytes: number; encoding: number } {
  let plain: Uint8Array;
  if (size === 4) plain = new Uint8Array(v.buffer, v.byteOffset, n * 4);
  else {
    const words = new Uint32Array(scratch.bytes('integers.words', n * 8).buffer, 0, n * 2);
    for (let i = 0; i < n; i++) {
      words[i * 2] = v[i]! % 2 ** 32;
      words[i * 2 + 1] = Math.floor(v[i]! / 2 ** 32);
    }
    plain = new Uint8Array(words.buffer, words.byteOffset, n * 8);
  }
  return { values: gzipPage(plain, INT_GZIP), rawBytes: plain.length, encoding: Encoding.PLAIN };
}

/** Min and max of a page's kept values as a target type's plain bytes. */
function statBytes(target: ColumnPlan['target'], v: number): Uint8Array {
  const out = new Uint8Array(targetSize(target));
  const view = new DataView(out.buffer);
  if (target === 'float') view.setFloat32(0, v, true);
  else if (target === 'double') view.setFloat64(0, v, true);
  else if (target === 'int32') view.setInt32(0, v, true);
  else view.setBigInt64(0, BigInt(swotMicros(v)), true);
  return out;
}

/** A page of nulls only (rows no chunk was ever written for: all fill values). */
function nullPage(rows: number): Page {
  return {
    rows,
    nulls: rows,
    encoding: Encoding.PLAIN,
    levels: definitionLevels(rows, new Uint8Array(rows)),
    values: gzipSync(new Uint8Array(0)),
    rawBytes: 0
  };
}

/** Running statistics of a column chunk. */
class Stats {
  min = Infinity;
  max = -Infinity;
  nulls = 0;
  known = true;
  result(target: ColumnPlan['target']): ChunkStats {
    if (!this.known || this.min > this.max) return { nulls: this.nulls };
    return { nulls: this.nulls, min: statBytes(target, this.min), max: statBytes(target, this.max) };
  }
}

/**
 * A page from values already decoded: nulls (by `isNull`, or a given mask) left out, the rest transformed
 * (scale/offset) and encoded.
 */
function encodedPage(plan: ColumnPlan, raw: Float64Array, stats: Stats, nullMask?: Uint8Array): Page {
  const n = raw.length;
  const present = scratch.zeros('page.present', n);
  const kept = scratch.f64('page.kept', n);
  const fill = plan.fill;
  const real = plan.source.real;
  // 0: NaN only (reals) or nothing (integers); 1: NaN or beyond 1e30; 2: NaN or the fill value; 3: the fill value
  const mode = real ? (fill === undefined ? 0 : Math.abs(fill) > 1e30 ? 1 : 2) : fill === undefined ? 0 : 3;
  const f = fill === undefined ? NaN : real && plan.source.size === 4 ? Math.fround(fill) : fill;
  const scale = plan.scale ?? 1;
  const offset = plan.offset ?? 0;
  const scaled = plan.scale !== undefined || plan.offset !== undefined;
  let k = 0;
  let min = stats.min;
  let max = stats.max;
  for (let i = 0; i < n; i++) {
    const v = raw[i]!;
    if (nullMask !== undefined && nullMask[i] === 1) continue;
    if (v !== v) continue;
    if (mode === 1 ? v > 1e30 || v < -1e30 : mode >= 2 ? v === f : false) continue;
    const value = scaled ? v * scale + offset : v;
    present[i] = 1;
    kept[k++] = value;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  stats.min = min;
  stats.max = max;
  stats.nulls += n - k;
  const encoded = encodeValues(plan.target, kept.subarray(0, k));
  return {
    rows: n,
    nulls: n - k,
    encoding: encoded.encoding,
    levels: definitionLevels(n, k === n ? null : present),
    values: encoded.values,
    rawBytes: encoded.rawBytes
  };
}

/** The pieces of rows [from, to) by stored chunk: chunk index (or -1: never written), first row, rows. */
function pieces(plan: ColumnPlan, from: number, to: number): { index: number; row: number; rows: number }[] {
  const out: { index: number; row: number; rows: number }[] = [];
  const per = plan.layout.chunkRows;
  const byRow = new Map(plan.layout.chunks.map((c, i) => [c.row, i]));
  for (let row = from; row < to;) {
    const start = Math.floor(row / per) * per;
    const end = Math.min(start + per, to);
    out.push({ index: byRow.get(start) ?? -1, row, rows: end - row });
    row = end;
  }
  return out;
}

/** Whether a piece is a whole stored chunk that can be copied as a page (floats as they are, whole chunk in the dataset). */
function copyable(plan: ColumnPlan, piece: { row: number; rows: number }): boolean {
  const { layout } = plan;
  return (
    plan.width === 1 &&
    plan.source.real &&
    ((plan.target === 'float' && plan.source.size === 4) || (plan.target === 'double' && plan.source.size === 8)) &&
    plan.scale === undefined &&
    plan.offset === undefined &&
    piece.row % layout.chunkRows === 0 &&
    piece.rows === layout.chunkRows &&
    layout.filters.length === 2 &&
    layout.filters[0] === 2 &&
    layout.filters[1] === 1
  );
}

/** Whether a part of a chunk can be taken by slicing its byte streams: floats kept as they are, shuffled. */
function sliceable(plan: ColumnPlan, d: Decoded): boolean {
  return (
    d.shuffled &&
    plan.source.real &&
    plan.scale === undefined &&
    plan.offset === undefined &&
    ((plan.target === 'float' && plan.source.size === 4) || (plan.target === 'double' && plan.source.size === 8))
  );
}

/**
 * A page of rows [from, from + rows) of a shuffled chunk without nulls (component `part` of `width`): each
 * byte stream's slice (every width-th byte of it for a 2D dataset), compressed again.
 */
function streamSlice(d: Decoded, size: number, from: number, rows: number, width = 1, part = 0): Page {
  const split = scratch.bytes('slice.split', rows * size);
  for (let b = 0; b < size; b++) {
    const stream = d.bytes.subarray(b * d.elements, (b + 1) * d.elements);
    if (width === 1) split.set(stream.subarray(from, from + rows), b * rows);
    else for (let i = 0, e = from * width + part, o = b * rows; i < rows; i++, e += width) split[o + i] = stream[e]!;
  }
  return {
    rows,
    nulls: 0,
    encoding: Encoding.BYTE_STREAM_SPLIT,
    levels: definitionLevels(rows, null),
    values: gzipPage(split, FLOAT_GZIP),
    rawBytes: split.length
  };
}

/**
 * A 32-bit integer column's page from a piece of a 1D integer chunk: values widened as they are read, the
 * fill value as null; no detour through doubles.
 */
function intPage(plan: ColumnPlan, d: Decoded, at: number, rows: number, stats: Stats): Page {
  const size = plan.source.size;
  const into = scratch.bytes('int.plain', rows * size);
  const plain = d.shuffled ? unshuffled(d.bytes, d.elements, size, at, rows, into) : (into.set(d.bytes.subarray(at * size, (at + rows) * size)), into);
  const Typed = typedOf(plan.source) as Int32ArrayConstructor;
  const typed = new Typed(plain.buffer as ArrayBuffer, plain.byteOffset, rows);
  const out = new Int32Array(scratch.bytes('int.values', rows * 4).buffer, 0, rows);
  const fill = plan.fill ?? NaN;
  let present: Uint8Array | null = null;
  let k = 0;
  let min = stats.min;
  let max = stats.max;
  for (let i = 0; i < rows; i++) {
    const v = typed[i]!;
    if (v === fill) {
      if (!present) present = scratch.zeros('int.present', rows).fill(1, 0, i);
      continue;
    }
    if (present) present[i] = 1;
    out[k++] = v | 0;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return integerPage(stats, { min, max, rows, kept: k, present }, out, 4);
}

/** A time column's page (seconds since 2000 in, UTC microseconds out): fills and NaN as nulls. */
function timePage(plan: ColumnPlan, seconds: Float64Array, stats: Stats): Page {
  const rows = seconds.length;
  const fill = plan.fill;
  const huge = fill === undefined || Math.abs(fill) > 1e30;
  const micros = scratch.f64('time.micros', rows);
  let present: Uint8Array | null = null;
  let k = 0;
  let min = stats.min;
  let max = stats.max;
  for (let i = 0; i < rows; i++) {
    const v = seconds[i]!;
    if (v !== v || (huge ? v > 1e30 || v < -1e30 : v === fill)) {
      if (!present) present = scratch.zeros('time.present', rows).fill(1, 0, i);
      continue;
    }
    if (present) present[i] = 1;
    micros[k++] = swotMicros(v);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return integerPage(stats, { min, max, rows, kept: k, present }, micros, 8);
}

/** An integer page from its kept values (the first `kept`), its rows' presence, and what its loop learned. */
function integerPage(
  stats: Stats,
  seen: { min: number; max: number; rows: number; kept: number; present: Uint8Array | null },
  kept: Int32Array | Float64Array,
  size: 4 | 8
): Page {
  const { rows, present } = seen;
  stats.min = seen.min;
  stats.max = seen.max;
  stats.nulls += rows - seen.kept;
  const encoded = integerValues(kept, seen.kept, size);
  return {
    rows,
    nulls: rows - seen.kept,
    encoding: encoded.encoding,
    levels: definitionLevels(rows, present),
    values: encoded.values,
    rawBytes: encoded.rawBytes
  };
}

/** One column's pages for rows [from, to) and its statistics (min/max unknown when a page was copied or sliced). */
export function columnPages(plan: ColumnPlan, source: ChunkSource, from: number, to: number): { pages: Page[]; stats: ChunkStats } {
  const pages: Page[] = [];
  const stats = new Stats();
  const direct =
    plan.target === 'int32' && !plan.source.real && plan.source.size <= 4 && plan.width === 1 && plan.scale === undefined && plan.offset === undefined;
  for (const piece of pieces(plan, from, to)) {
    if (piece.index < 0) {
      pages.push(nullPage(piece.rows));
      stats.nulls += piece.rows;
      continue;
    }
    const d = decode(plan, source, piece.index, piece.row + piece.rows, copyable(plan, piece));
    const at = piece.row - plan.layout.chunks[piece.index]!.row;
    if (direct) pages.push(intPage(plan, d, at, piece.rows, stats));
    else if (plan.target === 'time' && plan.source.real && plan.width === 1) pages.push(timePage(plan, values(plan, d, at, piece.rows), stats));
    else pages.push(floatPage(plan, d, piece, stats));
  }
  return { pages, stats: stats.result(plan.target) };
}

/** What the positions of rows [from, to) gave: geometry x/y pages, their statistics, and the positions themselves. */
export interface PositionPages {
  x: { pages: Page[]; stats: ChunkStats };
  y: { pages: Page[]; stats: ChunkStats };
  lat: { pages: Page[]; stats: ChunkStats };
  lon: { pages: Page[]; stats: ChunkStats };
  /** Valid positions (longitude in -180..180), for the footprint check, and their extent. */
  xs: Float64Array;
  ys: Float64Array;
  bbox: [number, number, number, number] | null;
}

/** A float column's page for a piece of a decoded chunk: copied when whole, sliced when a part, encoded when it holds nulls. */
function floatPage(plan: ColumnPlan, d: Decoded, piece: { index: number; row: number; rows: number }, stats: Stats): Page {
  const at = piece.row - plan.layout.chunks[piece.index]!.row;
  if (sliceable(plan, d) && !mayHoldNull(plan, d, at, piece.rows)) {
    stats.known = false;
    if (copyable(plan, piece) && plan.layout.chunks[piece.index]!.filterMask === 0) {
      return {
        rows: piece.rows,
        nulls: 0,
        encoding: Encoding.BYTE_STREAM_SPLIT,
        levels: definitionLevels(piece.rows, null),
        values: gzipMember(d.compressed, d.bytes),
        rawBytes: d.bytes.length
      };
    }
    return streamSlice(d, plan.source.size, at, piece.rows, plan.width, plan.part);
  }
  return encodedPage(plan, values(plan, d, at, piece.rows), stats);
}

/**
 * One pass over a piece's latitudes (`ys`) and longitudes (`xs0`): their extent (`extent`: latitude, longitude, x, y
 * minimum and maximum, values beyond 1e30 left out), the invalid positions (`invalid`), the geometry's x (longitudes
 * past 180° brought back, in `xs`) and the valid positions appended to `outXs`/`outYs` from `valid` on. A function of
 * its own over typed arrays only: the optimizing compiler keeps it (inside the larger function it was deoptimized
 * again and again, at ~80 ns a position).
 */
function scanPositions(
  ys: Float64Array,
  xs0: Float64Array,
  latFill: number,
  xs: Float64Array,
  invalid: Uint8Array,
  outXs: Float64Array,
  outYs: Float64Array,
  valid: number,
  extent: Float64Array
): { valid: number; bad: number; wrapped: boolean } {
  let [latMin, latMax, lonMin, lonMax, xMin, xMax, yMin, yMax] = extent as unknown as number[];
  let bad = 0;
  let wrapped = false;
  const n = ys.length;
  for (let i = 0; i < n; i++) {
    const y = ys[i]!;
    const x0 = xs0[i]!;
    if (y <= 1e30 && y >= -1e30) {
      if (y < latMin!) latMin = y;
      if (y > latMax!) latMax = y;
    }
    if (x0 <= 1e30 && x0 >= -1e30) {
      if (x0 < lonMin!) lonMin = x0;
      if (x0 > lonMax!) lonMax = x0;
    }
    if (!(y >= -90 && y <= 90 && x0 >= -1e30 && x0 <= 1e30) || y === latFill) {
      invalid[i] = 1;
      bad++;
      continue;
    }
    let x = x0;
    if (x > 180) {
      x -= 360;
      wrapped = true;
    }
    xs[i] = x;
    outXs[valid] = x;
    outYs[valid++] = y;
    if (x < xMin!) xMin = x;
    if (x > xMax!) xMax = x;
    if (y < yMin!) yMin = y;
    if (y > yMax!) yMax = y;
  }
  extent.set([latMin!, latMax!, lonMin!, lonMax!, xMin!, xMax!, yMin!, yMax!]);
  return { valid, bad, wrapped };
}

/**
 * The latitude and longitude columns and the GeoArrow point geometry (x, y) for rows [from, to): a
 * pixel without a valid position (non-finite, latitude fill or beyond the poles) has a null geometry;
 * longitudes past 180° are brought back to -180..180 in the geometry. Pages without nulls or wrapped
 * longitudes serve both the column and the geometry. Latitude and longitude share their chunking (planned so).
 */
export function positionPages(p: PositionPlan, source: ChunkSource, from: number, to: number): PositionPages {
  const out: PositionPages = {
    x: { pages: [], stats: { nulls: 0 } },
    y: { pages: [], stats: { nulls: 0 } },
    lat: { pages: [], stats: { nulls: 0 } },
    lon: { pages: [], stats: { nulls: 0 } },
    xs: scratch.f64('positions.xs', to - from),
    ys: scratch.f64('positions.ys', to - from),
    bbox: null
  };
  const [sx, sy, slat, slon] = [new Stats(), new Stats(), new Stats(), new Stats()];
  // Latitude's, longitude's, x's and y's minimum and maximum, as the pieces are scanned.
  const extent = new Float64Array([Infinity, -Infinity, Infinity, -Infinity, Infinity, -Infinity, Infinity, -Infinity]);
  const hugeFill = (plan: ColumnPlan) => plan.fill === undefined || Math.abs(plan.fill) > 1e30;
  if (!hugeFill(p.lat) || !hugeFill(p.lon)) slat.known = slon.known = false;
  let valid = 0;
  for (const piece of pieces(p.lat, from, to)) {
    const n = piece.rows;
    const dLat = piece.index >= 0 ? decode(p.lat, source, piece.index, piece.row + n, copyable(p.lat, piece)) : null;
    const lonIndex = p.lon.layout.chunks.findIndex((c) => c.row === (dLat ? p.lat.layout.chunks[piece.index]!.row : -1));
    const dLon = lonIndex >= 0 ? decode(p.lon, source, lonIndex, piece.row + n, copyable(p.lon, piece)) : null;
    const at = dLat ? piece.row - p.lat.layout.chunks[piece.index]!.row : 0;
    const ys = dLat ? values(p.lat, dLat, at, n, 'lat') : scratch.f64('lat', n).fill(NaN);
    const xs0 = dLon ? values(p.lon, dLon, at, n, 'lon') : scratch.f64('lon', n).fill(NaN);
    // Their min and max come from the loop below (a copied page has none of its own): only their nulls are counted here.
    const [tLat, tLon] = [new Stats(), new Stats()];
    const latPage = dLat ? floatPage(p.lat, dLat, piece, tLat) : encodedPage(p.lat, ys, tLat);
    const lonPage = dLon ? floatPage(p.lon, dLon, { ...piece, index: lonIndex }, tLon) : encodedPage(p.lon, xs0, tLon);
    slat.nulls += tLat.nulls;
    slon.nulls += tLon.nulls;
    out.lat.pages.push(latPage);
    out.lon.pages.push(lonPage);
    const invalid = scratch.zeros('positions.invalid', n);
    // Written for valid positions only (the geometry's page leaves the others out).
    const xs = scratch.f64('positions.x', n);
    // Comparisons written so that NaN fails them: a position is valid when both are finite, within the poles.
    const latFill = p.latFill !== undefined && Math.abs(p.latFill) <= 90 ? p.latFill : NaN;
    const scan = scanPositions(ys, xs0, latFill, xs, invalid, out.xs, out.ys, valid, extent);
    valid = scan.valid;
    const { bad, wrapped } = scan;
    if (bad === 0 && !wrapped && latPage.nulls === 0 && lonPage.nulls === 0) {
      out.x.pages.push(lonPage);
      out.y.pages.push(latPage);
    } else {
      const plain = (plan: ColumnPlan): ColumnPlan => ({ ...plan, target: 'double', fill: undefined, scale: undefined, offset: undefined });
      out.x.pages.push(encodedPage(plain(p.lon), xs, new Stats(), invalid));
      out.y.pages.push(encodedPage(plain(p.lat), ys, new Stats(), invalid));
    }
    sx.nulls += bad;
    sy.nulls += bad;
  }
  [slat.min, slat.max, slon.min, slon.max, sx.min, sx.max, sy.min, sy.max] = extent;
  out.x.stats = sx.result('double');
  out.y.stats = sy.result('double');
  out.lat.stats = slat.result('double');
  out.lon.stats = slon.result('double');
  out.xs = out.xs.subarray(0, valid);
  out.ys = out.ys.subarray(0, valid);
  out.bbox = valid ? [sx.min, sy.min, sx.max, sy.max] : null;
  return out;
}
