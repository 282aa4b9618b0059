import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Bool, Field, Float64, Int32, Int64, Schema, TimestampMillisecond, Utf8, tableFromIPC, type RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrowQuery, ipcStream, recordBatchOfChunk } from './arrow-duckdb.js';

const SCHEMA = new Schema([
  new Field('i', new Int32(), true),
  new Field('big', new Int64(), true),
  new Field('x', new Float64(), true),
  new Field('t', new TimestampMillisecond('UTC'), true),
  new Field('s', new Utf8(), true)
]);

// 5,000 rows (three DuckDB chunks, a last one partial), nulls at different periods per column; ASCII strings of 0 to 40
// bytes (one piece, two pieces, whole) and longer, multi-byte UTF-8 short (inline) and long.
const SQL = `select
  case when k % 7 = 0 then null else (k - 2500) * 3 end::integer as i,
  case when k % 11 = 0 then null else k * 4000000000 - 9007199254740000 end::bigint as big,
  case when k % 13 = 0 then null when k % 17 = 0 then 'nan'::double else k / 3.0 - 100 end::double as x,
  case when k % 5 = 0 then null else epoch_ms(timestamp '2023-07-01 00:00:00' + to_milliseconds(k * 1234567)) end::bigint as t,
  case when k % 9 = 0 then null when k % 9 = 1 then '' when k % 9 = 2 then 'Rhône' || k when k % 9 = 3 then 'a-string-long-enough-to-leave-the-inline-part-' || k
       when k % 9 = 4 then 'Saint-Laurent – Grands Lacs ' || k else left(repeat(k::varchar || '-', 20), (k % 41)::integer) end::varchar as s
  from range(5000) r(k) order by k`;

describe('Arrow record batches copied from DuckDB result chunks', () => {
  let duck: DuckDBConnection;
  beforeAll(async () => {
    duck = await (await DuckDBInstance.create(':memory:')).connect();
  });
  afterAll(() => duck?.closeSync());

  async function batches(sql: string, schema = SCHEMA): Promise<RecordBatch[]> {
    const query = arrowQuery(schema, sql);
    const result = await duck.stream(query.sql);
    const out: RecordBatch[] = [];
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) out.push(recordBatchOfChunk(chunk, query));
    return out;
  }

  it('hold the values and nulls DuckDB gives as JS values, through an IPC stream read back', async () => {
    const expected = (await duck.runAndReadAll(SQL)).getRowObjectsJS();
    const got = await batches(SQL);
    expect(got.length).toBeGreaterThan(2);
    const ipc = ipcStream(SCHEMA);
    const bytes = Buffer.concat([...got.map((b) => ipc.batch(b)), ipc.end()]);
    const table = tableFromIPC(bytes);
    expect(table.numRows).toBe(5000);
    expect(table.schema.fields.map((f) => String(f.type))).toEqual(SCHEMA.fields.map((f) => String(f.type)));
    let nulls = 0;
    for (let k = 0; k < 5000; k++) {
      const row = table.get(k)!.toJSON() as Record<string, unknown>;
      const want = expected[k]!;
      nulls += Object.values(row).filter((v) => v === null).length;
      expect(row['i']).toBe(want['i']);
      expect(row['big']).toBe(want['big'] === null ? null : BigInt(want['big'] as bigint));
      expect(row['x']).toBe(want['x']);
      expect(row['t']).toBe(want['t'] === null ? null : Number(want['t']));
      expect(row['s']).toBe(want['s']);
    }
    expect(nulls).toBe(table.schema.fields.reduce((n, f) => n + table.getChild(f.name)!.nullCount, 0));
    expect(table.getChild('i')!.nullCount).toBe(715);
    const strings = table.getChild('s')!.toArray() as (string | null)[];
    expect(strings).toContain('Rhône2');
    expect(strings).toContain('Saint-Laurent – Grands Lacs 4');
    expect(new Set(strings.map((v) => v?.length)).size).toBeGreaterThan(40);
  });

  it('an empty stream still carries its schema', () => {
    const table = tableFromIPC(ipcStream(SCHEMA).end());
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['i', 'big', 'x', 't', 's']);
  });

  it('refuses a column type it cannot copy', async () => {
    await expect(batches(`select true as f`, new Schema([new Field('f', new Bool(), true)]))).rejects.toThrow(/no copy from DuckDB into an Arrow Bool column/);
  });
});
