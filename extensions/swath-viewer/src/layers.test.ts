import { describe, expect, it } from 'vitest';
import type { Item } from '@hysope/api';
import { basemapLayers, dataLayers, footprintLayer } from './layers.js';
import type { LoadedLayer } from './model.js';

const reach = {
  item: { id: 'r' } as Item,
  kind: 'reach',
  visible: true,
  opacity: 0.5,
  chunks: [
    {
      count: 2,
      values: { wse: Float64Array.from([10, 20]) },
      geometry: { length: 2, starts: Uint32Array.from([0, 2, 4]), positions: new Float64Array(8), rows: Uint32Array.from([0, 1]) }
    }
  ]
} as unknown as LoadedLayer;
const pixels = {
  item: { id: 'p' } as Item,
  kind: 'pixc',
  visible: false,
  opacity: 1,
  chunks: [0, 1].map(() => ({ count: 3, values: { height: Float64Array.from([1, 2, 3]) }, positions: new Float64Array(6) }))
} as unknown as LoadedLayer;

describe('layer builders', () => {
  it('one layer per chunk, in drawing order, carrying each layer’s visibility and opacity', () => {
    const layers = dataLayers([reach, pixels], {
      variable: (k) => ({ name: k === 'reach' ? 'wse' : 'height' }),
      scales: new Map([['reach', { range: [10, 20] }]]),
      pointRadius: 3
    });
    expect(layers.map((l) => [l.id, l.constructor.name, l.props.visible, l.props.opacity])).toEqual([
      ['reach-0-0', 'PathLayer', true, 0.5],
      ['pixc-1-0', 'ScatterplotLayer', false, 1],
      ['pixc-1-1', 'ScatterplotLayer', false, 1]
    ]);
    // Colours are binary attributes (4 per feature vertex for paths), not accessors called per object.
    const data = layers[0]!.props.data as unknown as { attributes: { getColor: { value: Uint8Array } } };
    expect(data.attributes.getColor.value.length).toBe(4 * 4);
    expect((layers[1]!.props as unknown as { getRadius: number }).getRadius).toBe(3);
  });

  it('the basemap is land, then online tiles when configured, then borders; footprints can be hidden', () => {
    expect(basemapLayers(false).map((l) => l.id)).toEqual(['land', 'borders']);
    expect(basemapLayers(true, [{ key: '3-1-2', url: 'x', bounds: [0, 0, 1, 1] }]).map((l) => l.id)).toEqual(['land', 'tile-3-1-2', 'borders']);
    expect(footprintLayer([], false).props.visible).toBe(false);
  });
});
