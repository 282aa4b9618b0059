import duckdb from '@duckdb/node-bindings';
import type { DuckDBDataChunk } from '@duckdb/node-api';
import { AsyncByteQueue, DataType, makeData, Precision, RecordBatch, RecordBatchStreamWriter, Struct, TimeUnit, type Data, type Schema } from 'apache-arrow';

/** Bytes per value of the fixed-width columns (integers, Float64, Timestamp in ms as int64), or undefined. */
function widthOf(type: DataType): number | undefined {
  if (DataType.isInt(type)) return type.bitWidth / 8;
  if (DataType.isFloat(type) && type.precision === Precision.DOUBLE) return 8;
  if (DataType.isTimestamp(type) && type.unit === TimeUnit.MILLISECOND) return 8;
  return undefined;
}

/** DuckDB's `string_t`: 16 bytes, the length first; up to 12 bytes are inline, longer strings are behind a pointer. */
const STRING_T = 16;
const INLINE = 12;

/**
 * A DuckDB result chunk as an Arrow record batch of `schema`, built from the chunk's vectors: the validity masks (DuckDB's
 * 64-bit words and Arrow's bitmaps are the same bytes on a little-endian machine) and fixed-width values are copied whole,
 * strings are gathered into one buffer; no value becomes a JS value. The chunk's columns must be those of the schema, in
 * its order, of the DuckDB type laid out as each Arrow type is: INTEGER for Int32, BIGINT for Int64, DOUBLE for Float64,
 * BIGINT (epoch ms) for Timestamp in ms, VARCHAR for Utf8.
 */
export function recordBatchOfChunk(chunk: DuckDBDataChunk, schema: Schema): RecordBatch {
  const length = chunk.rowCount;
  const children = schema.fields.map((field, i) => column(duckdb.data_chunk_get_vector(chunk.chunk, i), field.type, length));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));
}

function column(vector: duckdb.Vector, type: DataType, length: number): Data {
  const words = duckdb.vector_get_validity(vector, Math.ceil(length / 64) * 8);
  // A vector without a mask has no nulls; the mask's bits past `length` are ignored by Arrow's count.
  const nullBitmap = words ? words.slice(0, Math.ceil(length / 8)) : undefined;
  const nullCount = nullBitmap ? -1 : 0;
  const width = widthOf(type);
  if (width !== undefined) {
    const data = duckdb.vector_get_data(vector, length * width).slice();
    return makeData({ type, length, nullCount, nullBitmap, data } as never);
  }
  if (!DataType.isUtf8(type)) throw new Error(`no copy from DuckDB into an Arrow ${String(type)} column`);
  const raw = duckdb.vector_get_data(vector, length * STRING_T);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const valid = (row: number) => !nullBitmap || (nullBitmap[row >> 3]! >> (row & 7)) & 1;
  const valueOffsets = new Int32Array(length + 1);
  let total = 0;
  for (let row = 0; row < length; row++) {
    valueOffsets[row] = total;
    if (valid(row)) total += view.getUint32(row * STRING_T, true);
  }
  valueOffsets[length] = total;
  const data = new Uint8Array(total);
  for (let row = 0; row < length; row++) {
    const start = valueOffsets[row]!;
    const size = valueOffsets[row + 1]! - start;
    if (size === 0) continue;
    const at = row * STRING_T;
    if (size <= INLINE) for (let k = 0; k < size; k++) data[start + k] = raw[at + 4 + k]!;
    else data.set(duckdb.get_data_from_pointer(raw.buffer as ArrayBuffer, raw.byteOffset + at + 8, size), start);
  }
  return makeData({ type, length, nullCount, nullBitmap, valueOffsets, data } as never);
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
