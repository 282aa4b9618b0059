// The map's labels, chosen on the CPU (no DOM, no deck.gl): place names from the offline GeoNames table, and the
// names the loaded products carry (SWORD river names along reaches, prior lake names). Which places show
// depends on the zoom (bigger places first); rivers are labelled along their reach, upright; then labels are
// laid out greedily, the more important first, none overlapping another.
import { swotNames } from '@hysope/api';
import type { FlatGeometry } from './geo.js';
import type { LoadedLayer } from './model.js';

/** The offline place table (data/places.json): columns, largest place first. */
export interface Places {
  name: string[];
  lon: number[];
  lat: number[];
  population: number[];
  capital: number[];
}

export type LabelKind = 'river' | 'lake' | 'capital' | 'place';

export interface Label {
  text: string;
  kind: LabelKind;
  lon: number;
  lat: number;
  /** Degrees, counter-clockwise, upright (−90…90). */
  angle: number;
  /** Font size in pixels. */
  size: number;
}

/** Screen position (pixels from the map's top left) of a lon/lat. */
export type Project = (lon: number, lat: number) => [number, number];

/** The smallest population labelled at a zoom: megacities on the globe, towns of 10,000 at reach scale. */
export function minPopulation(zoom: number): number {
  if (zoom < 2.5) return 5_000_000;
  if (zoom < 3.5) return 1_000_000;
  if (zoom < 4.5) return 300_000;
  if (zoom < 5.5) return 100_000;
  if (zoom < 6.5) return 40_000;
  if (zoom < 7.5) return 20_000;
  return 10_000;
}

/** Places inside a box worth a label at this zoom (capitals from zoom 4), most populous first, at most `max`. */
export function placeCandidates(places: Places, bbox: [number, number, number, number], zoom: number, max = 400): Label[] {
  const [w, s, e, n] = bbox;
  const min = minPopulation(zoom);
  const out: Label[] = [];
  for (let i = 0; i < places.name.length && out.length < max; i++) {
    const capital = places.capital[i] === 1;
    if (places.population[i]! < min && !(capital && zoom >= 4)) continue;
    const lon = places.lon[i]!;
    const lat = places.lat[i]!;
    if (lon < w || lon > e || lat < s || lat > n) continue;
    out.push({ text: places.name[i]!, kind: capital ? 'capital' : 'place', lon, lat, angle: 0, size: capital || places.population[i]! >= 1_000_000 ? 13 : 12 });
  }
  return out;
}

/** A feature's names and shapes as the viewer loaded them. */
export interface NamedShapes {
  kind: 'river' | 'lake';
  geometry: FlatGeometry;
  names: { get(row: number): unknown };
}

/** The named reaches and lakes of the visible layers. */
export function namedShapes(layers: LoadedLayer[]): NamedShapes[] {
  const out: NamedShapes[] = [];
  for (const l of layers) {
    if (!l.visible || (l.kind !== 'reach' && l.kind !== 'lake')) continue;
    for (const c of l.chunks) if (c.geometry && c.names) out.push({ kind: l.kind === 'reach' ? 'river' : 'lake', geometry: c.geometry, names: c.names });
  }
  return out;
}

/** A point along a path on screen, with its position. */
interface Sample {
  x: number;
  y: number;
  lon: number;
  lat: number;
}

/**
 * Points along a feature's outline every few pixels on screen (vertices included), so short and long reaches weigh
 * by length; segments with neither end `near` the screen are not filled in (at close zoom they would be long).
 */
function samplesOf(g: FlatGeometry, f: number, project: Project, near: (x: number, y: number) => boolean, step = 8): Sample[] {
  const out: Sample[] = [];
  const a = g.starts[f]!;
  const b = g.starts[f + 1]! - 1;
  let prev: Sample | null = null;
  for (let v = a; v <= b; v++) {
    const lon = g.positions[2 * v]!;
    const lat = g.positions[2 * v + 1]!;
    const [x, y] = project(lon, lat);
    if (prev && (near(x, y) || near(prev.x, prev.y))) {
      const n = Math.ceil(Math.hypot(x - prev.x, y - prev.y) / step);
      for (let i = 1; i < n; i++) {
        const t = i / n;
        out.push({ x: prev.x + (x - prev.x) * t, y: prev.y + (y - prev.y) * t, lon: prev.lon + (lon - prev.lon) * t, lat: prev.lat + (lat - prev.lat) * t });
      }
    }
    prev = { x, y, lon, lat };
    out.push(prev);
  }
  return out;
}

/** Rough width in pixels of a text at a font size. */
const textWidth = (text: string, size: number) => text.length * size * 0.6 + 6;

