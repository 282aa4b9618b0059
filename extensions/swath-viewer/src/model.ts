// The swath viewer's state, without DOM or deck.gl: what is shown (items by cycle, GeoJSON), the loaded layers
// with their visibility, opacity and order, the colour choices and filters; changes are signalled. The view
// draws it (layers.ts builds the deck.gl layers, the small views in controls.ts and layer-list.ts edit it).
import type { Item } from '@hysope/api';
import { Signal } from '@lumino/signaling';
import { addChange, CHANGE } from './compare.js';
import { KINDS, kindOf, type Chunk, type Filters, type LayerKind, type loadItem, type Variable } from './data.js';
import { robustRange, type Palette } from './geo.js';

/** What the viewer shows: STAC items (their products and footprints) and plain GeoJSON. */
export interface ViewTarget {
  title?: string;
  items?: Item[];
  geojson?: unknown[];
  bbox?: [number, number, number, number];
}

/** One item's product as loaded: its chunks, and how it is drawn. */
export interface LoadedLayer {
  item: Item;
  kind: LayerKind;
  chunks: Chunk[];
  visible: boolean;
  /** 0 (transparent) to 1. */
  opacity: number;
}

/** A colour scale: a value range, or the palette of a flag variable. */
export interface Scale {
  range: [number, number];
  palette?: Palette;
}

/** What changed: the data loaded, how it is drawn, or what is shown (items, cycle). */
export type Change = 'data' | 'style' | 'shown';

export const cycleOf = (i: Item): number | null => {
  const c = i.properties['swot:cycle'];
  return typeof c === 'number' ? c : null;
};

/** How a model reads products: the data module's `loadItem` (DuckDB-WASM), or another reader in tests. */
export type Loader = typeof loadItem;

export class ViewerModel {
  readonly changed = new Signal<ViewerModel, Change>(this);
  items: Item[] = [];
  geojson: unknown[] = [];
  cycles: (number | null)[] = [null];
  cycleIndex = 0;
  layers: LoadedLayer[] = [];
  footprintsVisible = true;
  maxQuality: number | undefined;
  /** The cycle compared with the one shown (an index into `cycles`), or null. */
  compareIndex: number | null = null;
  /** Features matched between the two cycles at the last reload (when comparing). */
  matched = 0;
  private colorBy: Partial<Record<LayerKind, string>> = {};
  private generation = 0;

  constructor(private readonly load: Loader) {}

  /** Shows a target: its items grouped by cycle (the first cycle shown), its GeoJSON. */
  setTarget(target: ViewTarget): void {
    this.items = target.items ?? [];
    this.geojson = target.geojson ?? [];
    const cycles = [...new Set(this.items.map(cycleOf))].sort((a, b) => (a ?? -1) - (b ?? -1));
    this.cycles = cycles.length ? cycles : [null];
    this.cycleIndex = 0;
    this.compareIndex = null;
    this.changed.emit('shown');
  }

  /** The cycle shown (null when the items have none). */
  get cycle(): number | null {
    return this.cycles[this.cycleIndex] ?? null;
  }

  /** The items of the cycle shown (all of them when they have no cycle). */
  shownItems(): Item[] {
    return this.items.filter((i) => cycleOf(i) === this.cycle || this.cycles.length === 1);
  }

  /** The items shown that have a product the viewer draws. */
  drawableItems(): Item[] {
    return this.shownItems().filter((i) => kindOf(i));
  }

  /** Shows cycle number `index` (0-based, wrapping around). */
  setCycleIndex(index: number): void {
    const n = this.cycles.length;
    const next = ((index % n) + n) % n;
    if (next === this.cycleIndex) return;
    this.cycleIndex = next;
    if (this.compareIndex === next) this.compareIndex = null;
    this.changed.emit('shown');
  }

  stepCycle(delta: number): void {
    this.setCycleIndex(this.cycleIndex + delta);
  }

  /** Compares the cycle shown with cycle number `index` (null: no comparison); colours by the WSE change. */
  setCompare(index: number | null): void {
    this.compareIndex = index === null || index === this.cycleIndex || !this.cycles[index] ? null : index;
    for (const k of Object.keys(KINDS) as LayerKind[]) {
      if (this.compareIndex !== null) this.colorBy[k] = CHANGE.name;
      else if (this.colorBy[k] === CHANGE.name) delete this.colorBy[k];
    }
    this.changed.emit('shown');
  }

  /** The variables a kind can be coloured by (with the WSE change while comparing cycles). */
  variables(kind: LayerKind): Variable[] {
    const own = KINDS[kind].variables;
    return this.compareIndex !== null && own.some((v) => v.name === 'wse') ? [CHANGE, ...own] : own;
  }

  /** Rows loaded, by kind. */
  get rowCounts(): Partial<Record<LayerKind, number>> {
    const out: Partial<Record<LayerKind, number>> = {};
    for (const l of this.layers) out[l.kind] = (out[l.kind] ?? 0) + l.chunks.reduce((n, c) => n + c.count, 0);
    return out;
  }

