// Bundled by the viewer benchmark with esbuild (the viewer's built lib/, as the lab bundles it): the swath viewer's data path (DuckDB-WASM by HTTP ranges
// through kernels-bridge, typed arrays, deck.gl binary attributes) against loading the same points as GeoJSON.
import { Deck, WebMercatorViewport } from '@deck.gl/core';
import { PathLayer, ScatterplotLayer, SolidPolygonLayer } from '@deck.gl/layers';
import type { Item } from '@hysope/api';
import { configureWasm } from '../../kernels-bridge/src/wasm-config.js';
import { sqlWasm } from '../../kernels-bridge/src/sql-wasm.js';
import { KINDS, loadItem, type Chunk } from '../../extensions/swath-viewer/lib/data.js';
import { colorize, interleave, robustRange } from '../../extensions/swath-viewer/lib/geo.js';
import { basemapLayers, dataLayers } from '../../extensions/swath-viewer/lib/layers.js';
import type { LoadedLayer } from '../../extensions/swath-viewer/lib/model.js';

/** What one frame measurement returns (also read by the benchmark harness). */
export interface FrameResult {
  rows: number;
  queryMs: number;
  firstFrameMs: number;
  heapBytes: number;
  arrayBytes: number;
}

/** Frame times while panning (milliseconds between a view change and the frame drawn with it). */
export interface PanResult {
  rows: number;
  frames: number[];
}

declare global {
  interface Window {
    parquetFrame(url: string, bbox?: number[]): Promise<FrameResult>;
    geojsonFrame(url: string): Promise<FrameResult>;
    panFrames(items: Item[], frames: number, asObjects: boolean, basemap?: boolean): Promise<PanResult>;
  }
}

configureWasm({ mainModule: '/duckdb-eh.wasm', mainWorker: '/duckdb-browser-eh.worker.js' });

const heap = () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;
let deck: Deck | null = null;

function draw(layer: unknown, center: [number, number]): Promise<void> {
  deck?.finalize();
  const parent = document.getElementById('map')!;
  return new Promise((resolve) => {
    let done = false;
    deck = new Deck({
      parent,
      initialViewState: { longitude: center[0], latitude: center[1], zoom: 6 },
      controller: false,
      layers: [layer],
      onAfterRender: () => {
        if (!done) {
          done = true;
          resolve();
        }
      }
    } as never);
  });
}

let seq = 0;
window.parquetFrame = async (url, bbox) => {
  const before = heap();
  const t0 = performance.now();
  const view = `p${++seq}`;
  const where = bbox ? `where longitude between ${bbox[0]} and ${bbox[2]} and latitude between ${bbox[1]} and ${bbox[3]}` : '';
  const t = await sqlWasm(`select longitude, latitude, height from ${view} ${where}`, { [view]: url });
  const queryMs = performance.now() - t0;
  const lon = t.getChild('longitude')!.toArray() as Float64Array;
  const lat = t.getChild('latitude')!.toArray() as Float64Array;
  const height = t.getChild('height')!.toArray() as Float32Array;
  const positions = interleave(lon, lat);
  const colors = colorize(height, robustRange(height));
  const layer = new ScatterplotLayer({
    id: `pixc-${seq}`,
    data: {
      length: t.numRows,
      attributes: { getPosition: { value: positions, size: 2 }, getFillColor: { value: colors, size: 4, normalized: true } }
    } as never,
    radiusUnits: 'pixels',
    getRadius: 1
  });
  await draw(layer, [lon[0] ?? 0, lat[0] ?? 0]);
  const firstFrameMs = performance.now() - t0;
  return {
    rows: t.numRows,
    queryMs,
    firstFrameMs,
    heapBytes: heap() - before,
    arrayBytes: positions.byteLength + colors.byteLength + lon.byteLength + lat.byteLength + height.byteLength
  };
};

window.geojsonFrame = async (url) => {
  const before = heap();
  const t0 = performance.now();
  const fc = (await (await fetch(url)).json()) as { features: { geometry: { coordinates: [number, number] }; properties: { height: number } }[] };
  const queryMs = performance.now() - t0;
  const [lo, hi] = robustRange(fc.features.slice(0, 20000).map((f) => f.properties.height));
  const layer = new ScatterplotLayer({
    id: `geojson-${++seq}`,
    data: fc.features,
    getPosition: (f: { geometry: { coordinates: [number, number] } }) => f.geometry.coordinates,
    getFillColor: (f: { properties: { height: number } }) =>
      Array.from(colorize([f.properties.height], [lo, hi]).subarray(0, 4)) as [number, number, number, number],
    radiusUnits: 'pixels',
    getRadius: 1
  });
  const c = fc.features[0]!.geometry.coordinates;
  await draw(layer, c);
  const firstFrameMs = performance.now() - t0;
  return { rows: fc.features.length, queryMs, firstFrameMs, heapBytes: heap() - before, arrayBytes: 0 };
};

