import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  Binary,
  Bool,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  TimestampMillisecond,
  Utf8,
  makeTable,
  vectorFromArray,
  type DataType,
  type Table
} from 'apache-arrow';

/** Where downloaded assets are cached (validated by ETag on every use). */
const CACHE = process.env['HYSOPE_ASSET_CACHE'] ?? path.join(os.tmpdir(), 'hysope-asset-cache');

/**
 * A local copy of an asset URL. Native DuckDB cannot read http:// offline (httpfs is an extension that
 * may not be downloaded), so the Node kernel keeps a copy, revalidated with If-None-Match.
 */
export async function localCopy(url: string, token?: string): Promise<string> {
  await mkdir(CACHE, { recursive: true });
  const key = createHash('sha256').update(url).digest('hex').slice(0, 32);
  const file = path.join(CACHE, `${key}${path.extname(new URL(url).pathname) || '.bin'}`);
  const etagFile = `${file}.etag`;
  const etag = await readFile(etagFile, 'utf8').catch(() => null);
  const headers: Record<string, string> = {};
  if (etag) headers['If-None-Match'] = etag;
  if (token) headers['Authorization'] = `token ${token}`;
  const res = await fetch(url, { headers, cache: 'no-store' } as RequestInit);
  if (res.status === 304) return file;
  if (!res.ok) throw new Error(`cannot read ${url}: HTTP ${res.status}`);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, new Uint8Array(await res.arrayBuffer()));
  await rename(tmp, file);
  const newEtag = res.headers.get('etag');
  if (newEtag) await writeFile(etagFile, newEtag);
  return file;
}

function arrowType(duckType: string): DataType {
  const t = duckType.toUpperCase();
  if (t === 'DOUBLE') return new Float64();
  if (t === 'FLOAT') return new Float32();
  if (t === 'INTEGER') return new Int32();
  if (t === 'SMALLINT') return new Int16();
  if (t === 'TINYINT') return new Int8();
  if (t === 'BIGINT' || t === 'HUGEINT' || t === 'UBIGINT') return new Int64();
  if (t === 'BOOLEAN') return new Bool();
  if (t === 'BLOB') return new Binary();
  if (t.startsWith('TIMESTAMP') || t === 'DATE') return new TimestampMillisecond('UTC');
  return new Utf8();
}

/**
 * Runs SQL with native DuckDB (Parquet built in) over the given assets, each registered as a view of
 * its name, and returns an Apache Arrow table.
 */
export async function sqlNode(query: string, assets: Record<string, string>, token?: string): Promise<Table> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  for (const [name, url] of Object.entries(assets)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`asset names are SQL identifiers, got "${name}"`);
    const file = /^https?:/.test(url) ? await localCopy(url, token) : url;
    await connection.run(`create view ${name} as select * from read_parquet('${file.replace(/'/g, "''")}')`);
  }
  const reader = await connection.runAndReadAll(query);
  const names = reader.columnNames();
  const types = reader.columnTypes().map((t) => arrowType(t.toString()));
  const columns = reader.getColumnsJS();
  const vectors = Object.fromEntries(
    names.map((n, i) => {
      const type = types[i]!;
      const values = (columns[i] as unknown[]).map((v) =>
        v instanceof Date
          ? v.getTime()
          : typeof v === 'bigint' && !(type instanceof Int64)
            ? Number(v)
            : v && typeof v === 'object' && 'micros' in (v as object)
              ? Number((v as { micros: bigint }).micros) / 1000
              : v
      );
      return [n, vectorFromArray(values as never, type as never)];
    })
  );
  connection.closeSync?.();
  return makeTable(vectors as never) as unknown as Table;
}
