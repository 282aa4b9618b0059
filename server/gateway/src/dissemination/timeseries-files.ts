import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStore } from '../store/object-store.js';

/** Parts fetched from the object store at once, per query. */
const FETCH_CONCURRENCY = 8;

/**
 * Where the time-series store's parts live. On a folder store they are files under its folder, read in place. On S3
 * the bucket holds them (every gateway lists and reads the same parts) and each gateway keeps the parts it read in its
 * data folder: a part never changes under its name (each ingest and compaction writes a new one), so a local copy is
 * always current and is fetched once; DuckDB then reads local files by its own ranges.
 */
export class SeriesFiles {
  private readonly fetching = new Map<string, Promise<void>>();

  constructor(
    /** The folder parts are read from: the object store's folder, or the data folder (a cache) for S3. */
    readonly root: string,
    /** The store parts are published to and fetched from, when it is not `root`. */
    readonly remote: ObjectStore | null
  ) {}

  /** The time-series files of an object store, cached in `dataDir` when the store is not a folder. */
  static of(objects: ObjectStore, dataDir: string): SeriesFiles {
    return new SeriesFiles(objects.folder ?? dataDir, objects.folder ? null : objects);
  }

  /** The local file of a part (`timeseries/...`, relative to the root). */
  path(rel: string): string {
    return path.join(this.root, rel);
  }

  /** Makes sure every part is here (fetched from the store when this gateway has not read it yet); returns their files. */
  async local(rels: string[]): Promise<string[]> {
    const remote = this.remote;
    if (remote) {
      const missing = rels.filter((rel) => !existsSync(this.path(rel)));
      for (let i = 0; i < missing.length; i += FETCH_CONCURRENCY) {
        await Promise.all(
          missing.slice(i, i + FETCH_CONCURRENCY).map((rel) => {
            let p = this.fetching.get(rel);
            if (!p) {
              p = remote.download(rel, this.path(rel)).finally(() => this.fetching.delete(rel));
              this.fetching.set(rel, p);
            }
            return p;
          })
        );
      }
    }
    return rels.map((rel) => this.path(rel));
  }

  /** Whether a part exists (here, or in the store). */
  async has(rel: string): Promise<boolean> {
    if (existsSync(this.path(rel))) return true;
    return this.remote ? (await this.remote.head(rel)) !== null : false;
  }

  /** Publishes parts written here (before the transaction that lists them: other gateways read them at once). */
  async publish(rels: string[]): Promise<void> {
    if (this.remote) for (const rel of rels) await this.remote.upload(this.path(rel), rel);
  }

  /** Deletes parts, here and in the store. */
  async remove(rels: string[]): Promise<void> {
    for (const rel of rels) await rm(this.path(rel), { force: true });
    if (this.remote && rels.length) await this.remote.delete(rels);
  }
}

/** The parts' files of a folder (the time-series store read in place), or the given ones. */
export function seriesFiles(at: string | SeriesFiles): SeriesFiles {
  return typeof at === 'string' ? new SeriesFiles(at, null) : at;
}