/** The same layers drawn the usual way: one JavaScript object per point, path and polygon, read by accessors. */
function objectLayers(layers: LoadedLayer[]): unknown[] {
  return layers.map((l, li) => {
    const objects: { at: number[]; path: number[][]; color: number[] }[] = [];
    for (const c of l.chunks) {
      const v = c.values[KINDS[l.kind].variables[0]!.name] ?? new Float64Array(c.count).fill(NaN);
      const colors = colorize(v, robustRange(v.subarray(0, 20000)));
      const color = (i: number) => Array.from(colors.subarray(4 * i, 4 * i + 4));
      if (c.positions) for (let i = 0; i < c.count; i++) objects.push({ at: [c.positions[2 * i]!, c.positions[2 * i + 1]!], path: [], color: color(i) });
      else {
        const g = c.geometry!;
        for (let f = 0; f < g.length; f++) {
          const path: number[][] = [];
          for (let k = g.starts[f]!; k < g.starts[f + 1]!; k++) path.push([g.positions[2 * k]!, g.positions[2 * k + 1]!]);
          objects.push({ at: [], path, color: color(g.rows[f]!) });
        }
      }
    }
    const id = `objects-${li}`;
    if (l.kind === 'pixc')
      return new ScatterplotLayer({
        id,
        data: objects,
        getPosition: (o) => o.at as [number, number],
        getFillColor: (o) => o.color as never,
        radiusUnits: 'pixels',
        getRadius: 2
      });
    if (l.kind === 'lake') return new SolidPolygonLayer({ id, data: objects, getPolygon: (o) => o.path as never, getFillColor: (o) => o.color as never });
    return new PathLayer({ id, data: objects, getPath: (o) => o.path as never, getColor: (o) => o.color as never, widthUnits: 'pixels', getWidth: 3 });
  });
}

/**
 * Loads items through the viewer's own data path (data.ts: DuckDB-WASM, binary chunks), draws them with its
 * layer builders over its basemap (or, `asObjects`, as object layers), then pans the map one step per frame
 * and times each frame.
 */
window.panFrames = async (items, frames, asObjects, basemap = true) => {
  const layers: LoadedLayer[] = [];
  for (const item of items) {
    const chunks: Chunk[] = [];
    const { kind } = await loadItem(item, {}, { onChunk: (c) => chunks.push(c) });
    layers.push({ item, kind, chunks, visible: true, opacity: 1 });
  }
  const scales = new Map(layers.map((l) => [l.kind, { range: robustRange(l.chunks[0]!.values[KINDS[l.kind].variables[0]!.name]!.subarray(0, 20000)) }]));
  const b = items[0]!.bbox!;
  const view = { longitude: (b[0]! + b[2]!) / 2, latitude: (b[1]! + b[3]!) / 2, zoom: 9 };
  const map = document.getElementById('map')!;
  const area = new WebMercatorViewport({ width: map.clientWidth, height: map.clientHeight, ...view }).getBounds() as [number, number, number, number];
  // As the viewer draws them at this view (lines at the zoom's resolution, point bands away from it skipped).
  const drawn = asObjects
    ? objectLayers(layers)
    : dataLayers(layers, { variable: (k) => ({ name: KINDS[k].variables[0]!.name }), scales, pointRadius: 2, zoom: view.zoom, view: area });
  deck?.finalize();
  let rendered: () => void = () => undefined;
  await new Promise<void>((resolve) => {
    rendered = resolve;
    deck = new Deck({
      parent: map,
      viewState: view,
      controller: false,
      layers: [...(basemap ? basemapLayers(false) : []), ...drawn],
      onAfterRender: () => rendered()
    } as never);
  });
  const times: number[] = [];
  for (let i = 1; i <= frames; i++) {
    const t = performance.now();
    await new Promise<void>((resolve) => {
      rendered = resolve;
      // A drag to the east: 4 px a frame at 512·2^zoom px per 360°.
      deck!.setProps({ viewState: { ...view, longitude: view.longitude + (i * 4 * 360) / (512 * 2 ** view.zoom) } });
    });
    times.push(performance.now() - t);
  }
  return { rows: layers.reduce((n, l) => n + l.chunks.reduce((m, c) => m + c.count, 0), 0), frames: times };
};
