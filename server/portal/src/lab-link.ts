// "Open in the lab": the current selection becomes a notebook in STYX (the lab's extension builds it from the
// address, see @hysope/catalog-browser's selection-notebook), or a notebook file to download for whoever has no lab.
import { openInLabUrl, selectionFileName, selectionNotebook, type LabSelection } from '@hysope/catalog-browser/lib/selection-notebook.js';
import { el, type PortalContext } from './context.js';

/** The rel of the landing page's link to the lab (HYSOPE_LAB_URL of the gateway). */
export const LAB_REL = 'https://hysope.dev/rel/lab';

let lab: Promise<string | null> | null = null;

/** The lab's address the gateway announces, or null when it has none (asked once per page load). */
export function labAddress(baseUrl: string): Promise<string | null> {
  lab ??= fetch(`${baseUrl}/`, { headers: { Accept: 'application/json' } })
    .then((r) => (r.ok ? (r.json() as Promise<{ links?: { rel: string; href: string }[] }>) : { links: [] }))
    .then((landing) => landing.links?.find((l) => l.rel === LAB_REL)?.href ?? null)
    .catch(() => null);
  return lab;
}

/** A section with "Open in the lab" (when there is a lab) and "Download the notebook". */
export function labSection(ctx: PortalContext, selection: LabSelection): HTMLElement {
  const t = ctx.t;
  const open = el('a', { className: 'hp-button hp-openLab', textContent: t.__('Open in the lab'), target: '_blank', rel: 'noopener' });
  open.hidden = true;
  const file = el('button', { type: 'button', className: 'hp-button', textContent: t.__('Download the notebook') });
  file.onclick = () => {
    const blob = new Blob([JSON.stringify(selectionNotebook(selection), null, 1)], { type: 'application/x-ipynb+json' });
    const a = el('a', { href: URL.createObjectURL(blob), download: selectionFileName(selection) });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };
  void labAddress(ctx.baseUrl).then((href) => {
    if (!href) return;
    open.href = openInLabUrl(href, selection);
    open.hidden = false;
  });
  const section = el(
    'section',
    { className: 'hp-section hp-lab' },
    el('h2', { textContent: t.__('Explore in a notebook') }),
    el('p', { textContent: t.__('A TypeScript notebook that reads this selection, ready to run in STYX, the HYSOPE lab.') }),
    el('p', {}, open, ' ', file)
  );
  return section;
}
