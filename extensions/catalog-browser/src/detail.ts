// The detail of one item: its actions, its properties with their SWOT meanings (long values folded), its assets
// (with sizes and download links) and its lineage.
import type { Item } from '@hysope/api';
import type { TranslationBundle } from '@jupyterlab/translation';
import { foldValue } from './fold.js';
import { PROPERTY_MEANINGS } from './meaning.js';
import { el } from './dom.js';

/** What the detail's buttons do. */
export interface DetailActions {
  preview(): void;
  insertCell(): void;
  copyLink(): void;
  close(): void;
}

/** Fills `target` with the detail of `item`. */
export function renderDetail(target: HTMLElement, item: Item, t: TranslationBundle, actions: DetailActions): void {
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
  target.append(
    el('div', { className: 'hy-Catalog-detailTitle', textContent: item.id }),
    el(
      'div',
      { className: 'hy-Catalog-actions' },
      action(t.__('Preview'), 'preview', actions.preview),
      action(t.__('Insert cell'), 'insert', actions.insertCell),
      action(t.__('Copy STAC link'), 'copy', actions.copyLink),
      action('×', 'close', actions.close)
    ),
    el('h4', { textContent: t.__('Properties') }),
    props,
    el('h4', { textContent: t.__('Assets') }),
    assets,
    el('h4', { textContent: t.__('Lineage') }),
    lineage
  );
}
