import { closeSync, fdatasync, fsyncSync, openSync, writeSync } from 'node:fs';

/**
 * A Parquet file written page by page: the caller hands whole, already encoded and compressed data
 * pages (V2), row group after row group; this writes them and the footer (Thrift compact protocol).
 * Made for pixel clouds, whose pages are HDF5's own shuffled + deflated chunks re-framed (HDF5's
 * shuffle filter is Parquet's BYTE_STREAM_SPLIT encoding, its deflate stream is Parquet's GZIP codec
 * once given a gzip header and trailer), so nothing is decoded or re-compressed that need not be.
 */

/** Parquet physical types (parquet.thrift `Type`). */
export const PhysicalType = { INT32: 1, INT64: 2, FLOAT: 4, DOUBLE: 5 } as const;
/** Parquet encodings used here. */
export const Encoding = { PLAIN: 0, RLE: 3, BYTE_STREAM_SPLIT: 9 } as const;
const GZIP = 2;

/** A leaf column of the schema (a child of a struct when `parent` is set). */
export interface LeafColumn {
  name: string;
  type: number;
  /** parquet.thrift `LogicalType`: integers of fewer bits, or UTC timestamps in microseconds. */
  logical?: { int: { bits: 8 | 16 | 32; signed: boolean } } | { timestampMicros: true };
  /** Name of the optional struct column this is a field of (its own nullness is the struct's). */
  parent?: string;
}

/** One data page of a column chunk: its rows, nulls, encoding and compressed values. */
export interface Page {
  rows: number;
  nulls: number;
  encoding: number;
  /** Definition levels, RLE/bit-packed hybrid without length prefix (uncompressed in a V2 page). */
  levels: Uint8Array;
  /** The values, compressed (gzip member). */
  values: Uint8Array | Uint8Array[];
  /** Size of the values before compression. */
  rawBytes: number;
}

/** A column chunk's min/max (little-endian plain bytes) and null count, when known. */
export interface ChunkStats {
  min?: Uint8Array;
  max?: Uint8Array;
  nulls: number;
}

