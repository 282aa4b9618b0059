// The SWOT swath viewer: a deck.gl map (offline basemap) of STAC items' GeoParquet products read by
// DuckDB-WASM, coloured by a variable, stepped through cycles, with the time series of a clicked feature.
import { Deck, WebMercatorViewport } from '@deck.gl/core';
import { BitmapLayer, GeoJsonLayer, PathLayer, ScatterplotLayer, SolidPolygonLayer } from '@deck.gl/layers';
import type { Item } from '@hysope/api';
import type { IHysopeGateway } from '@hysope/gateway-status';
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Message } from '@lumino/messaging';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { KINDS, kindOf, loadItem, type Chunk, type Filters, type LayerKind } from './data.js';
import { boundsOf, colorize, expandColors, robustRange, tilesFor, type Palette } from './geo.js';
import { drawSeries, featureSeries, harmonizedSeries, loadPlotly } from './plot.js';
import { ClickDetector, pickNearest, type PickTarget } from './pick.js';
import basemapTopo from '../data/countries-50m.json';

/** What the viewer shows: STAC items (their products and footprints) and plain GeoJSON. */
export interface ViewTarget {
  title?: string;
  items?: Item[];
  geojson?: unknown[];
  bbox?: [number, number, number, number];
}

interface LoadedLayer {
  item: Item;
  kind: LayerKind;
  chunks: Chunk[];
}

interface ViewState {
  longitude: number;
  latitude: number;
  zoom: number;
  pitch?: number;
  bearing?: number;
}

let basemapCache: { land: unknown; borders: unknown } | null = null;
function basemap() {
  if (!basemapCache) {
    const topo = basemapTopo as unknown as Topology<{ countries: GeometryCollection; land: GeometryCollection }>;
    basemapCache = {
      land: feature(topo, topo.objects.land),
      borders: mesh(topo, topo.objects.countries, (a, b) => a !== b)
    };
  }
  return basemapCache;
}

const cycleOf = (i: Item) => {
  const c = i.properties['swot:cycle'];
  return typeof c === 'number' ? c : null;
};

