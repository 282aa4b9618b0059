/** @hysope/gateway: the HYSOPE server (catalog, dissemination, production, supervision). */
export { createGateway, listen, openCatalog, type Gateway } from './app.js';
export { loadConfig, type Config } from './config.js';
export { readProduct } from './formats/index.js';
export { writeGeoParquet, writeProduct } from './formats/geoparquet.js';
export { ingestFile, expandInputs, itemOf } from './catalog/ingest.js';
export { cnmProblems, parseCnm, takeCnmMessage, type CnmNotification, type CnmResponse } from './catalog/cnm.js';
export { Messaging, INGEST_QUEUE, RETRY_QUEUE, DEAD_QUEUE, RESPONSE_EXCHANGE, EVENT_EXCHANGE } from './messaging/amqp.js';
export { openDatabase, type Database } from './store/database.js';
export { migrate } from './store/schema.js';
export { withLease } from './store/lease.js';
export { SPAN_BACKFILL } from './store/schema.js';
export {
  Compactor,
  partsFor,
  reconcileTimeseries,
  registerGranulePart,
  compactedRewriter,
  bucketsOf,
  BUCKET_DIGITS,
  COMPACT_AFTER,
  compactedFormat,
  writeCompacted,
  partFiles,
  pieceRows,
  TIER_RATIO,
  tierInputs,
  type Compaction,
  type Piece
} from './dissemination/timeseries-parts.js';
export { writeTimeseries, timeseriesPath } from './dissemination/timeseries-store.js';
export { FolderStore, S3Store, openObjectStore, type ObjectStore, type StoredObject } from './store/object-store.js';
export { sweepObjects } from './store/sweep.js';
