import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ProductSink } from '../catalog/sinks.js';
import { parseGranuleName } from '../formats/index.js';
import type { SeriesFiles } from './timeseries-files.js';
import { compactedRewriter, registerGranulePart } from './timeseries-parts.js';
import { featureTypeOf, registerFields, timeseriesPath, writeTimeseries } from './timeseries-store.js';

/**
 * The time-series store as a sink of ingests: a reach, node or prior-lake granule's observations written as a part
 * of their own, published to the object store and listed in the index (and their fields recorded) in the ingest's
 * transaction. Private workspace items stay out of the shared store.
 */
export function timeseriesSink(files: SeriesFiles): ProductSink {
  return {
    async write(product, { tag, owner }) {
      const feature = owner ? null : featureTypeOf(product);
      if (!feature) return null;
      const final = timeseriesPath(files.root, feature, parseGranuleName(product.id)?.continent ?? 'XX', product.id);
      const rel = path.relative(files.root, final);
      const tmp = final + tag;
      let series: Awaited<ReturnType<typeof writeTimeseries>>;
      try {
        series = await writeTimeseries(files.root, product, feature, new Date(), tmp);
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
      return {
        moves: [[tmp, final]],
        publish: () => files.publish([rel]),
        unpublish: () => files.remove([rel]),
        register: async (tx) => {
          await registerFields(tx, feature, product);
          await registerGranulePart(tx, feature, rel, product.id, series.buckets, compactedRewriter(files));
        }
      };
    }
  };
}
