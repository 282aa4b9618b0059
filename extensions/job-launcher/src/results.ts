// A job's results rendered by type: files as download links (with their media type), objects (summaries) as
// a table of their fields, lists and numbers as text — never one line of raw JSON wider than the panel.

import { el } from './dom.js';

/** A scalar as people read it (numbers in the locale's format, null as a dash). */
export function scalarText(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en') : String(+v.toPrecision(6));
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** One output's value as an element. */
export function renderOutput(v: unknown): HTMLElement {
  const ref = v as { href?: string; type?: string } | null;
  if (ref && typeof ref === 'object' && typeof ref.href === 'string') {
    const name = ref.href.split('/').pop() ?? ref.href;
    return el('span', {}, el('a', { href: ref.href, textContent: name, target: '_blank', download: '' }), ref.type ? ` (${ref.type})` : '');
  }
  const value = v && typeof v === 'object' && !Array.isArray(v) && 'value' in v && Object.keys(v).length === 1 ? (v as { value: unknown }).value : v;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const table = el('table', { className: 'hy-Jobs-summary' });
    for (const [k, x] of Object.entries(value)) {
      const row = table.insertRow();
      row.insertCell().textContent = k;
      row.insertCell().textContent = scalarText(x);
    }
    return table;
  }
  if (Array.isArray(value)) return el('span', { className: 'hy-Jobs-list', textContent: value.map(scalarText).join(', ') });
  return el('span', { textContent: scalarText(value) });
}
