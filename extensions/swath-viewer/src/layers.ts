// Pure layer builders: functions from the viewer's data (basemap, items, loaded chunks, colour scales) to
// deck.gl layers. No state and no DOM: the view calls them on every change and hands the list to deck.gl,
// which diffs layers by id.
import type { Item } from '@hysope/api';
import { BitmapLayer, GeoJsonLayer, PathLayer, ScatterplotLayer, SolidPolygonLayer, TextLayer } from '@deck.gl/layers';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import type { LayerKind } from './data.js';
import type { Label, LabelKind } from './labels.js';
import { boundsOf, colorize, expandColors, type FlatGeometry, type Palette } from './geo.js';
import { simplifyLines } from './simplify.js';
import type { LoadedLayer, Scale } from './model.js';
import basemapTopo from '../data/countries-50m.json';

type Layer = GeoJsonLayer | BitmapLayer | PathLayer | ScatterplotLayer | SolidPolygonLayer | TextLayer;

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

/** One XYZ tile of an online basemap (settings), with its bounds. */
export interface Tile {
  url: string;
  key: string;
  bounds: [number, number, number, number];
}

/** The offline land and borders (Natural Earth), with online tiles between them when configured. */
export function basemapLayers(dark: boolean, tiles: Tile[] = []): Layer[] {
  const { land, borders } = basemap();
  return [
    new GeoJsonLayer({ id: 'land', data: land as never, filled: true, stroked: false, getFillColor: dark ? [48, 52, 58] : [236, 232, 222] }),
    ...tiles.map((t) => new BitmapLayer({ id: `tile-${t.key}`, image: t.url, bounds: t.bounds })),
    new GeoJsonLayer({
      id: 'borders',
      data: borders as never,
      stroked: true,
      filled: false,
      lineWidthUnits: 'pixels',
      getLineWidth: 1,
      getLineColor: dark ? [110, 110, 120] : [160, 150, 140]
    })
  ];
}

/** The items' footprints (left swath blue, right swath orange), as their own layer. */
export function footprintLayer(items: Item[], visible: boolean): Layer {
  const side = (f: { properties: Record<string, unknown> }) => f.properties['swot:swath_side'] === 'R';
  return new GeoJsonLayer({
    id: 'footprints',
    data: {
      type: 'FeatureCollection',
      features: items.filter((i) => i.geometry).map((i) => ({ type: 'Feature', geometry: i.geometry, properties: { id: i.id, ...i.properties } }))
    } as never,
    visible,
    filled: true,
    stroked: true,
    getFillColor: (f: { properties: Record<string, unknown> }) => (side(f) ? [230, 120, 40, 25] : [40, 120, 230, 25]),
    getLineColor: (f: { properties: Record<string, unknown> }) => (side(f) ? [230, 120, 40, 200] : [40, 120, 230, 200]),
    lineWidthUnits: 'pixels',
    getLineWidth: 1.5
  });
}

/** Plain GeoJSON given to the viewer (notebooks' `show.map`), one layer each. */
export function geojsonLayers(geojson: unknown[]): Layer[] {
  return geojson.map(
    (g, i) =>
      new GeoJsonLayer({
        id: `geojson-${i}`,
        data: g as never,
        getFillColor: [255, 140, 0, 80],
        getLineColor: [255, 140, 0, 230],
        lineWidthUnits: 'pixels',
        getLineWidth: 2,
        pointRadiusUnits: 'pixels',
        getPointRadius: 4
      })
  );
}

/** How loaded products are drawn: the variable colouring each kind, its scale, the pixel clouds' point size. */
export interface DataStyle {
  variable(kind: LayerKind): { name: string; palette?: Palette };
  scales: Map<LayerKind, Scale>;
  pointRadius: number;
  /** The map's zoom: lines are drawn with the vertices that show at it (none dropped when not given). */
  zoom?: number;
  /** The visible area: point chunks wholly away from it are not drawn (none skipped when not given). */
  view?: [number, number, number, number];
}

const simplified = new WeakMap<FlatGeometry, Map<number, FlatGeometry>>();

