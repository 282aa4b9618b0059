// The portal's search: a form (words — place, river, lake, SWORD id, basin —, product, time range, quality, an
// area drawn on the map), the catalogue's answer on a month axis and as a list, and the products drawn on the
// map with the lab viewer's own map (clicking a reach, node or lake opens its page). The search runs through the
// catalog browser's model, so the lab and the portal search alike; the query lives in the address (shareable).
import type { Item } from '@hysope/api';
import { CatalogModel, MAX_SHOWN, type FormState } from '@hysope/catalog-browser/lib/model.js';
import { renderTimeline } from '@hysope/catalog-browser/lib/timeline.js';
import { dataAsset, kindOf, loadItem, type LayerKind } from '@hysope/swath-viewer/lib/data.js';
import { SwathMap } from '@hysope/swath-viewer/lib/map.js';
import { ViewerModel } from '@hysope/swath-viewer/lib/model.js';
import { itemsBbox } from '@hysope/swath-viewer/lib/view-state.js';
import { warmWasm } from '@hysope/kernels-bridge/wasm';
import { AreaTool, areaGeojson } from './area-tool.js';
import { el, featurePath, type PageKind, type PortalContext } from './context.js';
import { labSection } from './lab-link.js';
import { findPlaces, type PlaceMatch } from './places.js';

/** The search fields kept in the address. */
const URL_FIELDS = ['q', 'collection', 'start', 'end', 'bbox', 'quality'] as const;

/** The portal page of a map feature kind (PIXC pixels have none). */
const PAGE_OF: Partial<Record<LayerKind, PageKind>> = { reach: 'reach', node: 'node', lake: 'lake', discharge: 'reach' };

/** A SWORD id typed as the words: its page, without searching. */
export function idPage(q: string): { kind: PageKind; id: string } | null {
  const s = q.trim();
  if (/^\d{11}$/.test(s)) return { kind: 'reach', id: s };
  if (/^\d{14}$/.test(s)) return { kind: 'node', id: s };
  if (/^\d{10}$/.test(s)) return { kind: 'lake', id: s };
  return null;
}

/** The page of a station or gauge item (Hydroweb virtual stations, in-situ gauges), if it is one. */
export function itemPage(item: Item): { kind: PageKind; id: string } | null {
  if (item.collection === 'hydroweb-stations' && item.properties['hydroweb:station']) return { kind: 'station', id: item.id };
  if (item.collection === 'insitu-gauges') return { kind: 'gauge', id: item.id };
  return null;
}

export class SearchPage {
  readonly node: HTMLElement;
  private readonly catalog: CatalogModel;
  private readonly viewer = new ViewerModel(loadItem);
  private readonly map: SwathMap;
  private readonly area: AreaTool;
  private readonly fields: Record<'q' | 'start' | 'end', HTMLInputElement>;
  private readonly collection: HTMLSelectElement;
  private readonly quality: HTMLSelectElement;
  private readonly bboxOut: HTMLOutputElement;
  private readonly count: HTMLParagraphElement;
  private readonly timeline: HTMLDivElement;
  private readonly shortcuts: HTMLDivElement;
  private readonly list: HTMLUListElement;
  private readonly labHost: HTMLDivElement;
  private readonly cycle: HTMLSelectElement;
  private readonly mapStatus: HTMLParagraphElement;
  private bbox: [number, number, number, number] | null = null;