/** The main direction of points (screen), as a text angle: degrees counter-clockwise, upright; and their extent along it. */
function direction(points: Sample[]): { angle: number; extent: number } {
  let mx = 0;
  let my = 0;
  for (const p of points) {
    mx += p.x;
    my += p.y;
  }
  mx /= points.length;
  my /= points.length;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    syy += (p.y - my) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  const theta = Math.atan2(2 * sxy, sxx - syy) / 2;
  const [ux, uy] = [Math.cos(theta), Math.sin(theta)];
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    const t = (p.x - mx) * ux + (p.y - my) * uy;
    lo = Math.min(lo, t);
    hi = Math.max(hi, t);
  }
  // Screen y grows downwards, text angles turn counter-clockwise: the sign flips; atan2/2 keeps it upright.
  return { angle: Math.round((-theta * 180) / Math.PI) || 0, extent: hi - lo };
}

/**
 * Labels for named rivers and lakes. A river is all the reaches of its name: a label sits at the middle of one
 * of them, turned along the river around it, only where the river runs on for about the label's length (at
 * continental zoom a reach is a few pixels, its river hundreds); one label per name within `spacing` pixels.
 * Lakes are labelled at the middle of their outline. Only what is on screen.
 */
export function featureCandidates(shapes: NamedShapes[], project: Project, width: number, height: number, spacing = 300): Label[] {
  const out: Label[] = [];
  const onScreen = (p: Sample) => p.x >= 0 && p.y >= 0 && p.x <= width && p.y <= height;
  const near = (x: number, y: number) => x >= -width && y >= -height && x <= 2 * width && y <= 2 * height;
  const placed = new Map<string, Sample[]>();
  const farFromSame = (text: string, p: Sample) => !(placed.get(text) ?? []).some((q) => Math.hypot(q.x - p.x, q.y - p.y) < spacing);
  const place = (text: string, kind: 'river' | 'lake', p: Sample, angle: number) => {
    placed.set(text, [...(placed.get(text) ?? []), p]);
    out.push({ text, kind, lon: p.lon, lat: p.lat, angle, size: kind === 'lake' ? 12 : 11 });
  };
  // Rivers: every reach's samples by name, and each reach's middle as a possible anchor.
  const rivers = new Map<string, { samples: Sample[]; anchors: Sample[] }>();
  for (const { kind, geometry: g, names } of shapes) {
    for (let f = 0; f < g.length; f++) {
      const text = swotNames(names.get(g.rows[f]!))[0];
      if (!text || g.starts[f + 1]! - g.starts[f]! < 1) continue;
      if (kind === 'lake') {
        let lon = 0;
        let lat = 0;
        const [a, b] = [g.starts[f]!, g.starts[f + 1]!];
        for (let v = a; v < b; v++) {
          lon += g.positions[2 * v]!;
          lat += g.positions[2 * v + 1]!;
        }
        [lon, lat] = [lon / (b - a), lat / (b - a)];
        const [x, y] = project(lon, lat);
        const centre = { x, y, lon, lat };
        if (onScreen(centre) && farFromSame(text, centre)) place(text, 'lake', centre, 0);
        continue;
      }
      const samples = samplesOf(g, f, project, near);
      const river = rivers.get(text) ?? { samples: [], anchors: [] };
      river.samples.push(...samples);
      river.anchors.push(samples[Math.floor(samples.length / 2)]!);
      rivers.set(text, river);
    }
  }
  for (const [text, { samples, anchors }] of rivers) {
    const half = textWidth(text, 11) / 2;
    for (const anchor of anchors) {
      if (!onScreen(anchor) || !farFromSame(text, anchor)) continue;
      const around = samples.filter((p) => Math.hypot(p.x - anchor.x, p.y - anchor.y) <= half);
      if (around.length < 2) continue;
      const { angle, extent } = direction(around);
      // The river must run under most of the label.
      if (extent < 1.2 * half) continue;
      place(text, 'river', anchor, angle);
    }
  }
  return out;
}

/** A label's screen box: its text's rough extent around its anchor, turned with it, plus a margin. */
function box(label: Label, x: number, y: number): Box {
  const w = textWidth(label.text, label.size);
  const h = label.size + 6;
  const r = (Math.abs(label.angle) * Math.PI) / 180;
  const bw = w * Math.cos(r) + h * Math.sin(r);
  const bh = w * Math.sin(r) + h * Math.cos(r);
  return [x - bw / 2, y - bh / 2, x + bw / 2, y + bh / 2];
}

/** A screen rectangle: left, top, right, bottom (pixels). */
export type Box = [number, number, number, number];

/**
 * Keeps labels in the given order while they lie wholly on screen, overlap none kept before nor the `reserved`
 * boxes (the legend, the layer list over the map), at most `max`.
 */
export function declutter(labels: Label[], project: Project, width: number, height: number, max = 150, reserved: Box[] = []): Label[] {
  const kept: Label[] = [];
  const boxes: Box[] = [...reserved];
  for (const label of labels) {
    if (kept.length >= max) break;
    const [x, y] = project(label.lon, label.lat);
    const b = box(label, x, y);
    if (b[0] < 0 || b[1] < 0 || b[2] > width || b[3] > height) continue;
    if (boxes.some((o) => b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1])) continue;
    kept.push(label);
    boxes.push(b);
  }
  return kept;
}