  /** The variable colouring a kind (its first variable until another is chosen). */
  variable(kind: LayerKind): Variable {
    const all = this.variables(kind);
    const name = this.colorBy[kind] ?? all[0]!.name;
    return all.find((v) => v.name === name) ?? all[0]!;
  }

  setColorBy(kind: LayerKind, name: string): void {
    this.colorBy[kind] = name;
    this.changed.emit('style');
  }

  /** One colour scale per kind, over what is loaded of that kind and visible. */
  scales(): Map<LayerKind, Scale> {
    const out = new Map<LayerKind, Scale>();
    const visible = this.layers.filter((l) => l.visible);
    for (const kind of new Set(visible.map((l) => l.kind))) {
      const v = this.variable(kind);
      const chunks = visible.filter((l) => l.kind === kind).flatMap((l) => l.chunks);
      const sample = chunks.flatMap((c) => Array.from(c.values[v.name]?.subarray(0, 20000) ?? []));
      out.set(kind, { range: robustRange(sample), palette: v.palette });
    }
    return out;
  }

  private layer(id: string): LoadedLayer | undefined {
    return this.layers.find((l) => l.item.id === id);
  }

  setVisible(id: string, visible: boolean): void {
    const l = this.layer(id);
    if (l && l.visible !== visible) {
      l.visible = visible;
      this.changed.emit('style');
    }
  }

  setFootprintsVisible(visible: boolean): void {
    this.footprintsVisible = visible;
    this.changed.emit('style');
  }

  setOpacity(id: string, opacity: number): void {
    const l = this.layer(id);
    if (l) {
      l.opacity = Math.max(0, Math.min(1, opacity));
      this.changed.emit('style');
    }
  }

  /** Moves a layer up (drawn later, on top: +1) or down (-1) in the drawing order. */
  move(id: string, delta: number): void {
    const i = this.layers.findIndex((l) => l.item.id === id);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= this.layers.length) return;
    [this.layers[i], this.layers[j]] = [this.layers[j]!, this.layers[i]!];
    this.changed.emit('style');
  }

  /** Removes an item from the viewer (its layer and footprint; its cycle when it was the last one there). */
  remove(id: string): void {
    this.layers = this.layers.filter((l) => l.item.id !== id);
    const cycle = this.cycle;
    this.items = this.items.filter((i) => i.id !== id);
    const cycles = [...new Set(this.items.map(cycleOf))].sort((a, b) => (a ?? -1) - (b ?? -1));
    this.cycles = cycles.length ? cycles : [null];
    this.cycleIndex = Math.max(0, this.cycles.indexOf(cycle));
    this.compareIndex = null;
    this.changed.emit('style');
  }

  /**
   * Reads the products of the items shown (with the quality filter and, if given, only within bbox), layer by layer
   * as chunks arrive. A newer reload makes an older one stop; its errors go to `onError` per item, the others load.
   */
  async reload(
    bbox: Filters['bbox'],
    options: { token?: string; onProgress?: (done: number) => void; onError?: (item: Item, error: Error) => void }
  ): Promise<boolean> {
    const generation = ++this.generation;
    // A layer keeps its visibility and opacity across reloads of the same item.
    const before = new Map(this.layers.map((l) => [l.item.id, l]));
    this.layers = [];
    this.changed.emit('data');
    const filters: Filters = { bbox, maxQuality: this.maxQuality };
    const drawable = this.drawableItems();
    let done = 0;
    for (const item of drawable) {
      const old = before.get(item.id);
      const layer: LoadedLayer = { item, kind: kindOf(item)!, chunks: [], visible: old?.visible ?? true, opacity: old?.opacity ?? 1 };
      this.layers.push(layer);
      try {
        await this.load(item, filters, {
          token: options.token,
          onChunk: (c) => {
            if (generation !== this.generation) return;
            layer.chunks.push(c);
            this.changed.emit('data');
          },
          onProgress: (f) => {
            if (generation === this.generation) options.onProgress?.((done + f) / drawable.length);
          }
        });
      } catch (error) {
        if (generation !== this.generation) return false;
        options.onError?.(item, error as Error);
      }
      done++;
    }
    if (generation !== this.generation) return false;
    if (this.compareIndex !== null) {
      // The compared cycle's products, read the same way (not drawn): their WSE per feature id.
      const other = this.cycles[this.compareIndex];
      const chunks: Chunk[] = [];
      for (const item of this.items.filter((i) => cycleOf(i) === other && kindOf(i)))
        await this.load(item, filters, { token: options.token, onChunk: (c) => chunks.push(c) }).catch((error: Error) => options.onError?.(item, error));
      if (generation !== this.generation) return false;
      this.matched = addChange(
        this.layers.flatMap((l) => l.chunks),
        chunks
      );
      this.changed.emit('data');
    }
    return generation === this.generation;
  }
}