  constructor(private readonly ctx: PortalContext) {
    const t = ctx.t;
    this.catalog = new CatalogModel({
      noCatalog: () => t.__('No catalog'),
      rangeReversed: () => t.__('The start date is after the end date.'),
      noFilters: () => t.__('This catalog cannot filter on SWOT cycle, pass or continent.')
    });
    const id = (name: string) => `hp-${name}`;
    const labelled = (name: string, text: string, control: HTMLElement) => {
      control.id = id(name);
      return el('div', { className: 'hp-field' }, el('label', { htmlFor: id(name), textContent: text }), control);
    };
    this.fields = {
      q: el('input', { type: 'search', name: 'q', autocomplete: 'off', placeholder: t.__('e.g. Rio Grande, Toulouse, 74230900141, basin:7426') }),
      start: el('input', { type: 'date', name: 'start' }),
      end: el('input', { type: 'date', name: 'end' })
    };
    this.collection = el('select', { name: 'collection' }, el('option', { value: '', textContent: t.__('All products') }));
    this.quality = el(
      'select',
      { name: 'quality' },
      el('option', { value: '', textContent: t.__('All observations') }),
      el('option', { value: '1', textContent: t.__('Good and suspect') }),
      el('option', { value: '0', textContent: t.__('Good only') })
    );
    this.bboxOut = el('output', { className: 'hp-bbox', textContent: t.__('whole world') });
    this.bboxOut.setAttribute('aria-live', 'polite');
    const draw = el('button', { type: 'button', className: 'hp-button', textContent: t.__('Draw an area') });
    const fromView = el('button', { type: 'button', className: 'hp-button', textContent: t.__('Use the map view') });
    const clear = el('button', { type: 'button', className: 'hp-button', textContent: t.__('Clear the area') });
    const submit = el('button', { type: 'submit', className: 'hp-button hp-primary', textContent: t.__('Search') });
    const form = el(
      'form',
      { className: 'hp-form' },
      labelled('q', t.__('Place, river, lake, SWORD id or basin'), this.fields.q),
      labelled('collection', t.__('Product'), this.collection),
      el(
        'fieldset',
        { className: 'hp-dates' },
        el('legend', { textContent: t.__('Time range') }),
        labelled('start', t.__('From'), this.fields.start),
        labelled('end', t.__('To'), this.fields.end)
      ),
      labelled('quality', t.__('Quality of the features drawn'), this.quality),
      el(
        'fieldset',
        { className: 'hp-area' },
        el('legend', { textContent: t.__('Area') }),
        this.bboxOut,
        el('div', { className: 'hp-row' }, draw, fromView, clear)
      ),
      submit
    );
    form.setAttribute('role', 'search');
    form.setAttribute('aria-label', t.__('Search the catalog'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.search();
    });
    this.count = el('p', { className: 'hp-count' });
    this.count.setAttribute('role', 'status');
    this.timeline = el('div', { className: 'hp-timeline hy-Catalog-timeline' });
    this.timeline.setAttribute('role', 'group');
    this.timeline.setAttribute('aria-label', t.__('Results by month'));
    this.shortcuts = el('div', { className: 'hp-shortcuts' });
    this.list = el('ul', { className: 'hp-results' });
    this.labHost = el('div');
    this.list.setAttribute('aria-label', t.__('Results'));
    this.cycle = el('select', { className: 'hp-cycle', hidden: true });
    this.cycle.setAttribute('aria-label', t.__('Cycle shown on the map'));
    this.cycle.onchange = () => this.viewer.setCycleIndex(Number(this.cycle.value));
    this.mapStatus = el('p', { className: 'hp-mapStatus' });
    this.mapStatus.setAttribute('aria-live', 'polite');
    this.map = new SwathMap(this.viewer, t, {
      dark: () => false,
      labelsChanged: ({ water, places }) => {
        this.map.node.dataset['waterLabels'] = String(water);
        this.map.node.dataset['placeLabels'] = String(places);
      }
    });
    this.area = new AreaTool(this.map, t, (b) => this.setBbox(b));
    draw.onclick = () => this.area.start();
    fromView.onclick = () => this.setBbox(this.map.currentBbox());
    clear.onclick = () => this.setBbox(null);
    this.map.featureClicked.connect((_, f) => {
      const page = PAGE_OF[f.kind as LayerKind];
      if (page) ctx.navigate(featurePath(page, f.id));
    });
    this.viewer.changed.connect((_, change) => {
      if (change === 'shown') return void this.drawProducts();
      this.map.render();
      this.map.relabel();
    });
    this.node = el(
      'div',
      { className: 'hp-search' },
      el(
        'section',
        { className: 'hp-side' },
        el('h1', { textContent: t.__('Find hydrology data') }),
        form,
        this.count,
        this.timeline,
        this.shortcuts,
        this.list,
        this.labHost
      ),
      el('section', { className: 'hp-mapArea' }, el('div', { className: 'hp-mapBar' }, this.cycle, this.mapStatus), this.map.node)
    );
    this.map.node.setAttribute('aria-label', t.__('Map of the results'));
  }

