// The catalog browser (left sidebar): search form, timeline, a small map to draw the area on, a
// virtualised list of results loaded page by page, and the detail of one item with its actions.
import type { Collection, Item, SearchBody } from '@hysope/api';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Message } from '@lumino/messaging';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import { AreaMap } from './area-map.js';
import { renderDetail } from './detail.js';
import { ResultList } from './result-list.js';
import { monthBins, monthRange, renderTimeline } from './timeline.js';
import { parseBbox, StacApi, swotFilter, type CatalogSource, type Page } from './stac.js';
import { el } from './dom.js';

/** The form, saved in the state database and restored on reload. */
export interface FormState {
  catalog: number;
  q: string;
  collection: string;
  start: string;
  end: string;
  cycle: string;
  pass: string;
  continent: string;
  bbox: string;
  selected?: string;
}

export const EMPTY_FORM: FormState = { catalog: 0, q: '', collection: '', start: '', end: '', cycle: '', pass: '', continent: '', bbox: '' };

/** What the panel asks its host to do (the plugin wires these to the viewer, notebooks, clipboard). */
export interface PanelActions {
  preview(items: Item[]): void;
  insertCell(item: Item): void;
  copyLink(item: Item): void;
  codeFor(item: Item): string;
  viewerBbox(): [number, number, number, number] | null;
  error(message: string): void;
}

/** Most items shown in the viewer at once (it steps through their cycles). */
const MAX_SHOWN = 200;

/** The catalog browser panel. */
export class CatalogPanel extends Widget {
  /** Emitted when the form changes (saved by the plugin). */
  readonly stateChanged = new Signal<CatalogPanel, FormState>(this);
  /** Emitted when an item is selected. */
  readonly selectionChanged = new Signal<CatalogPanel, Item | null>(this);
  private sources: CatalogSource[] = [];
  private api: StacApi | null = null;
  private results: Item[] = [];
  private nextPage: Page['next'] = null;
  private loadingMore = false;
  private selected: Item | null = null;
  private searchSeq = 0;
  private readonly inputs: Record<Exclude<keyof FormState, 'catalog' | 'selected'>, HTMLInputElement | HTMLSelectElement>;
  private readonly catalogSelect: HTMLSelectElement;
  private readonly list: ResultList;
  private readonly countEl: HTMLDivElement;
  private readonly detailEl: HTMLDivElement;
  private readonly showButton: HTMLButtonElement;
  private readonly timelineEl: HTMLDivElement;
  private readonly areaMap: AreaMap;

