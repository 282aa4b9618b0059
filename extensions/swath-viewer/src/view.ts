// The SWOT swath viewer: a deck.gl map (offline basemap) of STAC items' GeoParquet products read by DuckDB-WASM,
// as a map of layers. The widget wires small parts together: the model (state, model.ts), the layer builders
// (layers.ts), the toolbar, layer list, legend, scale bar and tooltip views, CPU picking (pick.ts) and the time
// series panel (plot-panel.ts).
import { Deck } from '@deck.gl/core';
import type { IHysopeGateway } from '@hysope/gateway-status';
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Message } from '@lumino/messaging';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import { KINDS, loadItem, type LayerKind } from './data.js';
import { tilesFor } from './geo.js';
import { LayerList } from './layer-list.js';
import { basemapLayers, dataLayers, footprintLayer, geojsonLayers, labelLayer, type Tile } from './layers.js';
import { renderLegend } from './legend.js';
import { MapInfo } from './map-info.js';
import { MapLabels } from './map-labels.js';
import { ViewerModel, type Change, type ViewTarget } from './model.js';
import { followPointer } from './map-pointer.js';
import type { Projection } from './pick.js';
import { PlotPanel } from './plot-panel.js';
import { Toolbar } from './toolbar.js';
import type { PickedFeature } from './tokens.js';
import { fitView, itemsBbox, loadedBbox, type ViewState } from './view-state.js';

export type { ViewTarget } from './model.js';

/** The swath viewer widget. */
export class SwathView extends Widget {
  /** Emitted when the visible area changes (the catalog browser searches "in the viewer's view"). */
  readonly viewChanged = new Signal<SwathView, [number, number, number, number]>(this);
  /** Emitted when a feature with an id is clicked (before its time series is plotted). */
  readonly featureClicked = new Signal<SwathView, PickedFeature>(this);
  readonly model = new ViewerModel(loadItem);
  private deck: Deck | null = null;
  private viewState: ViewState = { longitude: 0, latitude: 20, zoom: 1.5 };
  private tileUrl: string;
  private tileTimer = 0;
  private readonly labels: MapLabels;
  /** The read of what is shown, under way or done. */
  private loading: Promise<void> = Promise.resolve();
  private pointRadius: number;
  private readonly mapEl: HTMLDivElement;
  private readonly toolbar: Toolbar;
  private readonly layerList: LayerList;
  private readonly legendEl: HTMLDivElement;
  private readonly tooltipEl: HTMLDivElement;
  private readonly info = new MapInfo();
  private readonly plot: PlotPanel;

  constructor(
    private readonly gateway: IHysopeGateway | null,
    private readonly trans: TranslationBundle,
    options: { compact?: boolean; tileUrl?: string; pointRadius?: number } = {}
  ) {
    super();
    this.tileUrl = options.tileUrl ?? '';
    this.pointRadius = options.pointRadius ?? 2;
    this.addClass('hy-SwathView');
    if (options.compact) this.addClass('hy-mod-compact');
    this.toolbar = new Toolbar(this.model, trans, {
      reload: (inView) => void this.reload(inView ? this.currentBbox() : undefined),
      toggleLayers: () => {
        this.layerList.node.hidden = !this.layerList.node.hidden;
        this.labels.schedule(0);
      }
    });
    this.layerList = new LayerList(this.model, trans);
    this.layerList.node.hidden = !!options.compact;
    this.mapEl = document.createElement('div');
    this.mapEl.className = 'hy-SwathView-map';
    this.mapEl.setAttribute('role', 'region');
    this.mapEl.setAttribute('aria-label', trans.__('Map'));
    this.legendEl = Object.assign(document.createElement('div'), { className: 'hy-SwathView-legend' });
    this.legendEl.setAttribute('role', 'region');
    this.legendEl.setAttribute('aria-label', trans.__('Legend'));
    this.tooltipEl = Object.assign(document.createElement('div'), { className: 'hy-SwathView-tooltip', hidden: true });
    this.mapEl.append(this.legendEl, this.layerList.node, this.info.node, this.tooltipEl);
    // Clicks and hovers, picked on the CPU (pick.ts): deck.gl's own picking is off.
    followPointer({
      map: this.mapEl,
      tooltip: this.tooltipEl,
      info: this.info,
      model: this.model,
      viewport: () => (this.viewport() as Projection | undefined) ?? null,
      zoom: () => this.viewState.zoom,
      clicked: (layer, chunk, row, id) => {
        this.featureClicked.emit({ kind: layer.kind, id });
        void this.plot.show(layer.kind, id, chunk.refLon && chunk.refLat ? { lon: chunk.refLon[row]!, lat: chunk.refLat[row]! } : undefined);
      }
    });
    this.plot = new PlotPanel(gateway, trans, () => this.update());
    this.node.append(this.toolbar.node, this.mapEl, this.plot.node);
    this.model.changed.connect((_, change) => this.onModelChanged(change));
    this.labels = new MapLabels({
      viewport: () => this.viewport() ?? null,
      bbox: () => this.currentBbox(),
      zoom: () => this.viewState.zoom,
      layers: () => this.model.layers,
      map: this.mapEl,
      overlays: () => [this.legendEl, this.layerList.node, this.info.node],
      changed: () => {
        const { water, places } = this.labels.counts();
        this.node.dataset['waterLabels'] = String(water);
        this.node.dataset['placeLabels'] = String(places);
        this.render();
      }
    });
  }

  private onModelChanged(change: Change): void {
    // Other items, another cycle: read what is shown now.
    if (change === 'shown') return void (this.loading = this.reload());
    this.toolbar.update();
    this.layerList.render();
    this.render();
    this.labels.schedule();
  }