  /** Starts the map and reads the collections; searches at once when the address holds a query. */
  /** The catalogue's collections, read once (a search made before they arrive waits for them). */
  private sources: Promise<void> | null = null;

  async start(): Promise<void> {
    // Tours and browser tests find drawn features on the map through this (as the lab exposes its app).
    (window as unknown as { hysopeMap?: SwathMap }).hysopeMap = this.map;
    // The address's query fills the form at once: what a person then types is never overwritten.
    const params = new URLSearchParams(location.search);
    this.fields.q.value = params.get('q') ?? '';
    this.fields.start.value = params.get('start') ?? '';
    this.fields.end.value = params.get('end') ?? '';
    this.quality.value = params.get('quality') ?? '';
    const b = (params.get('bbox') ?? '').split(',').map(Number);
    this.setBbox(b.length === 4 && b.every(Number.isFinite) ? (b as [number, number, number, number]) : null);
    await this.loadSources(params.get('collection') ?? '');
    // The map starts once the form can be used: its first frame (shaders, the basemap) holds the main thread a while.
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    this.map.start();
    // The SQL engine that reads the products is made ready while the person types.
    const idle = (f: () => void) => ('requestIdleCallback' in window ? requestIdleCallback(f, { timeout: 2000 }) : setTimeout(f, 500));
    idle(() => void warmWasm().then((ok) => (this.node.dataset['engine'] = ok ? 'ready' : 'failed')));
    if (URL_FIELDS.some((k) => params.get(k)) && this.node.dataset['state'] === undefined) await this.search(false);
  }

  private loadSources(collection: string): Promise<void> {
    this.sources ??= (async () => {
      try {
        await this.catalog.setSources([{ name: 'HYSOPE', url: `${this.ctx.baseUrl}/stac`, token: this.ctx.token }]);
      } catch (error) {
        this.ctx.error(this.ctx.t.__('The catalog could not be read: %1', (error as Error).message));
      }
      if (this.catalog.error) this.ctx.error(this.ctx.t.__('The catalog could not be read: %1', this.catalog.error));
      for (const c of this.catalog.collections) this.collection.append(el('option', { value: c.id, textContent: c.title ?? c.id }));
      if (!this.collection.value) this.collection.value = collection;
    })();
    return this.sources;
  }

  private setBbox(b: [number, number, number, number] | null): void {
    this.bbox = b;
    const t = this.ctx.t;
    this.bboxOut.textContent = b ? t.__('west %1, south %2, east %3, north %4', ...b.map((x) => t.number(x, 2))) : t.__('whole world');
    this.bboxOut.dataset['bbox'] = b ? b.map((x) => x.toFixed(4)).join(',') : '';
    this.area.show(b);
  }

  private form(): Partial<FormState> {
    return {
      q: this.fields.q.value,
      collection: this.collection.value,
      start: this.fields.start.value,
      end: this.fields.end.value,
      bbox: this.bbox ? this.bbox.map((x) => x.toFixed(4)).join(',') : ''
    };
  }

