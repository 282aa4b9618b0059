// The results: a virtualised list (only the rows in view are in the DOM, the list may hold thousands of items),
// each row with a checkbox to show several items together in the viewer, draggable onto a notebook cell.
import type { Item } from '@hysope/api';
import type { TranslationBundle } from '@jupyterlab/translation';
import { el } from './dom.js';

/** Height of a row (px). */
export const ROW = 46;

/** The rows to render for a scroll position: those in view and a few either side, [first, last). */
export function visibleRows(scrollTop: number, height: number, count: number, margin = 5): [number, number] {
  return [Math.max(0, Math.floor(scrollTop / ROW) - margin), Math.min(count, Math.ceil((scrollTop + height) / ROW) + margin)];
}

export interface ResultListActions {
  select(item: Item): void;
  preview(item: Item): void;
  /** The code a row becomes when dropped on a notebook cell. */
  codeFor(item: Item): string;
  /** The ticked items changed. */
  ticked(): void;
  /** The last rows are in view: time to load the next page. */
  nearEnd(): void;
}

export class ResultList {
  readonly node: HTMLDivElement;
  /** Items ticked (by id), shown together in the viewer. */
  readonly checked = new Map<string, Item>();
  private readonly spacer: HTMLDivElement;
  private results: readonly Item[] = [];
  private selected: string | undefined;

  constructor(
    private readonly trans: TranslationBundle,
    private readonly actions: ResultListActions
  ) {
    this.spacer = el('div', { className: 'hy-Catalog-spacer' });
    this.node = el('div', { className: 'hy-Catalog-results' }, this.spacer);
    this.spacer.setAttribute('role', 'list');
    this.spacer.setAttribute('aria-label', trans.__('Results'));
    this.node.onscroll = () => this.render();
  }

  /** Shows other results (`fresh`: a new search, back at the top and nothing ticked). */
  setResults(results: readonly Item[], fresh: boolean): void {
    this.results = results;
    if (fresh) {
      this.checked.clear();
      this.node.scrollTop = 0;
    }
    this.render();
  }

  setSelected(id: string | undefined): void {
    this.selected = id;
    this.render();
  }

  /** Renders the rows in view. */
  render(): void {
    const n = this.results.length;
    this.spacer.style.height = `${n * ROW}px`;
    const [first, last] = visibleRows(this.node.scrollTop, this.node.clientHeight || 400, n);
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) rows.push(this.rowOf(this.results[i]!, i));
    this.spacer.replaceChildren(...rows);
    if (last >= n - 10) this.actions.nearEnd();
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
      this.actions.ticked();
    };
    const row = el(
      'div',
      { className: `hy-Catalog-item${this.selected === item.id ? ' jp-mod-selected' : ''}`, title: item.id, draggable: true },
      check,
      el('div', { className: 'hy-Catalog-itemId', textContent: item.id }),
      el('div', { className: 'hy-Catalog-itemMeta', textContent: `${item.collection ?? ''} · ${when}${swot}` })
    );
    row.style.top = `${index * ROW}px`;
    row.dataset['id'] = item.id;
    row.setAttribute('role', 'listitem');
    if (this.selected === item.id) row.setAttribute('aria-current', 'true');
    row.onclick = () => this.actions.select(item);
    row.ondblclick = () => this.actions.preview(item);
    row.ondragstart = (e) => {
      // Dropped on a notebook cell editor, the item becomes a ready-to-run cell's code.
      e.dataTransfer?.setData('text/plain', this.actions.codeFor(item));
      e.dataTransfer?.setData('application/geo+json', JSON.stringify(item));
    };
    return row;
  }
}
