// The SWOT swath viewer: a deck.gl map (offline basemap) of STAC items' GeoParquet products read by DuckDB-WASM,
// as a map of layers. The widget wires small parts together: the model (state, model.ts), the layer builders
// (layers.ts), the toolbar, layer list, legend, scale bar and tooltip views, CPU picking (pick.ts) and the time
// series panel (plot-panel.ts).
import type { IHysopeGateway } from '@hysope/gateway-status';
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Message } from '@lumino/messaging';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import { KINDS, loadItem, type LayerKind } from './data.js';
import { LayerList } from './layer-list.js';
import { SwathMap } from './map.js';
import { ViewerModel, type Change, type ViewTarget } from './model.js';
import { PlotPanel } from './plot-panel.js';
import { Toolbar } from './toolbar.js';
import type { PickedFeature } from './tokens.js';
import { itemsBbox, loadedBbox } from './view-state.js';

export type { ViewTarget } from './model.js';

/** The swath viewer widget: the map (map.ts) with its toolbar, layer list and time-series panel. */
export class SwathView extends Widget {
  /** Emitted when the visible area changes (the catalog browser searches "in the viewer's view"). */
  readonly viewChanged = new Signal<SwathView, [number, number, number, number]>(this);
  /** Emitted when a feature with an id is clicked (before its time series is plotted). */
  readonly featureClicked = new Signal<SwathView, PickedFeature>(this);
  readonly model = new ViewerModel(loadItem);
  readonly map: SwathMap;
  /** The read of what is shown, under way or done. */
  private loading: Promise<void> = Promise.resolve();
  private readonly toolbar: Toolbar;
  private readonly layerList: LayerList;
  private readonly plot: PlotPanel;

  constructor(
    private readonly gateway: IHysopeGateway | null,
    private readonly trans: TranslationBundle,
    options: { compact?: boolean; tileUrl?: string; pointRadius?: number } = {}
  ) {
    super();
    this.addClass('hy-SwathView');
    if (options.compact) this.addClass('hy-mod-compact');
    this.map = new SwathMap(this.model, trans, {
      tileUrl: options.tileUrl,
      pointRadius: options.pointRadius,
      labelsChanged: ({ water, places }) => {
        this.node.dataset['waterLabels'] = String(water);
        this.node.dataset['placeLabels'] = String(places);
      }
    });
    this.toolbar = new Toolbar(this.model, trans, {
      reload: (inView) => void this.reload(inView ? this.currentBbox() : undefined),
      toggleLayers: () => {
        this.layerList.node.hidden = !this.layerList.node.hidden;
        this.map.relabel(0);
      }
    });
    this.layerList = new LayerList(this.model, trans);
    this.layerList.node.hidden = !!options.compact;
    this.map.addOverlay(this.layerList.node);
    this.map.viewChanged.connect((_, bbox) => this.viewChanged.emit(bbox));
    this.map.featureClicked.connect((_, { kind, id, ref }) => {
      this.featureClicked.emit({ kind, id });
      void this.plot.show(kind, id, ref);
    });
    this.plot = new PlotPanel(gateway, trans, () => this.update());
    this.node.append(this.toolbar.node, this.map.node, this.plot.node);
    this.model.changed.connect((_, change) => this.onModelChanged(change));
  }

  private onModelChanged(change: Change): void {
    // Other items, another cycle: read what is shown now.
    if (change === 'shown') return void (this.loading = this.reload());
    this.toolbar.update();
    this.layerList.render();
    this.map.render();
    this.map.relabel();
  }

  /** Applies the viewer settings (tile URL, point size). */
  configure(options: { tileUrl?: string; pointRadius?: number }): void {
    this.map.configure(options);
  }

  /** Shows a target: its items grouped by cycle (the first cycle shown), its GeoJSON layers. */
  async display(target: ViewTarget): Promise<void> {
    this.title.label = target.title ?? this.trans.__('Swath viewer');
    const bbox = target.bbox ?? itemsBbox(target.items ?? []);
    if (bbox) this.map.fitBounds(bbox);
    this.model.setTarget(target);
    await this.loading;
  }

  /** The cycle shown (null when the items have none). */
  get cycle(): number | null {
    return this.model.cycle;
  }

  /** Rows currently loaded, by layer kind. */
  get rowCounts(): Partial<Record<LayerKind, number>> {
    return this.model.rowCounts;
  }

  /** The visible area, west, south, east, north. */
  currentBbox(): [number, number, number, number] {
    return this.map.currentBbox();
  }
  /** Reads the products of the shown cycle again (with the filters and, if given, only within bbox). */
  async reload(bbox?: [number, number, number, number]): Promise<void> {
    const drawable = this.model.drawableItems();
    this.node.dataset['ready'] = 'false';
    this.toolbar.setProgress(0);
    this.toolbar.setStatus(drawable.length ? this.trans.__('reading…') : this.trans.__('nothing to read: no item with a product is shown'));
    const started = performance.now();
    const current = await this.model.reload(bbox, {
      token: this.gateway?.token,
      onProgress: (f) => this.toolbar.setProgress(f),
      onError: (item, error) => Notification.error(this.trans.__('The swath viewer could not read %1: %2', item.id, error.message), { autoClose: 8000 })
    });
    if (!current) return;
    this.toolbar.setProgress(1);
    const counts = Object.entries(this.model.rowCounts)
      .map(([k, n]) => `${n.toLocaleString()} ${KINDS[k as LayerKind].label}`)
      .join(', ');
    if (this.model.layers.length) this.toolbar.setStatus(`${counts || this.trans.__('nothing in view')} · ${Math.round(performance.now() - started)} ms`);
    this.node.dataset['rows'] = String(Object.values(this.model.rowCounts).reduce((a, b) => a + b, 0));
    this.node.dataset['cycle'] = String(this.model.cycle ?? '');
    // Features matched with the compared cycle (none when not comparing).
    this.node.dataset['matched'] = String(this.model.compareIndex === null ? '' : this.model.matched);
    this.node.dataset['ready'] = 'true';
  }

  /** Plots the time series of a feature (all cycles), with the harmonized series near it. */
  plotFeature(kind: LayerKind, id: string, ref?: { lon: number; lat: number }): Promise<void> {
    return this.plot.show(kind, id, ref);
  }

  /** Screen position of the middle of a loaded feature (tests and tours click there). */
  screenPositionOf(kind: LayerKind, index = 0): [number, number] | null {
    return this.map.screenPositionOf(kind, index);
  }

  /** The bounds of what is loaded. */
  loadedBounds(): [number, number, number, number] | null {
    return loadedBbox(this.model.layers);
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.map.start();
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.map.resize();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.map.dispose();
    super.dispose();
  }
}