  /** Runs the search of the form; the address keeps it (a new history entry unless `push` is false). */
  async search(push = true): Promise<void> {
    const t = this.ctx.t;
    this.node.dataset['state'] = 'searching';
    await this.loadSources('');
    const form = this.form();
    const params = new URLSearchParams();
    for (const k of URL_FIELDS) {
      const v = k === 'quality' ? this.quality.value : (form[k as keyof FormState] as string | undefined);
      if (v) params.set(k, v);
    }
    const url = `${location.pathname}${params.size ? `?${params}` : ''}`;
    if (push) history.pushState(null, '', url);
    else history.replaceState(null, '', url);
    this.renderShortcuts([]);
    this.catalog.setForm(form);
    try {
      this.catalog.body();
    } catch (error) {
      this.node.dataset['state'] = 'error';
      return this.ctx.error((error as Error).message);
    }
    this.count.textContent = t.__('Searching…');
    const started = performance.now();
    const places = findPlaces(form.q ?? '');
    await this.catalog.search();
    if (this.catalog.status === 'error') {
      this.node.dataset['state'] = 'error';
      this.count.textContent = '';
      return this.ctx.error(t.__('The search failed: %1', this.catalog.error));
    }
    this.renderShortcuts(await places);
    this.renderResults();
    this.node.dataset['state'] = 'ready';
    this.node.dataset['searchMs'] = String(Math.round(performance.now() - started));
    // The month axis of the same search without its time range (read after the first page).
    this.catalog.changed.connect(this.onTimeline, this);
  }

