// Selection on the CPU, in screen space: which loaded feature is under (or nearest to) a click. deck.gl's
// picking renders the scene again into a picking buffer, which takes seconds in software GL, and only hits a
// 2-pixel-wide reach when the pointer is exactly on it; this finds the nearest feature within a radius from
// the data already in memory, whatever the GL.

/** Screen position (CSS pixels in the map) of a lon/lat, and back. */
export interface Projection {
  project(lonLat: [number, number]): number[];
  unproject(xy: [number, number]): number[];
}

/** What can be picked in one chunk of a layer: points, or paths/rings (flat arrays, `starts` per part). */
export interface PickTarget {
  /** lon, lat interleaved: one per point, or the vertices of every part. */
  positions: Float64Array;
  /** For paths and rings: the first vertex of each part, and the vertex count at the end. */
  starts?: Uint32Array;
  /** Rings are closed areas: a click inside one picks it. */
  areas?: boolean;
}

export interface Picked {
  /** Index of the target in the list given. */
  target: number;
  /** The point, or the part, picked (map parts to rows with the geometry's `rows`). */
  index: number;
  /** Distance from the click, in pixels (0 inside an area). */
  pixels: number;
}

/** Squared distance from p to the segment ab. */
function segment2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  const x = ax + t * dx - px;
  const y = ay + t * dy - py;
  return x * x + y * y;
}

/**
 * The feature nearest to screen point (x, y) within `radius` pixels, or null: a click inside a lake's ring picks
 * it; otherwise the nearest path segment or point. Only parts whose vertices fall near the click in lon/lat are
 * projected, so a cloud of millions of points costs one pass of comparisons.
 */
export function pickNearest(targets: PickTarget[], projection: Projection, x: number, y: number, radius: number): Picked | null {
  // The click's neighbourhood in lon/lat (the corners of the radius box; Web Mercator keeps it a box).
  const corners = [projection.unproject([x - radius, y - radius]), projection.unproject([x + radius, y + radius])] as [number, number][];
  const west = Math.min(corners[0][0], corners[1][0]);
  const east = Math.max(corners[0][0], corners[1][0]);
  const south = Math.min(corners[0][1], corners[1][1]);
  const north = Math.max(corners[0][1], corners[1][1]);
  let best: Picked | null = null;
  const r2 = radius * radius;
  const consider = (target: number, index: number, d2: number) => {
    if (d2 <= r2 && (!best || d2 < best.pixels)) best = { target, index, pixels: d2 };
  };
  targets.forEach((t, ti) => {
    const p = t.positions;
    if (!t.starts) {
      for (let i = 0; i < p.length / 2; i++) {
        const lon = p[2 * i]!;
        const lat = p[2 * i + 1]!;
        if (lon < west || lon > east || lat < south || lat > north) continue;
        const [sx, sy] = projection.project([lon, lat]);
        consider(ti, i, (sx! - x) ** 2 + (sy! - y) ** 2);
      }
      return;
    }
    for (let part = 0; part + 1 < t.starts.length; part++) {
      const from = t.starts[part]!;
      const to = t.starts[part + 1]!;
      // The part's extent first: most parts are far from the click.
      let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
      for (let v = from; v < to; v++) {
        const lon = p[2 * v]!;
        const lat = p[2 * v + 1]!;
        if (lon < w) w = lon;
        if (lon > e) e = lon;
        if (lat < s) s = lat;
        if (lat > n) n = lat;
      }
      if (e < west || w > east || n < south || s > north) continue;
      const xy: number[] = [];
      for (let v = from; v < to; v++) xy.push(...projection.project([p[2 * v]!, p[2 * v + 1]!]).slice(0, 2));
      if (t.areas && inside(xy, x, y)) {
        consider(ti, part, 0);
        continue;
      }
      let d2 = Infinity;
      const count = to - from;
      if (count === 1) d2 = (xy[0]! - x) ** 2 + (xy[1]! - y) ** 2;
      for (let k = 0; k + 1 < count; k++) d2 = Math.min(d2, segment2(x, y, xy[2 * k]!, xy[2 * k + 1]!, xy[2 * k + 2]!, xy[2 * k + 3]!));
      consider(ti, part, d2);
    }
  });
  const found = best as Picked | null;
  return found ? { ...found, pixels: Math.sqrt(found.pixels) } : null;
}

/** Whether (x, y) is inside a ring of screen coordinates (even-odd rule). */
function inside(xy: number[], x: number, y: number): boolean {
  let odd = false;
  const n = xy.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const [xi, yi, xj, yj] = [xy[2 * i]!, xy[2 * i + 1]!, xy[2 * j]!, xy[2 * j + 1]!];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) odd = !odd;
  }
  return odd;
}

/**
 * Tells a click from a drag by distance only (not by time: in software GL a frame can take longer than a
 * click's usual time limit): a press released within `slop` pixels of where it started is a click.
 */
export class ClickDetector {
  private start: { x: number; y: number; id: number } | null = null;
  constructor(private readonly slop = 5) {}

  down(x: number, y: number, id: number): void {
    this.start = { x, y, id };
  }

  /** The click's position when this release ends one, else null. */
  up(x: number, y: number, id: number): { x: number; y: number } | null {
    const s = this.start;
    this.start = null;
    if (!s || s.id !== id || Math.hypot(x - s.x, y - s.y) > this.slop) return null;
    return { x, y };
  }
}

/**
 * Listens to a map element's pointer: clicks (told from drags by {@link ClickDetector}), moves (with the
 * buttons held) and leaving, in coordinates relative to the element. Capture phase: deck.gl's controller
 * handles the same events on its canvas.
 */
export function listenForPointer(
  el: HTMLElement,
  on: { click(x: number, y: number): void; move(x: number, y: number, buttons: number): void; leave(): void }
): void {
  const clicks = new ClickDetector();
  const local = (e: PointerEvent) => {
    const r = el.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top] as const;
  };
  el.addEventListener('pointerdown', (e) => e.button === 0 && clicks.down(...local(e), e.pointerId), true);
  el.addEventListener(
    'pointerup',
    (e) => {
      const click = clicks.up(...local(e), e.pointerId);
      if (click) on.click(click.x, click.y);
    },
    true
  );
  el.addEventListener('pointermove', (e) => on.move(...local(e), e.buttons));
  el.addEventListener('pointerleave', () => on.leave());
}
