// The catalog browser (left sidebar): the search form, the timeline, a small map to draw the area on, a
// virtualised list of results loaded page by page, and the detail of one item with its actions. A view of the
// catalog model (model.ts), which holds the state and does the searching.
import type { Item } from '@hysope/api';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Message } from '@lumino/messaging';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import { renderDetail } from './detail.js';
import { el } from './dom.js';
import { CatalogModel, EMPTY_FORM, type CatalogChange, type FormState } from './model.js';
import { ResultList } from './result-list.js';
import { SearchForm } from './search-form.js';
import { renderTimeline } from './timeline.js';
import type { CatalogSource } from './stac.js';

export { EMPTY_FORM, type FormState };

/** What the panel asks its host to do (the plugin wires these to the viewer, notebooks, clipboard). */
export interface PanelActions {
  preview(items: Item[]): void;
  insertCell(item: Item): void;
  copyLink(item: Item): void;
  codeFor(item: Item): string;
  viewerBbox(): [number, number, number, number] | null;
  error(message: string): void;
}

/** The catalog browser panel. */
export class CatalogPanel extends Widget {
  /** Emitted when the form changes (saved by the plugin). */
  readonly stateChanged = new Signal<CatalogPanel, FormState>(this);
  /** Emitted when an item is selected. */
  readonly selectionChanged = new Signal<CatalogPanel, Item | null>(this);
  readonly model: CatalogModel;
  private readonly form: SearchForm;
  private readonly list: ResultList;
  private readonly countEl: HTMLDivElement;
  private readonly detailEl: HTMLDivElement;
  private readonly showButton: HTMLButtonElement;
  private readonly timelineEl: HTMLDivElement;

  constructor(
    private readonly trans: TranslationBundle,
    private readonly actions: PanelActions
  ) {
    super();
    this.id = 'hysope-catalog';
    this.addClass('hy-Catalog');
    this.title.caption = trans.__('HYSOPE catalog');
    this.model = new CatalogModel({
      noCatalog: () => trans.__('No catalog is configured.'),
      rangeReversed: () => trans.__('The time range starts after it ends.'),
      noFilters: (name) => trans.__('%1 does not answer CQL2 filters: clear cycle, pass and continent.', name)
    });
    this.form = new SearchForm(this.model, trans, { search: () => void this.search(), viewerBbox: () => actions.viewerBbox(), error: actions.error });
    this.timelineEl = el('div', { className: 'hy-Catalog-timeline' });
    this.countEl = el('div', { className: 'hy-Catalog-count' });
    this.showButton = el('button', { className: 'jp-Button jp-mod-styled hy-Catalog-show', hidden: true });
    this.showButton.onclick = () => {
      const items = this.shownItems();
      if (items.length) this.actions.preview(items);
    };
    this.list = new ResultList(trans, {
      select: (item) => this.model.select(item),
      preview: (item) => this.actions.preview([item]),
      codeFor: (item) => this.actions.codeFor(item),
      ticked: () => this.renderShowButton(),
      nearEnd: () => void this.model.loadMore()
    });
    this.detailEl = el('div', { className: 'hy-Catalog-detail', hidden: true });
    this.detailEl.setAttribute('role', 'region');
    this.detailEl.setAttribute('aria-label', trans.__('Item detail'));
    this.node.append(
      this.form.node,
      this.timelineEl,
      el('div', { className: 'hy-Catalog-countRow' }, this.countEl, this.showButton),
      this.list.node,
      this.splitter(),
      this.detailEl
    );
    this.model.changed.connect((_, change) => this.onChange(change));
  }

  private onChange(change: CatalogChange): void {
    const m = this.model;
    switch (change) {
      case 'collections':
        this.form.renderSources(this.trans.__('All collections'));
        // Said in the panel, not as a notification: an unreachable gateway is already notified once at start-up.
        this.countEl.textContent = m.error;
        return;
      case 'form':
        this.form.render();
        this.stateChanged.emit(this.state);
        return;
      case 'status':
        this.node.dataset['state'] = m.status;
        return;
      case 'failed':
        this.actions.error(m.error);
        return;
      case 'results':
      case 'more':
        this.list.setResults(m.results, change === 'results');
        this.countEl.textContent =
          m.matched !== undefined
            ? this.trans._n('%1 item matches', '%1 items match', m.matched, m.matched.toLocaleString())
            : this.trans._n('%1 item', '%1 items', m.results.length, m.results.length);
        this.node.dataset['matched'] = String(m.matched ?? m.results.length);
        this.form.areaMap.setFootprints(m.results, m.selected?.id);
        this.renderShowButton();
        return;
      case 'timeline':
        renderTimeline(
          this.timelineEl,
          m.timeline ?? [],
          (month) => void m.searchMonth(month),
          (month, n) => this.trans._n('%2: %1 item', '%2: %1 items', n, n, month)
        );
        return;
      case 'selection':
        this.renderSelection();
    }
  }

  /** The current form. */
  get state(): FormState {
    return { ...this.model.form };
  }

  /** The results loaded so far. */
  get items(): readonly Item[] {
    return this.model.results;
  }

  /** The selected item. */
  get selection(): Item | null {
    return this.model.selected;
  }

  /** Sets the catalogs the user can choose from (the first is HYSOPE's gateway) and the form to start with. */
  setSources(sources: CatalogSource[], state: FormState = this.state): Promise<void> {
    return this.model.setSources(sources, state);
  }

  /** Runs the search of the form. */
  search(): Promise<void> {
    return this.model.search();
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

  /** The ticked items, or (none ticked) the results loaded so far, up to the viewer's maximum. */
  shownItems(): Item[] {
    return this.model.shown([...this.list.checked.values()]);
  }

  private renderShowButton(): void {
    const n = this.shownItems().length;
    this.showButton.hidden = n === 0;
    this.showButton.textContent = this.list.checked.size
      ? this.trans._n('Show %1 selected in the viewer', 'Show %1 selected in the viewer', n, n)
      : this.trans._n('Show the result in the viewer', 'Show %1 results in the viewer', n, n);
  }

  /** Selects an item and shows its detail. */
  select(item: Item | null): void {
    this.model.select(item);
  }

  private renderSelection(): void {
    const item = this.model.selected;
    this.selectionChanged.emit(item);
    this.list.setSelected(item?.id);
    this.form.areaMap.setFootprints(this.model.results, item?.id);
    this.detailEl.hidden = !item;
    this.node.classList.toggle('hy-mod-detail', !!item);
    this.detailEl.replaceChildren();
    if (!item) return;
    renderDetail(this.detailEl, item, this.trans, {
      preview: () => this.actions.preview([item]),
      insertCell: () => this.actions.insertCell(item),
      copyLink: () => this.actions.copyLink(item),
      close: () => this.model.select(null)
    });
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.form.areaMap.showLand();
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.list.render();
  }
}
