import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Where a chunked dataset's chunks lie in an HDF5 file, read from the file's own structures (object
 * header, data layout, filter pipeline, chunk index), so the compressed chunks can be read by byte
 * ranges and inflated by Node's zlib — or copied as they are. The HDF5 library (h5wasm) locates the
 * dataset's object header; it exposes no chunk index (`H5Dget_chunk_info`).
 *
 * What is understood (what netCDF-4 and h5py write): superblocks 0–3; object headers 1 and 2 with
 * their continuation blocks; layout 3 (B-tree 1 chunk index) and layout 4 with a single chunk or a
 * fixed array that is not paged; filter pipelines 1 and 2. Anything else raises {@link UnsupportedLayout},
 * and the caller reads the dataset through the library instead.
 */

/** One stored chunk: its first row, where its bytes are and which filters were skipped for it. */
export interface StoredChunk {
  row: number;
  address: number;
  size: number;
  /** Bit k set: the pipeline's filter k was not applied to this chunk. */
  filterMask: number;
}

/** A chunked dataset's storage: chunk shape, filters in order, and its stored chunks by first row. */
export interface ChunkLayout {
  /** Rows per chunk (the chunk's first dimension). */
  chunkRows: number;
  /** The chunk's full shape (rows first), without the element-size dimension. */
  chunkShape: number[];
  elementSize: number;
  /** HDF5 filter ids in the order they were applied when writing (1 deflate, 2 shuffle, ...). */
  filters: number[];
  /** Stored chunks sorted by row; chunks never written are absent (they hold the fill value). */
  chunks: StoredChunk[];
}

export class UnsupportedLayout extends Error {}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** An HDF5 file opened for reading its structures by offset. */
export class Hdf5Structure {
  private readonly fd: number;
  private readonly base: number;
  private readonly offsetSize: number;
  private readonly lengthSize: number;

