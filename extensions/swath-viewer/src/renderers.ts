// Renderers of the HYSOPE MIME bundles (kernels-bridge `show.*`, Python `hysope_show`) in notebook outputs.
import type { Item } from '@hysope/api';
import type { IHysopeGateway } from '@hysope/gateway-status';
import { MimeTypes } from '@hysope/kernels-bridge/mime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { TranslationBundle } from '@jupyterlab/translation';
import { PanelLayout, Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';

interface MapData {
  title?: string;
  layers?: { kind: 'items' | 'geojson'; items?: Item[]; data?: unknown }[];
  bbox?: [number, number, number, number];
}

interface TimeseriesData {
  title?: string;
  series: { name: string; units?: string; source?: string; vertical_reference?: string; points: { time: string; value: number | null }[] }[];
}

interface TableData {
  title?: string;
  columns: string[];
  rows: unknown[][];
}

/** `application/vnd.hysope.map+json`: the swath viewer, compact, inside the output. */
class MapRenderer extends Widget implements IRenderMime.IRenderer {
  private view: import('./view.js').SwathView | null = null;
  constructor(
    private readonly gateway: IHysopeGateway | null,
    private readonly trans: TranslationBundle
  ) {
    super();
    this.layout = new PanelLayout();
    this.addClass('hy-MapOutput');
  }
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[MimeTypes.map] as unknown as MapData;
    const { SwathView } = await import('./view.js');
    this.view?.dispose();
    this.view = new SwathView(this.gateway, this.trans, { compact: true });
    (this.layout as PanelLayout).addWidget(this.view);
    const items = (data.layers ?? []).flatMap((l) => (l.kind === 'items' ? (l.items ?? []) : []));
    const geojson = (data.layers ?? []).flatMap((l) => (l.kind === 'geojson' && l.data ? [l.data] : []));
    await this.view.display({ title: data.title, items, geojson, bbox: data.bbox });
  }
  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.view?.update();
  }
}

/** `application/vnd.hysope.timeseries+json`: a plotly chart. */
class TimeseriesRenderer extends Widget implements IRenderMime.IRenderer {
  constructor() {
    super();
    this.addClass('hy-Timeseries');
  }
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[MimeTypes.timeseries] as unknown as TimeseriesData;
    const { drawSeries } = await import('./plot.js');
    const units = data.series[0]?.units;
    await drawSeries(
      this.node,
      data.title ?? '',
      data.series.map((s) => ({
        name: s.vertical_reference ? `${s.name} [${s.vertical_reference}]` : s.name,
        units: s.units,
        times: s.points.map((p) => p.time),
        values: s.points.map((p) => p.value),
        secondary: !!units && !!s.units && s.units !== units
      }))
    );
    this.node.dataset['series'] = String(data.series.length);
  }
}

/** `application/vnd.hysope.table+json`: an HTML table (text content only, never markup from the data). */
class TableRenderer extends Widget implements IRenderMime.IRenderer {
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[MimeTypes.table] as unknown as TableData;
    const table = document.createElement('table');
    table.className = 'hy-Table jp-RenderedHTMLCommon';
    const head = table.createTHead().insertRow();
    for (const c of data.columns) head.append(Object.assign(document.createElement('th'), { textContent: c }));
    const body = table.createTBody();
    for (const r of data.rows.slice(0, 1000)) {
      const row = body.insertRow();
      for (const v of r) row.insertCell().textContent = v === null || v === undefined ? '' : String(v);
    }
    this.node.replaceChildren(...(data.title ? [Object.assign(document.createElement('b'), { textContent: data.title })] : []), table);
  }
}

/** The renderer factories, for the lab's rendermime registry. */
export function rendererFactories(gateway: IHysopeGateway | null, trans: TranslationBundle): IRenderMime.IRendererFactory[] {
  return [
    { safe: true, mimeTypes: [MimeTypes.map], defaultRank: 20, createRenderer: () => new MapRenderer(gateway, trans) },
    { safe: true, mimeTypes: [MimeTypes.timeseries], defaultRank: 20, createRenderer: () => new TimeseriesRenderer() },
    { safe: true, mimeTypes: [MimeTypes.table], defaultRank: 20, createRenderer: () => new TableRenderer() }
  ];
}
