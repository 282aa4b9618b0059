import { describe, expect, it } from 'vitest';
import { PageMemory } from './pixel-pages.js';

describe('PageMemory', () => {
  it('hands back memory once given back (the smallest that fits), new memory otherwise, and keeps a bounded amount', () => {
    const memory = new PageMemory();
    const a = memory.take(3_000_000);
    const b = memory.take(100_000);
    expect(a.byteLength).toBeGreaterThanOrEqual(3_000_000);
    expect(a.buffer).not.toBe(b.buffer);
    memory.give([a.buffer as ArrayBuffer, b.buffer as ArrayBuffer]);
    // The smallest free memory that fits: b's for a small page, a's for a large one, then new memory.
    expect(memory.take(50_000).buffer).toBe(b.buffer);
    expect(memory.take(2_000_000).buffer).toBe(a.buffer);
    expect(memory.take(2_000_000).buffer).not.toBe(a.buffer);
    // Given back beyond what it keeps: the largest pieces are kept, up to the bound.
    const many = Array.from({ length: 40 }, () => memory.take(8 << 20).buffer as ArrayBuffer);
    memory.give(many);
    const kept = new Set<ArrayBuffer>();
    for (let i = 0; i < 40; i++) kept.add(memory.take(8 << 20).buffer as ArrayBuffer);
    const reused = many.filter((m) => kept.has(m)).length;
    expect(reused * (8 << 20)).toBeLessThanOrEqual(PageMemory.KEPT);
    expect(reused).toBeGreaterThan(0);
  });
});
