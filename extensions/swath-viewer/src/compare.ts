// Comparing two cycles: each feature's change in water surface elevation between the cycle shown and another,
// matched by feature id (reach, node or lake), as one more variable of the shown chunks.
import type { Chunk, Variable } from './data.js';

/** The variable a comparison adds (cycle shown minus the other). */
export const CHANGE: Variable = {
  name: 'wse_change',
  label: 'WSE change',
  units: 'm',
  meaning: 'Water surface elevation of the cycle shown minus that of the compared cycle, per feature'
};

/** The row of a chunk's values for geometry part or point `i` (a multi-part feature has several parts, one row). */
const rowsOf = (c: Chunk): number => (c.geometry ? c.geometry.rows.reduce((m, r) => Math.max(m, r + 1), 0) : c.count);

/**
 * Sets `values.wse_change` on every chunk of `shown`: its WSE minus the WSE of the same feature id in `other`
 * (NaN where either is missing). Returns how many features were matched.
 */
export function addChange(shown: Chunk[], other: Chunk[]): number {
  const reference = new Map<string, number>();
  for (const c of other) {
    const wse = c.values['wse'];
    if (!wse || !c.ids) continue;
    for (let r = 0; r < rowsOf(c); r++) if (Number.isFinite(wse[r]!)) reference.set(String(c.ids.get(r)), wse[r]!);
  }
  let matched = 0;
  for (const c of shown) {
    const n = rowsOf(c);
    const wse = c.values['wse'];
    const change = new Float64Array(n).fill(NaN);
    if (wse && c.ids)
      for (let r = 0; r < n; r++) {
        const b = reference.get(String(c.ids.get(r)));
        if (b !== undefined && Number.isFinite(wse[r]!)) {
          change[r] = wse[r]! - b;
          matched++;
        }
      }
    c.values[CHANGE.name] = change;
  }
  return matched;
}