/** Thrift compact protocol, write side: only what parquet.thrift's structures need. */
class Compact {
  private parts: number[] = [];
  private last: number[] = [0];

  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }

  private varint(n: number): void {
    while (n >= 0x80) {
      this.parts.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.parts.push(n);
  }

  private zigzag(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  private field(id: number, type: number): void {
    const delta = id - this.last[this.last.length - 1]!;
    if (delta > 0 && delta <= 15) this.parts.push((delta << 4) | type);
    else {
      this.parts.push(type);
      this.zigzag(id);
    }
    this.last[this.last.length - 1] = id;
  }

  i32(id: number, v: number): this {
    this.field(id, 5);
    this.zigzag(v);
    return this;
  }

  i64(id: number, v: number): this {
    this.field(id, 6);
    this.zigzag(v);
    return this;
  }

  i8(id: number, v: number): this {
    this.field(id, 3);
    this.parts.push(v & 0xff);
    return this;
  }

  bool(id: number, v: boolean): this {
    this.field(id, v ? 1 : 2);
    return this;
  }

  binary(id: number, v: Uint8Array | string): this {
    this.field(id, 8);
    this.raw(v);
    return this;
  }

  private raw(v: Uint8Array | string): void {
    const b = typeof v === 'string' ? new TextEncoder().encode(v) : v;
    this.varint(b.length);
    for (const x of b) this.parts.push(x);
  }

  struct(id: number, body: (w: this) => void): this {
    this.field(id, 12);
    this.last.push(0);
    body(this);
    this.parts.push(0);
    this.last.pop();
    return this;
  }

  list<T>(id: number, elementType: 'i32' | 'binary' | 'struct', items: T[], each: (w: this, item: T) => void): this {
    this.field(id, 9);
    const t = elementType === 'i32' ? 5 : elementType === 'binary' ? 8 : 12;
    if (items.length < 15) this.parts.push((items.length << 4) | t);
    else {
      this.parts.push(0xf0 | t);
      this.varint(items.length);
    }
    for (const item of items) {
      if (elementType === 'struct') {
        this.last.push(0);
        each(this, item);
        this.parts.push(0);
        this.last.pop();
      } else each(this, item);
    }
    return this;
  }

  element(v: number | Uint8Array | string): void {
    if (typeof v === 'number') this.zigzag(v);
    else this.raw(v);
  }

  stop(): Uint8Array {
    this.parts.push(0);
    return this.bytes();
  }
}

/** parquet.thrift's SchemaElement, as written here (repetition -1: the root, which has none). */
interface SchemaElement {
  name: string;
  type?: number;
  repetition: number;
  children?: number;
  converted?: number;
  logical?: LeafColumn['logical'];
}

interface WrittenChunk {
  column: LeafColumn;
  offset: number;
  compressed: number;
  uncompressed: number;
  values: number;
  encodings: Set<number>;
  stats?: ChunkStats;
}

/**
 * Writes a Parquet file: row group after row group, each one's column chunks in any order (`chunk`, then `endRowGroup`;
 * or `rowGroup` for all of them at once), then `close`. A row group's column chunks lie together in the file, in the
 * order they came: the footer gives each one's offset, which is how readers find them.
 */
export class PageFileWriter {
  private readonly fd: number;
  private position = 0;
  private readonly groups: { rows: number; chunks: WrittenChunk[]; offset: number }[] = [];
  /** The column chunks of the row group being written, by column, and where it starts. */
  private current: (WrittenChunk | undefined)[] = [];
  private start = -1;
  /** The flush to disk under way (started after each row group, so that little is left to sync at the end). */
  private syncing: Promise<void> | null = null;

  constructor(
    readonly file: string,
    readonly columns: LeafColumn[]
  ) {
    this.fd = openSync(file, 'w');
    this.write([new TextEncoder().encode('PAR1')]);
  }

  private write(buffers: Uint8Array[]): void {
    for (const b of buffers) {
      let done = 0;
      while (done < b.length) done += writeSync(this.fd, b, done, b.length - done);
      this.position += b.length;
    }
  }

  /** One row group: for each leaf column (schema order) its pages and, when known, its statistics. */
  rowGroup(rows: number, chunks: { pages: Page[]; stats?: ChunkStats }[]): void {
    if (chunks.length !== this.columns.length) throw new Error('a row group needs every column');
    chunks.forEach(({ pages, stats }, k) => this.chunk(k, pages, stats));
    this.endRowGroup(rows);
  }

  /** The column chunk of leaf column `k` (schema order) in the row group being written: its pages and, when known, its statistics. */
  chunk(k: number, pages: Page[], stats?: ChunkStats): void {
    if (!this.columns[k]) throw new Error(`no column ${k}`);
    if (this.current[k]) throw new Error(`column ${this.columns[k].name} is already in the row group`);
    if (this.start < 0) this.start = this.position;
    const chunk: WrittenChunk = {
      column: this.columns[k],
      offset: this.position,
      compressed: 0,
      uncompressed: 0,
      values: 0,
      encodings: new Set([Encoding.RLE]),
      stats
    };
    for (const page of pages) {
      const values = Array.isArray(page.values) ? page.values : [page.values];
      const compressedValues = values.reduce((n, b) => n + b.length, 0);
      const header = new Compact()
        .i32(1, 3)
        .i32(2, page.levels.length + page.rawBytes)
        .i32(3, page.levels.length + compressedValues)
        .struct(8, (w) => w.i32(1, page.rows).i32(2, page.nulls).i32(3, page.rows).i32(4, page.encoding).i32(5, page.levels.length).i32(6, 0).bool(7, true))
        .stop();
      this.write([header, page.levels, ...values]);
      chunk.compressed += header.length + page.levels.length + compressedValues;
      chunk.uncompressed += header.length + page.levels.length + page.rawBytes;
      chunk.values += page.rows;
      chunk.encodings.add(page.encoding);
    }
    this.current[k] = chunk;
  }

  /** Ends the row group being written: every column's chunk is in it, each holding its `rows` rows. */
  endRowGroup(rows: number): void {
    const written = this.columns.map((c, k) => {
      const chunk = this.current[k];
      if (!chunk) throw new Error(`a row group needs every column (${c.name} is missing)`);
      return chunk;
    });
    if (written.some((c) => c.values !== rows)) throw new Error("a column chunk does not hold the row group's rows");
    this.groups.push({ rows, chunks: written, offset: this.start });
    this.current = [];
    this.start = -1;
    // The row group goes to disk while the next ones are made (a failure here shows in close's sync).
    this.syncing ??= new Promise<void>((resolve) => fdatasync(this.fd, () => resolve())).then(() => {
      this.syncing = null;
    });
  }

  /** Writes the footer (with the file's key/value metadata), syncs and closes the file. */
  async close(metadata: Record<string, string>): Promise<void> {
    const w = new Compact();
    w.i32(1, 2);
    const roots = this.topLevel();
    const root: SchemaElement = { name: 'schema', repetition: -1, children: roots.length };
    w.list(2, 'struct', [root, ...this.schemaElements()], (s, e) => {
      if (e.type !== undefined) s.i32(1, e.type);
      if (e.repetition >= 0) s.i32(3, e.repetition);
      s.binary(4, e.name);
      if (e.children !== undefined) s.i32(5, e.children);
      if (e.converted !== undefined) s.i32(6, e.converted);
      if (e.logical) {
        const logical = e.logical;
        s.struct(10, (l) => {
          if ('int' in logical) l.struct(10, (i) => i.i8(1, logical.int.bits).bool(2, logical.int.signed));
          else l.struct(8, (t) => t.bool(1, true).struct(2, (u) => u.struct(2, () => undefined)));
        });
      }
    });
    w.i64(
      3,
      this.groups.reduce((n, g) => n + g.rows, 0)
    );
    w.list(4, 'struct', this.groups, (g, group) => {
      g.list(1, 'struct', group.chunks, (c, chunk) => {
        c.i64(2, chunk.offset);
        c.struct(3, (m) => {
          m.i32(1, chunk.column.type);
          m.list(2, 'i32', [...chunk.encodings], (l, e) => l.element(e));
          m.list(3, 'binary', chunk.column.parent ? [chunk.column.parent, chunk.column.name] : [chunk.column.name], (l, p) => l.element(p));
          m.i32(4, GZIP);
          m.i64(5, chunk.values);
          m.i64(6, chunk.uncompressed);
          m.i64(7, chunk.compressed);
          m.i64(9, chunk.offset);
          const stats = chunk.stats;
          if (stats) {
            m.struct(12, (s) => {
              s.i64(3, stats.nulls);
              if (stats.max && stats.min) s.binary(5, stats.max).binary(6, stats.min);
            });
          }
        });
      });
      g.i64(
        2,
        group.chunks.reduce((n, c) => n + c.uncompressed, 0)
      );
      g.i64(3, group.rows);
      g.i64(5, group.offset);
      g.i64(
        6,
        group.chunks.reduce((n, c) => n + c.compressed, 0)
      );
    });
    const entries = Object.entries(metadata);
    if (entries.length) w.list(5, 'struct', entries, (e, [k, v]) => e.binary(1, k).binary(2, v));
    w.binary(6, 'HYSOPE pixel pages version 1.0.0');
    // Every column's statistics in its type's own order (readers trust min/max only when this says so).
    w.list(7, 'struct', this.columns, (o) => o.struct(1, () => undefined));
    const footer = w.stop();
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, footer.length, true);
    this.write([footer, length, new TextEncoder().encode('PAR1')]);
    await this.syncing;
    fsyncSync(this.fd);
    closeSync(this.fd);
  }

  /** Abandons the file (the caller removes it). */
  async abort(): Promise<void> {
    await this.syncing;
    closeSync(this.fd);
  }

  private topLevel(): string[] {
    const names: string[] = [];
    for (const c of this.columns) {
      const top = c.parent ?? c.name;
      if (!names.includes(top)) names.push(top);
    }
    return names;
  }

  private schemaElements(): SchemaElement[] {
    const out: SchemaElement[] = [];
    for (const top of this.topLevel()) {
      const fields = this.columns.filter((c) => (c.parent ?? c.name) === top);
      if (fields[0]!.parent) {
        out.push({ name: top, repetition: 1, children: fields.length });
        for (const f of fields) out.push({ name: f.name, type: f.type, repetition: 0 });
        continue;
      }
      const c = fields[0]!;
      const converted = c.logical && 'int' in c.logical ? convertedInt(c.logical.int) : c.logical ? 10 : undefined;
      out.push({ name: c.name, type: c.type, repetition: 1, converted, logical: c.logical });
    }
    return out;
  }
}

/** The legacy converted type of an integer logical type (readers older than LogicalType read these). */
function convertedInt(int: { bits: number; signed: boolean }): number {
  const base = int.signed ? 15 : 11;
  return base + (int.bits === 8 ? 0 : int.bits === 16 ? 1 : 2);
}

/**
 * Definition levels (bit width 1) of a page as RLE runs: 1 for a present value, 0 for a null;
 * `present` null means every value is present.
 */
export function definitionLevels(rows: number, present: Uint8Array | null): Uint8Array {
  const out: number[] = [];
  const run = (count: number, value: number) => {
    let n = count * 2;
    while (n >= 0x80) {
      out.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n, value);
  };
  if (!present) {
    run(rows, 1);
    return Uint8Array.from(out);
  }
  let start = 0;
  for (let i = 1; i <= rows; i++) {
    if (i === rows || present[i] !== present[start]) {
      run(i - start, present[start]!);
      start = i;
    }
  }
  return Uint8Array.from(out);
}
