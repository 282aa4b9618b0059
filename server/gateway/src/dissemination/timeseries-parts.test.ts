import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { TIER_RATIO, partFiles, partFilesFor, pieceRows, tierInputs, writeCompacted } from './timeseries-parts.js';
import { idPrefixSql } from './timeseries-store.js';

/** A bucket's compacted parts (their rows) after ingests of `sizes` rows, each compacted as it comes. */
function simulate(sizes: number[]): { parts: number[]; written: number; maxParts: number } {
  let parts: { path: string; rows: number }[] = [];
  let written = 0;
  let maxParts = 0;
  sizes.forEach((n, i) => {
    const inputs = tierInputs(parts, n);
    const rows = n + inputs.reduce((s, p) => s + p.rows, 0);
    parts = [...parts.filter((p) => !inputs.includes(p)), { path: String(i), rows }];
    written += rows;
    maxParts = Math.max(maxParts, parts.length);
  });
  return { parts: parts.map((p) => p.rows), written, maxParts };
}

describe('tiered compaction of a time-series bucket', () => {
  it('picks the smallest compacted parts while each holds at most the ratio times the rows merged so far', () => {
    const parts = [
      { path: 'big', rows: 2000 },
      { path: 'small', rows: 30 },
      { path: 'mid', rows: 200 }
    ];
    expect(tierInputs(parts, 10).map((p) => p.path)).toEqual(['small']); // 30 <= 40; then 200 > 4 x 40
    expect(tierInputs(parts, 50).map((p) => p.path)).toEqual(['small', 'mid']); // 30 <= 200; 200 <= 4 x 80; 2000 > 4 x 280
    expect(tierInputs(parts, 1).map((p) => p.path)).toEqual([]);
    // Nothing waiting: an operator's compaction folds the bucket into one part.
    expect(tierInputs(parts, 0).map((p) => p.path)).toEqual(['small', 'mid', 'big']);
    expect(TIER_RATIO).toBe(4);
  });

  it('writes each row a few times in all and keeps a few parts, where merging everything rewrote the bucket at each ingest', () => {
    // 600 ingests into one basin (years of SWOT passes), a granule's rows in it varying from 40 to 80.
    const sizes = Array.from({ length: 600 }, (_, i) => 40 + ((i * 37) % 41));
    const total = sizes.reduce((a, b) => a + b, 0);
    const tiered = simulate(sizes);
    expect(tiered.parts.reduce((a, b) => a + b, 0)).toBe(total);
    const wholeBucket = sizes.reduce((s, _, i) => s + sizes.slice(0, i + 1).reduce((a, b) => a + b, 0), 0);
    expect(tiered.written / total).toBeLessThan(12);
    expect(wholeBucket / total).toBeGreaterThan(250);
    expect(tiered.maxParts).toBeLessThanOrEqual(5);
    // A backfill compacted in batches coalesces further.
    const batched = simulate(Array.from({ length: 20 }, () => 36 * 60));
    expect(batched.maxParts).toBeLessThanOrEqual(3);
  });
});

