import {
  DEFAULT_LIMIT,
  SearchGeometry as GeometrySchema,
  MAX_LIMIT,
  SearchBody,
  SearchParameterError,
  parseBBox,
  parseDatetime,
  inDateRange,
  type Item,
  type SortBy
} from '@hysope/api';
import { ValidationError } from '../errors.js';
import { queryablesOf } from './collections.js';
import { compileFilter, evaluateFilter } from './cql2/compile.js';
import { parseCql2Text, type Cql2 } from './cql2/parse-text.js';
import type { Where } from './store.js';
import { reachOfNode } from './search-words.js';

/** A search turned into SQL, plus what must happen after SQL. */
export interface PlannedSearch {
  where: Where;
  orderBy: string;
  limit: number;
  offset: number;
  /** Exact check of spatial predicates on candidate items, when SQL only compared bboxes. */
  exact: ((item: Item) => boolean) | null;
  /** Pages in the default order continue after their last item (keyset tokens), not by OFFSET. */
  keyset: boolean;
}

/** Where a page in the default order ends: its last item's start time (UTC, to the microsecond), collection and id. */
export type PageEnd = [start: string, collection: string, id: string];

/** The `token` of the page after `end` (opaque to clients: they follow `next` links). */
export function keysetToken(end: PageEnd): string {
  return `a.${Buffer.from(JSON.stringify(end)).toString('base64url')}`;
}

function parseKeyset(token: string): PageEnd | null {
  try {
    const end = JSON.parse(Buffer.from(token.slice(2), 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(end) || end.length !== 3 || !end.every((v) => typeof v === 'string' && v.length <= 1000)) return null;
    // A UTC timestamp to the microsecond, as the store writes it (whatever its DateStyle and TimeZone).
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(end[0]) || !inDateRange(Date.parse(end[0]))) return null;
    return end as PageEnd;
  } catch {
    return null;
  }
}

/** Rethrows the contract's parameter errors as validation errors (400). */
function checked<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SearchParameterError) throw new ValidationError(error.message);
    throw error;
  }
}

/** Reads a `filter` in either encoding into CQL2 JSON. */
export function parseFilter(filter: SearchBody['filter'], lang: SearchBody['filter-lang']): Cql2 {
  if (typeof filter === 'string') {
    if (lang === 'cql2-json') {
      try {
        return JSON.parse(filter) as Cql2;
      } catch {
        throw new ValidationError('filter-lang is cql2-json but the filter is not JSON');
      }
    }
    return parseCql2Text(filter);
  }
  if (lang === 'cql2-text') throw new ValidationError('filter-lang is cql2-text but the filter is a JSON object');
  return filter as Cql2;
}

/**
 * Plans a STAC item search: validates every parameter (with a message that says what to fix) and
 * builds the SQL condition, the order and the page. `spans` gives each collection's longest item span in
 * seconds (null when unknown): with it, a time window's start also bounds the items' start time, so the
 * start-time index is scanned over the window (plus that span) instead of everything before its end.
 * @throws ValidationError on bad input
 */
