// The viewer's toolbar: cycles (‹ ›, and a time slider over the cycles present), colour by, quality filter,
// "Load in view", the layer list's toggle, progress and status. It edits the model; reading is the view's.
import type { TranslationBundle } from '@jupyterlab/translation';
import { KINDS, kindOf, type LayerKind } from './data.js';
import type { ViewerModel } from './model.js';

export interface ToolbarActions {
  /** Reads the shown items again (within the current view when `inView`). */
  reload(inView: boolean): void;
  toggleLayers(): void;
}

export class Toolbar {
  readonly node: HTMLDivElement;
  private readonly cycleLabel: HTMLSpanElement;
  private readonly slider: HTMLInputElement;
  private readonly colorSelect: HTMLSelectElement;
  private readonly compareSelect: HTMLSelectElement;
  private readonly progress: HTMLProgressElement;
  private readonly status: HTMLSpanElement;

  constructor(
    private readonly model: ViewerModel,
    private readonly trans: TranslationBundle,
    actions: ToolbarActions
  ) {
    const t = trans;
    this.node = document.createElement('div');
    this.node.className = 'hy-SwathView-toolbar';
    const prev = button('‹', t.__('Previous cycle'), () => model.stepCycle(-1), 'hy-SwathView-prev');
    const next = button('›', t.__('Next cycle'), () => model.stepCycle(1), 'hy-SwathView-next');
    this.cycleLabel = Object.assign(document.createElement('span'), { className: 'hy-SwathView-cycle' });
    this.cycleLabel.setAttribute('role', 'status');
    this.cycleLabel.setAttribute('aria-label', t.__('Cycle shown'));
    this.slider = Object.assign(document.createElement('input'), { type: 'range', min: '0', step: '1', className: 'hy-SwathView-slider' });
    this.slider.setAttribute('aria-label', t.__('Cycle'));
    // The cycle changes when the slider is released (each change reads the products again).
    this.slider.onchange = () => model.setCycleIndex(Number(this.slider.value));
    this.colorSelect = Object.assign(document.createElement('select'), { className: 'hy-SwathView-colorBy', title: t.__('Colour by') });
    this.colorSelect.setAttribute('aria-label', t.__('Colour by'));
    this.colorSelect.onchange = () => {
      const [kind, name] = this.colorSelect.value.split(':') as [LayerKind, string];
      model.setColorBy(kind, name);
    };
    const quality = Object.assign(document.createElement('select'), {
      className: 'hy-SwathView-quality',
      title: t.__('Quality filter (read by the Parquet reader)')
    });
    quality.setAttribute('aria-label', t.__('Quality filter'));
    for (const [v, label] of [
      ['', t.__('all quality')],
      ['1', t.__('good + suspect')],
      ['0', t.__('good only')]
    ] as const)
      quality.append(Object.assign(document.createElement('option'), { value: v, textContent: label }));
    quality.onchange = () => {
      model.maxQuality = quality.value === '' ? undefined : Number(quality.value);
      actions.reload(false);
    };
    this.compareSelect = Object.assign(document.createElement('select'), {
      className: 'hy-SwathView-compare',
      title: t.__('Compare the cycle shown with another: colour by the change in WSE')
    });
    this.compareSelect.setAttribute('aria-label', t.__('Compare with cycle'));
    this.compareSelect.onchange = () => model.setCompare(this.compareSelect.value === '' ? null : Number(this.compareSelect.value));
    const inView = button(t.__('Load in view'), t.__('Read only what is in the current view (bbox pushed down to Parquet)'), () => actions.reload(true));
    const layers = button(t.__('Layers'), t.__('Show or hide the layer list'), () => actions.toggleLayers(), 'hy-SwathView-layersToggle');
    this.progress = Object.assign(document.createElement('progress'), { className: 'hy-SwathView-progress', max: 1, value: 0 });
    this.status = Object.assign(document.createElement('span'), { className: 'hy-SwathView-status' });
    this.node.append(prev, this.cycleLabel, next, this.slider, this.colorSelect, this.compareSelect, quality, inView, layers, this.progress, this.status);
  }

  /** Follows the model: cycle label and slider, colour choices. */
  update(): void {
    const m = this.model;
    const shown = m.shownItems();
    this.cycleLabel.textContent =
      m.cycle === null
        ? this.trans._n('%1 item', '%1 items', shown.length, shown.length)
        : this.trans.__('cycle %1 (%2/%3)', m.cycle, m.cycleIndex + 1, m.cycles.length);
    this.slider.max = String(m.cycles.length - 1);
    this.slider.value = String(m.cycleIndex);
    this.slider.hidden = m.cycles.length < 3;
    this.slider.title = m.cycles.map((c) => (c === null ? '–' : String(c))).join(' · ');
    this.updateColorChoices();
    this.updateCompareChoices();
  }

  private updateCompareChoices(): void {
    const m = this.model;
    const options: [string, string][] = [['', this.trans.__('no comparison')]];
    m.cycles.forEach((c, i) => i !== m.cycleIndex && c !== null && options.push([String(i), this.trans.__('minus cycle %1', c)]));
    if (options.map((o) => o.join()).join() !== Array.from(this.compareSelect.options, (o) => `${o.value},${o.textContent}`).join())
      this.compareSelect.replaceChildren(...options.map(([value, label]) => Object.assign(document.createElement('option'), { value, textContent: label })));
    this.compareSelect.value = m.compareIndex === null ? '' : String(m.compareIndex);
    this.compareSelect.hidden = options.length < 2;
  }

  setProgress(value: number): void {
    this.progress.value = value;
  }

  setStatus(text: string): void {
    this.status.textContent = text;
  }

  private updateColorChoices(): void {
    const m = this.model;
    const kinds = [...new Set([...m.layers.map((l) => l.kind), ...m.items.map(kindOf).filter((k): k is LayerKind => !!k)])];
    const options: [string, string][] = [];
    for (const k of kinds) for (const v of m.variables(k)) options.push([`${k}:${v.name}`, kinds.length > 1 ? `${KINDS[k].label}: ${v.label}` : v.label]);
    if (options.map((o) => o[0]).join() !== Array.from(this.colorSelect.options, (o) => o.value).join())
      this.colorSelect.replaceChildren(...options.map(([value, label]) => Object.assign(document.createElement('option'), { value, textContent: label })));
    const first = kinds[0];
    // The model says what colours the first kind (a comparison switches it to the WSE change).
    this.colorSelect.value = first ? `${first}:${m.variable(first).name}` : '';
    this.colorSelect.hidden = !options.length;
  }
}

function button(text: string, title: string, onClick: () => void, extra = ''): HTMLButtonElement {
  const b = Object.assign(document.createElement('button'), {
    className: `jp-Button jp-mod-styled hy-SwathView-button ${extra}`.trim(),
    textContent: text,
    title
  });
  // Named by what it does (its text may be a sign: ‹ ›).
  b.setAttribute('aria-label', title);
  b.onclick = onClick;
  return b;
}
