// The catalog browser's small world map: the land (Natural Earth, offline), the results' footprints, and the
// search area, drawn by dragging (equirectangular, 256 × 128).
import type { Item } from '@hysope/api';
import type { GeometryCollection, Topology } from 'topojson-specification';

const W = 256;
const H = 128;
const NS = 'http://www.w3.org/2000/svg';

type Box = [number, number, number, number];

let landPath: Promise<string> | null = null;
/**
 * The land of the basemap as one SVG path (simplified to the map's pixels). The Natural Earth data (750 KB) is
 * loaded when the map is first drawn, not with the lab: it stays out of the bundle every page load parses.
 */
function land(): Promise<string> {
  landPath ??= Promise.all([import('@hysope/swath-viewer/data/countries-50m.json'), import('topojson-client')]).then(([data, { feature }]) => {
    const topo = ((data as { default?: unknown }).default ?? data) as Topology<{ land: GeometryCollection }>;
    const fc = feature(topo, topo.objects.land) as unknown as { features: { geometry: { type: string; coordinates: number[][][] | number[][][][] } }[] };
    const parts: string[] = [];
    for (const f of fc.features) {
      const polys = (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates) as number[][][][];
      for (const poly of polys)
        for (const ring of poly) {
          let last = '';
          let d = '';
          for (const [lon, lat] of ring) {
            const [x, y] = toMap(lon!, lat!);
            const p = `${x.toFixed(0)},${y.toFixed(0)}`;
            if (p === last) continue;
            d += (d ? 'L' : 'M') + p;
            last = p;
          }
          if (d.length > 12) parts.push(d + 'Z');
        }
    }
    return parts.join('');
  });
  return landPath;
}

const toMap = (lon: number, lat: number): [number, number] => [((lon + 180) / 360) * W, ((90 - lat) / 180) * H];

/** A box's rectangle on the map (at least `min` pixels wide and high). */
function placeRect(r: SVGRectElement, [w, s, e, n]: Box, min: number): void {
  const [x1, y1] = toMap(w, n);
  const [x2, y2] = toMap(e, s);
  r.setAttribute('x', String(x1));
  r.setAttribute('y', String(y1));
  r.setAttribute('width', String(Math.max(min, x2 - x1)));
  r.setAttribute('height', String(Math.max(min, y2 - y1)));
}

export class AreaMap {
  readonly node: SVGSVGElement;
  private readonly footprints: SVGGElement;
  private readonly area: SVGRectElement;
  private readonly landEl: SVGPathElement;
  private landDrawn = false;

  /** `drawing` follows a drag (the box so far); `drawn` gets the area at its end (null: a click, no area). */
  constructor(on: { drawing(box: Box): void; drawn(box: Box | null): void }) {
    this.node = document.createElementNS(NS, 'svg');
    this.node.setAttribute('viewBox', `0 0 ${W} ${H}`);
    this.node.classList.add('hy-Catalog-map');
    const landEl = document.createElementNS(NS, 'path');
    landEl.classList.add('hy-Catalog-land');
    this.footprints = document.createElementNS(NS, 'g');
    this.footprints.classList.add('hy-Catalog-footprints');
    this.area = document.createElementNS(NS, 'rect');
    this.area.classList.add('hy-Catalog-area');
    this.node.append(landEl, this.footprints, this.area);
    this.landEl = landEl;
    this.enableDrawing(on);
  }

  /** Draws the land, once, when the map is first shown (its data is loaded then, not with the lab). */
  showLand(): void {
    if (this.landDrawn) return;
    this.landDrawn = true;
    void land().then((d) => this.landEl.setAttribute('d', d));
  }

  /** Shows the search area (none: hidden). */
  setArea(box: Box | null): void {
    this.area.style.display = box ? '' : 'none';
    if (box) placeRect(this.area, box, 1);
  }

  /** The results' bounding boxes (the first 500), the selected one highlighted. */
  setFootprints(items: readonly Item[], selected: string | undefined): void {
    const shapes: SVGElement[] = [];
    for (const item of items.slice(0, 500)) {
      const b = item.bbox;
      if (!b || b.length < 4) continue;
      const r = document.createElementNS(NS, 'rect');
      placeRect(r, b.length === 6 ? [b[0]!, b[1]!, b[3]!, b[4]!] : [b[0]!, b[1]!, b[2]!, b[3]!], 1.5);
      if (selected === item.id) r.classList.add('hy-mod-selected');
      shapes.push(r);
    }
    this.footprints.replaceChildren(...shapes);
  }

  private enableDrawing(on: { drawing(box: Box): void; drawn(box: Box | null): void }): void {
    let start: [number, number] | null = null;
    const lonLat = (e: PointerEvent): [number, number] => {
      const r = this.node.getBoundingClientRect();
      const lon = ((e.clientX - r.left) / r.width) * 360 - 180;
      const lat = 90 - ((e.clientY - r.top) / r.height) * 180;
      return [Math.max(-180, Math.min(180, lon)), Math.max(-90, Math.min(90, lat))];
    };
    const box = (a: [number, number], b: [number, number]): Box => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
    this.node.addEventListener('pointerdown', (e) => {
      start = lonLat(e);
      this.node.setPointerCapture(e.pointerId);
    });
    this.node.addEventListener('pointermove', (e) => {
      if (start) on.drawing(box(start, lonLat(e)));
    });
    this.node.addEventListener('pointerup', (e) => {
      if (!start) return;
      const b = box(start, lonLat(e));
      start = null;
      on.drawn(b[2] - b[0] < 0.05 || b[3] - b[1] < 0.05 ? null : b);
    });
  }
}
