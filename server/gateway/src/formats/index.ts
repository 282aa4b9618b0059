import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { readHubeau, readHydrowebSeries, readHydrowebStations, readSwotInsituCsv } from './insitu.js';
import { readCfGrid, readGlmLake, readPcrGlobwbStation, readRapidQout } from './model.js';
import { isWflowCsv, readWflowCsv } from './wflow.js';
import { readHydrowebNext } from './hydroweb-next.js';
import { readPixc } from './netcdf.js';
import { GranuleError, type Product } from './product.js';
import { readSwotVector } from './swot-vector.js';

export * from './product.js';
export { parseGranuleName } from './granule-name.js';

/**
 * Reads any product HYSOPE knows, choosing the reader from the file name:
 * SWOT RiverSP/LakeSP (zip, folder, .shp), PIXC/PIXCVec (.nc), Hydroweb stations/series,
 * Hub'Eau responses, SWOT in-situ CSV.
 * @throws GranuleError naming the file and why it cannot be read
 */
export async function readProduct(file: string): Promise<Product> {
  const base = path.basename(file);
  let isDir = false;
  try {
    const info = await lstat(file);
    if (info.isSymbolicLink()) throw new GranuleError(file, 'is a symbolic link; give the file itself (links are refused at ingest)');
    isDir = info.isDirectory();
  } catch (error) {
    if (error instanceof GranuleError) throw error;
    throw new GranuleError(file, 'no such file');
  }
  if (isDir) {
    const link = await firstSymlink(file);
    if (link) throw new GranuleError(file, `holds a symbolic link (${path.relative(file, link)}); links are refused at ingest`);
  }
  if (/^SWOT_L2_HR_(RiverSP|LakeSP)_/.test(base) && (isDir || /\.(zip|shp)$/i.test(base))) return readSwotVector(file);
  if (/^SWOT_L2_HR_.*\.nc$/i.test(base)) return readPixc(file);
  if (/^Qout.*\.nc$/i.test(base)) return readRapidQout(file);
  if (/\.nc$/i.test(base)) return readCfGrid(file);
  if (base === 'vstations.json') return readHydrowebStations(file);
  if (/^hydroprd_.*\.txt$/i.test(base)) return readHydrowebNext(file);
  if (/^R_.*_(min|mean|max)\.json$/.test(base) || /^L_.*_(min|mean|max)\.json$/.test(base)) return readHydrowebSeries(file);
  if (/\.json$/i.test(base)) return readHubeau(file);
  if (/^pcr_.*\.csv$/i.test(base)) return readPcrGlobwbStation(file);
  if (base === 'lake.csv') return readGlmLake(file);
  if (/\.csv$/i.test(base) && (await isWflowCsv(file))) return readWflowCsv(file);
  if (base === 'stationLatLon.csv')
    throw new GranuleError(file, "PCR-GLOBWB's station table: read with the station series beside it, not a product of its own");
  if (/\.csv$/i.test(base)) return readSwotInsituCsv(file);
  throw new GranuleError(file, "unknown product type (expected a SWOT granule, Hydroweb, Hub'Eau or in-situ CSV file)");
}

/** The first symbolic link under a folder (depth first), or null. */
export async function firstSymlink(dir: string): Promise<string | null> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) return full;
    if (entry.isDirectory()) {
      const inner = await firstSymlink(full);
      if (inner) return inner;
    }
  }
  return null;
}