export function planSearch(
  input: SearchBody,
  knownCollections: string[],
  viewer: string | null = null,
  spans: Record<string, number | null> = {}
): PlannedSearch {
  const parsed = SearchBody.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.join('.') || 'body';
    throw new ValidationError(issue.code === 'unrecognized_keys' ? `unknown search parameter(s): ${issue.keys.join(', ')}` : `${where}: ${issue.message}`);
  }
  const body = parsed.data;
  const conditions: string[] = [];
  const params: unknown[] = [];
  const param = (v: unknown, cast = '') => {
    params.push(v);
    return `$${params.length}${cast}`;
  };

  // STAC API: a limit above the maximum is served as the maximum; below 1 (or not a whole number) is an error.
  const asked = body.limit ?? DEFAULT_LIMIT;
  if (!Number.isSafeInteger(asked) || asked < 1) throw new ValidationError(`limit must be between 1 and ${MAX_LIMIT}, got ${body.limit}`);
  const limit = Math.min(asked, MAX_LIMIT);
  let offset = 0;
  let after: PageEnd | null = null;
  const keyset = !body.sortby?.length;
  if (body.token !== undefined) {
    const foreign = () => new ValidationError('token is not one this API gave: use the href of the "next" link');
    if (/^\d+$/.test(body.token)) {
      offset = Number(body.token);
      if (!Number.isSafeInteger(offset) || offset > 10_000_000) throw foreign();
    } else if (body.token.startsWith('a.') && keyset) {
      after = parseKeyset(body.token);
      if (!after) throw foreign();
    } else throw foreign();
  }

  if (body.collections?.length) {
    const unknown = body.collections.filter((c) => !knownCollections.includes(c));
    if (unknown.length) throw new ValidationError(`unknown collection(s): ${unknown.join(', ')}; see /stac/collections`);
    conditions.push(`collection = any(${param(body.collections, '::text[]')})`);
  } else conditions.push(`collection = any(${param(knownCollections, '::text[]')})`);
  // Private workspace items are their owner's alone.
  conditions.push(viewer === null ? 'owner is null' : `(owner is null or owner = ${param(viewer)})`);
  if (after) {
    // After the previous page's last item, in the default order (start time descending, then collection and id):
    // the first conjunct bounds the index range, the second drops the items of that instant already served.
    const t = param(after[0], '::timestamptz');
    conditions.push(`start_datetime <= ${t} and (start_datetime < ${t} or (collection, id) > (${param(after[1])}, ${param(after[2])}))`);
  }
  if (body.ids?.length) conditions.push(`id = any(${param(body.ids, '::text[]')})`);
  else conditions.push('not deprecated');

  if (body.bbox) {
    if (body.intersects) throw new ValidationError('use either bbox or intersects, not both');
    const [w, s, e, n] = checked(() => parseBBox(body.bbox!));
    const box = (a: number, b: number) =>
      `bbox && box(point(${param(a, '::float8')}, ${param(s, '::float8')}), point(${param(b, '::float8')}, ${param(n, '::float8')}))`;
    conditions.push(w <= e ? box(w, e) : `(${box(w, 180)} or ${box(-180, e)})`);
  }

  let filter: Cql2 | null = null;
  const queryables = queryablesOf(body.collections);
  if (body.intersects) {
    const g = GeometrySchema.safeParse(body.intersects);
    if (!g.success) throw new ValidationError('intersects is not a valid GeoJSON geometry');
    filter = { op: 's_intersects', args: [{ property: 'geometry' }, g.data] };
  }
  if (body.datetime !== undefined) {
    const range = checked(() => parseDatetime(body.datetime!));
    if (range.end !== null) conditions.push(`start_datetime <= ${param(new Date(range.end).toISOString(), '::timestamptz')}`);
    if (range.start !== null && range.end !== null && body.bbox) {
      // With a box: the same window as a range, which the space-and-time index answers in one probe.
      const window = `tstzrange(${param(new Date(range.start).toISOString(), '::timestamptz')}, ${param(new Date(range.end).toISOString(), '::timestamptz')}, '[]')`;
      conditions.push(`tstzrange(start_datetime, end_datetime, '[]') && ${window}`);
    }
    if (range.start !== null) {
      conditions.push(`end_datetime >= ${param(new Date(range.start).toISOString(), '::timestamptz')}`);
      const searched = body.collections?.length ? body.collections : knownCollections;
      const widest = Math.max(...searched.map((c) => spans[c] ?? Infinity));
      if (Number.isFinite(widest))
        conditions.push(`start_datetime >= ${param(new Date(range.start - Math.ceil(widest * 1000) - 1000).toISOString(), '::timestamptz')}`);
    }
  }
  if (body.filter !== undefined) {
    const cql = parseFilter(body.filter, body['filter-lang']);
    filter = filter ? { op: 'and', args: [filter, cql] } : cql;
  }
  let exact: PlannedSearch['exact'] = null;
  if (filter !== null) {
    const compiled = compileFilter(filter, queryables);
    // Renumber the filter's parameters after ours.
    const shift = params.length;
    conditions.push(compiled.sql.replace(/\$(\d+)/g, (_, k) => `$${Number(k) + shift}`));
    params.push(...compiled.params);
    if (compiled.needsExact) {
      const f = filter;
      exact = (item) => evaluateFilter(f, item);
    }
  }
  if (body.q !== undefined) {
    const terms = (Array.isArray(body.q) ? body.q : body.q.split(',')).map((t) => t.trim().toLowerCase()).filter(Boolean);
    if (terms.length === 0) throw new ValidationError('q needs at least one word');
    // A SWORD node id finds the granules of its reach (node granules are indexed by their reaches).
    const expanded = terms.flatMap((t) => {
      const reach = reachOfNode(t);
      return reach ? [t, reach] : [t];
    });
    conditions.push(`(${expanded.map((t) => `search_text like ${param(`%${t.replace(/[%_\\]/g, (c) => `\\${c}`)}%`)}`).join(' or ')})`);
  }

  const orderBy = sortSql(body.sortby, queryables);
  return { where: { sql: conditions.length ? conditions.join(' and ') : 'true', params }, orderBy, limit, offset, exact, keyset };
}

