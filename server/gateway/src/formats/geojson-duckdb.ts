import duckdb from '@duckdb/node-bindings';
import type { DuckDBDataChunk } from '@duckdb/node-api';
import { bitmapOf, copyString, isSet, lengthAt, sqlName, sqlText } from './duckdb-vectors.js';
import { fromWkb } from './wkb.js';

/**
 * The query of GeoJSON features over `from` (a query with the properties' columns and a WKB geometry column): each row's
 * properties as one JSON object written by DuckDB (non-finite floats as nulls, as JSON has no NaN), the geometry's hash
 * and the geometry. The projection runs after `from`'s ORDER BY and keeps its order.
 */
export function geojsonQuery(from: string, properties: { name: string; float: boolean }[], geometry: string): string {
  const pairs = properties.map(
    ({ name, float }) => `${sqlText(name)}, ${float ? `case when isfinite(${sqlName(name)}) then ${sqlName(name)} end` : sqlName(name)}`
  );
  const g = sqlName(geometry);
  return `select json_object(${pairs.join(', ')})::varchar, case when ${g} is null then null else hash(${g}) end, ${g} from (${from})`;
}

const HEAD = Buffer.from('{"type":"Feature","properties":');
const MID = Buffer.from(',"geometry":');
const TAIL = Buffer.from('}');
const NULL = Buffer.from('null');
const COMMA = 0x2c;

/** Geometries kept as GeoJSON text across chunks, by their hash (a feature's geometry repeats with its observations). */
const KEPT = 20_000;

/**
 * The features of a {@link geojsonQuery}'s chunks as GeoJSON text, comma-separated across chunks: the properties' JSON as
 * DuckDB wrote it, each distinct geometry turned into GeoJSON once (consecutive rows of a feature share it), assembled as
 * bytes (no row turned into JS values).
 */
export class GeoJsonFeatures {
  private readonly geometries = new Map<bigint, Buffer>();
  private first = true;

  chunk(chunk: DuckDBDataChunk): Buffer {
    const n = chunk.rowCount;
    const vector = (k: number) => duckdb.data_chunk_get_vector(chunk.chunk, k);
    const properties = duckdb.vector_get_data(vector(0), n * 16);
    const propertiesSet = bitmapOf(vector(0), n);
    const hashBytes = duckdb.vector_get_data(vector(1), n * 8);
    const hashes = new DataView(hashBytes.buffer, hashBytes.byteOffset, hashBytes.byteLength);
    const hashSet = bitmapOf(vector(1), n);
    const wkb = duckdb.vector_get_data(vector(2), n * 16);
    const geometries = new Array<Buffer>(n);
    let lo = -1;
    let hi = -1;
    let last: Buffer = NULL;
    let total = this.first ? -1 : 0;
    for (let row = 0; row < n; row++) {
      if (!isSet(hashSet, row)) geometries[row] = NULL;
      else {
        const l = hashes.getUint32(row * 8, true);
        const h = hashes.getUint32(row * 8 + 4, true);
        if (l !== lo || h !== hi) {
          lo = l;
          hi = h;
          last = this.geometry((BigInt(h) << 32n) | BigInt(l), wkb, row);
        }
        geometries[row] = last;
      }
      total += 1 + HEAD.length + (isSet(propertiesSet, row) ? lengthAt(properties, row) : NULL.length) + MID.length + geometries[row]!.length + TAIL.length;
    }
    const out = Buffer.allocUnsafe(total);
    let at = 0;
    for (let row = 0; row < n; row++) {
      if (!this.first) out[at++] = COMMA;
      this.first = false;
      at += HEAD.copy(out, at);
      if (isSet(propertiesSet, row)) {
        const size = lengthAt(properties, row);
        copyString(properties, row, size, out, at);
        at += size;
      } else at += NULL.copy(out, at);
      at += MID.copy(out, at);
      at += geometries[row]!.copy(out, at);
      at += TAIL.copy(out, at);
    }
    return out;
  }

  /** The GeoJSON text of the geometry at `row`, turned from its WKB the first time its hash is seen. */
  private geometry(hash: bigint, wkb: Uint8Array, row: number): Buffer {
    const kept = this.geometries.get(hash);
    if (kept) return kept;
    const size = lengthAt(wkb, row);
    const bytes = new Uint8Array(size);
    copyString(wkb, row, size, bytes, 0);
    const text = Buffer.from(JSON.stringify(fromWkb(bytes)));
    if (this.geometries.size >= KEPT) this.geometries.clear();
    this.geometries.set(hash, text);
    return text;
  }
}
