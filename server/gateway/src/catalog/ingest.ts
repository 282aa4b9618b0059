import { cp, lstat, mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { STAC_VERSION, type Item } from '@hysope/api';
import { GranuleError, columnsOf, firstSymlink, parseGranuleName, readProduct, rowsOf, type Product } from '../formats/index.js';
import { writeGeoParquet, writeProduct } from '../formats/geoparquet.js';
import { coverObservations } from '../formats/footprint.js';
import type { SinkWrite } from './sinks.js';
import { collectionDef } from './collections.js';
import type { Placement } from '../store/object-store.js';
import { placeFiles } from '../store/placement.js';
import { featureWords } from './search-words.js';
import type { CatalogStore, ItemRecord } from './store.js';

/** The outcome of ingesting one file. */
export type IngestResult =
  | { file: string; ok: true; collection: string; id: string; rows: number; bytes: number; latest: string; seconds: number; owner: string | null }
  | {
      file: string;
      ok: false;
      error: string;
      /** Whether trying again may succeed: storing the granule failed (disk, database), not the granule itself. */
      transient?: boolean;
    };

/** Version extension and processing extension, declared on every item. */
const EXTENSIONS = ['https://stac-extensions.github.io/processing/v1.2.0/schema.json', 'https://stac-extensions.github.io/version/v1.2.0/schema.json'];
export const GATEWAY_VERSION = '0.1.0';

/**
 * Sort key of a product version: CRIDs compare by their version letters and number
 * (PIA1 < PIB0 < PIC0 < PIC2 < PID0; developmental Dx0000 lowest), then by product counter.
 */
export function versionKey(crid: string | undefined, counter: number | undefined): string {
  if (!crid) return '0';
  const rank = /^[A-Z]{2}[A-Z]\d$/.test(crid) ? `1${crid.slice(2)}` : `0${crid}`;
  return `${rank}|${crid}|${String(counter ?? 0).padStart(3, '0')}`;
}

/** The same granule across processing versions: product, file id, cycle, pass and place, without CRID and counter. */
export function granuleKey(product: Product): string {
  const g = parseGranuleName(product.id);
  if (!g) return product.id;
  return [g.shortName, g.fileId, g.cycle, g.pass, g.continent ?? g.tile].join('_');
}

/** SWOT continent codes, so a free-text search finds "greenland" as well as "GR". */
const CONTINENTS: Record<string, string> = {
  AF: 'Africa',
  EU: 'Europe and Middle East',
  SI: 'Siberia',
  AS: 'Central and Southeast Asia',
  AU: 'Australia and Oceania',
  SA: 'South America',
  NA: 'North America',
  AR: 'North American Arctic',
  GR: 'Greenland'
};

function searchTextOf(product: Product, title: string): string {
  const continent = product.properties['swot:continent'];
  const words = [product.id, product.collection, title, typeof continent === 'string' ? (CONTINENTS[continent] ?? '') : ''];
  for (const v of Object.values(product.properties)) if (typeof v === 'string' || typeof v === 'number') words.push(String(v));
  // Words are separated by a tab: a term never matches across two names ("river red" is no name).
  return [words.join(' '), ...featureWords(product)].join('\t').toLowerCase();
}

/** Builds the STAC item of a product; asset hrefs are relative to the object store root. */
export function itemOf(product: Product, parquet: { href: string; bytes: number }, source: { href: string; bytes: number }): Item {
  const g = parseGranuleName(product.id);
  return {
    type: 'Feature',
    stac_version: STAC_VERSION,
    stac_extensions: [...EXTENSIONS, ...(product.extensions ?? [])],
    id: product.id,
    collection: product.collection,
    geometry: product.footprint,
    bbox: product.bbox,
    properties: {
      datetime: product.start.toISOString(),
      start_datetime: product.start.toISOString(),
      end_datetime: product.end.toISOString(),
      ...product.properties,
      ...(g ? { version: `${g.crid}_${String(g.counter).padStart(2, '0')}` } : {}),
      deprecated: false,
      'processing:level': g ? 'L2' : 'L3',
      'processing:lineage': `Read from ${path.basename(product.source.path)} and written as GeoParquet 1.1 by HYSOPE ingest`,
      'processing:software': { ...((product.properties['processing:software'] as object) ?? {}), 'hysope-gateway': GATEWAY_VERSION },
      'hysope:rows': rowsOf(product),
      'hysope:columns': columnsOf(product)
    },
    links: [],
    assets: {
      data: {
        href: parquet.href,
        type: 'application/vnd.apache.parquet',
        title: 'GeoParquet 1.1 product (spatially sorted row groups, bbox covering)',
        roles: ['data'],
        'file:size': parquet.bytes
      },
      source: { href: source.href, type: product.source.mediaType, title: 'Original granule', roles: ['source', 'metadata'], 'file:size': source.bytes }
    }
  };
}

/**
 * Ingests one file: read → GeoParquet and source copy beside under temporary names → one transaction
 * (item, supersession, collection extent) → files moved into place. A file that fails to read or store
 * leaves the catalog and the object store exactly as they were.
 */
export interface IngestOptions {
  /** Owner of a new granule's items (a private workspace); a granule already in the catalog keeps its owner. */
  owner?: string;
  /**
   * Who ingests, when not the operator: a private granule already in the catalog may be re-ingested or
   * superseded only by its owner or an admin.
   */
  actor?: { name: string | null; admin: boolean };
  observe?: (result: IngestResult) => void;
}

export async function ingestFile(store: CatalogStore, dataDir: string, file: string, options: IngestOptions = {}): Promise<IngestResult> {
  const result = await ingestOnce(store, dataDir, file, options);
  options.observe?.(result);
  return result;
}

async function ingestOnce(store: CatalogStore, dataDir: string, file: string, options: IngestOptions): Promise<IngestResult> {
  const t0 = performance.now();
  let product: Product;
  try {
    // The item's footprint and time range cover every feature and observation (not only the swath corners).
    product = coverObservations(await readProduct(file));
  } catch (error) {
    return { file, ok: false, error: error instanceof GranuleError ? error.message : `${file}: ${(error as Error).message}` };
  }
  const def = collectionDef(product.collection)!;
  // A granule already in the catalog (this version or another) keeps its owner: re-ingesting never
  // publishes a private granule nor takes a shared one private.
  const existing = await store.db.query<{ owner: string | null }>('select owner from items where collection = $1 and granule_key = $2 limit 1', [
    product.collection,
    granuleKey(product)
  ]);
  const owner = existing.length ? existing[0]!.owner : (options.owner ?? null);
  if (existing.length && owner !== null && options.actor && !options.actor.admin && options.actor.name !== owner)
    return { file, ok: false, error: `${product.id}: this granule is in a private workspace; only its owner or an admin may re-ingest or supersede it` };
  const parquetRel = `products/${product.collection}/${product.id}.parquet`;
  const sourceRel = `sources/${product.collection}/${product.id}/${path.basename(product.source.path)}`;
  // Written under temporary names beside their final place in a folder store, in the data folder (staging) for S3.
  const objects = store.objects;
  const staging = objects.folder ?? dataDir;
  const parquetPath = path.join(staging, parquetRel);
  const sourcePath = path.join(staging, sourceRel);
  const tag = `.tmp-${process.pid}-${Date.now()}`;
  const tmpParquet = parquetPath + tag;
  const tmpSource = sourcePath + tag;
  const tmpAuxiliary: string[] = [];
  // What the store's sinks (the time-series store) wrote for the product: their temporary files go on failure.
  const sunk: SinkWrite[] = [];
  try {
    // The source is copied while the product is written (disk against CPU); pixel clouds learn their extent
    // and footprint as they are written, in worker threads: this thread writes the auxiliary tables (a PIXC's
    // nadir track) meanwhile. All are awaited before anything is decided (no copy left running).
    await mkdir(path.dirname(sourcePath), { recursive: true });
    await mkdir(path.dirname(parquetPath), { recursive: true });
    const before = product;
    const writingAuxiliary = async () => {
      // After the product's write has started (its workers then have their first tasks).
      await new Promise((resolve) => setImmediate(resolve));
      const out: Record<string, { rel: string; tmp: string; bytes: number }> = {};
      for (const [name, aux] of Object.entries(before.auxiliary ?? {})) {
        const rel = `products/${before.collection}/${before.id}.${name}.parquet`;
        const tmp = path.join(staging, rel) + tag;
        tmpAuxiliary.push(tmp);
        const w = await writeGeoParquet({ ...before, table: aux.table, bbox: aux.bbox, geometryTypes: ['Point'] }, tmp);
        out[name] = { rel, tmp, bytes: w.bytes };
      }
      return out;
    };
    const [writing, copying, auxiliaryWritten] = await Promise.allSettled([
      writeProduct(product, tmpParquet, path.join(dataDir, 'tmp', 'duckdb-spill')),
      cp(product.source.path, tmpSource, { recursive: true, verbatimSymlinks: true }),
      writingAuxiliary()
    ]);
    if (writing.status === 'rejected') throw writing.reason;
    if (copying.status === 'rejected') throw copying.reason;
    if (auxiliaryWritten.status === 'rejected') throw auxiliaryWritten.reason;
    const auxiliary = auxiliaryWritten.value;
    const out = writing.value;
    const written = out.written;
    product = out.product;
    // Checked on our copy (not before it, which a swap could defeat): no link ever enters the object store.
    const info = await lstat(tmpSource);
    const link = info.isSymbolicLink() ? tmpSource : info.isDirectory() ? await firstSymlink(tmpSource) : null;
    if (link) throw new GranuleError(file, `holds a symbolic link (${path.basename(link)}); links are refused at ingest`);
    for (const sink of store.sinks) {
      const w = await sink.write(product, { dataDir: staging, tag, owner });
      if (w) sunk.push(w);
    }
    const auxiliaryMoves = Object.values(auxiliary).map((a) => [a.tmp, a.rel] as [string, string]);
    const content = itemOf(product, { href: parquetRel, bytes: written.bytes }, { href: sourceRel, bytes: product.source.bytes });
    for (const [name, a] of Object.entries(auxiliary)) {
      content.assets[name] = {
        href: a.rel,
        type: 'application/vnd.apache.parquet',
        title: name === 'tvp' ? 'Nadir track: time-varying parameters (GeoParquet)' : `${name} (GeoParquet)`,
        roles: ['data', 'auxiliary'],
        'file:size': a.bytes
      };
    }
    const g = parseGranuleName(product.id);
    const record: ItemRecord = {
      collection: product.collection,
      id: product.id,
      granuleKey: granuleKey(product),
      version: versionKey(g?.crid, g?.counter),
      start: product.start,
      end: product.end,
      bbox: product.bbox,
      content,
      searchText: searchTextOf(product, def.title),
      owner
    };
    // Files first, then the transaction that references them: an item reported as ingested always has
    // its files; a crash before the commit leaves files no item references, which the start-up sweep removes.
    const placement = await objects.place([[tmpParquet, parquetRel], ...auxiliaryMoves, [tmpSource, sourceRel]], tag);
    let seriesPlacement: Placement | null = null;
    const published: SinkWrite[] = [];
    let latest: string;
    try {
      // The time-series store's files (in the data folder).
      seriesPlacement = await placeFiles(
        sunk.flatMap((w) => w.moves),
        tag
      );
      for (const w of sunk) {
        published.push(w);
        await w.publish?.();
      }
      ({ latest } = await store.db.transaction(async (tx) => {
        const result = await store.upsertItem(tx, record);
        await store.extendCollection(tx, product.collection, record, def.summaries);
        // Listed in the same transaction (the time-series index): a query sees the granule's observations with its item.
        for (const w of sunk) await w.register(tx);
        return result;
      }));
    } catch (error) {
      for (const w of published) await w.unpublish?.().catch(() => undefined);
      await seriesPlacement?.rollback();
      await placement.rollback();
      throw error;
    }
    await seriesPlacement.commit();
    await placement.commit();
    return {
      file,
      ok: true,
      collection: product.collection,
      id: product.id,
      rows: written.rows,
      bytes: written.bytes,
      latest,
      seconds: (performance.now() - t0) / 1000,
      owner
    };
  } catch (error) {
    await rm(tmpParquet, { force: true });
    for (const [tmp] of sunk.flatMap((w) => w.moves)) await rm(tmp, { force: true });
    for (const tmp of tmpAuxiliary) await rm(tmp, { force: true });
    await rm(tmpSource, { recursive: true, force: true });
    // What lies in the granule (a damaged chunk met while writing it, a link) fails again; the rest (disk, database) may pass.
    if (error instanceof GranuleError) return { file, ok: false, error: error.message, transient: false };
    return { file, ok: false, error: `${file}: ${(error as Error).message}`, transient: true };
  }
}

const DATA_FILE =
  /^(SWOT_L2_HR_.*\.(zip|nc)|.*\.nc|vstations\.json|[RL]_.*_mean\.json|hydroprd_.*\.txt|(?!stationLatLon\.csv$).*\.csv|obs_elab_.*\.json|observations_tr_.*\.json|referentiel_.*\.json)$/;

function globToRegExp(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`
  );
}

/**
 * Expands the command line's files, folders and globs into the granules to ingest: a SWOT granule
 * folder counts as one granule; other folders are searched for known product files.
 * @throws Error when a path matches nothing
 */
export async function expandInputs(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (/^SWOT_L2_HR_(RiverSP|LakeSP)_/.test(entry.name)) out.push(full);
        else await walk(full);
      } else if (DATA_FILE.test(entry.name)) out.push(full);
    }
  };
  for (const input of inputs) {
    if (/[*?]/.test(path.basename(input))) {
      const dir = path.dirname(input);
      const re = globToRegExp(path.basename(input));
      const matches = (await readdir(dir).catch(() => [] as string[])).filter((n) => re.test(n)).sort();
      if (matches.length === 0) throw new Error(`${input}: no file matches`);
      out.push(...matches.map((m) => path.join(dir, m)));
      continue;
    }
    const info = await stat(input).catch(() => null);
    if (!info)
      out.push(input); // reported as "no such file" by the ingest itself
    else if (info.isDirectory() && !/^SWOT_L2_HR_(RiverSP|LakeSP)_/.test(path.basename(input))) await walk(input);
    else out.push(input);
  }
  return out;
}
