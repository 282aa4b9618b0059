import duckdb from '@duckdb/node-bindings';
import type { DuckDBDataChunk } from '@duckdb/node-api';
import { INLINE, STRING_T, bitmapOf, copyString, isSet, lengthAt, sqlName } from './duckdb-vectors.js';
import { AsyncByteQueue, DataType, makeData, Precision, RecordBatch, RecordBatchStreamWriter, Struct, TimeUnit, type Data, type Schema } from 'apache-arrow';

/** Bytes per value of the fixed-width columns (integers, Float64, Timestamp in ms as int64), or undefined. */
function widthOf(type: DataType): number | undefined {
  if (DataType.isInt(type)) return type.bitWidth / 8;
  if (DataType.isFloat(type) && type.precision === Precision.DOUBLE) return 8;
  if (DataType.isTimestamp(type) && type.unit === TimeUnit.MILLISECOND) return 8;
  return undefined;
}

/** Inline pieces a text column is cut into: ASCII strings up to this many times 12 bytes are read without a native call. */
const PIECES = 2;

/** Where a query's columns carry one field: one column, or a text field's inline pieces and its whole value when longer. */
type Carrier = { column: number } | { pieces: number[]; whole: number };

/** A query whose chunks {@link recordBatchOfChunk} turns into record batches of `schema`. */
export interface ArrowQuery {
  sql: string;
  schema: Schema;
  carriers: Carrier[];
}

/**
 * The query reading `from` (a query whose columns are the schema's fields, each of the DuckDB type laid out as its Arrow
 * type is: INTEGER for Int32, BIGINT for Int64, DOUBLE for Float64, BIGINT of epoch ms for Timestamp in ms, VARCHAR for
 * Utf8) for {@link recordBatchOfChunk}. A text field is also cut into pieces of 12 bytes, which DuckDB keeps inline in
 * its vectors: reading a longer string's bytes behind its pointer is a native call per value (0.4 us, most of the time
 * of a basin's answer), reading pieces is none. Strings longer than the pieces, or not ASCII (DuckDB cuts characters,
 * not bytes), come whole. The projection runs after `from`'s ORDER BY and keeps its order.
 */
export function arrowQuery(schema: Schema, from: string): ArrowQuery {
  const select: string[] = [];
  const carriers = schema.fields.map((field): Carrier => {
    const name = sqlName(field.name);
    if (!DataType.isUtf8(field.type)) {
      select.push(name);
      return { column: select.length - 1 };
    }
    const pieces = Array.from({ length: PIECES }, (_, k) => select.push(`substr(${name}, ${k * INLINE + 1}, ${INLINE})`) - 1);
    select.push(`case when strlen(${name}) > ${PIECES * INLINE} or strlen(${name}) <> length(${name}) then ${name} end`);
    return { pieces, whole: select.length - 1 };
  });
  return { sql: `select ${select.join(', ')} from (${from})`, schema, carriers };
}

/**
 * A chunk of an {@link arrowQuery}'s result as an Arrow record batch, built from the chunk's vectors: the validity masks
 * (DuckDB's 64-bit words and Arrow's bitmaps are the same bytes on a little-endian machine) and fixed-width values are
 * copied whole, strings are gathered into one buffer; no value becomes a JS value.
 */
export function recordBatchOfChunk(chunk: DuckDBDataChunk, query: ArrowQuery): RecordBatch {
  const length = chunk.rowCount;
  const vector = (k: number) => duckdb.data_chunk_get_vector(chunk.chunk, k);
  const children = query.schema.fields.map((field, i) => {
    const carrier = query.carriers[i]!;
    return 'column' in carrier
      ? fixed(vector(carrier.column), field.type, length)
      : text(carrier.pieces.map(vector), vector(carrier.whole), field.type, length);
  });
  return new RecordBatch(query.schema, makeData({ type: new Struct(query.schema.fields), length, nullCount: 0, children }));
}

function fixed(vector: duckdb.Vector, type: DataType, length: number): Data {
  const width = widthOf(type);
  if (width === undefined) throw new Error(`no copy from DuckDB into an Arrow ${String(type)} column`);
  const nullBitmap = bitmapOf(vector, length);
  const data = duckdb.vector_get_data(vector, length * width).slice();
  return makeData({ type, length, nullCount: nullBitmap ? -1 : 0, nullBitmap, data } as never);
}

function text(pieceVectors: duckdb.Vector[], wholeVector: duckdb.Vector, type: DataType, length: number): Data {
  if (!DataType.isUtf8(type)) throw new Error(`no copy from DuckDB into an Arrow ${String(type)} column`);
  // A piece is null exactly where the value is.
  const nullBitmap = bitmapOf(pieceVectors[0]!, length);
  const pieces = pieceVectors.map((v) => duckdb.vector_get_data(v, length * STRING_T));
  const whole = duckdb.vector_get_data(wholeVector, length * STRING_T);
  const wholeSet = bitmapOf(wholeVector, length);
  const valueOffsets = new Int32Array(length + 1);
  let total = 0;
  for (let row = 0; row < length; row++) {
    valueOffsets[row] = total;
    if (!isSet(nullBitmap, row)) continue;
    if (wholeSet === undefined || isSet(wholeSet, row)) total += lengthAt(whole, row);
    else for (const raw of pieces) total += lengthAt(raw, row);
  }
  valueOffsets[length] = total;
  const data = new Uint8Array(total);
  for (let row = 0; row < length; row++) {
    let at = valueOffsets[row]!;
    if (at === valueOffsets[row + 1]) continue;
    if (wholeSet === undefined || isSet(wholeSet, row)) {
      copyString(whole, row, lengthAt(whole, row), data, at);
      continue;
    }
    for (const raw of pieces) {
      const size = lengthAt(raw, row);
      copyString(raw, row, size, data, at);
      at += size;
    }
  }
  return makeData({ type, length, nullCount: nullBitmap ? -1 : 0, nullBitmap, valueOffsets, data } as never);
}

/** The bytes an Arrow IPC writer writes, held until taken (the writer's own queue would grow ahead of a slow client). */
class HeldBytes extends AsyncByteQueue {
  private held: Uint8Array[] = [];
  override write(value: Uint8Array): void {
    this.held.push(value);
  }
  take(): Buffer {
    const bytes = Buffer.concat(this.held);
    this.held = [];
    return bytes;
  }
}

/**
 * An Arrow IPC stream of `schema`, message by message: `batch` gives the bytes of one record batch (after the schema's, the
 * first time), `end` those that end the stream (the schema's too when there was no batch); the caller sends them at its
 * own pace.
 */
export function ipcStream(schema: Schema): { batch(batch: RecordBatch): Buffer; end(): Buffer } {
  const sink = new HeldBytes();
  const writer = new RecordBatchStreamWriter();
  writer.reset(sink, schema);
  return {
    batch(batch) {
      writer.write(batch);
      return sink.take();
    },
    end() {
      // The schema's bytes are written at once (an empty answer is still a stream with its schema), the end marker here.
      void writer.close();
      return sink.take();
    }
  };
}
