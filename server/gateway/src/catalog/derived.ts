import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { STAC_VERSION, type Item } from '@hysope/api';
import { bboxPolygon } from '../formats/product.js';
import type { Placement } from '../store/object-store.js';
import { collectionDef } from './collections.js';
import type { CatalogStore, ItemRecord } from './store.js';

/** A product a job derived, to be published as a catalog item with its lineage. */
export interface DerivedProduct {
  /** The Parquet file the job wrote (in a job's registration, relative to its folder). */
  file: string;
  collection: string;
  id: string;
  bbox: [number, number, number, number];
  start: string;
  end: string;
  properties: Record<string, unknown>;
}

/** The job a derived product comes from (its lineage, its version, its owner). */
export interface Lineage {
  job: string;
  process: string;
  owner: string | null;
}

/**
 * Publishes a derived product, as ingest publishes a granule (the catalog's other writer): its file copied into the
 * object store under a temporary name, moved into place, and the item with its collection's extent in one
 * transaction; a failure puts back what was there, so the catalog and the store are as they were.
 */
export async function registerDerived(store: CatalogStore, dataDir: string, d: DerivedProduct, from: Lineage): Promise<void> {
  const def = collectionDef(d.collection);
  if (!def) throw new Error(`unknown collection ${d.collection}`);
  const rel = `products/${d.collection}/${d.id}.parquet`;
  const objects = store.objects;
  const final = path.join(objects.folder ?? dataDir, rel);
  const tag = `.${randomUUID().slice(0, 8)}`;
  await mkdir(path.dirname(final), { recursive: true });
  const tmp = `${final}.tmp${tag}`;
  await copyFile(d.file, tmp);
  const content: Item = {
    type: 'Feature',
    stac_version: STAC_VERSION,
    stac_extensions: ['https://stac-extensions.github.io/processing/v1.2.0/schema.json'],
    id: d.id,
    collection: d.collection,
    geometry: bboxPolygon(d.bbox),
    bbox: d.bbox,
    properties: {
      datetime: d.start,
      start_datetime: d.start,
      end_datetime: d.end,
      ...d.properties,
      'hysope:job': from.job,
      'hysope:process': from.process,
      deprecated: false
    },
    links: [],
    assets: { data: { href: rel, type: 'application/vnd.apache.parquet', title: 'Result (Parquet)', roles: ['data'] } }
  };
  const record: ItemRecord = {
    collection: d.collection,
    id: d.id,
    granuleKey: d.id,
    version: from.job,
    start: new Date(d.start),
    end: new Date(d.end),
    bbox: d.bbox,
    content,
    searchText: `${d.id} ${def.title} ${JSON.stringify(d.properties)}`.toLowerCase(),
    owner: from.owner
  };
  let placement: Placement;
  try {
    placement = await objects.place([[tmp, rel]], tag);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  try {
    await store.db.transaction(async (tx) => {
      await store.upsertItem(tx, record);
      await store.extendCollection(tx, d.collection, record, def.summaries);
    });
  } catch (error) {
    await placement.rollback();
    throw error;
  }
  await placement.commit();
}
