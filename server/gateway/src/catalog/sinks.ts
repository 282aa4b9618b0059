import type { Product } from '../formats/index.js';
import type { Queryable } from '../store/database.js';

/**
 * What a granule adds, at ingest, to another part of HYSOPE beside its item (the time-series store of the
 * dissemination side). The catalog does not know those parts: they register a sink with the catalog store, and each
 * ingest writes through every sink before its transaction and lists what they wrote in it — so a query sees a
 * granule's item and its observations together, and a failed ingest leaves none of them.
 */
export interface ProductSink {
  /**
   * Writes the sink's files for `product` under temporary names (ending with `tag`), or returns null when the product
   * has nothing for it. A failure leaves no temporary file behind.
   */
  write(product: Product, at: { dataDir: string; tag: string; owner: string | null }): Promise<SinkWrite | null>;
}

/** What a sink wrote for one product. */
export interface SinkWrite {
  /** Temporary files and where they go (moved into place with the product's files, before the transaction). */
  moves: [tmp: string, final: string][];
  /** Copies the moved files where other gateways read them (the object store), before the transaction. */
  publish?(): Promise<void>;
  /** Takes back what `publish` copied (the transaction failed). */
  unpublish?(): Promise<void>;
  /** Lists what was written, in the ingest's transaction. */
  register(tx: Queryable): Promise<void>;
}
