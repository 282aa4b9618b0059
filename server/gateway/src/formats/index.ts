import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readHubeau, readHydrowebSeries, readHydrowebStations, readSwotInsituCsv } from './insitu.js';
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
    isDir = (await stat(file)).isDirectory();
  } catch {
    throw new GranuleError(file, 'no such file');
  }
  if (/^SWOT_L2_HR_(RiverSP|LakeSP)_/.test(base) && (isDir || /\.(zip|shp)$/i.test(base))) return readSwotVector(file);
  if (/^SWOT_L2_HR_.*\.nc$/i.test(base)) return readPixc(file);
  if (base === 'vstations.json') return readHydrowebStations(file);
  if (/^R_.*_(min|mean|max)\.json$/.test(base) || /^L_.*_(min|mean|max)\.json$/.test(base)) return readHydrowebSeries(file);
  if (/\.json$/i.test(base)) return readHubeau(file);
  if (/\.csv$/i.test(base)) return readSwotInsituCsv(file);
  throw new GranuleError(file, "unknown product type (expected a SWOT granule, Hydroweb, Hub'Eau or in-situ CSV file)");
}
