// The catalog browser's search form: catalog, words, collection, dates, SWOT cycle/pass/continent and the area
// (typed, taken from the viewer or drawn on the small map). It shows the model's form and writes changes back.
import type { TranslationBundle } from '@jupyterlab/translation';
import { AreaMap } from './area-map.js';
import { el } from './dom.js';
import type { CatalogModel, FormState } from './model.js';
import { parseBbox } from './stac.js';

type Field = Exclude<keyof FormState, 'catalog' | 'selected' | 'collection'>;

export interface SearchFormActions {
  search(): void;
  viewerBbox(): [number, number, number, number] | null;
  error(message: string): void;
}

export class SearchForm {
  readonly node: HTMLDivElement;
  readonly areaMap: AreaMap;
  private readonly inputs: Record<Field, HTMLInputElement>;
  private readonly collection: HTMLSelectElement;
  private readonly catalog: HTMLSelectElement;

  constructor(
    private readonly model: CatalogModel,
    trans: TranslationBundle,
    actions: SearchFormActions
  ) {
    const t = trans;
    const input = (name: Field, placeholder: string, type = 'text') => {
      const i = el('input', { className: `jp-mod-styled hy-Catalog-${name}`, placeholder, type, title: placeholder });
      i.addEventListener('change', () => model.setForm({ [name]: i.value }));
      i.addEventListener('keydown', (e) => {
        if (e.key !== 'Enter') return;
        model.setForm({ [name]: i.value });
        actions.search();
      });
      return i;
    };
    this.inputs = {
      q: input('q', t.__('River or lake name, reach id, basin:7426, granule id'), 'search'),
      start: input('start', t.__('From (date)'), 'date'),
      end: input('end', t.__('To (date)'), 'date'),
      cycle: input('cycle', t.__('Cycle')),
      pass: input('pass', t.__('Pass')),
      continent: input('continent', t.__('Continent')),
      bbox: input('bbox', t.__('Area: west,south,east,north'))
    };
    this.inputs.bbox.addEventListener('change', () => this.drawArea());
    this.catalog = el('select', { className: 'jp-mod-styled hy-Catalog-source', title: t.__('Catalog (STAC API)') });
    this.catalog.onchange = () => void model.useSource(Number(this.catalog.value));
    this.collection = el('select', { className: 'jp-mod-styled hy-Catalog-collection', title: t.__('Collection') });
    this.collection.onchange = () => model.setForm({ collection: this.collection.value });
    const searchButton = el('button', { className: 'jp-Button jp-mod-styled jp-mod-accept hy-Catalog-search', textContent: t.__('Search') });
    searchButton.onclick = () => {
      this.commit();
      actions.search();
    };
    const fromView = el('button', {
      className: 'jp-Button jp-mod-styled hy-Catalog-fromView',
      textContent: t.__('Viewer area'),
      title: t.__("Use the swath viewer's current view as the area")
    });
    fromView.onclick = () => {
      const b = actions.viewerBbox();
      if (!b) return actions.error(t.__('Open the swath viewer first: its view gives the area.'));
      this.setBbox(b);
    };
    const clearArea = el('button', { className: 'jp-Button jp-mod-styled', textContent: '×', title: t.__('Clear the area') });
    clearArea.onclick = () => this.setBbox(null);
    // The small map: drag to draw the area.
    this.areaMap = new AreaMap({
      drawing: (b) => {
        this.inputs.bbox.value = b.map((x) => x.toFixed(2)).join(',');
        this.drawArea();
      },
      drawn: (b) => this.setBbox(b)
    });
    const row = (...c: Node[]) => el('div', { className: 'hy-Catalog-row' }, ...c);
    const i = this.inputs;
    this.node = el(
      'div',
      { className: 'hy-Catalog-form' },
      row(this.catalog),
      row(i.q),
      row(this.collection),
      row(i.start, i.end),
      row(i.cycle, i.pass, i.continent),
      row(i.bbox, fromView, clearArea),
      this.areaMap.node,
      row(searchButton)
    );
  }

  /** What is typed but not yet committed (no change event before a click on Search) goes to the model. */
  private commit(): void {
    const patch: Partial<FormState> = {};
    for (const [k, i] of Object.entries(this.inputs) as [Field, HTMLInputElement][]) if (this.model.form[k] !== i.value) patch[k] = i.value;
    if (Object.keys(patch).length) this.model.setForm(patch);
  }

  private setBbox(b: [number, number, number, number] | null): void {
    this.inputs.bbox.value = b ? b.map((x) => +x.toFixed(4)).join(',') : '';
    this.model.setForm({ bbox: this.inputs.bbox.value });
    this.drawArea();
  }

  private drawArea(): void {
    let b: [number, number, number, number] | null = null;
    try {
      b = parseBbox(this.inputs.bbox.value);
    } catch {
      b = null;
    }
    this.areaMap.setArea(b);
  }

  /** The catalogs and the chosen one's collections. */
  renderSources(allCollections: string): void {
    const m = this.model;
    this.catalog.replaceChildren(...m.sources.map((s, i) => el('option', { value: String(i), textContent: s.name })));
    this.collection.replaceChildren(
      el('option', { value: '', textContent: allCollections }),
      ...m.collections.map((c) => el('option', { value: c.id, textContent: c.title ? `${c.title} (${c.id})` : c.id }))
    );
    this.render();
  }

  /** Shows the model's form (fields being typed in keep what is typed). */
  render(): void {
    const f = this.model.form;
    this.catalog.value = String(f.catalog);
    this.collection.value = f.collection;
    for (const [k, i] of Object.entries(this.inputs) as [Field, HTMLInputElement][]) if (document.activeElement !== i && i.value !== f[k]) i.value = f[k];
    this.drawArea();
  }
}