  constructor(
    private readonly trans: TranslationBundle,
    private readonly actions: PanelActions
  ) {
    super();
    this.id = 'hysope-catalog';
    this.addClass('hy-Catalog');
    this.title.caption = trans.__('HYSOPE catalog');
    const t = trans;
    const input = (name: string, placeholder: string, type = 'text') =>
      el('input', { className: `jp-mod-styled hy-Catalog-${name}`, placeholder, type, title: placeholder });
    this.catalogSelect = el('select', { className: 'jp-mod-styled hy-Catalog-source', title: t.__('Catalog (STAC API)') });
    this.catalogSelect.onchange = () => void this.useSource(Number(this.catalogSelect.value));
    this.inputs = {
      q: input('q', t.__('River or lake name, reach id, basin:7426, granule id'), 'search'),
      collection: el('select', { className: 'jp-mod-styled hy-Catalog-collection', title: t.__('Collection') }),
      start: input('start', t.__('From (date)'), 'date'),
      end: input('end', t.__('To (date)'), 'date'),
      cycle: input('cycle', t.__('Cycle')),
      pass: input('pass', t.__('Pass')),
      continent: input('continent', t.__('Continent')),
      bbox: input('bbox', t.__('Area: west,south,east,north'))
    };
    for (const i of Object.values(this.inputs)) {
      i.addEventListener('change', () => this.stateChanged.emit(this.state));
      i.addEventListener('keydown', (e) => {
        if ((e as KeyboardEvent).key === 'Enter') void this.search();
      });
    }
    const searchButton = el('button', { className: 'jp-Button jp-mod-styled jp-mod-accept hy-Catalog-search', textContent: t.__('Search') });
    searchButton.onclick = () => void this.search();
    const fromView = el('button', {
      className: 'jp-Button jp-mod-styled hy-Catalog-fromView',
      textContent: t.__('Viewer area'),
      title: t.__("Use the swath viewer's current view as the area")
    });
    fromView.onclick = () => {
      const b = this.actions.viewerBbox();
      if (!b) return this.actions.error(t.__('Open the swath viewer first: its view gives the area.'));
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
    this.timelineEl = el('div', { className: 'hy-Catalog-timeline' });
    this.countEl = el('div', { className: 'hy-Catalog-count' });
    this.showButton = el('button', { className: 'jp-Button jp-mod-styled hy-Catalog-show', hidden: true });
    this.showButton.onclick = () => this.showInViewer();
    this.list = new ResultList(trans, {
      select: (item) => this.select(item),
      preview: (item) => this.actions.preview([item]),
      codeFor: (item) => this.actions.codeFor(item),
      ticked: () => this.renderShowButton(),
      nearEnd: () => void this.loadMore()
    });
    this.detailEl = el('div', { className: 'hy-Catalog-detail' });
    this.detailEl.hidden = true;
    const splitter = this.splitter();
    const row = (...c: Node[]) => el('div', { className: 'hy-Catalog-row' }, ...c);
    this.node.append(
      el(
        'div',
        { className: 'hy-Catalog-form' },
        row(this.catalogSelect),
        row(this.inputs.q),
        row(this.inputs.collection),
        row(this.inputs.start, this.inputs.end),
        row(this.inputs.cycle, this.inputs.pass, this.inputs.continent),
        row(this.inputs.bbox, fromView, clearArea),
        this.areaMap.node,
        row(searchButton)
      ),
      this.timelineEl,
      el('div', { className: 'hy-Catalog-countRow' }, this.countEl, this.showButton),
      this.list.node,
      splitter,
      this.detailEl
    );
  }

  /** The current form. */
  get state(): FormState {
    const v = (k: keyof typeof this.inputs) => this.inputs[k].value;
    return {
      catalog: Number(this.catalogSelect.value || 0),
      q: v('q'),
      collection: v('collection'),
      start: v('start'),
      end: v('end'),
      cycle: v('cycle'),
      pass: v('pass'),
      continent: v('continent'),
      bbox: v('bbox'),
      selected: this.selected?.id
    };
  }

  /** The results loaded so far. */
  get items(): readonly Item[] {
    return this.results;
  }

  /** The selected item. */
  get selection(): Item | null {
    return this.selected;
  }

  /** Sets the catalogs the user can choose from (the first is HYSOPE's gateway). */
  async setSources(sources: CatalogSource[], state: FormState = this.state): Promise<void> {
    this.sources = sources;
    this.catalogSelect.replaceChildren(...sources.map((s, i) => el('option', { value: String(i), textContent: s.name })));
    for (const k of Object.keys(this.inputs) as (keyof typeof this.inputs)[]) if (k !== 'collection') this.inputs[k].value = state[k];
    this.drawArea();
    await this.useSource(Math.min(state.catalog, sources.length - 1), state.collection);
  }

  private async useSource(index: number, collection = ''): Promise<void> {
    const source = this.sources[index];
    if (!source) return;
    this.catalogSelect.value = String(index);
    this.api = new StacApi(source);
    let collections: Collection[] = [];
    try {
      collections = await this.api.collections();
      this.countEl.textContent = '';
    } catch (error) {
      // Said in the panel, not as a notification: an unreachable gateway is already notified once at start-up.
      this.countEl.textContent = (error as Error).message;
      this.node.dataset['state'] = 'error';
    }
    const select = this.inputs.collection as HTMLSelectElement;
    select.replaceChildren(
      el('option', { value: '', textContent: this.trans.__('All collections') }),
      ...collections.map((c) => el('option', { value: c.id, textContent: c.title ? `${c.title} (${c.id})` : c.id }))
    );
    select.value = collections.some((c) => c.id === collection) ? collection : '';
    this.stateChanged.emit(this.state);
  }

  private setBbox(b: [number, number, number, number] | null): void {
    this.inputs.bbox.value = b ? b.map((x) => +x.toFixed(4)).join(',') : '';
    this.drawArea();
    this.stateChanged.emit(this.state);
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

  /** The search body of the form (throws a readable error on bad input). */
  body(): SearchBody {
    const s = this.state;
    const body: SearchBody = { limit: 50 };
    if (s.collection) body.collections = [s.collection];
    if (s.q.trim()) body.q = s.q.trim();
    const bbox = parseBbox(s.bbox);
    if (bbox) body.bbox = bbox;
    if (s.start || s.end) {
      if (s.start && s.end && s.start > s.end) throw new Error(this.trans.__('The time range starts after it ends.'));
      body.datetime = `${s.start ? `${s.start}T00:00:00Z` : '..'}/${s.end ? `${s.end}T23:59:59Z` : '..'}`;
    }
    const filter = swotFilter(s);
    if (filter) {
      body.filter = filter;
      (body as { 'filter-lang'?: string })['filter-lang'] = 'cql2-text';
    }
    return body;
  }

  /** Runs the search of the form: first page, timeline, footprints. */
  async search(): Promise<void> {
    const seq = ++this.searchSeq;
    this.node.dataset['state'] = 'searching';
    this.stateChanged.emit(this.state);
    try {
      if (!this.api) throw new Error(this.trans.__('No catalog is configured.'));
      const body = this.body();
      if (body.filter && !(await this.api.filters()))
        throw new Error(this.trans.__('%1 does not answer CQL2 filters: clear cycle, pass and continent.', this.api.source.name));
      const page = await this.api.search(body);
      if (seq !== this.searchSeq) return;
      this.results = page.items;
      this.nextPage = page.next;
      this.list.setResults(this.results, true);
      this.countEl.textContent =
        page.matched !== undefined
          ? this.trans._n('%1 item matches', '%1 items match', page.matched, page.matched.toLocaleString())
          : this.trans._n('%1 item', '%1 items', page.items.length, page.items.length);
      this.node.dataset['matched'] = String(page.matched ?? page.items.length);
      this.select(null);
      this.renderFootprints();
      this.renderShowButton();
      void this.renderTimeline(body);
      this.node.dataset['state'] = 'ready';
    } catch (error) {
      if (seq !== this.searchSeq) return;
      this.node.dataset['state'] = 'error';
      this.actions.error((error as Error).message);
    }
  }

  private async loadMore(): Promise<void> {
    if (!this.nextPage || this.loadingMore) return;
    this.loadingMore = true;
    const seq = this.searchSeq;
    try {
      const page = await this.nextPage();
      if (seq !== this.searchSeq) return;
      this.results = [...this.results, ...page.items];
      this.nextPage = page.next;
      this.list.setResults(this.results, false);
      this.renderFootprints();
    } catch (error) {
      this.actions.error((error as Error).message);
      this.nextPage = null;
    } finally {
      this.loadingMore = false;
    }
  }

  private renderFootprints(): void {
    this.areaMap.setFootprints(this.results, this.selected?.id);
  }

  /** A bar per month of what exists for the search (without its time range); a click narrows to that month. */
  private async renderTimeline(body: SearchBody): Promise<void> {
    if (!this.api) return;
    const seq = this.searchSeq;
    let dates: string[] = [];
    try {
      dates = await this.api.datetimes(body);
    } catch {
      // The timeline is a hint: a catalog without the fields extension still gets its results.
      return;
    }
    if (seq !== this.searchSeq) return;
    renderTimeline(
      this.timelineEl,
      monthBins(dates),
      (month) => {
        [this.inputs.start.value, this.inputs.end.value] = monthRange(month);
        void this.search();
      },
      (month, n) => this.trans._n('%2: %1 item', '%2: %1 items', n, n, month)
    );
  }

  /** The handle between the results and the detail: dragged (or moved with the arrow keys), it sets the detail's height. */
  private splitter(): HTMLElement {
    const handle = el('div', { className: 'hy-Catalog-splitter', tabIndex: 0, title: this.trans.__('Drag to resize the detail') });
    handle.setAttribute('role', 'separator');
    handle.setAttribute('aria-orientation', 'horizontal');
    handle.setAttribute('aria-label', this.trans.__('Resize the detail'));
    const setHeight = (px: number) => {
      const max = Math.max(120, this.node.clientHeight - 200);
      this.detailEl.style.flex = `0 0 ${Math.round(Math.max(80, Math.min(max, px)))}px`;
      handle.setAttribute('aria-valuenow', String(Math.round(this.detailEl.getBoundingClientRect().height)));
    };
    handle.onpointerdown = (e) => {
      const start = e.clientY;
      const height = this.detailEl.getBoundingClientRect().height;
      handle.setPointerCapture(e.pointerId);
      handle.onpointermove = (m) => setHeight(height + start - m.clientY);
      handle.onpointerup = () => (handle.onpointermove = null);
    };
    handle.onkeydown = (e) => {
      const step = e.key === 'ArrowUp' ? 20 : e.key === 'ArrowDown' ? -20 : 0;
      if (step) setHeight(this.detailEl.getBoundingClientRect().height + step);
    };
    return handle;
  }

  /** The ticked items, or (none ticked) the results loaded so far, up to {@link MAX_SHOWN}. */
  shownItems(): Item[] {
    const ticked = this.list.checked;
    return (ticked.size ? [...ticked.values()] : this.results).slice(0, MAX_SHOWN);
  }

  private renderShowButton(): void {
    const n = this.shownItems().length;
    this.showButton.hidden = n === 0;
    this.showButton.textContent = this.list.checked.size
      ? this.trans._n('Show %1 selected in the viewer', 'Show %1 selected in the viewer', n, n)
      : this.trans._n('Show the result in the viewer', 'Show %1 results in the viewer', n, n);
  }

  private showInViewer(): void {
    const items = this.shownItems();
    if (items.length) this.actions.preview(items);
  }

  /** Selects an item and shows its detail. */
  select(item: Item | null): void {
    this.selected = item;
    this.selectionChanged.emit(item);
    this.list.setSelected(item?.id);
    this.renderFootprints();
    this.detailEl.hidden = !item;
    this.node.classList.toggle('hy-mod-detail', !!item);
    this.detailEl.replaceChildren();
    if (!item) return;
    renderDetail(this.detailEl, item, this.trans, {
      preview: () => this.actions.preview([item]),
      insertCell: () => this.actions.insertCell(item),
      copyLink: () => this.actions.copyLink(item),
      close: () => this.select(null)
    });
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.areaMap.showLand();
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.list.render();
  }
}
