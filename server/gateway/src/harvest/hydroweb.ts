import path from 'node:path';
import { HarvestError, safeUrl, type RetryOptions } from './fetch.js';
import { harvestStac, type StacDownload } from './stac.js';

/**
 * hydroweb.next's virtual stations (CNES/Theia): its STAC API (`…/api/v1/rs-catalog/stac`, an API key in the
 * `X-API-Key` header) lists one item per station of a collection (`HYDROWEB_RIVERS_OPE`, `HYDROWEB_LAKES_OPE`, their
 * `_RESEARCH` twins); each item's data asset is the station's whole series (`hydroprd_<station>.txt`), downloaded
 * again when the item changed since the harvest's mark (see stac.ts).
 */

export interface HydrowebRequest {
  /** The STAC API root. */
  stacUrl: string;
  collection: string;
  bbox?: [number, number, number, number];
  since: string | null;
  pageSize: number;
  /** The hydroweb.next API key (never written anywhere). */
  apiKey?: string;
}

export const hydrowebKey = (r: Pick<HydrowebRequest, 'collection' | 'bbox'>) => `stations/${r.collection}${r.bbox ? `/${r.bbox.join(',')}` : ''}`;

/** The stations of the request changed since its mark, their series downloaded into `outDir`, oldest change first. */
export function harvestHydroweb(r: HydrowebRequest, outDir: string, o: RetryOptions & { onSeries?: (s: StacDownload) => void } = {}): Promise<StacDownload[]> {
  return harvestStac(
    {
      ...r,
      headers: r.apiKey ? { 'X-API-Key': r.apiKey } : {},
      key: hydrowebKey(r),
      fileName: (href) => {
        const name = path.basename(new URL(href).pathname);
        if (!/^[\w.-]+\.txt$/.test(name)) throw new HarvestError(`${safeUrl(href)}: not a hydroweb.next product file (.txt)`, null, false);
        return name.startsWith('hydroprd_') ? name : `hydroprd_${name}`;
      }
    },
    outDir,
    { ...o, onFile: o.onSeries }
  );
}