  private onTimeline(_: CatalogModel, change: string): void {
    if (change !== 'timeline') return;
    this.catalog.changed.disconnect(this.onTimeline, this);
    const t = this.ctx.t;
    renderTimeline(
      this.timeline,
      this.catalog.timeline ?? [],
      (month) => {
        const [y, m] = month.split('-').map(Number) as [number, number];
        this.fields.start.value = `${month}-01`;
        this.fields.end.value = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
        void this.search();
      },
      (month, n) => t._n('%2: %1 result', '%2: %1 results', n, month)
    );
    // The bars are buttons for keyboards and screen readers too.
    for (const bar of this.timeline.querySelectorAll<HTMLElement>('.hy-Catalog-bar:not(.hy-mod-empty)')) {
      bar.setAttribute('role', 'button');
      bar.tabIndex = 0;
      bar.setAttribute('aria-label', bar.title);
      bar.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && bar.click());
    }
  }

  /** Direct links: a SWORD id's page, places matching the words (the map goes there). */
  private renderShortcuts(places: PlaceMatch[]): void {
    const t = this.ctx.t;
    const links: HTMLElement[] = [];
    const page = idPage(this.fields.q.value);
    if (page) {
      const a = el('a', { href: featurePath(page.kind, page.id), textContent: `${t.__(KIND_NAMES[page.kind])} ${page.id}` });
      links.push(el('li', {}, a));
    }
    for (const p of places.slice(0, 5)) {
      const b = el('button', { type: 'button', className: 'hp-link', textContent: `${p.name} (${t.__('%1 inhabitants', t.number(p.population))})` });
      b.onclick = () => {
        const d = 0.6;
        this.map.fitBounds([p.lon - d, p.lat - d / 2, p.lon + d, p.lat + d / 2]);
        this.setBbox([p.lon - d, p.lat - d / 2, p.lon + d, p.lat + d / 2]);
      };
      links.push(el('li', {}, b));
    }
    this.shortcuts.replaceChildren(...(links.length ? [el('h2', { textContent: t.__('Go to') }), el('ul', {}, ...links)] : []));
  }

  private renderResults(): void {
    const t = this.ctx.t;
    const items = this.catalog.results;
    const matched = this.catalog.matched ?? items.length;
    this.count.textContent = t._n('%1 result', '%1 results', matched);
    this.list.replaceChildren(...items.map((item) => this.row(item)));
    // The same search in a notebook (STYX), when it found something.
    const body = this.catalog.body();
    this.labHost.replaceChildren(
      ...(matched
        ? [
            labSection(this.ctx, {
              title: this.fields.q.value ? `${t.__('Search')}: ${this.fields.q.value}` : t.__('Search'),
              source: location.href,
              search: {
                ...(body.collections ? { collections: body.collections } : {}),
                ...(body.bbox?.length === 4 ? { bbox: body.bbox as [number, number, number, number] } : {}),
                ...(body.datetime ? { datetime: body.datetime } : {}),
                ...(typeof body.q === 'string' && body.q ? { q: body.q } : {})
              }
            })
          ]
        : [])
    );
    const drawn = items.filter((i) => kindOf(i) && kindOf(i) !== 'pixc' && dataAsset(i)).slice(0, MAX_SHOWN);
    const q = this.quality.value;
    this.viewer.maxQuality = q === '' ? undefined : Number(q);
    const bbox = this.bbox ?? itemsBbox(items);
    if (bbox) this.map.fitBounds(bbox);
    this.viewer.setTarget({ items: drawn, geojson: areaGeojson(this.bbox) });
  }

  private row(item: Item): HTMLLIElement {
    const t = this.ctx.t;
    const p = item.properties;
    const collection = this.catalog.collections.find((c) => c.id === item.collection);
    const title = collection?.title ?? item.collection ?? '';
    const when =
      p.start_datetime && p.end_datetime && p.start_datetime.slice(0, 10) !== p.end_datetime.slice(0, 10)
        ? `${t.date(p.start_datetime as string, true)} – ${t.date(p.end_datetime as string, true)}`
        : t.date((p.datetime ?? p.start_datetime) as string);
    const bits: string[] = [when];
    if (p['swot:cycle'] !== undefined) bits.push(t.__('cycle %1, pass %2', p['swot:cycle'], p['swot:pass']));
    if (p['hydroweb:river']) bits.push(String(p['hydroweb:river']));
    if (p['hydroweb:station']) bits.push(String(p['hydroweb:station']));
    const page = itemPage(item);
    const name = page
      ? el('a', { href: featurePath(page.kind, page.id), textContent: title })
      : el('button', { type: 'button', className: 'hp-link', textContent: title, title: t.__('Show on the map') });
    if (!page)
      (name as HTMLButtonElement).onclick = () => {
        const b = itemsBbox([item]);
        if (b) this.map.fitBounds(b);
      };
    const data = dataAsset(item);
    return el(
      'li',
      { className: 'hp-result', 'data-id': item.id },
      name,
      el('span', { className: 'hp-meta', textContent: bits.join(' · ') }),
      el('span', { className: 'hp-id', textContent: item.id }),
      ...(data ? [el('a', { href: data, className: 'hp-download', textContent: t.__('Download (GeoParquet)'), download: '' })] : [])
    );
  }

  /** Reads the shown cycle's products (DuckDB-WASM, in the viewer's way) and draws them. */
  private async drawProducts(): Promise<void> {
    const t = this.ctx.t;
    const cycles = this.viewer.cycles;
    this.cycle.hidden = cycles.length < 2;
    this.cycle.replaceChildren(
      ...cycles.map((c, i) =>
        el('option', { value: String(i), textContent: c === null ? t.__('no cycle') : t.__('cycle %1', c), selected: c === this.viewer.cycle })
      )
    );
    this.map.node.dataset['ready'] = 'false';
    const drawable = this.viewer.drawableItems();
    this.mapStatus.textContent = drawable.length ? t.__('Drawing %1 products…', drawable.length) : '';
    const done = await this.viewer.reload(undefined, {
      token: this.ctx.token,
      onProgress: (f) => (this.mapStatus.textContent = t.__('Drawing %1 products… %2%', drawable.length, Math.round(100 * f))),
      onError: (item, error) => this.ctx.error(t.__('%1 could not be drawn: %2', item.id, error.message))
    });
    if (!done) return;
    const rows = Object.values(this.viewer.rowCounts).reduce((a, b) => a + b, 0);
    this.mapStatus.textContent = drawable.length
      ? t._n('%1 feature on the map; click one for its page', '%1 features on the map; click one for its page', rows)
      : '';
    this.map.node.dataset['rows'] = String(rows);
    this.map.node.dataset['ready'] = 'true';
    this.map.render();
    this.map.relabel(0);
  }

  dispose(): void {
    this.map.dispose();
  }
}

/** What each page kind is called. */
export const KIND_NAMES: Record<PageKind, string> = {
  reach: 'River reach',
  node: 'River node',
  lake: 'Lake',
  station: 'Virtual station',
  gauge: 'Gauge'
};
