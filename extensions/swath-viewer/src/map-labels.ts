// The map's labels over time: the offline place names loaded with the first map, labels chosen again once the
// map rests (panning moves the ones shown with it), never under the panels drawn over the map. The choosing
// itself is labels.ts (pure).
import { declutter, featureCandidates, namedShapes, placeCandidates, type Box, type Label, type Places } from './labels.js';
import type { LoadedLayer } from './model.js';

/** What the labels need from the viewer. */
export interface LabelHost {
  /** The map's projection and size, or null before its first frame. */
  viewport(): { project(lonLat: [number, number]): number[]; width: number; height: number } | null;
  bbox(): [number, number, number, number];
  zoom(): number;
  layers(): LoadedLayer[];
  /** The map element and the panels over it (hidden ones are skipped). */
  map: HTMLElement;
  overlays(): HTMLElement[];
  /** Called with the new labels (the viewer redraws). */
  changed(labels: Label[]): void;
}

export class MapLabels {
  labels: Label[] = [];
  private places: Places | null = null;
  private timer = 0;

  constructor(private readonly host: LabelHost) {}

  /** Loads the place names (data/places.json, 1 MB, its own chunk), then labels. */
  loadPlaces(): void {
    if (this.places) return;
    void import('../data/places.json').then((m) => {
      this.places = (m as unknown as { default: Places }).default;
      this.schedule(0);
    });
  }

  /** Chooses the labels again after `delay` ms without another call. */
  schedule(delay = 120): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.choose(), delay);
  }

  dispose(): void {
    window.clearTimeout(this.timer);
  }

  /** Water labels (of what is loaded) before places: at reach scale the rivers are what the map is about. */
  private choose(): void {
    const vp = this.host.viewport();
    if (!vp) return;
    const project = (lon: number, lat: number) => vp.project([lon, lat]) as [number, number];
    const { width, height } = vp;
    const water = featureCandidates(namedShapes(this.host.layers()), project, width, height);
    const places = this.places ? placeCandidates(this.places, this.host.bbox(), this.host.zoom()) : [];
    const origin = this.host.map.getBoundingClientRect();
    const reserved = this.host
      .overlays()
      .filter((e) => !e.hidden && e.offsetParent !== null)
      .map((e): Box => {
        const r = e.getBoundingClientRect();
        return [r.left - origin.left, r.top - origin.top, r.right - origin.left, r.bottom - origin.top];
      });
    this.labels = declutter([...water, ...places], project, width, height, 150, reserved);
    this.host.changed(this.labels);
  }

  /** How many labels name water (rivers, lakes) and places. */
  counts(): { water: number; places: number } {
    const water = this.labels.filter((l) => l.kind === 'river' || l.kind === 'lake').length;
    return { water, places: this.labels.length - water };
  }
}