/** The swath viewer widget. */
export class SwathView extends Widget {
  /** Emitted when the visible area changes (the catalog browser searches "in the viewer's view"). */
  readonly viewChanged = new Signal<SwathView, [number, number, number, number]>(this);
  private deck: Deck | null = null;
  private items: Item[] = [];
  private geojson: unknown[] = [];
  private cycles: (number | null)[] = [];
  private cycleIndex = 0;
  private loaded: LoadedLayer[] = [];
  private colorBy: Partial<Record<LayerKind, string>> = {};
  private maxQuality: number | undefined;
  private viewState: ViewState = { longitude: 0, latitude: 20, zoom: 1.5 };
  private generation = 0;
  private tileUrl: string;
  private tileTimer = 0;
  private pointRadius: number;
  private readonly mapEl: HTMLDivElement;
  private readonly toolbar: HTMLDivElement;
  private readonly legendEl: HTMLDivElement;
  private readonly tooltipEl: HTMLDivElement;
  private readonly progressEl: HTMLProgressElement;
  private readonly statusEl: HTMLSpanElement;
  private readonly plotEl: HTMLDivElement;
  private readonly plotArea: HTMLDivElement;
  private readonly cycleLabel: HTMLSpanElement;
  private readonly colorSelect: HTMLSelectElement;

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
    this.toolbar = document.createElement('div');
    this.toolbar.className = 'hy-SwathView-toolbar';
    const prev = this.button('‹', trans.__('Previous cycle'), () => this.stepCycle(-1));
    prev.classList.add('hy-SwathView-prev');
    this.cycleLabel = document.createElement('span');
    this.cycleLabel.className = 'hy-SwathView-cycle';
    const next = this.button('›', trans.__('Next cycle'), () => this.stepCycle(1));
    next.classList.add('hy-SwathView-next');
    this.colorSelect = document.createElement('select');
    this.colorSelect.className = 'hy-SwathView-colorBy';
    this.colorSelect.title = trans.__('Colour by');
    this.colorSelect.onchange = () => {
      const [kind, name] = this.colorSelect.value.split(':') as [LayerKind, string];
      this.colorBy[kind] = name;
      this.render();
    };
    const quality = document.createElement('select');
    quality.className = 'hy-SwathView-quality';
    quality.title = trans.__('Quality filter (read by the Parquet reader)');
    for (const [v, label] of [
      ['', trans.__('all quality')],
      ['1', trans.__('good + suspect')],
      ['0', trans.__('good only')]
    ] as const) {
      const o = document.createElement('option');
      o.value = v;
      o.textContent = label;
      quality.append(o);
    }
    quality.onchange = () => {
      this.maxQuality = quality.value === '' ? undefined : Number(quality.value);
      void this.reload();
    };
    const inView = this.button(
      trans.__('Load in view'),
      trans.__('Read only what is in the current view (bbox pushed down to Parquet)'),
      () => void this.reload(this.currentBbox())
    );
    this.progressEl = document.createElement('progress');
    this.progressEl.className = 'hy-SwathView-progress';
    this.progressEl.max = 1;
    this.progressEl.value = 0;
    this.statusEl = document.createElement('span');
    this.statusEl.className = 'hy-SwathView-status';
    this.toolbar.append(prev, this.cycleLabel, next, this.colorSelect, quality, inView, this.progressEl, this.statusEl);
    this.mapEl = document.createElement('div');
    this.mapEl.className = 'hy-SwathView-map';
    this.legendEl = document.createElement('div');
    this.legendEl.className = 'hy-SwathView-legend';
    this.tooltipEl = document.createElement('div');
    this.tooltipEl.className = 'hy-SwathView-tooltip';
    this.tooltipEl.hidden = true;
    this.mapEl.append(this.legendEl, this.tooltipEl);
    this.listenForPicks();
    this.plotEl = document.createElement('div');
    this.plotEl.className = 'hy-SwathView-plot';
    this.plotEl.hidden = true;
    this.plotArea = document.createElement('div');
    this.plotArea.className = 'hy-SwathView-plotArea';
    const close = this.button('×', trans.__('Close the time series'), () => this.closePlot());
    close.classList.add('hy-SwathView-plotClose');
    close.setAttribute('aria-label', trans.__('Close the time series'));
    this.plotEl.append(close, this.plotArea);
    this.node.append(this.toolbar, this.mapEl, this.plotEl);
  }

  private button(text: string, title: string, onClick: () => void): HTMLButtonElement {
    const b = document.createElement('button');
    b.className = 'jp-Button jp-mod-styled hy-SwathView-button';
    b.textContent = text;
    b.title = title;
    b.onclick = onClick;
    return b;
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
    this.items = target.items ?? [];
    this.geojson = target.geojson ?? [];
    const cycles = [...new Set(this.items.map(cycleOf))].sort((a, b) => (a ?? -1) - (b ?? -1));
    this.cycles = cycles.length ? cycles : [null];
    this.cycleIndex = 0;
    const bbox = target.bbox ?? this.itemsBbox();
    if (bbox) this.fitBounds(bbox);
    await this.reload();
  }

  /** The cycle shown (null when the items have none). */
  get cycle(): number | null {
    return this.cycles[this.cycleIndex] ?? null;
  }

  /** Rows currently loaded, by layer kind. */
  get rowCounts(): Partial<Record<LayerKind, number>> {
    const out: Partial<Record<LayerKind, number>> = {};
    for (const l of this.loaded) out[l.kind] = (out[l.kind] ?? 0) + l.chunks.reduce((n, c) => n + c.count, 0);
    return out;
  }

  /** The visible area, west, south, east, north. */
  currentBbox(): [number, number, number, number] {
    // NOTE: deck.gl asserts when asked for viewports before its first frame.
    const vp = this.deck?.isInitialized ? this.deck.getViewports()[0] : undefined;
    if (vp && 'getBounds' in vp) {
      const b = (vp as unknown as { getBounds(): number[] }).getBounds();
      return [Math.max(-180, b[0]!), Math.max(-90, b[1]!), Math.min(180, b[2]!), Math.min(90, b[3]!)];
    }
    return [-180, -90, 180, 90];
  }

  /** The bbox of the view state the viewer last set or received (no need for deck's first frame). */
  private viewBbox(): [number, number, number, number] {
    const vp = new WebMercatorViewport({ width: this.mapEl.clientWidth || 800, height: this.mapEl.clientHeight || 500, ...this.viewState });
    const [w, s, e, n] = vp.getBounds();
    return [Math.max(-180, w!), Math.max(-85, s!), Math.min(180, e!), Math.min(85, n!)];
  }

  private itemsBbox(): [number, number, number, number] | null {
    const boxes = this.items.flatMap((i) => (Array.isArray(i.bbox) && i.bbox.length >= 4 ? [i.bbox as number[]] : []));
    if (!boxes.length) return null;
    const three = (b: number[]) => (b.length === 6 ? [b[0]!, b[1]!, b[3]!, b[4]!] : b);
    const bs = boxes.map(three);
    return [Math.min(...bs.map((b) => b[0]!)), Math.min(...bs.map((b) => b[1]!)), Math.max(...bs.map((b) => b[2]!)), Math.max(...bs.map((b) => b[3]!))];
  }

  private fitBounds([w, s, e, n]: [number, number, number, number]): void {
    const width = Math.max(200, this.mapEl.clientWidth || 800);
    const height = Math.max(150, this.mapEl.clientHeight || 500);
    const lonSpan = Math.max(1e-4, e - w);
    const y = (lat: number) => Math.log(Math.tan(Math.PI / 4 + (Math.max(-85, Math.min(85, lat)) * Math.PI) / 360));
    const latSpan = Math.max(1e-6, (y(n) - y(s)) * (180 / Math.PI));
    const zoom = Math.min(16, Math.log2(Math.min((width * 360) / (512 * lonSpan), (height * 360) / (512 * latSpan))) - 0.2);
    this.viewState = { longitude: (w + e) / 2, latitude: (s + n) / 2, zoom: Math.max(0, zoom) };
    this.deck?.setProps({ initialViewState: { ...this.viewState } });
    if (this.tileUrl) requestAnimationFrame(() => this.render());
  }

  private stepCycle(delta: number): void {
    if (this.cycles.length < 2) return;
    this.cycleIndex = (this.cycleIndex + delta + this.cycles.length) % this.cycles.length;
    void this.reload();
  }

  /** Reads the products of the shown cycle again (with the filters and, if given, only within bbox). */
  async reload(bbox?: [number, number, number, number]): Promise<void> {
    const generation = ++this.generation;
    const cycle = this.cycle;
    const shown = this.items.filter((i) => cycleOf(i) === cycle || this.cycles.length === 1);
    this.cycleLabel.textContent =
      cycle === null ? this.trans.__('%1 items', shown.length) : this.trans.__('cycle %1 (%2/%3)', cycle, this.cycleIndex + 1, this.cycles.length);
    this.loaded = [];
    this.updateColorChoices();
    this.render();
    const filters: Filters = { bbox, maxQuality: this.maxQuality };
    const drawable = shown.filter((i) => kindOf(i));
    let done = 0;
    this.progressEl.value = 0;
    this.statusEl.textContent = drawable.length ? this.trans.__('reading…') : '';
    const started = performance.now();
    for (const item of drawable) {
      const layer: LoadedLayer = { item, kind: kindOf(item)!, chunks: [] };
      this.loaded.push(layer);
      try {
        await loadItem(item, filters, {
          token: this.gateway?.token,
          onChunk: (c) => {
            if (generation !== this.generation) return;
            layer.chunks.push(c);
            this.updateColorChoices();
            this.render();
          },
          onProgress: (f) => {
            if (generation === this.generation) this.progressEl.value = (done + f) / drawable.length;
          }
        });
      } catch (error) {
        if (generation !== this.generation) return;
        Notification.error(this.trans.__('The swath viewer could not read %1: %2', item.id, (error as Error).message), { autoClose: 8000 });
      }
      done++;
    }
    if (generation !== this.generation) return;
    this.progressEl.value = 1;
    const counts = Object.entries(this.rowCounts)
      .map(([k, n]) => `${n.toLocaleString()} ${KINDS[k as LayerKind].label}`)
      .join(', ');
    this.statusEl.textContent = drawable.length ? `${counts || this.trans.__('nothing in view')} · ${Math.round(performance.now() - started)} ms` : '';
    this.node.dataset['rows'] = String(Object.values(this.rowCounts).reduce((a, b) => a + b, 0));
    this.node.dataset['cycle'] = String(cycle ?? '');
    this.node.dataset['ready'] = 'true';
  }

  private updateColorChoices(): void {
    const kinds = [...new Set([...this.loaded.map((l) => l.kind), ...this.items.map(kindOf).filter((k): k is LayerKind => !!k)])];
    const current = this.colorSelect.value;
    const options: [string, string][] = [];
    for (const k of kinds) {
      this.colorBy[k] ??= KINDS[k].variables[0]!.name;
      for (const v of KINDS[k].variables) options.push([`${k}:${v.name}`, kinds.length > 1 ? `${KINDS[k].label}: ${v.label}` : v.label]);
    }
    if (options.map((o) => o[0]).join() !== Array.from(this.colorSelect.options, (o) => o.value).join()) {
      this.colorSelect.replaceChildren(
        ...options.map(([value, label]) => {
          const o = document.createElement('option');
          o.value = value;
          o.textContent = label;
          return o;
        })
      );
    }
    const first = kinds[0];
    this.colorSelect.value = current && options.some((o) => o[0] === current) ? current : first ? `${first}:${this.colorBy[first]}` : '';
    this.colorSelect.hidden = !options.length;
  }

  private variable(kind: LayerKind) {
    const name = this.colorBy[kind] ?? KINDS[kind].variables[0]!.name;
    return KINDS[kind].variables.find((v) => v.name === name) ?? KINDS[kind].variables[0]!;
  }

  /** One colour scale per kind, over everything loaded of that kind. */
  private scales(): Map<LayerKind, { range: [number, number]; palette?: Palette }> {
    const out = new Map<LayerKind, { range: [number, number]; palette?: Palette }>();
    for (const kind of new Set(this.loaded.map((l) => l.kind))) {
      const v = this.variable(kind);
      const chunks = this.loaded.filter((l) => l.kind === kind).flatMap((l) => l.chunks);
      const sample = chunks.flatMap((c) => Array.from(c.values[v.name]?.subarray(0, 20000) ?? []));
      out.set(kind, { range: robustRange(sample), palette: v.palette });
    }
    return out;
  }

  private render(): void {
    if (!this.deck) return;
    const dark = document.body.dataset['jpThemeLight'] === 'false';
    const { land, borders } = basemap();
    // Online deployments may set an XYZ tile URL (settings): drawn over the offline land, under the borders.
    const tiles =
      this.tileUrl && this.deck.isInitialized
        ? tilesFor(this.currentBbox(), this.viewState.zoom).map(
            (t) =>
              new BitmapLayer({
                id: `tile-${t.z}-${t.x}-${t.y}`,
                image: this.tileUrl.replace('{z}', String(t.z)).replace('{x}', String(t.x)).replace('{y}', String(t.y)),
                bounds: t.bounds
              })
          )
        : [];
    const layers: unknown[] = [
      new GeoJsonLayer({ id: 'land', data: land as never, filled: true, stroked: false, getFillColor: dark ? [48, 52, 58] : [236, 232, 222] }),
      ...tiles,
      new GeoJsonLayer({
        id: 'borders',
        data: borders as never,
        stroked: true,
        filled: false,
        lineWidthUnits: 'pixels',
        getLineWidth: 1,
        getLineColor: dark ? [110, 110, 120] : [160, 150, 140]
      }),
      new GeoJsonLayer({
        id: 'footprints',
        data: {
          type: 'FeatureCollection',
          features: this.items
            .filter((i) => cycleOf(i) === this.cycle || this.cycles.length === 1)
            .map((i) => ({ type: 'Feature', geometry: i.geometry, properties: { id: i.id, ...i.properties } }))
        } as never,
        filled: true,
        stroked: true,
        pickable: false,
        getFillColor: (f: { properties: Record<string, unknown> }) => (f.properties['swot:swath_side'] === 'R' ? [230, 120, 40, 25] : [40, 120, 230, 25]),
        getLineColor: (f: { properties: Record<string, unknown> }) => (f.properties['swot:swath_side'] === 'R' ? [230, 120, 40, 200] : [40, 120, 230, 200]),
        lineWidthUnits: 'pixels',
        getLineWidth: 1.5
      }),
      ...this.geojson.map(
        (g, i) =>
          new GeoJsonLayer({
            id: `geojson-${i}`,
            data: g as never,
            pickable: false,
            getFillColor: [255, 140, 0, 80],
            getLineColor: [255, 140, 0, 230],
            lineWidthUnits: 'pixels',
            getLineWidth: 2,
            pointRadiusUnits: 'pixels',
            getPointRadius: 4
          })
      )
    ];
    const scales = this.scales();
    this.loaded.forEach((l, li) => {
      const v = this.variable(l.kind);
      const scale = scales.get(l.kind)!;
      l.chunks.forEach((c, ci) => {
        const id = `${l.kind}-${li}-${ci}`;
        const colors = colorize(c.values[v.name] ?? new Float64Array(c.count).fill(NaN), scale.range, scale.palette);
        if (c.positions) {
          layers.push(
            new ScatterplotLayer({
              id,
              data: {
                length: c.count,
                attributes: { getPosition: { value: c.positions, size: 2 }, getFillColor: { value: colors, size: 4, normalized: true } }
              } as never,
              radiusUnits: 'pixels',
              getRadius: l.kind === 'pixc' ? this.pointRadius : 4,
              radiusMinPixels: 1,
              pickable: false,
              updateTriggers: { getFillColor: v.name }
            })
          );
        } else if (c.geometry) {
          const g = c.geometry;
          const vertexColors = expandColors(g, colors);
          if (l.kind === 'lake')
            layers.push(
              new SolidPolygonLayer({
                id,
                data: {
                  length: g.length,
                  startIndices: g.starts,
                  attributes: { getPolygon: { value: g.positions, size: 2 }, getFillColor: { value: vertexColors, size: 4, normalized: true } }
                } as never,
                _normalize: false,
                pickable: false
              })
            );
          else
            layers.push(
              new PathLayer({
                id,
                data: {
                  length: g.length,
                  startIndices: g.starts,
                  attributes: { getPath: { value: g.positions, size: 2 }, getColor: { value: vertexColors, size: 4, normalized: true } }
                } as never,
                _pathType: 'open',
                widthUnits: 'pixels',
                getWidth: 3,
                widthMinPixels: 2,
                pickable: false
              })
            );
        }
      });
    });
    this.deck.setProps({ layers: layers as never });
    this.renderLegend(scales);
  }

  private renderLegend(scales: Map<LayerKind, { range: [number, number]; palette?: Palette }>): void {
    this.legendEl.replaceChildren();
    for (const [kind, s] of scales) {
      const v = this.variable(kind);
      const box = document.createElement('div');
      box.className = 'hy-SwathView-legendItem';
      const title = document.createElement('div');
      title.className = 'hy-SwathView-legendTitle';
      title.textContent = `${v.label}${v.units ? ` (${v.units})` : ''}`;
      box.append(title);
      if (s.palette) {
        for (const [code, p] of Object.entries(s.palette)) {
          const row = document.createElement('div');
          row.innerHTML = `<span class="hy-SwathView-swatch" style="background:rgb(${p.color.join(',')})"></span>`;
          row.append(`${code} ${p.label}`);
          box.append(row);
        }
      } else {
        const bar = document.createElement('div');
        bar.className = 'hy-SwathView-ramp';
        const ticks = document.createElement('div');
        ticks.className = 'hy-SwathView-ticks';
        const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(2));
        ticks.innerHTML = `<span>${fmt(s.range[0])}</span><span>${fmt(s.range[1])}</span>`;
        box.append(bar, ticks);
      }
      this.legendEl.append(box);
    }
    this.legendEl.hidden = scales.size === 0;
  }

  /** Clicks and hovers, told and picked on the CPU (see pick.ts): deck.gl's own picking is off. */
  private listenForPicks(): void {
    const clicks = new ClickDetector();
    const local = (e: PointerEvent) => {
      const r = this.mapEl.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top] as const;
    };
    // Capture phase: deck.gl's controller handles the same events on its canvas.
    this.mapEl.addEventListener('pointerdown', (e) => e.button === 0 && clicks.down(...local(e), e.pointerId), true);
    this.mapEl.addEventListener(
      'pointerup',
      (e) => {
        const click = clicks.up(...local(e), e.pointerId);
        if (click) this.onClickMap(click.x, click.y);
      },
      true
    );
    let pending = 0;
    this.mapEl.addEventListener('pointermove', (e) => {
      if (e.buttons) return void (this.tooltipEl.hidden = true);
      const [x, y] = local(e);
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => this.showTooltip(x, y));
    });
    this.mapEl.addEventListener('pointerleave', () => {
      cancelAnimationFrame(pending);
      this.tooltipEl.hidden = true;
    });
  }

  /** The loaded feature nearest to a map position (within 8 pixels; inside a lake counts), or null. */
  featureAt(x: number, y: number): { layer: LoadedLayer; chunk: Chunk; row: number } | null {
    const vp = this.deck?.isInitialized ? this.deck.getViewports()[0] : undefined;
    if (!vp) return null;
    const targets: PickTarget[] = [];
    const refs: { layer: LoadedLayer; chunk: Chunk }[] = [];
    for (const layer of this.loaded)
      for (const chunk of layer.chunks) {
        targets.push(
          chunk.positions
            ? { positions: chunk.positions }
            : { positions: chunk.geometry!.positions, starts: chunk.geometry!.starts, areas: layer.kind === 'lake' }
        );
        refs.push({ layer, chunk });
      }
    const picked = pickNearest(targets, vp as never, x, y, 8);
    if (!picked) return null;
    const { layer, chunk } = refs[picked.target]!;
    return { layer, chunk, row: chunk.geometry ? chunk.geometry.rows[picked.index]! : picked.index };
  }

  /** The item footprint under a map position (the one shown last wins), or null. */
  private footprintAt(x: number, y: number): Item | null {
    const vp = this.deck?.isInitialized ? this.deck.getViewports()[0] : undefined;
    if (!vp) return null;
    const shown = this.items.filter((i) => i.geometry && (cycleOf(i) === this.cycle || this.cycles.length === 1));
    for (const item of shown.reverse()) {
      const g = item.geometry as { type: string; coordinates: number[][][] | number[][][][] };
      const polygons = (g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : []) as number[][][][];
      const rings = polygons.map((poly) => poly[0]!);
      const starts = Uint32Array.from([0, ...rings.map((_, k) => rings.slice(0, k + 1).reduce((n, r) => n + r.length, 0))]);
      const target = { positions: Float64Array.from(rings.flat(2)), starts, areas: true };
      const picked = pickNearest([target], vp as never, x, y, 0);
      if (picked) return item;
    }
    return null;
  }

  private showTooltip(x: number, y: number): void {
    const html = this.tooltipHtml(x, y);
    this.tooltipEl.hidden = !html;
    if (!html) return;
    this.tooltipEl.innerHTML = html;
    this.tooltipEl.style.left = `${x + 12}px`;
    this.tooltipEl.style.top = `${y + 12}px`;
  }

  private tooltipHtml(x: number, y: number): string | null {
    const hit = this.featureAt(x, y);
    const esc = (v: unknown) => String(v).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    if (!hit) {
      const item = this.footprintAt(x, y);
      if (!item) return null;
      const p = item.properties as Record<string, unknown>;
      const side = p['swot:swath_side'] ? ` · ${p['swot:swath_side'] === 'R' ? 'right' : 'left'} swath` : '';
      return `<b>${esc(item.id)}</b><br>cycle ${esc(p['swot:cycle'] ?? '–')} · pass ${esc(p['swot:pass'] ?? '–')}${side}`;
    }
    const { layer, chunk, row } = hit;
    const lines = KINDS[layer.kind].variables
      .filter((v) => chunk.values[v.name])
      .map((v) => {
        const x = chunk.values[v.name]![row]!;
        const shown =
          !Number.isFinite(x) || Math.abs(x) > 1e11
            ? 'n/a'
            : v.palette
              ? `${x} ${v.palette[x]?.label ?? ''}`
              : `${+x.toPrecision(6)}${v.units ? ` ${v.units}` : ''}`;
        return `${esc(v.label)}: ${esc(shown)}`;
      });
    const fid = chunk.ids ? `<b>${esc(chunk.ids.get(row))}</b><br>` : '';
    return `${fid}${esc(KINDS[layer.kind].label)}<br>${lines.join('<br>')}`;
  }

  /** Plots the time series of a feature (all cycles), with the harmonized series near it. */
  async plotFeature(kind: LayerKind, id: string, ref?: { lon: number; lat: number }): Promise<void> {
    const feature = KINDS[kind].feature;
    if (!feature || !this.gateway) return;
    this.plotEl.hidden = false;
    this.plotEl.dataset['feature'] = id;
    this.plotEl.dataset['state'] = 'loading';
    this.update();
    try {
      const series = await featureSeries(this.gateway, feature, id);
      const near = ref && Number.isFinite(ref.lon) ? await harmonizedSeries(this.gateway, ref.lon, ref.lat) : [];
      await drawSeries(this.plotArea, `${{ Reach: 'Reach', Node: 'Node', PriorLake: 'Lake' }[feature]} ${id}`, [
        ...series,
        ...near.map((s) => ({ ...s, secondary: false }))
      ]);
      this.plotEl.dataset['state'] = 'ready';
      this.plotEl.dataset['points'] = String(series[0]?.values.filter((v) => v !== null).length ?? 0);
    } catch (error) {
      this.plotEl.dataset['state'] = 'error';
      Notification.error((error as Error).message, { autoClose: 8000 });
    }
  }

  /** Hides the time series and frees the plot (its feature is forgotten). */
  closePlot(): void {
    void loadPlotly().then((p) => p.purge(this.plotArea));
    this.plotArea.replaceChildren();
    this.plotEl.hidden = true;
    delete this.plotEl.dataset['feature'];
    this.plotEl.dataset['state'] = 'closed';
    this.update();
  }

  private onClickMap(x: number, y: number): void {
    const hit = this.featureAt(x, y);
    const ids = hit?.chunk.ids;
    if (!hit || !ids) return;
    const { layer, chunk, row } = hit;
    this.tooltipEl.hidden = true;
    void this.plotFeature(layer.kind, String(ids.get(row)), chunk.refLon && chunk.refLat ? { lon: chunk.refLon[row]!, lat: chunk.refLat[row]! } : undefined);
  }

  /** Screen position of the first vertex of a loaded feature (tests and tours click there). */
  screenPositionOf(kind: LayerKind, index = 0): [number, number] | null {
    const layer = this.loaded.find((l) => l.kind === kind);
    const c = layer?.chunks[0];
    const vp = this.deck?.isInitialized ? this.deck.getViewports()[0] : undefined;
    if (!c || !vp) return null;
    index = Math.min(index, (c.geometry ? c.geometry.length : c.count) - 1);
    const positions = c.geometry ? c.geometry.positions : c.positions!;
    const v = c.geometry ? c.geometry.starts[index]! : index;
    // The middle of a path is safer to click than its end.
    const mid = c.geometry ? Math.floor((c.geometry.starts[index]! + c.geometry.starts[index + 1]!) / 2) : v;
    const [x, y] = vp.project([positions[2 * mid]!, positions[2 * mid + 1]!]);
    const r = this.mapEl.getBoundingClientRect();
    return [r.left + x!, r.top + y!];
  }

  /** The bounds of what is loaded. */
  loadedBounds(): [number, number, number, number] | null {
    const all = this.loaded.flatMap((l) => l.chunks.map((c) => boundsOf(c.positions ?? c.geometry!.positions))).filter((b) => b !== null);
    if (!all.length) return null;
    return [Math.min(...all.map((b) => b[0])), Math.min(...all.map((b) => b[1])), Math.max(...all.map((b) => b[2])), Math.max(...all.map((b) => b[3]))];
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
        this.viewChanged.emit(this.currentBbox());
        if (this.tileUrl) {
          window.clearTimeout(this.tileTimer);
          this.tileTimer = window.setTimeout(() => this.render(), zoomed ? 0 : 150);
        }
      }
    } as never);
    this.render();
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.deck?.redraw('resize');
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.generation++;
    this.deck?.finalize();
    this.deck = null;
    super.dispose();
  }
}
