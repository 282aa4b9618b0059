// The legend: for each kind of product shown, the variable colouring it, with its unit, and its colour ramp
// (value range) or its flag palette.
import { KINDS, type LayerKind } from './data.js';
import type { ViewerModel } from './model.js';

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(2));

/** Fills `el` with the legend of what is shown (hidden when nothing is). */
export function renderLegend(el: HTMLElement, model: ViewerModel, trans: { __(text: string): string } = { __: (text) => text }): void {
  const t = (text: string) => trans.__(text);
  const scales = model.scales();
  el.replaceChildren();
  for (const [kind, s] of scales) {
    const v = model.variable(kind as LayerKind);
    const box = document.createElement('div');
    box.className = 'hy-SwathView-legendItem';
    const title = document.createElement('div');
    title.className = 'hy-SwathView-legendTitle';
    title.textContent = `${scales.size > 1 ? `${t(KINDS[kind].label)}: ` : ''}${t(v.label)}${v.units ? ` (${v.units})` : ''}`;
    box.append(title);
    if (s.palette) {
      for (const [code, p] of Object.entries(s.palette)) {
        const row = document.createElement('div');
        const swatch = document.createElement('span');
        swatch.className = 'hy-SwathView-swatch';
        swatch.style.background = `rgb(${p.color.join(',')})`;
        row.append(swatch, `${code} ${t(p.label)}`);
        box.append(row);
      }
    } else {
      const bar = document.createElement('div');
      bar.className = 'hy-SwathView-ramp';
      const ticks = document.createElement('div');
      ticks.className = 'hy-SwathView-ticks';
      const [lo, hi] = [document.createElement('span'), document.createElement('span')];
      lo.textContent = fmt(s.range[0]);
      hi.textContent = fmt(s.range[1]);
      ticks.append(lo, hi);
      box.append(bar, ticks);
    }
    el.append(box);
  }
  el.hidden = scales.size === 0;
}
