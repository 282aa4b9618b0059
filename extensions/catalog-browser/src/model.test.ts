import type { Item, SearchBody } from '@hysope/api';
import { describe, expect, it } from 'vitest';
import { CatalogModel, EMPTY_FORM, type CatalogApi, type CatalogChange } from './model.js';
import type { Page } from './stac.js';

const item = (id: string, datetime = '2024-07-13T11:17:41Z'): Item =>
  ({ type: 'Feature', id, collection: 'c', geometry: null, bbox: [0, 0, 1, 1], properties: { datetime }, links: [], assets: {} }) as unknown as Item;

const MESSAGES = { noCatalog: () => 'no catalog', rangeReversed: () => 'reversed', noFilters: (n: string) => `${n}: no filters` };

/** A catalog answering from a list, two items a page, recording the bodies it is asked. */
function fakeCatalog(items: Item[], options: { filters?: boolean; fail?: boolean; delays?: number[] } = {}) {
  const bodies: SearchBody[] = [];
  const delays = [...(options.delays ?? [])];
  const page = (from: number): Page => ({
    items: items.slice(from, from + 2),
    matched: items.length,
    next: from + 2 < items.length ? () => Promise.resolve(page(from + 2)) : null
  });
  const api: CatalogApi = {
    source: { name: 'fake', url: 'http://fake' },
    collections: async () => [{ id: 'c', title: 'C' } as never, { id: 'd' } as never],
    filters: async () => options.filters ?? true,
    search: async (body) => {
      bodies.push(body);
      await new Promise((r) => setTimeout(r, delays.shift() ?? 0));
      if (options.fail) throw new Error('the catalog failed');
      return page(0);
    },
    datetimes: async () => items.map((i) => String(i.properties['datetime']))
  };
  return { api, bodies };
}

async function modelOn(api: CatalogApi, form = EMPTY_FORM) {
  const model = new CatalogModel(MESSAGES, () => api);
  const changes: CatalogChange[] = [];
  model.changed.connect((_, c) => changes.push(c));
  await model.setSources([api.source], form);
  return { model, changes };
}

describe('CatalogModel', () => {
  it('keeps the saved collection only if the catalog has it', async () => {
    const { api } = fakeCatalog([]);
    expect((await modelOn(api, { ...EMPTY_FORM, collection: 'd' })).model.form.collection).toBe('d');
    expect((await modelOn(api, { ...EMPTY_FORM, collection: 'gone' })).model.form.collection).toBe('');
  });

  it('searches with the form: words, collection, time range, SWOT fields as CQL2; pages; a timeline by month', async () => {
    const { api, bodies } = fakeCatalog([item('a', '2024-06-01T00:00:00Z'), item('b'), item('c2'), item('d2'), item('e')]);
    const { model, changes } = await modelOn(api);
    model.setForm({ q: ' Loire ', collection: 'c', start: '2024-01-01', end: '2024-12-31', pass: '100' });
    await model.search();
    expect(bodies[0]).toMatchObject({ q: 'Loire', collections: ['c'], datetime: '2024-01-01T00:00:00Z/2024-12-31T23:59:59Z', 'filter-lang': 'cql2-text' });
    expect(String(bodies[0]!.filter)).toContain('100');
    expect(model.status).toBe('ready');
    expect(model.results.map((i) => i.id)).toEqual(['a', 'b']);
    expect(model.matched).toBe(5);
    await model.loadMore();
    await model.loadMore();
    await model.loadMore();
    expect(model.results.map((i) => i.id)).toEqual(['a', 'b', 'c2', 'd2', 'e']);
    await new Promise((r) => setTimeout(r, 0));
    expect(model.timeline).toEqual([
      { month: '2024-06', count: 1 },
      { month: '2024-07', count: 4 }
    ]);
    expect(changes).toEqual(expect.arrayContaining(['results', 'more', 'timeline', 'status']));
    expect(model.shown([])).toHaveLength(5);
    expect(model.shown([model.results[1]!]).map((i) => i.id)).toEqual(['b']);
  });

  it('a newer search wins over an older one that answers later', async () => {
    const { api } = fakeCatalog([item('a')], { delays: [30, 0] });
    const { model } = await modelOn(api);
    model.setForm({ q: 'first' });
    const first = model.search();
    model.setForm({ q: 'second' });
    await model.search();
    await first;
    expect(model.status).toBe('ready');
    expect(model.results.map((i) => i.id)).toEqual(['a']);
  });

  it('bad input and failures are said, and the results stay as they were', async () => {
    const ok = await modelOn(fakeCatalog([item('a')]).api);
    await ok.model.search();
    ok.model.setForm({ start: '2024-02-01', end: '2024-01-01' });
    await ok.model.search();
    expect([ok.model.status, ok.model.error]).toEqual(['error', 'reversed']);
    expect(ok.model.results.map((i) => i.id)).toEqual(['a']);
    expect(ok.changes).toContain('failed');

    const noCql = await modelOn(fakeCatalog([], { filters: false }).api, { ...EMPTY_FORM, cycle: '3' });
    await noCql.model.search();
    expect(noCql.model.error).toBe('fake: no filters');

    const failing = await modelOn(fakeCatalog([], { fail: true }).api);
    await failing.model.search();
    expect([failing.model.status, failing.model.error]).toEqual(['error', 'the catalog failed']);
  });

  it('a month of the timeline narrows the form to it and searches again', async () => {
    const { api, bodies } = fakeCatalog([item('a')]);
    const { model } = await modelOn(api);
    await model.searchMonth('2024-02');
    expect([model.form.start, model.form.end]).toEqual(['2024-02-01', '2024-02-29']);
    expect(bodies[0]!.datetime).toBe('2024-02-01T00:00:00Z/2024-02-29T23:59:59Z');
  });
});
