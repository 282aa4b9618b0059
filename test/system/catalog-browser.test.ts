// The catalog browser's STAC client against the real gateway: links followed, POST search with the SWOT
// CQL2 filter, paging, the timeline's datetimes, and clear errors for bad input and wrong URLs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeFor, languageOf } from '../../extensions/catalog-browser/src/meaning.js';
import { parseBbox, StacApi, StacError, swotFilter } from '../../extensions/catalog-browser/src/stac.js';
import { freePort } from '../pg-server.js';
import { REACHES_PASS_51, REACH_548, startGateway, type TestGateway } from '../helpers.js';

describe('catalog browser STAC client', () => {
  let g: TestGateway;
  let api: StacApi;
  beforeAll(async () => {
    g = await startGateway();
    for (const f of [...REACHES_PASS_51, REACH_548]) expect((await g.ingest(f)).ok).toBe(true);
    api = new StacApi({ name: 'test', url: `${g.url}/stac` });
  });
  afterAll(async () => g?.stop());

  it('lists collections and searches with the SWOT filter', async () => {
    expect((await api.collections()).map((c) => c.id)).toContain('swot-riversp-reach');
    expect(await api.filters()).toBe(true);
    const page = await api.search({ collections: ['swot-riversp-reach'], filter: swotFilter({ pass: '51' })!, 'filter-lang': 'cql2-text' } as never);
    expect(page.matched).toBe(3);
    expect(page.items.map((i) => i.properties['swot:pass'])).toEqual([51, 51, 51]);
    const c548 = await api.search({
      collections: ['swot-riversp-reach'],
      filter: swotFilter({ cycle: '548', continent: 'na' })!,
      'filter-lang': 'cql2-text'
    } as never);
    expect(c548.items.map((i) => i.properties['swot:cycle'])).toEqual([548]);
  });

  it('follows next links page by page', async () => {
    const first = await api.search({ collections: ['swot-riversp-reach'], limit: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.next).not.toBeNull();
    const second = await first.next!();
    expect(second.items).toHaveLength(1);
    expect(second.next).toBeNull();
    const ids = new Set([...first.items, ...second.items].map((i) => i.id));
    expect(ids.size).toBe(4);
  });

  it('gives the timeline the datetime of every match, whatever the time range', async () => {
    const dates = await api.datetimes({ collections: ['swot-riversp-reach'], datetime: '2023-01-01T00:00:00Z/..' });
    expect(dates.sort().map((d) => d.slice(0, 7))).toEqual(['2010-08', '2010-09', '2010-09', '2023-06']);
  });

  it('refuses bad form input with a readable error', () => {
    expect(() => swotFilter({ cycle: 'twelve' })).toThrow(/cycle is a whole number/);
    expect(() => swotFilter({ continent: 'Europe' })).toThrow(/two-letter/);
    expect(swotFilter({})).toBeNull();
    expect(() => parseBbox('1,2,3')).toThrow(/four numbers/);
    expect(() => parseBbox('0,50,1,40')).toThrow(/not a valid bbox/);
    expect(parseBbox(' ')).toBeNull();
    expect(parseBbox('-1,40,2,50.5')).toEqual([-1, 40, 2, 50.5]);
  });

  it('says when a URL is not a STAC API or cannot be reached, and passes on the server detail', async () => {
    await expect(new StacApi({ name: 'health', url: `${g.url}/health/live` }).collections()).rejects.toThrow(/not a STAC API landing page/);
    const port = await freePort();
    await expect(new StacApi({ name: 'gone', url: `http://127.0.0.1:${port}/stac` }).collections()).rejects.toBeInstanceOf(StacError);
    await expect(api.search({ collections: ['swot-riversp-reach'], filter: 'swot:cycle ===== 3', 'filter-lang': 'cql2-text' } as never)).rejects.toThrow(
      /test: .+/
    );
  });

  it('writes code cells for the kernel of the notebook', async () => {
    expect(languageOf('tslab')).toBe('typescript');
    expect(languageOf('jslab')).toBe('typescript');
    expect(languageOf('python3')).toBe('python');
    expect(languageOf(undefined)).toBe('typescript');
    const [item] = (await api.search({ collections: ['swot-riversp-reach'], ids: [REACH_548.split('/').pop()!.replace('.zip', '')] })).items;
    const ts = codeFor(item!, 'typescript', g.url);
    expect(ts).toContain(`ids: [${JSON.stringify(item!.id)}]`);
    expect(ts).toContain("from '@hysope/kernels-bridge'");
    const py = codeFor(item!, 'python', g.url);
    expect(py).toContain(`urlopen(${JSON.stringify(item!.links.find((l) => l.rel === 'self')!.href)})`);
  });
});
