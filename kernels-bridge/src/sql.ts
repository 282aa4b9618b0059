import type { Table } from 'apache-arrow';

/** Options of {@link sql}. */
export interface SqlOptions {
  /** Assets to query, by view name: `{ reaches: 'http://gateway/assets/products/....parquet' }`. */
  assets?: Record<string, string>;
  /** API key or hub token for the gateway's assets. */
  token?: string;
}

const isNode = typeof process !== 'undefined' && !!(process as { versions?: { node?: string } }).versions?.node && typeof window === 'undefined';

/**
 * SQL over GeoParquet assets, answered as an Apache Arrow table. In the Node kernel the native DuckDB
 * answers (Parquet built in, local copies of the assets); in the browser, DuckDB-WASM reads the assets
 * by HTTP range requests (the page tells it where its files are with `configureWasm`, as the swath viewer does).
 */
export async function sql(query: string, options: SqlOptions = {}): Promise<Table> {
  if (!isNode) {
    const { sqlWasm } = await import('./sql-wasm.js');
    return sqlWasm(query, options.assets ?? {}, options.token);
  }
  // NOTE: never bundled for a browser (native module).
  const { sqlNode } = await import(/* webpackIgnore: true */ './sql-node.js');
  return sqlNode(query, options.assets ?? {}, options.token);
}

/** A numeric column as a typed array (no per-row objects). */
export function column(table: Table, name: string): Float64Array | Int32Array | BigInt64Array | unknown[] {
  const vector = table.getChild(name);
  if (!vector) throw new Error(`no column "${name}"; columns: ${table.schema.fields.map((f) => f.name).join(', ')}`);
  return vector.toArray() as Float64Array | Int32Array | BigInt64Array | unknown[];
}

/** A numeric column as a Float64Array, whatever its Parquet type (nulls become NaN). */
export function numbers(table: Table, name: string): Float64Array {
  const vector = table.getChild(name);
  if (!vector) throw new Error(`no column "${name}"; columns: ${table.schema.fields.map((f) => f.name).join(', ')}`);
  const out = new Float64Array(vector.length);
  for (let i = 0; i < vector.length; i++) {
    const v = vector.get(i) as number | bigint | null;
    out[i] = v === null || v === undefined ? NaN : Number(v);
  }
  return out;
}

/** Rows as plain objects (for small results: tables, printing). */
export function rows(table: Table): Record<string, unknown>[] {
  return table.toArray().map((r) => r.toJSON() as Record<string, unknown>);
}
