/**
 * The SWOT variables HYSOPE shows and serves, in one place: names, labels, units, meanings, uncertainty and
 * quality fields, flag palettes, and per time-series feature type its id, quality flag, default fields and the
 * variables plotted. The gateway (time-series defaults, quality filters), the viewer (layers, legend, tooltip),
 * the plots and the catalog browser read them from here (SWOT RiverSP/LakeSP/PIXC product descriptions).
 */

/** Categories with a fixed colour (SWOT classification and quality flags). */
export type Palette = Record<number, { label: string; color: [number, number, number] }>;

/** PIXC `classification`. */
export const PIXC_CLASSES: Palette = {
  1: { label: 'land', color: [166, 132, 92] },
  2: { label: 'land near water', color: [214, 190, 120] },
  3: { label: 'water near land', color: [120, 190, 230] },
  4: { label: 'open water', color: [25, 90, 200] },
  5: { label: 'dark water', color: [40, 40, 120] },
  6: { label: 'low-coherence water near land', color: [150, 110, 210] },
  7: { label: 'open low-coherence water', color: [100, 60, 170] }
};

/** Summary quality flags (`reach_q`, `node_q`, `quality_f`, PIXC summary quality): 0 good … 3 bad. */
export const QUALITY: Palette = {
  0: { label: 'good', color: [46, 160, 67] },
  1: { label: 'suspect', color: [230, 160, 20] },
  2: { label: 'degraded', color: [220, 80, 30] },
  3: { label: 'bad', color: [180, 20, 40] }
};

/** A SWOT variable as people read it. */
export interface SwotVariable {
  label: string;
  units?: string;
  meaning: string;
  /** Its one-sigma uncertainty field, when the product has one. */
  uncertainty?: string;
  /** Its categories, for flags. */
  palette?: Palette;
}

const VARIABLES = {
  wse: { label: 'Water surface elevation', units: 'm', meaning: 'Water surface elevation above the geoid', uncertainty: 'wse_u' },
  width: { label: 'Width', units: 'm', meaning: 'River width', uncertainty: 'width_u' },
  dschg_c: { label: 'Discharge (consensus)', units: 'm^3/s', meaning: 'Discharge from the consensus of the discharge algorithms', uncertainty: 'dschg_c_u' },
  slope: { label: 'Slope', units: 'm/m', meaning: 'Water surface slope along the reach', uncertainty: 'slope_u' },
  area_total: { label: 'Area', units: 'km^2', meaning: 'Total water area of the lake', uncertainty: 'area_tot_u' },
  height: { label: 'Height', units: 'm', meaning: 'Height of the pixel above the reference ellipsoid' },
  classification: { label: 'Classification', meaning: 'Surface type of the pixel', palette: PIXC_CLASSES },
  water_frac: { label: 'Water fraction', meaning: 'Fraction of the pixel area covered by water' },
  pixc_qual: { label: 'Quality (pixc_qual)', meaning: 'Summary quality of the pixel' },
  sig0: { label: 'Backscatter sig0', meaning: 'Normalized radar backscatter cross section' },
  reach_q: { label: 'Quality (reach_q)', meaning: 'Summary quality of the reach', palette: QUALITY },
  node_q: { label: 'Quality (node_q)', meaning: 'Summary quality of the node', palette: QUALITY },
  quality_f: { label: 'Quality (quality_f)', meaning: 'Summary quality of the lake', palette: QUALITY },
  // Derived by HYSOPE's reach-discharge process (not SWOT fields).
  discharge: { label: 'Discharge (Manning, HYSOPE)', units: 'm^3/s', meaning: "Discharge from Manning's equation with the reach's width, slope and area" },
  area: { label: 'Cross-section area', units: 'm^2', meaning: 'Mean width times the reference depth, plus the area change d_x_area' }
} satisfies Record<string, SwotVariable>;

export type SwotVariableName = keyof typeof VARIABLES;
export const SWOT_VARIABLES: Record<SwotVariableName, SwotVariable> = VARIABLES;

/** A variable by name, with its name. */
export const swotVariable = (name: SwotVariableName): SwotVariable & { name: SwotVariableName } => ({ name, ...SWOT_VARIABLES[name] });

/** The feature types of the time-series API. */
export type SwotFeature = 'Reach' | 'Node' | 'PriorLake';

export const SWOT_FEATURES: Record<
  SwotFeature,
  {
    id: string;
    /** Its summary quality flag (0 good … 3 bad). */
    quality: SwotVariableName;
    /** Fields a time series carries when none are asked for. */
    fields: string[];
    /** Variables plotted for it: the first on the left axis with its uncertainty band, then others. */
    plotted: SwotVariableName[];
  }
> = {
  Reach: {
    id: 'reach_id',
    quality: 'reach_q',
    fields: ['reach_id', 'time', 'wse', 'wse_u', 'width', 'width_u', 'slope', 'slope_u', 'reach_q', 'cycle_id', 'pass_id', 'crid'],
    plotted: ['wse', 'width', 'dschg_c']
  },
  Node: {
    id: 'node_id',
    quality: 'node_q',
    fields: ['node_id', 'reach_id', 'time', 'wse', 'wse_u', 'width', 'width_u', 'node_q', 'cycle_id', 'pass_id', 'crid'],
    plotted: ['wse', 'width']
  },
  PriorLake: {
    id: 'lake_id',
    quality: 'quality_f',
    fields: ['lake_id', 'time', 'wse', 'wse_u', 'area_total', 'area_tot_u', 'quality_f', 'cycle_id', 'pass_id', 'crid'],
    plotted: ['wse', 'area_total']
  }
};

/** What SWOT products write where a feature has no name. */
const NO_NAME = new Set(['', 'no_data', 'NODATA', 'nan']);

/** The names a SWOT name field holds (`A; B` lists several; `no_data` none), in order. */
export function swotNames(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value
    .split(';')
    .map((n) => n.trim())
    .filter((n) => !NO_NAME.has(n));
}
