// What the viewer says about what is under the cursor: a loaded feature (its id and values with units) or,
// elsewhere, the footprint of an item shown (its id, cycle, pass and swath side). Picking is pick.ts's.
import type { Item } from '@hysope/api';
import { KINDS, type Chunk } from './data.js';
import type { LoadedLayer, ViewerModel } from './model.js';
import { pickNearest, type PickTarget, type Projection } from './pick.js';

export interface Hit {
  layer: LoadedLayer;
  chunk: Chunk;
  row: number;
}

/** The visible loaded feature nearest to a map position (within 8 pixels; inside a lake counts), or null. */
export function featureAt(model: ViewerModel, projection: Projection, x: number, y: number): Hit | null {
  const targets: PickTarget[] = [];
  const refs: { layer: LoadedLayer; chunk: Chunk }[] = [];
  for (const layer of model.layers) {
    if (!layer.visible || layer.opacity === 0) continue;
    for (const chunk of layer.chunks) {
      const g = chunk.geometry;
      targets.push(chunk.positions ? { positions: chunk.positions } : { positions: g!.positions, starts: g!.starts, areas: layer.kind === 'lake' });
      refs.push({ layer, chunk });
    }
  }
  const picked = pickNearest(targets, projection, x, y, 8);
  if (!picked) return null;
  const { layer, chunk } = refs[picked.target]!;
  return { layer, chunk, row: chunk.geometry ? chunk.geometry.rows[picked.index]! : picked.index };
}

/** The footprint of a shown item under a map position (the last drawn wins), or null. */
export function footprintAt(items: Item[], projection: Projection, x: number, y: number): Item | null {
  for (const item of [...items].reverse()) {
    const g = item.geometry as { type: string; coordinates: unknown } | null;
    const polygons = (g?.type === 'Polygon' ? [g.coordinates] : g?.type === 'MultiPolygon' ? g.coordinates : []) as number[][][][];
    const rings = polygons.map((poly) => poly[0]!);
    if (!rings.length) continue;
    const starts = [0];
    for (const r of rings) starts.push(starts[starts.length - 1]! + r.length);
    const target = { positions: Float64Array.from(rings.flat(2)), starts: Uint32Array.from(starts), areas: true };
    if (pickNearest([target], projection, x, y, 0)) return item;
  }
  return null;
}

const esc = (v: unknown) => String(v).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The tooltip's HTML (values escaped) for a feature hit or an item's footprint. */
export function tooltipHtml(hit: Hit | null, footprint: Item | null): string | null {
  if (!hit) {
    if (!footprint) return null;
    const p = footprint.properties as Record<string, unknown>;
    const side = p['swot:swath_side'] ? ` · ${p['swot:swath_side'] === 'R' ? 'right' : 'left'} swath` : '';
    return `<b>${esc(footprint.id)}</b><br>cycle ${esc(p['swot:cycle'] ?? '–')} · pass ${esc(p['swot:pass'] ?? '–')}${side}`;
  }
  const { layer, chunk, row } = hit;
  const lines = KINDS[layer.kind].variables
    .filter((v) => chunk.values[v.name])
    .map((v) => {
      const x = chunk.values[v.name]![row]!;
      const shown =
        !Number.isFinite(x) || Math.abs(x) > 1e11
          ? 'n/a'
          : v.palette
            ? `${x} ${v.palette[x]?.label ?? ''}`
            : `${+x.toPrecision(6)}${v.units ? ` ${v.units}` : ''}`;
      return `${esc(v.label)}: ${esc(shown)}`;
    });
  const fid = chunk.ids ? `<b>${esc(chunk.ids.get(row))}</b><br>` : '';
  return `${fid}${esc(KINDS[layer.kind].label)}<br>${lines.join('<br>')}`;
}