describe('a bucket of ids as a range the Parquet reader can prune by', () => {
  it('keeps exactly the ids that start with the prefix, and reads only the row groups holding them', async () => {
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const ids = ['7104999', '7105', '71050', '7105999', '7106', '710', '71', "x'y", "x'y1", "x'z", '\u00e9a', '\u00e9a\u00e9', '\u00eaa'];
    await duck.run(`create table t as select unnest([${ids.map((i) => `'${i.replace(/'/g, "''")}'`).join(', ')}]) as id`);
    for (const prefix of ['7105', '710', "x'y", '\u00e9a', '']) {
      const kept = (await duck.runAndReadAll(`select id from t where ${idPrefixSql('id', prefix)} order by id`)).getRows().map((r) => r[0]);
      expect(kept, prefix).toEqual(ids.filter((i) => i.startsWith(prefix)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    }
    // A file sorted by id in ~50 row groups, and every row group a whole prefix away from 0042 damaged (DuckDB may
    // read a neighbour: it compares 8-byte prefixes of the statistics): the query answers, so it never read them.
    const file = path.join(os.tmpdir(), `prefix-${process.pid}.parquet`);
    await duck.run(
      `copy (select lpad((i // 1000)::varchar, 4, '0') || lpad(i::varchar, 6, '0') as id from range(100000) r(i) order by id) to '${file}' (format parquet, row_group_size 1000, compression uncompressed)`
    );
    const pages = (
      await duck.runAndReadAll(
        `select row_group_id, coalesce(dictionary_page_offset, data_page_offset), total_compressed_size from parquet_metadata('${file}') where stats_max_value < '0041' or stats_min_value >= '0044'`
      )
    ).getRows();
    expect(pages.length).toBeGreaterThan(40);
    const fd = openSync(file, 'r+');
    for (const [, offset, size] of pages) writeSync(fd, Buffer.alloc(Number(size), 0xff), 0, Number(size), Number(offset));
    closeSync(fd);
    try {
      const count = async (where: string) => Number((await duck.runAndReadAll(`select count(*) from read_parquet('${file}') where ${where}`)).getRows()[0]![0]);
      await expect(count(`starts_with(id, '0042')`)).rejects.toThrow();
      expect(await count(idPrefixSql('id', '0042'))).toBe(1000);
    } finally {
      rmSync(file, { force: true });
    }
  });
});

describe('a compacted part written in pieces of consecutive feature ids', () => {
  it('cuts a bucket into sorted pieces of bounded rows, each feature in one piece, and a query reads only the pieces that may hold its features', async () => {
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pieces-'));
    try {
      // 3,000 nodes of 100 observations, and one observed 70,000 times (more than a piece holds), in no order.
      const heavy = '72000000001500';
      const source = path.join(dir, 'source.parquet');
      await duck.run(
        `copy (select * from (select '72' || lpad((i % 3000)::varchar, 12, '0') as node_id, '2024-' || lpad((i // 3000)::varchar, 6, '0') as range_start_time,
                      'PIC0' as crid, 'g' || i as granuleUR, i as k from range(300000) r(i)
               union all select '${heavy}', '2023-' || lpad(i::varchar, 6, '0'), 'PIC0', 'h' || i, -1 - i from range(70000) r(i)
               ) order by hash(k)) to '${source}' (format parquet)`
      );
      const total = 370000;
      const part = { path: 'part', pieces: await writeCompacted(duck, 'Node', `select * from read_parquet('${source}')`, total, path.join(dir, 'part')) };
      const file = (rel: string) => `'${path.join(dir, rel)}'`;
      const files = partFiles(part);
      expect(files.length).toBeGreaterThan(Math.floor(total / pieceRows('Node')) - 2);
      expect(part.pieces.reduce((n, p) => n + p.rows, 0)).toBe(total);
      expect(part.pieces[0]!.lo).toBeNull();
      expect(part.pieces.at(-1)!.hi).toBeNull();
      const seen = new Map<string, number>();
      for (const [k, rel] of files.entries()) {
        const { lo, hi, rows } = part.pieces[k]!;
        // Consecutive ranges, each piece's rows inside its own, sorted by id then time, and as many as it says.
        if (k > 0) expect(lo).toBe(part.pieces[k - 1]!.hi);
        const stats = (
          await duck.runAndReadAll(
            `select count(*)::int as n, min(node_id) as lo, max(node_id) as hi, count(*) filter (where pid > node_id or (pid = node_id and pt > range_start_time))::int as unsorted,
                    count(*) filter (where node_id <> '${heavy}')::int as others
             from (select node_id, range_start_time, lag(node_id) over w as pid, lag(range_start_time) over w as pt
                   from read_parquet(${file(rel)}, file_row_number = true) window w as (order by file_row_number))`
          )
        ).getRowObjectsJS()[0]!;
        expect(stats['n']).toBe(rows);
        expect(stats['unsorted']).toBe(0);
        if (lo !== null) expect(String(stats['lo']) >= lo).toBe(true);
        if (hi !== null) expect(String(stats['hi']) < hi).toBe(true);
        // Bounded: a piece holds about its share, give or take one feature's rows (the heavy one stays whole).
        expect(Number(stats['others'])).toBeLessThanOrEqual(pieceRows('Node') + 100);
        for (const [id] of (await duck.runAndReadAll(`select distinct node_id from read_parquet(${file(rel)})`)).getRows())
          seen.set(String(id), (seen.get(String(id)) ?? 0) + 1);
      }
      expect(seen.size).toBe(3000);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      // A feature's query reads the one piece holding it, and finds all its rows there; a basin prefix reads those it spans.
      const count = async (rels: string[], where: string) =>
        Number((await duck.runAndReadAll(`select count(*) from read_parquet([${rels.map(file).join(', ')}]) where ${where}`)).getRows()[0]![0]);
      for (const id of ['72000000000000', heavy, '72000000002999', '72000000002000']) {
        const read = partFilesFor(part, { ids: [id] });
        expect(read, id).toHaveLength(1);
        expect(await count(read, `node_id = '${id}'`)).toBe(id === heavy ? 70100 : 100);
      }
      expect(partFilesFor(part, { ids: ['71999999999999'] })).toHaveLength(1);
      const prefix = '72000000002';
      const spanned = partFilesFor(part, { prefix });
      expect(spanned.length).toBeLessThan(files.length);
      expect(await count(spanned, `starts_with(node_id, '${prefix}')`)).toBe(await count(files, `starts_with(node_id, '${prefix}')`));
      expect(partFilesFor(part, {})).toEqual(files);
      // A part written before pieces is one file.
      expect(partFilesFor({ path: 'old.parquet' }, { ids: [heavy] })).toEqual(['old.parquet']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
