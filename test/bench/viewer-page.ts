// Bundled by the viewer benchmark with esbuild: the swath viewer's data path (DuckDB-WASM by HTTP ranges
// through kernels-bridge, typed arrays, deck.gl binary attributes) against loading the same points as GeoJSON.
import { Deck } from '@deck.gl/core';
import { ScatterplotLayer } from '@deck.gl/layers';
import { configureWasm } from '../../kernels-bridge/src/wasm-config.js';
import { sqlWasm } from '../../kernels-bridge/src/sql-wasm.js';
import { colorize, interleave, robustRange } from '../../extensions/swath-viewer/src/geo.js';

/** What one frame measurement returns (also read by the benchmark harness). */
export interface FrameResult {
  rows: number;
  queryMs: number;
  firstFrameMs: number;
  heapBytes: number;
  arrayBytes: number;
}

declare global {
  interface Window {
    parquetFrame(url: string, bbox?: number[]): Promise<FrameResult>;
    geojsonFrame(url: string): Promise<FrameResult>;
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