/** A geometry with half a pixel of tolerance at a whole zoom level (computed once per level). */
function atZoom(g: FlatGeometry, zoom: number | undefined, minVertices: number): FlatGeometry {
  if (zoom === undefined || zoom >= 13) return g;
  const level = Math.max(0, Math.floor(zoom));
  const cache = simplified.get(g) ?? new Map<number, FlatGeometry>();
  simplified.set(g, cache);
  let s = cache.get(level);
  if (!s) cache.set(level, (s = simplifyLines(g, (0.5 * 360) / (512 * 2 ** level), minVertices)));
  return s;
}

const bounds = new WeakMap<Float64Array, [number, number, number, number] | null>();

/** Whether points may be seen from the view (its own size around it counts: a pan shows them before the next redraw). */
function nearView(positions: Float64Array, view: [number, number, number, number] | undefined): boolean {
  if (!view) return true;
  if (!bounds.has(positions)) bounds.set(positions, boundsOf(positions));
  const b = bounds.get(positions);
  if (!b) return false;
  const [w, s, e, n] = view;
  const [dx, dy] = [e - w, n - s];
  return b[2] >= w - dx && b[0] <= e + dx && b[3] >= s - dy && b[1] <= n + dy;
}

/**
 * The loaded products, in drawing order, as binary-attribute layers (no object per feature): points for pixel
 * clouds and nodes, paths for reaches, filled rings for lakes; each chunk is a layer `<kind>-<layer>-<chunk>`.
 */
export function dataLayers(layers: LoadedLayer[], style: DataStyle): Layer[] {
  const out: Layer[] = [];
  layers.forEach((l, li) => {
    const v = style.variable(l.kind);
    const scale = style.scales.get(l.kind) ?? { range: [0, 1] as [number, number] };
    l.chunks.forEach((c, ci) => {
      const id = `${l.kind}-${li}-${ci}`;
      const colors = colorize(c.values[v.name] ?? new Float64Array(c.count).fill(NaN), scale.range, scale.palette);
      const common = { id, visible: l.visible, opacity: l.opacity, updateTriggers: { getFillColor: v.name, getColor: v.name } };
      if (c.positions) {
        common.visible = l.visible && nearView(c.positions, style.view);
        out.push(
          new ScatterplotLayer({
            ...common,
            data: {
              length: c.count,
              attributes: { getPosition: { value: c.positions, size: 2 }, getFillColor: { value: colors, size: 4, normalized: true } }
            } as never,
            radiusUnits: 'pixels',
            getRadius: l.kind === 'pixc' ? style.pointRadius : 4,
            radiusMinPixels: 1
          })
        );
        return;
      }
      const g = atZoom(c.geometry!, style.zoom, l.kind === 'lake' ? 4 : 2);
      const vertexColors = expandColors(g, colors);
      const data = (attribute: string, color: string) =>
        ({
          length: g.length,
          startIndices: g.starts,
          attributes: { [attribute]: { value: g.positions, size: 2 }, [color]: { value: vertexColors, size: 4, normalized: true } }
        }) as never;
      if (l.kind === 'lake') out.push(new SolidPolygonLayer({ ...common, data: data('getPolygon', 'getFillColor'), _normalize: false }));
      else out.push(new PathLayer({ ...common, data: data('getPath', 'getColor'), _pathType: 'open', widthUnits: 'pixels', getWidth: 3, widthMinPixels: 2 }));
    });
  });
  return out;
}

/** Label colours: water names in blue, places in the text colour of the theme. */
function labelColor(kind: LabelKind, dark: boolean): [number, number, number] {
  if (kind === 'river' || kind === 'lake') return dark ? [120, 180, 255] : [25, 85, 170];
  return dark ? [225, 225, 225] : [45, 45, 45];
}

/** The map's labels (labels.ts chose them), haloed so they read over land, water and data alike. */
export function labelLayer(labels: Label[], dark: boolean): Layer {
  return new TextLayer<Label>({
    id: 'labels',
    data: labels,
    getText: (l) => l.text,
    getPosition: (l) => [l.lon, l.lat],
    getAngle: (l) => l.angle,
    getSize: (l) => l.size,
    getColor: (l) => labelColor(l.kind, dark),
    fontFamily: 'system-ui, sans-serif',
    fontWeight: 600,
    characterSet: 'auto',
    fontSettings: { sdf: true },
    outlineWidth: 3,
    outlineColor: dark ? [30, 30, 30, 220] : [255, 255, 255, 230],
    sizeUnits: 'pixels',
    updateTriggers: { getColor: dark }
  });
}
