// The timeline of what a search matches: one bar per month on a continuous time axis (empty months keep
// their place), years marked under their January; a click on a bar narrows the search to that month.

/** Months from the first to the last date (`YYYY-MM`), each with its count (0 for a month without items). */
export function monthBins(dates: string[]): { month: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const d of dates) if (/^\d{4}-\d{2}/.test(d)) counts.set(d.slice(0, 7), (counts.get(d.slice(0, 7)) ?? 0) + 1);
  const keys = [...counts.keys()].sort();
  if (!keys.length) return [];
  const [y0, m0] = keys[0]!.split('-').map(Number) as [number, number];
  const [y1, m1] = keys[keys.length - 1]!.split('-').map(Number) as [number, number];
  const out: { month: string; count: number }[] = [];
  for (let y = y0, m = m0; y < y1 || (y === y1 && m <= m1); m === 12 ? ((m = 1), y++) : m++) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    out.push({ month, count: counts.get(month) ?? 0 });
  }
  return out;
}

/** The first and last day of a month (`YYYY-MM`), as date input values. */
export function monthRange(month: string): [string, string] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return [`${month}-01`, new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10)];
}

/** Draws the bins into `el`: bars scaled to the busiest month, year labels, a click handler per non-empty month. */
export function renderTimeline(
  el: HTMLElement,
  bins: { month: string; count: number }[],
  onMonth: (month: string) => void,
  label: (month: string, n: number) => string
): void {
  el.replaceChildren();
  if (!bins.length) return;
  const max = Math.max(...bins.map((b) => b.count));
  const bars = Object.assign(document.createElement('div'), { className: 'hy-Catalog-bars' });
  const axis = Object.assign(document.createElement('div'), { className: 'hy-Catalog-axis' });
  bins.forEach((b, i) => {
    const bar = Object.assign(document.createElement('div'), { className: `hy-Catalog-bar${b.count ? '' : ' hy-mod-empty'}`, title: label(b.month, b.count) });
    bar.style.height = b.count ? `${4 + (24 * b.count) / max}px` : '1px';
    bar.dataset['month'] = b.month;
    if (b.count) bar.onclick = () => onMonth(b.month);
    bars.append(bar);
    // A year's label under its first month shown (January, or the first bin).
    if (i === 0 || b.month.endsWith('-01')) {
      const tick = Object.assign(document.createElement('span'), { className: 'hy-Catalog-tick', textContent: b.month.slice(0, 4) });
      tick.style.left = `${(100 * i) / bins.length}%`;
      axis.append(tick);
    }
  });
  el.append(bars, axis);
}
