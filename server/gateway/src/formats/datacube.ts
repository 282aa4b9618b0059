/**
 * The STAC datacube extension's fields (`cube:dimensions`, `cube:variables`) of model outputs: what a client needs to
 * open a product as an array — its axes with their extents and steps, and its variables over them with units.
 */
export const DATACUBE_EXTENSION = 'https://stac-extensions.github.io/datacube/v2.2.0/schema.json';

export type Dimension =
  | { type: 'spatial'; axis: 'x' | 'y'; extent: [number, number]; step?: number | null; reference_system?: string | number; description?: string }
  | { type: 'temporal'; extent: [string, string]; step?: string | null; description?: string }
  | { type: 'geometry'; axes: ['x', 'y']; bbox: [number, number, number, number]; geometry_types: string[]; values?: string[]; description?: string };

export interface Variable {
  dimensions: string[];
  type: 'data' | 'auxiliary';
  unit?: string;
  description?: string;
  nodata?: number | string;
  data_type?: string;
}

export interface Datacube {
  'cube:dimensions': Record<string, Dimension>;
  'cube:variables': Record<string, Variable>;
}

/**
 * An ISO 8601 duration of a regular time axis (`P1D`, `PT3H`), or null when its steps differ (or a single time): the
 * extension's `step` for irregular axes.
 */
export function isoStep(times: number[]): string | null {
  const sorted = [...new Set(times)].sort((a, b) => a - b);
  if (sorted.length < 2) return null;
  const step = sorted[1]! - sorted[0]!;
  for (let k = 2; k < sorted.length; k++) if (sorted[k]! - sorted[k - 1]! !== step) return null;
  const s = step / 1000;
  if (s % 86_400 === 0) return `P${s / 86_400}D`;
  if (s % 3600 === 0) return `PT${s / 3600}H`;
  if (s % 60 === 0) return `PT${s / 60}M`;
  return `PT${s}S`;
}

/** The temporal dimension of a series or grid, from its times (epoch ms). */
export function timeDimension(times: number[], description?: string): Dimension {
  let [lo, hi] = [Infinity, -Infinity];
  for (const t of times) [lo, hi] = [Math.min(lo, t), Math.max(hi, t)];
  return { type: 'temporal', extent: [new Date(lo).toISOString(), new Date(hi).toISOString()], step: isoStep(times), ...(description ? { description } : {}) };
}

/** A JSON-safe no-data value (NaN, as the common metadata writes it: "nan"). */
export function nodataOf(fill: number | undefined): number | string | undefined {
  if (fill === undefined) return undefined;
  return Number.isNaN(fill) ? 'nan' : Number.isFinite(fill) ? fill : fill > 0 ? 'inf' : '-inf';
}

/**
 * The datacube fields of a model's series: time, and the features when the product holds several (a vector dimension
 * over their points); each variable over them.
 */
export function seriesCube(
  times: number[],
  variables: Record<string, { unit: string; description: string; nodata?: number | string; data_type?: string }>,
  features?: { name: string; bbox: [number, number, number, number]; description: string }
): Datacube {
  const dims = features ? [features.name, 'time'] : ['time'];
  return {
    'cube:dimensions': {
      ...(features
        ? { [features.name]: { type: 'geometry', axes: ['x', 'y'], bbox: features.bbox, geometry_types: ['Point'], description: features.description } }
        : {}),
      time: timeDimension(times)
    },
    'cube:variables': Object.fromEntries(
      Object.entries(variables).map(([name, v]) => [
        name,
        { dimensions: dims, type: 'data', ...Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) }
      ])
    )
  };
}