function sortSql(sortby: SortBy[] | undefined, queryables: ReturnType<typeof queryablesOf>): string {
  if (!sortby?.length) return 'start_datetime desc, collection, id';
  const parts = sortby.map((s) => {
    const name = s.field.replace(/^properties\./, '');
    const q = Object.hasOwn(queryables, name) ? queryables[name] : undefined;
    if (!q || q.type === 'geometry')
      throw new ValidationError(
        `cannot sort by "${s.field}"; sortable fields are ${Object.keys(queryables)
          .filter((k) => k !== 'geometry')
          .join(', ')}`
      );
    return `${q.sql} ${s.direction === 'desc' ? 'desc' : 'asc'} nulls last`;
  });
  return [...parts, 'collection', 'id'].join(', ');
}

/** What every item keeps whatever `fields` says: without them it is not a STAC item. */
const ALWAYS = ['type', 'stac_version', 'id', 'links'];
/** The default field set (fields extension, rule 1): a valid, small STAC item. */
const DEFAULT_FIELDS = [...ALWAYS, 'collection', 'geometry', 'bbox', 'assets', 'properties.datetime', 'properties.start_datetime', 'properties.end_datetime'];

/**
 * Applies the fields extension to an item, as its "Include/Exclude Semantics" say:
 * - no `fields`: the whole item; `fields` with nothing in it (`{}`, nulls, empty lists, GET `fields=`): the default set;
 * - an `include` list: only those (and what every item keeps);
 * - only `exclude` (the key `include` absent, POST): everything else; `exclude` with `include` null or empty (and GET
 *   `-a,-b`): the default set without them;
 * - the most specific path wins, and include wins over exclude of the same path (`-properties,+properties.x` gives
 *   `properties.x` alone; `+properties,-properties.x` all properties but `x`).
 */
export function applyFields(item: Item, fields: SearchBody['fields']): Record<string, unknown> {
  if (!fields) return item;
  const source = item as unknown as Record<string, unknown>;
  const include = fields.include ?? [];
  const exclude = (fields.exclude ?? []).filter((x) => !ALWAYS.includes(x));
  if (include.length === 0 && exclude.length === 0) return pick(source, DEFAULT_FIELDS);
  let out: Record<string, unknown>;
  if (include.length) out = pick(source, [...ALWAYS, ...include]);
  else if (fields.include === undefined) out = structuredClone(source);
  else out = pick(source, DEFAULT_FIELDS);
  const under = (path: string, parent: string) => path.startsWith(`${parent}.`);
  for (const path of exclude) {
    // An exclude gives way to an include of the same path or of a path inside it (that one is more specific).
    if (include.some((i) => i === path || under(i, path))) continue;
    deletePath(out, path.split('.'));
  }
  return out;
}

function pick(source: Record<string, unknown>, paths: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) copyPath(source, out, path.split('.'));
  return out;
}

function copyPath(from: Record<string, unknown>, to: Record<string, unknown>, path: string[]): void {
  const [head, ...rest] = path;
  if (head === undefined || !Object.hasOwn(from, head)) return;
  if (rest.length === 0) {
    to[head] = structuredClone(from[head]);
    return;
  }
  const inner = from[head];
  if (typeof inner !== 'object' || inner === null) return;
  if (!Object.hasOwn(to, head)) to[head] = {};
  copyPath(inner as Record<string, unknown>, to[head] as Record<string, unknown>, rest);
}

function deletePath(obj: Record<string, unknown>, path: string[]): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (!Object.hasOwn(obj, head)) return;
  if (rest.length === 0) delete obj[head];
  else if (typeof obj[head] === 'object' && obj[head] !== null) deletePath(obj[head] as Record<string, unknown>, rest);
}
