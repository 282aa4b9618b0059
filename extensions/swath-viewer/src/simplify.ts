// Lines drawn with the vertices that show at a zoom.
import type { FlatGeometry } from './geo.js';

/**
 * The features' lines with the vertices that change nothing at a tolerance dropped (Douglas–Peucker, planar, in
 * degrees): SWORD centerlines have a vertex every ~30 m, sub-pixel below zoom 12, and each vertex costs a draw.
 * Every feature keeps at least `minVertices` (its ends for a line; rings keep their original vertices rather than
 * fewer than that). Same features, same rows.
 */
export function simplifyLines(g: FlatGeometry, tolerance: number, minVertices = 2): FlatGeometry {
  const t2 = tolerance * tolerance;
  const keep = new Uint8Array(g.starts[g.length]!);
  const stack: number[] = [];
  const starts = new Uint32Array(g.length + 1);
  let total = 0;
  for (let f = 0; f < g.length; f++) {
    const a = g.starts[f]!;
    const b = g.starts[f + 1]! - 1;
    starts[f] = total;
    if (b < a) continue;
    keep[a] = 1;
    keep[b] = 1;
    stack.push(a, b);
    while (stack.length) {
      const j = stack.pop()!;
      const i = stack.pop()!;
      const [x1, y1, x2, y2] = [g.positions[2 * i]!, g.positions[2 * i + 1]!, g.positions[2 * j]!, g.positions[2 * j + 1]!];
      const dx = x2 - x1;
      const dy = y2 - y1;
      const len2 = dx * dx + dy * dy;
      let worst = -1;
      let far = t2;
      for (let k = i + 1; k < j; k++) {
        const px = g.positions[2 * k]! - x1;
        const py = g.positions[2 * k + 1]! - y1;
        // Squared distance to the segment i–j.
        const u = len2 ? Math.max(0, Math.min(1, (px * dx + py * dy) / len2)) : 0;
        const d = (px - u * dx) ** 2 + (py - u * dy) ** 2;
        if (d > far) {
          far = d;
          worst = k;
        }
      }
      if (worst > 0) {
        keep[worst] = 1;
        stack.push(i, worst, worst, j);
      }
    }
    let kept = 0;
    for (let v = a; v <= b; v++) kept += keep[v]!;
    if (kept < minVertices) for (let v = a; v <= b; v++) keep[v] = 1;
    for (let v = a; v <= b; v++) total += keep[v]!;
  }
  starts[g.length] = total;
  const positions = new Float64Array(2 * total);
  let o = 0;
  for (let v = 0; v < keep.length; v++) {
    if (!keep[v]) continue;
    positions[2 * o] = g.positions[2 * v]!;
    positions[2 * o + 1] = g.positions[2 * v + 1]!;
    o++;
  }
  return { length: g.length, starts, positions, rows: g.rows };
}