  /** Applies the viewer settings (tile URL, point size). */
  configure(options: { tileUrl?: string; pointRadius?: number }): void {
    if (options.tileUrl !== undefined) this.tileUrl = options.tileUrl;
    if (options.pointRadius !== undefined) this.pointRadius = options.pointRadius;
    this.render();
  }

  /** Shows a target: its items grouped by cycle (the first cycle shown), its GeoJSON layers. */
  async display(target: ViewTarget): Promise<void> {
    this.title.label = target.title ?? this.trans.__('Swath viewer');
    const bbox = target.bbox ?? itemsBbox(target.items ?? []);
    if (bbox) this.fitBounds(bbox);
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

  private viewport() {
    // NOTE: deck.gl asserts when asked for viewports before its first frame.
    return this.deck?.isInitialized ? this.deck.getViewports()[0] : undefined;
  }

  /** The visible area, west, south, east, north. */
  currentBbox(): [number, number, number, number] {
    const vp = this.viewport();
    if (vp && 'getBounds' in vp) {
      const b = (vp as unknown as { getBounds(): number[] }).getBounds();
      return [Math.max(-180, b[0]!), Math.max(-90, b[1]!), Math.min(180, b[2]!), Math.min(90, b[3]!)];
    }
    return [-180, -90, 180, 90];
  }

  private fitBounds(bbox: [number, number, number, number]): void {
    this.viewState = fitView(bbox, Math.max(200, this.mapEl.clientWidth || 800), Math.max(150, this.mapEl.clientHeight || 500));
    this.deck?.setProps({ initialViewState: { ...this.viewState } });
    this.info.setView(this.viewState.latitude, this.viewState.zoom);
    if (this.tileUrl) requestAnimationFrame(() => this.render());
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

  private tiles(): Tile[] {
    if (!this.tileUrl || !this.deck?.isInitialized) return [];
    return tilesFor(this.currentBbox(), this.viewState.zoom).map((t) => ({
      key: `${t.z}-${t.x}-${t.y}`,
      url: this.tileUrl.replace('{z}', String(t.z)).replace('{x}', String(t.x)).replace('{y}', String(t.y)),
      bounds: t.bounds
    }));
  }

  private render(): void {
    if (!this.deck) return;
    const dark = document.body.dataset['jpThemeLight'] === 'false';
    const m = this.model;
    const layers = [
      // Online deployments may set an XYZ tile URL (settings): drawn over the offline land, under the borders.
      ...basemapLayers(dark, this.tiles()),
      footprintLayer(m.shownItems(), m.footprintsVisible),
      ...geojsonLayers(m.geojson),
      ...dataLayers(m.layers, {
        variable: (k) => m.variable(k),
        scales: m.scales(),
        pointRadius: this.pointRadius,
        zoom: this.viewState.zoom,
        view: this.deck.isInitialized ? this.currentBbox() : undefined
      }),
      labelLayer(this.labels.labels, dark)
    ];
    this.deck.setProps({ layers: layers as never });
    renderLegend(this.legendEl, m);
  }

  /** Plots the time series of a feature (all cycles), with the harmonized series near it. */
  plotFeature(kind: LayerKind, id: string, ref?: { lon: number; lat: number }): Promise<void> {
    return this.plot.show(kind, id, ref);
  }

  /** Screen position of the middle of a loaded feature (tests and tours click there). */
  screenPositionOf(kind: LayerKind, index = 0): [number, number] | null {
    const c = this.model.layers.find((l) => l.kind === kind)?.chunks[0];
    const vp = this.viewport();
    if (!c || !vp) return null;
    index = Math.min(index, (c.geometry ? c.geometry.length : c.count) - 1);
    const positions = c.geometry ? c.geometry.positions : c.positions!;
    // The middle of a path is safer to click than its end.
    const mid = c.geometry ? Math.floor((c.geometry.starts[index]! + c.geometry.starts[index + 1]!) / 2) : index;
    const [x, y] = vp.project([positions[2 * mid]!, positions[2 * mid + 1]!]);
    const r = this.mapEl.getBoundingClientRect();
    return [r.left + x!, r.top + y!];
  }

  /** The bounds of what is loaded. */
  loadedBounds(): [number, number, number, number] | null {
    return loadedBbox(this.model.layers);
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.deck) return;
    this.deck = new Deck({
      parent: this.mapEl,
      initialViewState: { ...this.viewState },
      controller: true,
      useDevicePixels: 1,
      style: { position: 'absolute', inset: '0' },
      // The first frame gives the viewport the online tiles need.
      onLoad: () => this.tileUrl && this.render(),
      onViewStateChange: ({ viewState }: { viewState: ViewState }) => {
        const zoomed = Math.round(viewState.zoom) !== Math.round(this.viewState.zoom);
        this.viewState = viewState;
        this.info.setView(viewState.latitude, viewState.zoom);
        this.viewChanged.emit(this.currentBbox());
        this.labels.schedule();
        if (this.tileUrl) {
          window.clearTimeout(this.tileTimer);
          this.tileTimer = window.setTimeout(() => this.render(), zoomed ? 0 : 150);
        }
      }
    } as never);
    this.info.setView(this.viewState.latitude, this.viewState.zoom);
    this.render();
    this.labels.loadPlaces();
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.deck?.redraw('resize');
    this.labels.schedule();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.labels.dispose();
    window.clearTimeout(this.tileTimer);
    this.deck?.finalize();
    this.deck = null;
    super.dispose();
  }
}
