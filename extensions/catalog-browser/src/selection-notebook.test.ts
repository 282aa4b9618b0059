import { describe, expect, it } from 'vitest';
import { OPEN_PARAM, openInLabUrl, parseSelection, selectionFileName, selectionNotebook } from './selection-notebook.js';

type Nb = { cells: { cell_type: string; source: string; metadata: { tags?: string[] } }[]; metadata: { kernelspec: { name: string } } };

describe("the portal's selection, opened in the lab as a notebook", () => {
  it('travels in the lab address and comes back the same', () => {
    const s = { title: 'Reach 74269800031', features: [{ feature: 'Reach' as const, ids: ['74269800031'] }], datetime: '2023-01-01T00:00:00Z/..' };
    const url = new URL(openInLabUrl('https://hub.example/hub/user-redirect/lab', s));
    expect(url.pathname).toBe('/hub/user-redirect/lab');
    expect(parseSelection(url.searchParams.get(OPEN_PARAM)!)).toEqual(s);
  });

  it('refuses what a forged link could carry, saying what is wrong', () => {
    expect(() => parseSelection('not json')).toThrow(/not JSON/);
    expect(() => parseSelection('[]')).toThrow(/not an object/);
    expect(() => parseSelection('{}')).toThrow(/names nothing/);
    expect(() => parseSelection(JSON.stringify({ features: [{ feature: 'Reach', ids: ["1'); process.exit(1); ('"] }] }))).toThrow(/ids/);
    expect(() => parseSelection(JSON.stringify({ features: [{ feature: 'Pixel', ids: ['1'] }] }))).toThrow(/feature: one of/);
    expect(() => parseSelection(JSON.stringify({ features: [{ feature: 'Reach', ids: Array.from({ length: 501 }, (_, i) => String(i)) }] }))).toThrow(
      /1 to 500/
    );
    expect(() => parseSelection(JSON.stringify({ places: [{ lon: 200, lat: 0 }] }))).toThrow(/lon: a number from -180 to 180/);
    expect(() => parseSelection(JSON.stringify({ search: { bbox: [0, 0, 1] } }))).toThrow(/bbox/);
    expect(() => parseSelection(JSON.stringify({ search: {}, datetime: 'yesterday; rm -rf' }))).toThrow(/datetime/);
    expect(() => parseSelection(JSON.stringify({ search: {}, source: 'javascript:alert(1)' }))).toThrow(/source/);
  });

  it('writes a TypeScript notebook whose parameters hold the selection as data', () => {
    const title = 'Loire `${process.exit(1)}` "quoted"\nnext line';
    const nb = selectionNotebook(
      {
        title,
        features: [
          { feature: 'Reach', ids: ['74269800031', '74269800041'] },
          { feature: 'PriorLake', ids: ['9120274662'] }
        ],
        places: [{ lon: -80.2681, lat: -6.4354, name: 'Peru "station"' }],
        search: { collections: ['swot-riversp-reach'], bbox: [-1, 47, 1, 48] }
      },
      new Date('2026-11-30T12:00:00Z')
    ) as unknown as Nb;
    expect(nb.metadata.kernelspec.name).toBe('tslab');
    const [head, params] = nb.cells;
    expect(head!.source.split('\n')[0]).toBe('# Loire `${process.exit(1)}` "quoted" next line');
    expect(head!.source).toContain('2026-11-30');
    expect(params!.metadata.tags).toEqual(['parameters']);
    // Each value is a JSON literal in a `let` (nb-run jobs can override them); nothing of the title reaches code.
    const code = nb.cells.filter((c) => c.cell_type === 'code').map((c) => c.source);
    expect(params!.source).toContain('let reachIds0 = ["74269800031","74269800041"];');
    expect(params!.source).toContain('let lakeIds1 = ["9120274662"];');
    expect(params!.source).toContain('let place0 = {"lon":-80.2681,"lat":-6.4354,"name":"Peru \\"station\\""};');
    expect(code.join('\n')).not.toContain('process.exit');
    expect(code.some((c) => c.includes('feature: "PriorLake"') && c.includes('"lake_id"') && c.includes('"quality_f"'))).toBe(true);
    expect(code.some((c) => c.includes('/timeseries/harmonized'))).toBe(true);
    expect(code.some((c) => c.includes('catalog.search(search'))).toBe(true);
  });

  it('names the file after what it shows', () => {
    expect(selectionFileName({ features: [{ feature: 'Reach', ids: ['74269800031'] }] })).toBe('reach-74269800031.ipynb');
    expect(selectionFileName({ features: [{ feature: 'Node', ids: ['1', '2'] }] })).toBe('node-1-and-more.ipynb');
    expect(selectionFileName({ places: [{ lon: -80.26812, lat: -6.4354 }] })).toBe('place--80.268_-6.435.ipynb');
    expect(selectionFileName({ search: {} })).toBe('search.ipynb');
  });
});
