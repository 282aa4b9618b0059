import type { Collection, Item } from '@hysope/api';
import type { ProductSink } from './sinks.js';
import type { Database, Queryable } from '../store/database.js';
import type { ObjectStore } from '../store/object-store.js';
import { COLLECTIONS, collectionDocument } from './collections.js';

/** A row of `items` as the search reads it. */
export interface ItemRow {
  collection: string;
  id: string;
  deprecated: boolean;
  content: Item;
  /** The start time as the store writes it (exact, for keyset page tokens). */
  start_text?: string;
}

/** What ingest stores for one item. */
export interface ItemRecord {
  collection: string;
  id: string;
  granuleKey: string;
  version: string;
  start: Date;
  end: Date;
  bbox: [number, number, number, number];
  content: Item;
  searchText: string;
  /** Private workspace item: only this user sees it. */
  owner?: string | null;
}

/** A SQL condition with its parameters (numbered from 1). */
export interface Where {
  sql: string;
  params: unknown[];
}

/** The catalog's SQL: collections and items. */
export class CatalogStore {
  /** Parts of HYSOPE that each ingest also writes to, in its transaction (see {@link ProductSink}). */
  readonly sinks: ProductSink[] = [];

  constructor(
    readonly db: Database,
    /** Where products, granules and derived products go (the gateway's object store). */
    readonly objects: ObjectStore
  ) {}

  /** Makes sure every collection HYSOPE defines has a row (keeping the extent and summaries it has). */
  async ensureCollections(): Promise<void> {
    for (const def of COLLECTIONS) {
      const doc = collectionDocument(def);
      await this.db.query(
        `insert into collections (id, content) values ($1, $2::jsonb)
         on conflict (id) do update set content = jsonb_set(jsonb_set($2::jsonb, '{extent}', collections.content->'extent'), '{summaries}', coalesce(collections.content->'summaries', '{}'::jsonb))`,
        [def.id, JSON.stringify(doc)]
      );
    }
  }

  /** All collections, by id. */
  async collections(): Promise<Collection[]> {
    const rows = await this.db.query<{ content: Collection }>('select content from collections order by id');
    return rows.map((r) => r.content);
  }

  /** One collection, or null. */
  async collection(id: string): Promise<Collection | null> {
    const rows = await this.db.query<{ content: Collection }>('select content from collections where id = $1', [id]);
    return rows[0]?.content ?? null;
  }

  /** Access level and owner of every collection. */
  async access(): Promise<{ id: string; access: string; owner: string | null; max_span: number | null }[]> {
    return this.db.query('select id, access, owner, max_span from collections order by id');
  }

  /**
   * Sets a collection's access level (and owner, for private collections).
   * @returns false when the collection does not exist
   */
  async setAccess(id: string, access: string, owner: string | null): Promise<boolean> {
    const rows = await this.db.query('update collections set access = $2, owner = $3 where id = $1 returning id', [id, access, owner]);
    return rows.length === 1;
  }

  /** Number of items per collection (current and superseded). */
  async counts(): Promise<Record<string, number>> {
    const rows = await this.db.query<{ collection: string; n: number }>('select collection, count(*)::int as n from items group by collection');
    return Object.fromEntries(rows.map((r) => [r.collection, r.n]));
  }

  /** One item, or null. */
  async item(collection: string, id: string): Promise<(ItemRow & { owner: string | null }) | null> {
    const rows = await this.db.query<ItemRow & { owner: string | null }>(
      'select collection, id, deprecated, content, owner from items where collection = $1 and id = $2',
      [collection, id]
    );
    return rows[0] ?? null;
  }

  /** A page of items matching `where`, in `orderBy` order. */
  async page(where: Where, orderBy: string, limit: number, offset: number): Promise<ItemRow[]> {
    const q = this.pageSql(where, orderBy, limit, offset);
    return this.db.query<ItemRow>(q.text, q.params);
  }

  /** The SQL of {@link page} (what a search runs: its plan is what EXPLAIN shows). */
  pageSql(where: Where, orderBy: string, limit: number, offset: number): { text: string; params: unknown[] } {
    const n = where.params.length;
    return {
      text: `select collection, id, deprecated, content, to_char(start_datetime at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as start_text from items where ${where.sql} order by ${orderBy} limit $${n + 1} offset $${n + 2}`,
      params: [...where.params, limit, offset]
    };
  }

  /** How many items match, counting at most `cap` (null when there are more). */
  async count(where: Where, cap: number): Promise<number | null> {
    const q = this.countSql(where, cap);
    const rows = await this.db.query<{ n: number }>(q.text, q.params);
    const count = Number(rows[0]?.n ?? 0);
    return count > cap ? null : count;
  }

