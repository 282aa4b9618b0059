// The pointer over the map: the cursor's coordinates, the tooltip of what is under it (picked on the CPU when the
// pointer rests, none while dragging) and a click on a feature.
import type { Chunk } from './data.js';
import type { MapInfo } from './map-info.js';
import type { LoadedLayer, ViewerModel } from './model.js';
import { listenForPointer, type Projection } from './pick.js';
import { featureAt, footprintAt, tooltipHtml } from './tooltip.js';

export interface PointerHost {
  map: HTMLElement;
  tooltip: HTMLElement;
  info: MapInfo;
  model: ViewerModel;
  viewport(): Projection | null;
  zoom(): number;
  /** A feature with an id was clicked. */
  clicked(layer: LoadedLayer, chunk: Chunk, row: number, id: string): void;
}

export function followPointer(host: PointerHost): void {
  let pending = 0;
  const { tooltip } = host;
  const show = (x: number, y: number) => {
    const vp = host.viewport();
    if (!vp) return;
    const hit = featureAt(host.model, vp, x, y);
    const html = tooltipHtml(hit, hit ? null : footprintAt(host.model.footprintsVisible ? host.model.shownItems() : [], vp, x, y));
    tooltip.hidden = !html;
    if (!html) return;
    tooltip.innerHTML = html;
    tooltip.style.left = `${x + 12}px`;
    tooltip.style.top = `${y + 12}px`;
  };
  listenForPointer(host.map, {
    click: (x, y) => {
      const vp = host.viewport();
      const hit = vp ? featureAt(host.model, vp, x, y) : null;
      if (!hit?.chunk.ids) return;
      tooltip.hidden = true;
      host.clicked(hit.layer, hit.chunk, hit.row, String(hit.chunk.ids.get(hit.row)));
    },
    move: (x, y, buttons) => {
      const vp = host.viewport();
      if (vp) host.info.setCursor(vp.unproject([x, y]) as [number, number], host.zoom());
      cancelAnimationFrame(pending);
      if (buttons) tooltip.hidden = true;
      else pending = requestAnimationFrame(() => show(x, y));
    },
    leave: () => {
      cancelAnimationFrame(pending);
      tooltip.hidden = true;
      host.info.setCursor(null, host.zoom());
    }
  });
}
