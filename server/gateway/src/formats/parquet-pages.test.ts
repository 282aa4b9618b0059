import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { Encoding, PageFileWriter, PhysicalType, definitionLevels, type Page } from './parquet-pages.js';

let dir: string;
let db: DuckDBConnection;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-pages-'));
  db = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A page of 32-bit integers (null where `null` says), plain and gzip-compressed. */
function intPage(values: (number | null)[]): Page {
  const kept = Int32Array.from(values.filter((v): v is number => v !== null));
  const plain = new Uint8Array(kept.buffer);
  return {
    rows: values.length,
    nulls: values.length - kept.length,
    encoding: Encoding.PLAIN,
    levels: definitionLevels(
      values.length,
      Uint8Array.from(values, (v) => (v === null ? 0 : 1))
    ),
    values: gzipSync(plain),
    rawBytes: plain.length
  };
}

/** A page of doubles, without nulls. */
function doublePage(values: number[]): Page {
  const plain = new Uint8Array(Float64Array.from(values).buffer);
  return {
    rows: values.length,
    nulls: 0,
    encoding: Encoding.PLAIN,
    levels: definitionLevels(values.length, null),
    values: gzipSync(plain),
    rawBytes: plain.length
  };
}

const columns = [
  { name: 'a', type: PhysicalType.INT32 },
  { name: 'b', type: PhysicalType.DOUBLE },
  { name: 'c', type: PhysicalType.INT32, logical: { int: { bits: 16 as const, signed: true } } }
];

describe('PageFileWriter', () => {
  it("writes a row group's column chunks in the order they come; DuckDB and Arrow's reader find each by its offset", async () => {
    const file = path.join(dir, 'any-order.parquet');
    const writer = new PageFileWriter(file, columns);
    // Row group 0 in schema order, 1 in reverse, its column b in two pages.
    writer.rowGroup(3, [{ pages: [intPage([1, null, 3])] }, { pages: [doublePage([0.5, 1.5, 2.5])] }, { pages: [intPage([-1, -2, null])] }]);
    writer.chunk(2, [intPage([-4, null])]);
    writer.chunk(1, [doublePage([3.5]), doublePage([4.5])]);
    writer.chunk(0, [intPage([4, 5])]);
    writer.endRowGroup(2);
    await writer.close({ note: 'test' });

    const expected = [
      { a: 1, b: 0.5, c: -1 },
      { a: null, b: 1.5, c: -2 },
      { a: 3, b: 2.5, c: null },
      { a: 4, b: 3.5, c: -4 },
      { a: 5, b: 4.5, c: null }
    ];
    const duck = (await db.runAndReadAll(`select a, b, c from '${file}'`)).getRowObjectsJson();
    expect(duck).toEqual(expected);
    // The second row group's chunks lie after the first's, c before b before a.
    const meta = (
      await db.runAndReadAll(`select row_group_id g, path_in_schema p, data_page_offset o from parquet_metadata('${file}') order by g, o`)
    ).getRowObjectsJson();
    expect(meta.map((m) => `${m['g']}${m['p']}`)).toEqual(['0a', '0b', '0c', '1c', '1b', '1a']);
    const arrow = tableFromIPC(parquet.readParquet(new Uint8Array(await readFile(file))).intoIPCStream());
    expect(arrow.toArray().map((r) => ({ a: r.a, b: r.b, c: r.c }))).toEqual(expected);
  });

  it('refuses a row group without every column, or with a column twice', () => {
    const writer = new PageFileWriter(path.join(dir, 'refused.parquet'), columns);
    writer.chunk(0, [intPage([1])]);
    expect(() => writer.chunk(0, [intPage([2])])).toThrow(/already in the row group/);
    writer.chunk(1, [doublePage([1])]);
    expect(() => writer.endRowGroup(1)).toThrow(/c is missing/);
    writer.chunk(2, [intPage([1, 2])]);
    expect(() => writer.endRowGroup(1)).toThrow(/does not hold the row group's rows/);
    void writer.abort();
  });
});
