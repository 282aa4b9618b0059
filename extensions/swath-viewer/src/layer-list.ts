// The layer list (as in lonboard or kepler.gl): one row per loaded product — visibility, opacity, order,
// remove — and one for the footprints. It edits the model; the view redraws on the model's signal.
import type { TranslationBundle } from '@jupyterlab/translation';
import { KINDS } from './data.js';
import type { ViewerModel } from './model.js';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  Object.assign(e, props);
  e.append(...children);
  return e;
}

export class LayerList {
  readonly node: HTMLDivElement;

  constructor(
    private readonly model: ViewerModel,
    private readonly trans: TranslationBundle
  ) {
    this.node = el('div', { className: 'hy-SwathView-layers' });
    this.node.setAttribute('role', 'list');
    this.node.setAttribute('aria-label', trans.__('Layers'));
  }

  /** Draws the rows again (the model changed). */
  render(): void {
    const t = this.trans;
    const rows: HTMLElement[] = [];
    // Top of the list = drawn last (on top), as map applications list them.
    for (const layer of [...this.model.layers].reverse()) {
      const id = layer.item.id;
      const name = `${KINDS[layer.kind].label} · ${id.replace(/^SWOT_L2_HR_/, '')}`;
      const visible = el('input', { type: 'checkbox', checked: layer.visible, title: t.__('Show or hide') });
      visible.setAttribute('aria-label', t.__('Show %1', id));
      visible.onchange = () => this.model.setVisible(id, visible.checked);
      const opacity = el('input', { type: 'range', min: '0', max: '1', step: '0.05', value: String(layer.opacity), className: 'hy-SwathView-opacity' });
      opacity.setAttribute('aria-label', t.__('Opacity of %1', id));
      opacity.oninput = () => this.model.setOpacity(id, Number(opacity.value));
      const button = (text: string, label: string, fn: () => void) => {
        const b = el('button', { className: 'hy-SwathView-layerButton', textContent: text, title: label });
        b.setAttribute('aria-label', `${label} ${id}`);
        b.onclick = fn;
        return b;
      };
      const rowsOf = layer.chunks.reduce((n, c) => n + c.count, 0);
      const row = el(
        'div',
        { className: 'hy-SwathView-layer', title: `${id} (${rowsOf.toLocaleString()} ${t.__('rows')})` },
        visible,
        el('span', { className: 'hy-SwathView-layerName', textContent: name }),
        opacity,
        button('▲', t.__('Move up'), () => this.model.move(id, 1)),
        button('▼', t.__('Move down'), () => this.model.move(id, -1)),
        button('×', t.__('Remove'), () => this.model.remove(id))
      );
      row.setAttribute('role', 'listitem');
      row.dataset['id'] = id;
      rows.push(row);
    }
    const footprints = el('input', { type: 'checkbox', checked: this.model.footprintsVisible });
    footprints.setAttribute('aria-label', t.__('Show footprints'));
    footprints.onchange = () => this.model.setFootprintsVisible(footprints.checked);
    const last = el(
      'div',
      { className: 'hy-SwathView-layer' },
      footprints,
      el('span', { className: 'hy-SwathView-layerName', textContent: t.__('Footprints') })
    );
    last.setAttribute('role', 'listitem');
    rows.push(last);
    this.node.replaceChildren(el('div', { className: 'hy-SwathView-layersTitle', textContent: t.__('Layers') }), ...rows);
  }
}
