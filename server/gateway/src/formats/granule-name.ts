/**
 * SWOT granule names, e.g.
 * `SWOT_L2_HR_RiverSP_Reach_548_011_NA_20230610T193337_20230610T193344_PIA1_01`
 * `SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01`.
 */
export interface SwotGranuleName {
  /** Granule name without extension. */
  name: string;
  /** Short product name, e.g. `L2_HR_RiverSP`. */
  shortName: string;
  /** Product file id: Reach, Node, Prior, Obs, Unassigned, or '' for PIXC. */
  fileId: string;
  cycle: number;
  pass: number;
  /** Cycle and pass as the name writes them (`548`, `011`: zero padding kept, as Hydrocron prints them). */
  cycleText: string;
  passText: string;
  /** Continent code (RiverSP/LakeSP: NA, EU, ...; LakeSP Prior 018_100 style: continent id from the basin). */
  continent: string | null;
  /** Tile (PIXC: `067L`, old layout `43N-R`). */
  tile: string | null;
  /** Swath side L or R (PIXC tiles). */
  swathSide: 'L' | 'R' | null;
  start: Date;
  end: Date;
  /** Composite release id, e.g. PIA1, PIC0, Dx0000. */
  crid: string;
  /** Product counter, e.g. 1 for `_01`. */
  counter: number;
}

const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/;

function stamp(text: string): Date {
  const m = STAMP.exec(text);
  if (!m) throw new Error(`"${text}" is not a SWOT timestamp (YYYYMMDDThhmmss)`);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

const PATTERN =
  /^SWOT_(L2_HR_[A-Za-z]+)_(?:(Reach|Node|Prior|Obs|Unassigned)_)?(\d{1,4})_(\d{1,4})_([A-Za-z0-9-]+)_(\d{8}T\d{6})_(\d{8}T\d{6})_([A-Za-z0-9]+)_(\d{2})(?:_[A-Za-z]+)?$/;

/**
 * Parses a SWOT granule name (a file name or path; extensions are dropped).
 * @returns null when the name is not a SWOT granule name
 */
export function parseGranuleName(fileName: string): SwotGranuleName | null {
  const base = fileName
    .split(/[\\/]/)
    .pop()!
    .replace(/\.(zip|nc|shp|dbf|shx|prj|xml|shp\.xml)$/i, '')
    .replace(/\.shp$/i, '');
  const m = PATTERN.exec(base);
  if (!m) return null;
  const [, shortName, fileId, cycle, pass, third, start, end, crid, counter] = m as unknown as string[];
  const isTile = /^\d{3}[LR]$/.test(third!) || /^\d+[NS]-[LR]$/.test(third!);
  const side = isTile ? (third!.endsWith('L') ? 'L' : 'R') : null;
  return {
    name: base,
    shortName: shortName!,
    fileId: fileId ?? '',
    cycle: Number(cycle),
    pass: Number(pass),
    cycleText: cycle!,
    passText: pass!,
    continent: isTile ? null : third!,
    tile: isTile ? third! : null,
    swathSide: side,
    start: stamp(start!),
    end: stamp(end!),
    crid: crid!,
    counter: Number(counter)
  };
}