  /** The SQL of {@link count}. */
  countSql(where: Where, cap: number): { text: string; params: unknown[] } {
    const n = where.params.length;
    return { text: `select count(*)::int as n from (select 1 from items where ${where.sql} limit $${n + 1}) t`, params: [...where.params, cap + 1] };
  }

  /**
   * Stores an item (insert or replace: ingesting the same granule twice keeps one item), then marks
   * every other version of the same granule as superseded by the newest one.
   */
  async upsertItem(tx: Queryable, r: ItemRecord): Promise<{ latest: string }> {
    await tx.query(
      `insert into items (collection, id, granule_key, version, start_datetime, end_datetime, west, south, east, north, bbox, properties, content, search_text, owner)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, box(point($7, $8), point($9, $10)), $11::jsonb, $12::jsonb, $13, $14)
       on conflict (collection, id) do update set granule_key = excluded.granule_key, version = excluded.version,
         start_datetime = excluded.start_datetime, end_datetime = excluded.end_datetime, west = excluded.west, south = excluded.south,
         east = excluded.east, north = excluded.north, bbox = excluded.bbox, properties = excluded.properties, content = excluded.content,
         search_text = excluded.search_text, owner = excluded.owner`,
      [
        r.collection,
        r.id,
        r.granuleKey,
        r.version,
        r.start.toISOString(),
        r.end.toISOString(),
        ...r.bbox,
        JSON.stringify(r.content.properties),
        JSON.stringify(r.content),
        r.searchText,
        r.owner ?? null
      ]
    );
    const versions = await tx.query<{ id: string; version: string }>(
      'select id, version from items where collection = $1 and granule_key = $2 order by version desc, id desc',
      [r.collection, r.granuleKey]
    );
    const latest = versions[0]!.id;
    const properties = `case when id <> $3
      then (content->'properties') || jsonb_build_object('deprecated', true, 'hysope:superseded_by', $3::text)
      else ((content->'properties') - 'hysope:superseded_by') || '{"deprecated": false}'::jsonb end`;
    await tx.query(
      `update items set deprecated = (id <> $3), properties = ${properties}, content = jsonb_set(content, '{properties}', ${properties})
       where collection = $1 and granule_key = $2`,
      [r.collection, r.granuleKey, latest]
    );
    return { latest };
  }

  /** Widens a collection's extent and merges its summaries with one more item. */
  async extendCollection(tx: Queryable, collection: string, r: ItemRecord, summaryKeys: string[]): Promise<void> {
    const rows = await tx.query<{ content: Collection }>('select content from collections where id = $1 for update', [collection]);
    const content = rows[0]!.content;
    const counts = await tx.query<{ n: number }>('select count(*)::int as n from items where collection = $1', [collection]);
    const first = Number(counts[0]!.n) <= 1;
    const [w, s, e, n] = first ? [Infinity, Infinity, -Infinity, -Infinity] : (content.extent.spatial.bbox[0] as number[]);
    content.extent.spatial.bbox = [[Math.min(w!, r.bbox[0]), Math.min(s!, r.bbox[1]), Math.max(e!, r.bbox[2]), Math.max(n!, r.bbox[3])]];
    const [t0, t1] = first ? [null, null] : content.extent.temporal.interval[0]!;
    const start = r.start.toISOString();
    const end = r.end.toISOString();
    content.extent.temporal.interval = [[t0 && t0 < start ? t0 : start, t1 && t1 > end ? t1 : end]];
    const summaries = (first ? {} : (content.summaries ?? {})) as Record<string, unknown>;
    for (const key of summaryKeys) {
      const v = (r.content.properties as Record<string, unknown>)[key];
      if (v === undefined || v === null) continue;
      if (typeof v === 'number') {
        const old = summaries[key] as { minimum: number; maximum: number } | undefined;
        summaries[key] = { minimum: Math.min(old?.minimum ?? v, v), maximum: Math.max(old?.maximum ?? v, v) };
      } else {
        const old = (summaries[key] as unknown[]) ?? [];
        summaries[key] = [...new Set([...old, v])].sort().slice(0, 200);
      }
    }
    content.summaries = summaries;
    // The longest item span only grows (a bound that stays too wide is still right).
    const span = (r.end.getTime() - r.start.getTime()) / 1000;
    await tx.query('update collections set content = $2::jsonb, updated = now(), max_span = greatest(coalesce(max_span, $3), $3) where id = $1', [
      collection,
      JSON.stringify(content),
      span
    ]);
  }
}
