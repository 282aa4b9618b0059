// Where the map looks: the view state deck.gl keeps, fitted to a bounding box, and the extents of items and of
// loaded products (pure arithmetic, tested without a browser).
import { boundsOf } from './geo.js';
import type { LoadedLayer } from './model.js';

export interface ViewState {
  longitude: number;
  latitude: number;
  zoom: number;
  pitch?: number;
  bearing?: number;
}

type Box = [number, number, number, number];

/** The view that shows a box (west, south, east, north) whole in `width` × `height` pixels, a little inside the edges. */
export function fitView([w, s, e, n]: Box, width: number, height: number): ViewState {
  const lonSpan = Math.max(1e-4, e - w);
  const y = (lat: number) => Math.log(Math.tan(Math.PI / 4 + (Math.max(-85, Math.min(85, lat)) * Math.PI) / 360));
  const latSpan = Math.max(1e-6, (y(n) - y(s)) * (180 / Math.PI));
  const zoom = Math.min(16, Math.log2(Math.min((width * 360) / (512 * lonSpan), (height * 360) / (512 * latSpan))) - 0.2);
  return { longitude: (w + e) / 2, latitude: (s + n) / 2, zoom: Math.max(0, zoom) };
}

const extent = (boxes: number[][]): Box | null =>
  boxes.length
    ? [Math.min(...boxes.map((b) => b[0]!)), Math.min(...boxes.map((b) => b[1]!)), Math.max(...boxes.map((b) => b[2]!)), Math.max(...boxes.map((b) => b[3]!))]
    : null;

/** The extent of items' bboxes (2D or 3D), or null when none has one. */
export function itemsBbox(items: { bbox?: unknown }[]): Box | null {
  const boxes = items.flatMap((i) => (Array.isArray(i.bbox) && i.bbox.length >= 4 ? [i.bbox as number[]] : []));
  return extent(boxes.map((b) => (b.length === 6 ? [b[0]!, b[1]!, b[3]!, b[4]!] : b)));
}

/** The extent of what is loaded, or null when nothing is. */
export function loadedBbox(layers: LoadedLayer[]): Box | null {
  return extent(layers.flatMap((l) => l.chunks.map((c) => boundsOf(c.positions ?? c.geometry!.positions))).filter((b): b is Box => b !== null));
}
