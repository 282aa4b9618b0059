// The time series panel under the map: each clicked feature's series (all cycles) is added to the plot, up to
// MAX_FEATURES (the oldest leaves first), with the harmonized in-situ/Hydroweb series near the latest; CSV of
// what is plotted, clear, close.
import type { IHysopeGateway } from '@hysope/gateway-status';
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { KINDS, type LayerKind } from './data.js';
import { drawSeries, featureSeries, harmonizedSeries, loadPlotly, seriesCsv, type PlotSeries } from './plot.js';

/** Most features plotted together. */
const MAX_FEATURES = 4;

export class PlotPanel {
  readonly node: HTMLDivElement;
  private readonly area: HTMLDivElement;
  private features: { id: string; series: PlotSeries[] }[] = [];
  private near: PlotSeries[] = [];

  constructor(
    private readonly gateway: IHysopeGateway | null,
    private readonly trans: TranslationBundle,
    private readonly relayout: () => void
  ) {
    this.node = Object.assign(document.createElement('div'), { className: 'hy-SwathView-plot', hidden: true });
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', trans.__('Time series'));
    this.area = Object.assign(document.createElement('div'), { className: 'hy-SwathView-plotArea' });
    const bar = Object.assign(document.createElement('div'), { className: 'hy-SwathView-plotBar' });
    const button = (text: string, label: string, fn: () => void) => {
      const b = Object.assign(document.createElement('button'), { className: 'jp-Button jp-mod-styled hy-SwathView-button', textContent: text, title: label });
      b.setAttribute('aria-label', label);
      b.onclick = fn;
      return b;
    };
    bar.append(
      button(trans.__('CSV'), trans.__('Download the plotted series as CSV'), () => this.downloadCsv()),
      button(trans.__('Clear'), trans.__('Clear the plotted features'), () => this.close()),
      button('×', trans.__('Close the time series'), () => this.close())
    );
    this.node.append(this.area, bar);
  }

  /** Adds a feature's series (all cycles) to the plot, with the harmonized series near `ref`. */
  async show(kind: LayerKind, id: string, ref?: { lon: number; lat: number }): Promise<void> {
    const feature = KINDS[kind].feature;
    if (!feature || !this.gateway) return;
    this.node.hidden = false;
    this.node.dataset['feature'] = id;
    this.node.dataset['state'] = 'loading';
    this.relayout();
    try {
      const label = `${{ Reach: 'Reach', Node: 'Node', PriorLake: 'Lake' }[feature]} ${id}`;
      const series = (await featureSeries(this.gateway, feature, id)).map((s) => ({ ...s, name: `${label} ${s.name.replace(/^SWOT /, '')}` }));
      this.near = ref && Number.isFinite(ref.lon) ? (await harmonizedSeries(this.gateway, ref.lon, ref.lat)).map((s) => ({ ...s, secondary: false })) : [];
      this.features = [...this.features.filter((f) => f.id !== id), { id, series }].slice(-MAX_FEATURES);
      const title = this.features.length === 1 ? label : this.trans.__('%1 features', this.features.length);
      await drawSeries(this.area, title, this.plotted());
      this.node.dataset['state'] = 'ready';
      this.node.dataset['features'] = String(this.features.length);
      this.node.dataset['points'] = String(series[0]?.values.filter((v) => v !== null).length ?? 0);
    } catch (error) {
      this.node.dataset['state'] = 'error';
      Notification.error((error as Error).message, { autoClose: 8000 });
    }
  }

  /** What is plotted: every feature's series, then the harmonized ones near the latest. */
  plotted(): PlotSeries[] {
    return [...this.features.flatMap((f) => f.series), ...this.near];
  }

  private downloadCsv(): void {
    const url = URL.createObjectURL(new Blob([seriesCsv(this.plotted())], { type: 'text/csv' }));
    const a = Object.assign(document.createElement('a'), { href: url, download: `${this.features.map((f) => f.id).join('_') || 'series'}.csv` });
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  /** Hides the panel and forgets the features plotted. */
  close(): void {
    void loadPlotly().then((p) => p.purge(this.area));
    this.area.replaceChildren();
    this.features = [];
    this.near = [];
    this.node.hidden = true;
    delete this.node.dataset['feature'];
    this.node.dataset['state'] = 'closed';
    this.relayout();
  }
}
