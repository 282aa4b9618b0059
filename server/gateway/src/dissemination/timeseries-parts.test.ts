import { describe, expect, it } from 'vitest';
import { TIER_RATIO, tierInputs } from './timeseries-parts.js';

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