  constructor(file: string) {
    this.fd = openSync(file, 'r');
    try {
      let at = -1;
      for (const candidate of [0, 512, 1024, 2048, 4096, 8192]) {
        const head = this.bytes(candidate, 9);
        if (SIGNATURE.every((b, i) => head[i] === b)) {
          at = candidate;
          break;
        }
      }
      if (at < 0) throw new UnsupportedLayout('no HDF5 superblock');
      const block = this.bytes(at, 64);
      const version = block[8]!;
      if (version <= 1) {
        this.offsetSize = block[13]!;
        this.lengthSize = block[14]!;
        const baseAt = version === 0 ? 24 : 28;
        this.base = this.uint(block, baseAt, this.offsetSize);
      } else if (version <= 3) {
        this.offsetSize = block[9]!;
        this.lengthSize = block[10]!;
        this.base = this.uint(block, 12, this.offsetSize);
      } else throw new UnsupportedLayout(`superblock version ${version}`);
      if (this.offsetSize !== 8 || this.lengthSize !== 8) throw new UnsupportedLayout('offsets or lengths not 8 bytes');
    } catch (error) {
      closeSync(this.fd);
      throw error;
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  /** `length` bytes at a file offset. */
  bytes(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    if (done < length) throw new UnsupportedLayout(`file ends at ${offset + done}, ${length} bytes asked at ${offset}`);
    return out;
  }

  /** A little-endian unsigned integer of `size` bytes (exact up to 2^53). */
  private uint(b: Uint8Array, at: number, size: number): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + b[at + i]!;
    return v;
  }

  /**
   * The chunk layout of the dataset whose object header is at `address` (as an HDF5 object reference
   * holds it: relative to the base address).
   */
  layout(address: number): ChunkLayout {
    const messages = this.messages(this.base + address);
    const layoutMessage = messages.find((m) => m.type === 0x0008);
    if (!layoutMessage) throw new UnsupportedLayout('no data layout message');
    const pipeline = messages.find((m) => m.type === 0x000b);
    const filters = pipeline ? this.filters(pipeline.data) : [];
    return this.chunked(layoutMessage.data, filters);
  }

  /** The header messages of an object header (version 1 or 2), continuation blocks followed. */
  private messages(at: number): { type: number; data: Uint8Array }[] {
    const out: { type: number; data: Uint8Array }[] = [];
    const head = this.bytes(at, 16);
    const blocks: { at: number; length: number; v2: boolean; first: boolean }[] = [];
    let v2 = false;
    let creationOrder = false;
    if (head[0] === 1) {
      blocks.push({ at: at + 16, length: this.uint(head, 8, 4), v2: false, first: true });
    } else if (head[0] === 0x4f && head[1] === 0x48 && head[2] === 0x44 && head[3] === 0x52 && head[4] === 2) {
      v2 = true;
      const flags = head[5]!;
      creationOrder = (flags & 0x04) !== 0;
      let p = 6;
      if (flags & 0x20) p += 16;
      if (flags & 0x10) p += 4;
      const sizeBytes = 1 << (flags & 3);
      const more = this.bytes(at + p, sizeBytes);
      blocks.push({ at: at + p + sizeBytes, length: this.uint(more, 0, sizeBytes), v2: true, first: true });
    } else throw new UnsupportedLayout('object header version not 1 or 2');
    for (let b = 0; b < blocks.length && b < 64; b++) {
      const block = blocks[b]!;
      let start = block.at;
      let end = block.at + block.length;
      if (block.v2 && !block.first) {
        start += 4; // "OCHK"
        end -= 4; // checksum
      }
      const data = this.bytes(start, end - start);
      let p = 0;
      const header = v2 ? 4 + (creationOrder ? 2 : 0) : 8;
      while (p + header <= data.length) {
        const type = v2 ? data[p]! : this.uint(data, p, 2);
        const size = v2 ? this.uint(data, p + 1, 2) : this.uint(data, p + 2, 2);
        p += header;
        if (p + size > data.length) break;
        const body = data.subarray(p, p + size);
        p += size;
        if (type === 0x0010) {
          blocks.push({ at: this.base + this.uint(body, 0, 8), length: this.uint(body, 8, 8), v2, first: false });
          continue;
        }
        out.push({ type, data: body });
      }
    }
    return out;
  }

  /** Filter ids of a filter pipeline message (versions 1 and 2), in the order they were applied. */
  private filters(data: Uint8Array): number[] {
    const version = data[0]!;
    const count = data[1]!;
    const ids: number[] = [];
    let p = version === 1 ? 8 : 2;
    for (let k = 0; k < count; k++) {
      const id = this.uint(data, p, 2);
      let nameLength = 0;
      if (version === 1 || id >= 256) {
        nameLength = this.uint(data, p + 2, 2);
        p += 2;
      }
      const values = this.uint(data, p + 4, 2);
      p += 6;
      p += version === 1 ? Math.ceil(nameLength / 8) * 8 : nameLength;
      p += values * 4;
      if (version === 1 && values % 2 === 1) p += 4;
      ids.push(id);
    }
    if (version !== 1 && version !== 2) throw new UnsupportedLayout(`filter pipeline version ${version}`);
    return ids;
  }

  /** A chunked layout message (versions 3 and 4) with its chunks listed. */
  private chunked(data: Uint8Array, filters: number[]): ChunkLayout {
    const version = data[0]!;
    if (data[1] !== 2) throw new UnsupportedLayout('dataset not chunked');
    if (version === 3) {
      const rank = data[2]!;
      const btree = this.uint(data, 3, 8);
      const dims = Array.from({ length: rank }, (_, i) => this.uint(data, 11 + 4 * i, 4));
      const elementSize = dims.pop()!;
      const chunks: StoredChunk[] = [];
      if (btree < Number.MAX_SAFE_INTEGER) this.btreeChunks(this.base + btree, rank, dims, chunks);
      return this.done(dims, elementSize, filters, chunks);
    }
    if (version === 4) {
      const flags = data[2]!;
      const rank = data[3]!;
      const width = data[4]!;
      const dims = Array.from({ length: rank }, (_, i) => this.uint(data, 5 + width * i, width));
      const elementSize = dims.pop()!;
      let p = 5 + width * rank;
      const index = data[p++]!;
      if (index === 1) {
        let size = 0;
        let mask = 0;
        if (flags & 2) {
          size = this.uint(data, p, 8);
          mask = this.uint(data, p + 8, 4);
          p += 12;
        } else size = dims.reduce((a, b) => a * b, elementSize);
        const address = this.uint(data, p, 8);
        return this.done(dims, elementSize, filters, [{ row: 0, address: this.base + address, size, filterMask: mask }]);
      }
      if (index === 3) {
        p += 1; // page bits
        const address = this.uint(data, p, 8);
        return this.done(dims, elementSize, filters, this.fixedArrayChunks(this.base + address, dims, elementSize, filters.length > 0));
      }
      throw new UnsupportedLayout(`chunk index type ${index}`);
    }
    throw new UnsupportedLayout(`data layout version ${version}`);
  }

  private done(dims: number[], elementSize: number, filters: number[], chunks: StoredChunk[]): ChunkLayout {
    chunks.sort((a, b) => a.row - b.row);
    return { chunkRows: dims[0]!, chunkShape: dims, elementSize, filters, chunks };
  }

  /** Chunks of a version-1 B-tree (node type 1), depth first. */
  private btreeChunks(at: number, rank: number, chunkDims: number[], out: StoredChunk[], depth = 0): void {
    if (depth > 32) throw new UnsupportedLayout('B-tree too deep');
    const keySize = 8 + 8 * rank;
    const head = this.bytes(at, 24);
    if (head[0] !== 0x54 || head[1] !== 0x52 || head[2] !== 0x45 || head[3] !== 0x45 || head[4] !== 1) throw new UnsupportedLayout('not a chunk B-tree node');
    const level = head[5]!;
    const entries = this.uint(head, 6, 2);
    const body = this.bytes(at + 24, entries * (keySize + 8) + keySize);
    for (let e = 0; e < entries; e++) {
      const k = e * (keySize + 8);
      const child = this.base + this.uint(body, k + keySize, 8);
      if (level > 0) {
        this.btreeChunks(child, rank, chunkDims, out, depth + 1);
        continue;
      }
      for (let d = 1; d < rank - 1; d++) {
        if (this.uint(body, k + 8 + 8 * d, 8) !== 0) throw new UnsupportedLayout('chunks split along a second dimension');
      }
      out.push({ row: this.uint(body, k + 8, 8), address: child, size: this.uint(body, k, 4), filterMask: this.uint(body, k + 4, 4) });
    }
  }

  /** Chunks of a fixed-array index that is not paged (chunk k holds rows from k × chunk rows). */
  private fixedArrayChunks(at: number, dims: number[], elementSize: number, filtered: boolean): StoredChunk[] {
    const head = this.bytes(at, 12 + 16);
    if (head[0] !== 0x46 || head[1] !== 0x41 || head[2] !== 0x48 || head[3] !== 0x44) throw new UnsupportedLayout('not a fixed array header');
    const entrySize = head[6]!;
    const pageBits = head[7]!;
    const count = this.uint(head, 8, 8);
    const block = this.uint(head, 16, 8);
    if (count > 2 ** pageBits) throw new UnsupportedLayout('paged fixed array');
    const data = this.bytes(this.base + block, 14 + count * entrySize);
    if (data[0] !== 0x46 || data[1] !== 0x41 || data[2] !== 0x44 || data[3] !== 0x42) throw new UnsupportedLayout('not a fixed array data block');
    const chunks: StoredChunk[] = [];
    const rawSize = dims.reduce((a, b) => a * b, elementSize);
    for (let k = 0; k < count; k++) {
      const p = 14 + k * entrySize;
      const address = this.uint(data, p, 8);
      if (address === 0 || address >= Number.MAX_SAFE_INTEGER) continue;
      const size = filtered ? this.uint(data, p + 8, entrySize - 12) : rawSize;
      const filterMask = filtered ? this.uint(data, p + entrySize - 4, 4) : 0;
      chunks.push({ row: k * dims[0]!, address: this.base + address, size, filterMask });
    }
    return chunks;
  }
}
