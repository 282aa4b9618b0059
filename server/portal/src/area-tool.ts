// Drawing the search area on the map: "Draw an area", then drag a rectangle (Escape cancels). Keyboard users
// take the map's view instead ("Use the map view"), which the same form offers.
import { bboxPolygon } from '@hysope/api';
import type { SwathMap } from '@hysope/swath-viewer/lib/map.js';
import type { Strings } from './i18n.js';

type Box = [number, number, number, number];

/** The box between two map positions (west, south, east, north). */
export function boxOf(a: [number, number], b: [number, number]): Box {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
}

/** The area as a GeoJSON polygon layer for the map (none when no area). */
export function areaGeojson(b: Box | null): unknown[] {
  return b ? [{ type: 'Feature', properties: { name: 'search area' }, geometry: bboxPolygon(b) }] : [];
}

export class AreaTool {
  private readonly overlay: HTMLDivElement;
  private readonly rect: HTMLDivElement;

  constructor(
    private readonly map: SwathMap,
    t: Strings,
    private readonly drawn: (b: Box) => void
  ) {
    this.overlay = Object.assign(document.createElement('div'), { className: 'hp-drawOverlay', hidden: true });
    this.overlay.setAttribute('aria-label', t.__('Drag a rectangle on the map; Escape cancels'));
    this.rect = Object.assign(document.createElement('div'), { className: 'hp-drawRect', hidden: true });
    this.overlay.append(this.rect);
    map.node.append(this.overlay);
    let from: [number, number] | null = null;
    const local = (e: PointerEvent): [number, number] => {
      const r = this.overlay.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    };
    this.overlay.addEventListener('pointerdown', (e) => {
      from = local(e);
      this.overlay.setPointerCapture(e.pointerId);
      this.place(from, from);
    });
    this.overlay.addEventListener('pointermove', (e) => from && this.place(from, local(e)));
    this.overlay.addEventListener('pointerup', (e) => {
      if (!from) return;
      const to = local(e);
      const vp = this.map.viewport();
      const start = from;
      from = null;
      this.stop();
      if (!vp || Math.abs(to[0] - start[0]) < 4 || Math.abs(to[1] - start[1]) < 4) return;
      const a = vp.unproject(start) as [number, number];
      const b = vp.unproject(to) as [number, number];
      const box = boxOf(a, b);
      this.drawn([Math.max(-180, box[0]), Math.max(-90, box[1]), Math.min(180, box[2]), Math.min(90, box[3])]);
    });
    this.overlay.addEventListener('keydown', (e) => e.key === 'Escape' && this.stop());
  }

  private place(a: [number, number], b: [number, number]): void {
    Object.assign(this.rect.style, {
      left: `${Math.min(a[0], b[0])}px`,
      top: `${Math.min(a[1], b[1])}px`,
      width: `${Math.abs(b[0] - a[0])}px`,
      height: `${Math.abs(b[1] - a[1])}px`
    });
    this.rect.hidden = false;
  }

  /** Enters drawing mode (the map stops panning until the rectangle is drawn). */
  start(): void {
    this.overlay.hidden = false;
    this.overlay.tabIndex = -1;
    this.overlay.focus();
  }

  stop(): void {
    this.overlay.hidden = true;
    this.rect.hidden = true;
  }

  /** Shows the chosen area on the map (or none). */
  show(b: Box | null): void {
    this.map.model.geojson = areaGeojson(b);
    this.map.render();
  }
}
