// The catalog browser (left sidebar): search form, timeline, a small map to draw the area on, a
// virtualised list of results loaded page by page, and the detail of one item with its actions.
import type { Collection, Item, SearchBody } from '@hysope/api';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { foldValue } from './fold.js';
import { monthBins, monthRange, renderTimeline } from './timeline.js';
import { PROPERTY_MEANINGS } from './meaning.js';
import { parseBbox, StacApi, swotFilter, type CatalogSource, type Page } from './stac.js';
import basemapTopo from '@hysope/swath-viewer/data/countries-50m.json';

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

const ROW = 46;
const MAP_W = 256;
const MAP_H = 128;

let landPath: string | null = null;
/** The land of the basemap as one SVG path (equirectangular, simplified to the map's pixels). */
function land(): string {
  if (landPath) return landPath;
  const topo = basemapTopo as unknown as Topology<{ land: GeometryCollection }>;
  const fc = feature(topo, topo.objects.land) as unknown as { features: { geometry: { type: string; coordinates: number[][][] | number[][][][] } }[] };
  const parts: string[] = [];
  for (const f of fc.features) {
    const polys = (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates) as number[][][][];
    for (const poly of polys)
      for (const ring of poly) {
        let last = '';
        let d = '';
        for (const [lon, lat] of ring) {
          const p = `${(((lon! + 180) / 360) * MAP_W).toFixed(0)},${(((90 - lat!) / 180) * MAP_H).toFixed(0)}`;
          if (p === last) continue;
          d += (d ? 'L' : 'M') + p;
          last = p;
        }
        if (d.length > 12) parts.push(d + 'Z');
      }
  }
  landPath = parts.join('');
  return landPath;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  Object.assign(e, props);
  e.append(...children);
  return e;
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
  private readonly listEl: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly countEl: HTMLDivElement;
  private readonly detailEl: HTMLDivElement;
  private readonly showButton: HTMLButtonElement;
  /** Items ticked in the list (by id), shown together in the viewer. */
  private readonly checked = new Map<string, Item>();
  private readonly timelineEl: HTMLDivElement;
  private readonly mapSvg: SVGSVGElement;
  private readonly footprints: SVGGElement;
  private readonly drawRect: SVGRectElement;

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
    const NS = 'http://www.w3.org/2000/svg';
    this.mapSvg = document.createElementNS(NS, 'svg');
    this.mapSvg.setAttribute('viewBox', `0 0 ${MAP_W} ${MAP_H}`);
    this.mapSvg.classList.add('hy-Catalog-map');
    const landEl = document.createElementNS(NS, 'path');
    landEl.classList.add('hy-Catalog-land');
    this.footprints = document.createElementNS(NS, 'g');
    this.footprints.classList.add('hy-Catalog-footprints');
    this.drawRect = document.createElementNS(NS, 'rect');
    this.drawRect.classList.add('hy-Catalog-area');
    this.mapSvg.append(landEl, this.footprints, this.drawRect);
    requestAnimationFrame(() => landEl.setAttribute('d', land()));
    this.enableDrawing();
    this.timelineEl = el('div', { className: 'hy-Catalog-timeline' });
    this.countEl = el('div', { className: 'hy-Catalog-count' });
    this.showButton = el('button', { className: 'jp-Button jp-mod-styled hy-Catalog-show', hidden: true });
    this.showButton.onclick = () => this.showInViewer();
    this.spacer = el('div', { className: 'hy-Catalog-spacer' });
    this.listEl = el('div', { className: 'hy-Catalog-results' }, this.spacer);
    this.listEl.onscroll = () => this.renderRows();
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
        this.mapSvg,
        row(searchButton)
      ),
      this.timelineEl,
      el('div', { className: 'hy-Catalog-countRow' }, this.countEl, this.showButton),
      this.listEl,
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
    this.drawRect.style.display = b ? '' : 'none';
    if (!b) return;
    const [x1, y1] = this.toMap(b[0], b[3]);
    const [x2, y2] = this.toMap(b[2], b[1]);
    this.drawRect.setAttribute('x', String(x1));
    this.drawRect.setAttribute('y', String(y1));
    this.drawRect.setAttribute('width', String(Math.max(1, x2 - x1)));
    this.drawRect.setAttribute('height', String(Math.max(1, y2 - y1)));
  }

  private toMap(lon: number, lat: number): [number, number] {
    return [((lon + 180) / 360) * MAP_W, ((90 - lat) / 180) * MAP_H];
  }

  private enableDrawing(): void {
    let start: [number, number] | null = null;
    const lonLat = (e: PointerEvent): [number, number] => {
      const r = this.mapSvg.getBoundingClientRect();
      const lon = ((e.clientX - r.left) / r.width) * 360 - 180;
      const lat = 90 - ((e.clientY - r.top) / r.height) * 180;
      return [Math.max(-180, Math.min(180, lon)), Math.max(-90, Math.min(90, lat))];
    };
    const box = (a: [number, number], b: [number, number]): [number, number, number, number] => [
      Math.min(a[0], b[0]),
      Math.min(a[1], b[1]),
      Math.max(a[0], b[0]),
      Math.max(a[1], b[1])
    ];
    this.mapSvg.addEventListener('pointerdown', (e) => {
      start = lonLat(e);
      this.mapSvg.setPointerCapture(e.pointerId);
    });
    this.mapSvg.addEventListener('pointermove', (e) => {
      if (!start) return;
      this.inputs.bbox.value = box(start, lonLat(e))
        .map((x) => x.toFixed(2))
        .join(',');
      this.drawArea();
    });
    this.mapSvg.addEventListener('pointerup', (e) => {
      if (!start) return;
      const b = box(start, lonLat(e));
      start = null;
      this.setBbox(b[2] - b[0] < 0.05 || b[3] - b[1] < 0.05 ? null : b);
    });
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
      this.checked.clear();
      this.nextPage = page.next;
      this.countEl.textContent =
        page.matched !== undefined
          ? this.trans._n('%1 item matches', '%1 items match', page.matched, page.matched.toLocaleString())
          : this.trans._n('%1 item', '%1 items', page.items.length, page.items.length);
      this.node.dataset['matched'] = String(page.matched ?? page.items.length);
      this.select(null);
      this.listEl.scrollTop = 0;
      this.renderRows();
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
      this.renderRows();
      this.renderFootprints();
    } catch (error) {
      this.actions.error((error as Error).message);
      this.nextPage = null;
    } finally {
      this.loadingMore = false;
    }
  }

  /** Renders only the rows in view (the list may hold thousands of items). */
  private renderRows(): void {
    const n = this.results.length;
    this.spacer.style.height = `${n * ROW}px`;
    const top = this.listEl.scrollTop;
    const height = this.listEl.clientHeight || 400;
    const first = Math.max(0, Math.floor(top / ROW) - 5);
    const last = Math.min(n, Math.ceil((top + height) / ROW) + 5);
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) rows.push(this.rowOf(this.results[i]!, i));
    this.spacer.replaceChildren(...rows);
    if (last >= n - 10 && this.nextPage) void this.loadMore();
  }

  private rowOf(item: Item, index: number): HTMLElement {
    const p = item.properties;
    const when = String(p['datetime'] ?? p['start_datetime'] ?? '')
      .slice(0, 16)
      .replace('T', ' ');
    const swot = p['swot:cycle'] !== undefined ? ` · c${String(p['swot:cycle'])} p${String(p['swot:pass'] ?? '')}` : '';
    const check = el('input', {
      type: 'checkbox',
      className: 'hy-Catalog-check',
      checked: this.checked.has(item.id),
      title: this.trans.__('Select for the viewer')
    });
    check.setAttribute('aria-label', this.trans.__('Select %1', item.id));
    check.onclick = (e) => e.stopPropagation();
    check.onchange = () => {
      if (check.checked) this.checked.set(item.id, item);
      else this.checked.delete(item.id);
      this.renderShowButton();
    };
    const row = el(
      'div',
      { className: `hy-Catalog-item${this.selected?.id === item.id ? ' jp-mod-selected' : ''}`, title: item.id, draggable: true },
      check,
      el('div', { className: 'hy-Catalog-itemId', textContent: item.id }),
      el('div', { className: 'hy-Catalog-itemMeta', textContent: `${item.collection ?? ''} · ${when}${swot}` })
    );
    row.style.top = `${index * ROW}px`;
    row.dataset['id'] = item.id;
    row.onclick = () => this.select(item);
    row.ondblclick = () => this.actions.preview([item]);
    row.ondragstart = (e) => {
      // Dropped on a notebook cell editor, the item becomes a ready-to-run cell's code.
      e.dataTransfer?.setData('text/plain', this.actions.codeFor(item));
      e.dataTransfer?.setData('application/geo+json', JSON.stringify(item));
    };
    return row;
  }

  private renderFootprints(): void {
    const NS = 'http://www.w3.org/2000/svg';
    const shapes: SVGElement[] = [];
    for (const item of this.results.slice(0, 500)) {
      const b = item.bbox;
      if (!b || b.length < 4) continue;
      const [w, s, e, n] = b.length === 6 ? [b[0]!, b[1]!, b[3]!, b[4]!] : [b[0]!, b[1]!, b[2]!, b[3]!];
      const [x1, y1] = this.toMap(w, n);
      const [x2, y2] = this.toMap(e, s);
      const r = document.createElementNS(NS, 'rect');
      r.setAttribute('x', String(x1));
      r.setAttribute('y', String(y1));
      r.setAttribute('width', String(Math.max(1.5, x2 - x1)));
      r.setAttribute('height', String(Math.max(1.5, y2 - y1)));
      if (this.selected?.id === item.id) r.classList.add('hy-mod-selected');
      shapes.push(r);
    }
    this.footprints.replaceChildren(...shapes);
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
    return (this.checked.size ? [...this.checked.values()] : this.results).slice(0, MAX_SHOWN);
  }

  private renderShowButton(): void {
    const n = this.shownItems().length;
    this.showButton.hidden = n === 0;
    this.showButton.textContent = this.checked.size
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
    this.renderRows();
    this.renderFootprints();
    this.detailEl.hidden = !item;
    this.node.classList.toggle('hy-mod-detail', !!item);
    this.detailEl.replaceChildren();
    if (!item) return;
    const t = this.trans;
    const action = (label: string, cls: string, fn: () => void) => {
      const b = el('button', { className: `jp-Button jp-mod-styled hy-Catalog-${cls}`, textContent: label });
      b.onclick = fn;
      return b;
    };
    const props = el('table', { className: 'hy-Catalog-props' });
    for (const [k, v] of Object.entries(item.properties)) {
      const m = PROPERTY_MEANINGS[k];
      const { short, full } = foldValue(v, m?.units);
      const tr = props.insertRow();
      tr.insertCell().append(el('span', { textContent: k, title: m?.meaning ?? '' }));
      // A long value is one folded line; its whole text (wrapped) opens below it.
      tr.insertCell().append(
        full === null ? short : el('details', { className: 'hy-Catalog-fold' }, el('summary', { textContent: short }), el('pre', { textContent: full }))
      );
      tr.insertCell().textContent = m?.meaning ?? '';
    }
    const assets = el('ul', { className: 'hy-Catalog-assets' });
    for (const [key, a] of Object.entries(item.assets)) {
      const size = (a as { 'file:size'?: number })['file:size'];
      const link = el('a', { href: a.href, textContent: t.__('Download'), download: '', target: '_blank', className: 'hy-Catalog-download' });
      assets.append(el('li', {}, el('b', { textContent: key }), ` ${a.title ?? a.type ?? ''}${size ? ` (${(size / 1e6).toFixed(2)} MB)` : ''} `, link));
    }
    const lineage = el('ul', { className: 'hy-Catalog-lineage' });
    for (const [k, v] of Object.entries(item.properties))
      if (k.startsWith('processing:') || k === 'deprecated') lineage.append(el('li', { textContent: `${k}: ${JSON.stringify(v)}` }));
    for (const l of item.links)
      if (['derived_from', 'latest-version', 'predecessor-version', 'successor-version', 'via'].includes(l.rel))
        lineage.append(el('li', {}, `${l.rel}: `, el('a', { href: l.href, textContent: l.href.split('/').pop() ?? l.href, target: '_blank' })));
    if (!lineage.childElementCount) lineage.append(el('li', { textContent: t.__('Source granule ingested as is (no derived product).') }));
    this.detailEl.append(
      el('div', { className: 'hy-Catalog-detailTitle', textContent: item.id }),
      el(
        'div',
        { className: 'hy-Catalog-actions' },
        action(t.__('Preview'), 'preview', () => this.actions.preview([item])),
        action(t.__('Insert cell'), 'insert', () => this.actions.insertCell(item)),
        action(t.__('Copy STAC link'), 'copy', () => this.actions.copyLink(item)),
        action('×', 'close', () => this.select(null))
      ),
      el('h4', { textContent: t.__('Properties') }),
      props,
      el('h4', { textContent: t.__('Assets') }),
      assets,
      el('h4', { textContent: t.__('Lineage') }),
      lineage
    );
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.renderRows();
  }
}
