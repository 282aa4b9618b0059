// The map itself, without any application around it: deck.gl over the offline basemap, the loaded SWOT layers,
// the labels, the legend, the pointer (tooltip, cursor position, clicks) and the scale. The lab's viewer widget
// (view.ts) and the portal both draw their maps with it; it knows nothing of JupyterLab.
import { Deck } from '@deck.gl/core';
import { Signal } from '@lumino/signaling';
import { tilesFor } from './geo.js';
import { basemapLayers, dataLayers, footprintLayer, geojsonLayers, labelLayer, type Tile } from './layers.js';
import { renderLegend } from './legend.js';
import { MapInfo } from './map-info.js';
import { MapLabels } from './map-labels.js';
import { followPointer } from './map-pointer.js';
import type { LayerKind } from './data.js';
import type { ViewerModel } from './model.js';
import type { Projection } from './pick.js';
import type { PickedFeature } from './tokens.js';
import { fitView, type ViewState } from './view-state.js';

/** The few strings the map shows (a JupyterLab TranslationBundle or the portal's own catalogue). */
export interface MapStrings {
  __(text: string, ...args: unknown[]): string;
}

/** A clicked feature and where it lies (the reference point of its row, when the product has one). */
export interface ClickedFeature extends PickedFeature {
  ref?: { lon: number; lat: number };
}

export interface SwathMapOptions {
  tileUrl?: string;
  pointRadius?: number;
  /** Whether to draw the dark basemap (default: JupyterLab's theme is dark). */
  dark?: () => boolean;
  /** Called when the labels shown change (their counts, for tests and status lines). */
  labelsChanged?: (counts: { water: number; places: number }) => void;
}

type Bbox = [number, number, number, number];

/** deck.gl over the viewer model's layers; `node` is the map element to put in a page. */
export class SwathMap {
  /** Emitted when the visible area changes (west, south, east, north). */
  readonly viewChanged = new Signal<SwathMap, Bbox>(this);
  /** Emitted when a feature with an id is clicked. */
  readonly featureClicked = new Signal<SwathMap, ClickedFeature>(this);
  readonly node: HTMLDivElement;
  private deck: Deck | null = null;
  private viewState: ViewState = { longitude: 0, latitude: 20, zoom: 1.5 };
  private tileUrl: string;
  private tileTimer = 0;
  private pointRadius: number;
  private readonly labels: MapLabels;
  private readonly legendEl: HTMLDivElement;
  private readonly tooltipEl: HTMLDivElement;
  private readonly info: MapInfo;
  private readonly overlays: HTMLElement[] = [];
  private readonly dark: () => boolean;

  constructor(
    readonly model: ViewerModel,
    private readonly trans: MapStrings,
    options: SwathMapOptions = {}
  ) {
    this.tileUrl = options.tileUrl ?? '';
    this.pointRadius = options.pointRadius ?? 2;
    this.dark = options.dark ?? (() => document.body.dataset['jpThemeLight'] === 'false');
    this.node = document.createElement('div');
    this.node.className = 'hy-SwathView-map';
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', trans.__('Map'));
    this.legendEl = Object.assign(document.createElement('div'), { className: 'hy-SwathView-legend' });
    this.legendEl.setAttribute('role', 'region');
    this.legendEl.setAttribute('aria-label', trans.__('Legend'));
    this.tooltipEl = Object.assign(document.createElement('div'), { className: 'hy-SwathView-tooltip', hidden: true });
    this.info = new MapInfo(trans);
    this.node.append(this.legendEl, this.info.node, this.tooltipEl);
    // Clicks and hovers, picked on the CPU (pick.ts): deck.gl's own picking is off.
    followPointer({
      map: this.node,
      tooltip: this.tooltipEl,
      info: this.info,
      model: this.model,
      viewport: () => (this.viewport() as Projection | undefined) ?? null,
      zoom: () => this.viewState.zoom,
      clicked: (layer, chunk, row, id) =>
        this.featureClicked.emit({
          kind: layer.kind,
          id,
          ...(chunk.refLon && chunk.refLat ? { ref: { lon: chunk.refLon[row]!, lat: chunk.refLat[row]! } } : {})
        })
    });
    this.labels = new MapLabels({
      viewport: () => this.viewport() ?? null,
      bbox: () => this.currentBbox(),
      zoom: () => this.viewState.zoom,
      layers: () => this.model.layers,
      map: this.node,
      overlays: () => [this.legendEl, this.info.node, ...this.overlays],
      changed: () => {
        options.labelsChanged?.(this.labels.counts());
        this.render();
      }
    });
  }

  /** A panel drawn over the map (labels keep clear of it while it is shown). */
  addOverlay(el: HTMLElement): void {
    this.overlays.push(el);
    this.node.insertBefore(el, this.info.node);
  }

  /** Chooses the labels again (after the map's size or its panels changed). */
  relabel(delay?: number): void {
    this.labels.schedule(delay);
  }

  /** Applies settings (tile URL, point size). */
  configure(options: { tileUrl?: string; pointRadius?: number }): void {
    if (options.tileUrl !== undefined) this.tileUrl = options.tileUrl;
    if (options.pointRadius !== undefined) this.pointRadius = options.pointRadius;
    this.render();
  }

  /** deck.gl's viewport, once the first frame is drawn. */
  viewport() {
    // NOTE: deck.gl asserts when asked for viewports before its first frame.
    return this.deck?.isInitialized ? this.deck.getViewports()[0] : undefined;
  }

  get zoom(): number {
    return this.viewState.zoom;
  }

  /** The visible area, west, south, east, north. */
  currentBbox(): Bbox {
    const vp = this.viewport();
    if (vp && 'getBounds' in vp) {
      const b = (vp as unknown as { getBounds(): number[] }).getBounds();
      return [Math.max(-180, b[0]!), Math.max(-90, b[1]!), Math.min(180, b[2]!), Math.min(90, b[3]!)];
    }
    return [-180, -90, 180, 90];
  }

  /** Moves the view to show `bbox`. */
  fitBounds(bbox: Bbox): void {
    this.viewState = fitView(bbox, Math.max(200, this.node.clientWidth || 800), Math.max(150, this.node.clientHeight || 500));
    this.deck?.setProps({ initialViewState: { ...this.viewState } });
    this.info.setView(this.viewState.latitude, this.viewState.zoom);
    if (this.tileUrl) requestAnimationFrame(() => this.render());
  }

  private tiles(): Tile[] {
    if (!this.tileUrl || !this.deck?.isInitialized) return [];
    return tilesFor(this.currentBbox(), this.viewState.zoom).map((t) => ({
      key: `${t.z}-${t.x}-${t.y}`,
      url: this.tileUrl.replace('{z}', String(t.z)).replace('{x}', String(t.x)).replace('{y}', String(t.y)),
      bounds: t.bounds
    }));
  }

  /** Draws the model's layers again. */
  render(): void {
    if (!this.deck) return;
    const dark = this.dark();
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
    renderLegend(this.legendEl, m, this.trans);
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
    const r = this.node.getBoundingClientRect();
    return [r.left + x!, r.top + y!];
  }

  /** Starts deck.gl (once `node` is in the page and has a size). */
  start(): void {
    if (this.deck) return;
    this.deck = new Deck({
      parent: this.node,
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

  /** Tells deck.gl the map's size changed. */
  resize(): void {
    this.deck?.redraw('resize');
    this.labels.schedule();
  }

  dispose(): void {
    this.labels.dispose();
    window.clearTimeout(this.tileTimer);
    this.deck?.finalize();
    this.deck = null;
    Signal.clearData(this);
  }
}
