import { describe, expect, it } from 'vitest';
import type { Item } from '@hysope/api';
import type { Chunk, Filters } from './data.js';
import { ViewerModel, type Loader } from './model.js';

const item = (id: string, cycle: number | null, collection = 'swot-riversp-reach'): Item =>
  ({ type: 'Feature', id, collection, properties: cycle === null ? {} : { 'swot:cycle': cycle }, assets: {}, links: [], geometry: null }) as unknown as Item;

const chunk = (values: number[]): Chunk => ({
  count: values.length,
  positions: new Float64Array(values.length * 2),
  values: { wse: Float64Array.from(values) },
  ids: { get: (i: number) => `r${i}` }
});

/** A loader that serves chunks from a table and records what it was asked. */
function loader(table: Record<string, number[][]>, asked: { id: string; filters: Filters }[] = [], fail = new Set<string>()): Loader {
  return (async (it: Item, filters: Filters, o: { onChunk(c: Chunk): void; onProgress?(f: number): void }) => {
    asked.push({ id: it.id, filters });
    if (fail.has(it.id)) throw new Error(`cannot read ${it.id}`);
    for (const v of table[it.id] ?? []) o.onChunk(chunk(v));
    o.onProgress?.(1);
    return { kind: 'reach', rows: 0 };
  }) as unknown as Loader;
}

describe('the viewer model', () => {
  it('groups items by cycle, steps and wraps around, and reads only the cycle shown', async () => {
    const asked: { id: string; filters: Filters }[] = [];
    const m = new ViewerModel(loader({ a: [[1, 2]], b: [[3]], c: [[4]] }, asked));
    const changes: string[] = [];
    m.changed.connect((_, c) => changes.push(c));
    m.setTarget({ items: [item('c', 3), item('a', 1), item('b', 2)] });
    expect(m.cycles).toEqual([1, 2, 3]);
    expect(m.cycle).toBe(1);
    expect(changes).toEqual(['shown']);
    await m.reload(undefined, {});
    expect(asked.map((a) => a.id)).toEqual(['a']);
    expect(m.rowCounts).toEqual({ reach: 2 });
    m.stepCycle(-1);
    expect(m.cycle).toBe(3);
    m.setCycleIndex(1);
    expect(m.cycle).toBe(2);
    expect(m.shownItems().map((i) => i.id)).toEqual(['b']);
  });

  it('keeps a layer’s visibility and opacity across reloads; orders, hides and removes layers', async () => {
    const m = new ViewerModel(loader({ a: [[1]], b: [[5, 6]] }));
    m.setTarget({ items: [item('a', null), item('b', null)] });
    await m.reload(undefined, {});
    expect(m.layers.map((l) => l.item.id)).toEqual(['a', 'b']);
    m.setOpacity('a', 0.4);
    m.setVisible('b', false);
    m.maxQuality = 1;
    await m.reload([0, 0, 1, 1], {});
    expect(m.layers.map((l) => [l.item.id, l.visible, l.opacity])).toEqual([
      ['a', true, 0.4],
      ['b', false, 1]
    ]);
    // Hidden layers leave the colour scale.
    expect(m.scales().get('reach')!.range[1]).toBeLessThan(5);
    m.move('a', 1);
    expect(m.layers.map((l) => l.item.id)).toEqual(['b', 'a']);
    m.move('a', 1);
    expect(m.layers.map((l) => l.item.id)).toEqual(['b', 'a']);
    m.remove('b');
    expect(m.items.map((i) => i.id)).toEqual(['a']);
    expect(m.layers.map((l) => l.item.id)).toEqual(['a']);
  });

  it('one unreadable item is reported and the others still load; a newer reload makes an older one stop', async () => {
    const errors: string[] = [];
    const m = new ViewerModel(loader({ a: [[1]], c: [[2]] }, [], new Set(['b'])));
    m.setTarget({ items: [item('a', null), item('b', null), item('c', null)] });
    expect(await m.reload(undefined, { onError: (i, e) => errors.push(`${i.id}: ${e.message}`) })).toBe(true);
    expect(errors).toEqual(['b: cannot read b']);
    expect(m.layers.map((l) => l.chunks.length)).toEqual([1, 0, 1]);
    const first = m.reload(undefined, {});
    const second = m.reload(undefined, {});
    expect(await first).toBe(false);
    expect(await second).toBe(true);
  });

  it('compares the cycle shown with another: reads both, colours by the WSE change, stops when the cycle changes', async () => {
    const asked: { id: string; filters: Filters }[] = [];
    const m = new ViewerModel(loader({ a: [[10, 20]], b: [[9, 21]], c: [[5]] }, asked));
    m.setTarget({ items: [item('a', 1), item('b', 2), item('c', 3)] });
    m.setCompare(1);
    await m.reload(undefined, {});
    expect(asked.map((a) => a.id)).toEqual(['a', 'b']);
    expect(m.variable('reach').name).toBe('wse_change');
    expect(m.matched).toBe(2);
    expect(Array.from(m.layers[0]!.chunks[0]!.values['wse_change']!)).toEqual([1, -1]);
    m.setCycleIndex(1);
    expect(m.compareIndex).toBeNull();
    m.setCompare(null);
    expect(m.variable('reach').name).toBe('wse');
  });
});
