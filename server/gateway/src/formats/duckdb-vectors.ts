import duckdb from '@duckdb/node-bindings';

/** A name as a quoted SQL identifier (quotes doubled). */
export const sqlName = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A text as an SQL string literal (quotes doubled). */
export const sqlText = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** DuckDB's `string_t` (VARCHAR and BLOB values): 16 bytes, the length first; up to 12 bytes are inline, longer ones behind a pointer. */
export const STRING_T = 16;
export const INLINE = 12;

/** A vector's validity as an Arrow bitmap, or undefined when it has no nulls (the bits past `length` are ignored). */
export function bitmapOf(vector: duckdb.Vector, length: number): Uint8Array | undefined {
  const words = duckdb.vector_get_validity(vector, Math.ceil(length / 64) * 8);
  return words ? words.slice(0, Math.ceil(length / 8)) : undefined;
}

/** Whether a row is valid (not null) in a bitmap of {@link bitmapOf}. */
export const isSet = (bitmap: Uint8Array | undefined, row: number) => !bitmap || ((bitmap[row >> 3]! >> (row & 7)) & 1) === 1;

/** The byte length of the string at `row` of a VARCHAR or BLOB vector's data. */
export const lengthAt = (raw: Uint8Array, row: number) =>
  raw[row * STRING_T]! | (raw[row * STRING_T + 1]! << 8) | (raw[row * STRING_T + 2]! << 16) | (raw[row * STRING_T + 3]! << 24);

/** Copies the bytes of the string at `row` of a vector's data (inline, or behind its pointer: a native call). */
export function copyString(raw: Uint8Array, row: number, size: number, into: Uint8Array, at: number): void {
  const from = row * STRING_T;
  if (size <= INLINE) for (let k = 0; k < size; k++) into[at + k] = raw[from + 4 + k]!;
  else into.set(duckdb.get_data_from_pointer(raw.buffer as ArrayBuffer, raw.byteOffset + from + 8, size), at);
}
