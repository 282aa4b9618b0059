import { z } from 'zod';
import { SearchGeometry } from './geometry.js';

/** Largest page a search may ask for. */
export const MAX_LIMIT = 10000;
/** Page size when none is asked. */
export const DEFAULT_LIMIT = 10;

/** A sort key of the sort extension. */
export const SortBy = z.object({ field: z.string().min(1), direction: z.enum(['asc', 'desc']).default('asc') });
export type SortBy = z.infer<typeof SortBy>;

/** The fields extension's include/exclude lists (`null` and `[]` say "none"; an absent `include` says "everything"). */
export const Fields = z.object({ include: z.array(z.string()).nullish(), exclude: z.array(z.string()).nullish() });
export type Fields = z.infer<typeof Fields>;

/** A list of ids; a single string is accepted too, read as the GET parameter is (comma-separated). */
const IdList = z.union([
  z.array(z.string()),
  z.string().transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)
  )
]);

/**
 * Body of `POST /search` (STAC API item search + filter, sort, fields, free-text).
 * `bbox` and `datetime` are checked more closely by {@link parseBBox} / {@link parseDatetime}.
 */
export const SearchBody = z
  .object({
    collections: IdList.optional(),
    ids: IdList.optional(),
    bbox: z.array(z.number()).optional(),
    intersects: SearchGeometry.optional(),
    datetime: z.string().optional(),
    limit: z.number().int().optional(),
    token: z.string().optional(),
    filter: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    'filter-lang': z.enum(['cql2-text', 'cql2-json']).optional(),
    'filter-crs': z.string().optional(),
    sortby: z.array(SortBy).optional(),
    fields: Fields.optional(),
    q: z.union([z.string(), z.array(z.string())]).optional()
  })
  .strict();
export type SearchBody = z.infer<typeof SearchBody>;

/** A search parameter that cannot be understood; `parameter` names it. */
export class SearchParameterError extends Error {
  constructor(
    readonly parameter: string,
    message: string
  ) {
    super(message);
    this.name = 'SearchParameterError';
  }
}

/**
 * Checks a bbox: 4 or 6 finite numbers, south <= north, within -180..180 / -90..90.
 * West may exceed east (antimeridian crossing).
 * @throws SearchParameterError with what to fix
 */
export function parseBBox(value: string | number[]): [number, number, number, number] {
  const parts = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value;
  const numbers = parts.map((p) => (typeof p === 'number' ? p : p === '' ? NaN : Number(p)));
  if (numbers.length !== 4 && numbers.length !== 6) {
    throw new SearchParameterError('bbox', `bbox needs 4 or 6 numbers (west,south,east,north), got ${numbers.length}`);
  }
  if (numbers.some((n) => !Number.isFinite(n))) {
    throw new SearchParameterError('bbox', `bbox must contain only numbers, got "${parts.join(',')}"`);
  }
  const [w, s, e, n] = numbers.length === 4 ? numbers : [numbers[0], numbers[1], numbers[3], numbers[4]];
  if (s! > n!) throw new SearchParameterError('bbox', `bbox south (${s}) must not be greater than north (${n})`);
  if (s! < -90 || n! > 90) throw new SearchParameterError('bbox', 'bbox latitudes must be within -90..90');
  if (w! < -180 || e! > 180 || w! > 180 || e! < -180) throw new SearchParameterError('bbox', 'bbox longitudes must be within -180..180');
  return [w!, s!, e!, n!];
}

/** An instant or interval; null ends are open. Times in epoch milliseconds. */
export interface DatetimeRange {
  start: number | null;
  end: number | null;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/i;

/** Instants the catalog stores: years 0001 to 9999 (PostgreSQL has no year 0; ISO 8601 four-digit years). */
export const FIRST_MS = new Date('0001-01-01T00:00:00Z').getTime();
export const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Whether an instant (epoch ms) is one the catalog can store. */
export function inDateRange(ms: number): boolean {
  return Number.isFinite(ms) && ms >= FIRST_MS && ms <= LATEST_MS;
}

/** How {@link parseDatetime} reads instants. */
export interface DatetimeOptions {
  /**
   * Accept a calendar day (`2023-06-10`) as the whole day, UTC. STAC API item search does not (its `datetime` is RFC 3339
   * date-times only); the time-series endpoints do, for people typing dates.
   */
  dates?: boolean;
}

function parseInstant(text: string, options: DatetimeOptions): number {
  const day = text.length === 10;
  if (!RFC3339.test(text) || (day && !options.dates)) {
    const example = options.dates ? '2023-06-10T19:33:37Z or 2023-06-10' : '2023-06-10T19:33:37Z; a whole day is 2023-06-10T00:00:00Z/2023-06-10T23:59:59Z';
    throw new SearchParameterError('datetime', `datetime "${text}" is not an RFC 3339 ${options.dates ? 'date or date-time' : 'date-time'} (e.g. ${example})`);
  }
  const ms = Date.parse(day ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw new SearchParameterError('datetime', `datetime "${text}" is not a valid date`);
  if (!inDateRange(ms)) throw new SearchParameterError('datetime', `datetime "${text}" is outside years 0001-9999`);
  return ms;
}

/**
 * Parses a `datetime`: an instant, or `start/end` with `..` or empty for an open end. A day (with `dates`) is the
 * whole day: as an instant, 00:00:00 to 23:59:59.999; as an interval's end, up to its last millisecond.
 * @throws SearchParameterError with what to fix
 */
export function parseDatetime(value: string, options: DatetimeOptions = {}): DatetimeRange {
  const text = value.trim();
  if (text === '') throw new SearchParameterError('datetime', 'datetime is empty');
  if (!text.includes('/')) {
    const t = parseInstant(text, options);
    return { start: t, end: text.length === 10 ? t + 86_399_999 : t };
  }
  const parts = text.split('/');
  if (parts.length !== 2) throw new SearchParameterError('datetime', `datetime interval must be "start/end", got "${text}"`);
  const [a, b] = parts.map((p) => p.trim()) as [string, string];
  const open = (p: string) => p === '' || p === '..';
  if (open(a) && open(b)) throw new SearchParameterError('datetime', 'datetime interval cannot be open at both ends');
  const start = open(a) ? null : parseInstant(a, options);
  const end = open(b) ? null : b.length === 10 ? parseInstant(b, options) + 86_399_999 : parseInstant(b, options);
  if (start !== null && end !== null && start > end) {
    throw new SearchParameterError('datetime', `datetime interval start (${a}) is after its end (${b})`);
  }
  return { start, end };
}

/**
 * Parses `sortby` as written in a GET query (`+datetime,-properties.cycle`).
 */
export function parseSortBy(value: string): SortBy[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const direction = s.startsWith('-') ? 'desc' : 'asc';
      const field = s.replace(/^[+\-\s]/, '');
      return { field, direction } as SortBy;
    });
}

/** Parses `fields` as written in a GET query (`id,-links,+properties.cycle`). */
export function parseFields(value: string): Fields {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const raw of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (raw.startsWith('-')) exclude.push(raw.slice(1));
    else include.push(raw.replace(/^\+/, ''));
  }
  return { include, exclude };
}

function one(query: Record<string, unknown>, key: string): string | undefined {
  const v = query[key];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v.map(String).join(',');
  return String(v);
}

/**
 * Turns the query string of `GET /search` (or `/collections/{id}/items`) into a {@link SearchBody}.
 * @throws SearchParameterError naming the parameter and what to fix
 */
export function searchBodyFromQuery(query: Record<string, unknown>): SearchBody {
  const body: SearchBody = {};
  const list = (k: string) =>
    one(query, k)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const collections = list('collections');
  if (collections) body.collections = collections;
  const ids = list('ids');
  if (ids) body.ids = ids;
  const bbox = one(query, 'bbox');
  if (bbox !== undefined) body.bbox = parseBBox(bbox);
  const intersects = one(query, 'intersects');
  if (intersects !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(intersects);
    } catch {
      throw new SearchParameterError('intersects', 'intersects must be a GeoJSON geometry in JSON');
    }
    const parsed = SearchGeometry.safeParse(json);
    if (!parsed.success)
      throw new SearchParameterError('intersects', 'intersects is not a valid GeoJSON geometry (Point, LineString, Polygon, Multi* or GeometryCollection)');
    body.intersects = parsed.data;
  }
  const datetime = one(query, 'datetime');
  if (datetime !== undefined) body.datetime = datetime;
  const limit = one(query, 'limit');
  if (limit !== undefined) {
    if (!/^\d+$/.test(limit)) throw new SearchParameterError('limit', `limit must be a whole number between 1 and ${MAX_LIMIT}, got "${limit}"`);
    body.limit = Number(limit);
  }
  const token = one(query, 'token');
  if (token !== undefined) body.token = token;
  const filter = one(query, 'filter');
  if (filter !== undefined) body.filter = filter;
  const lang = one(query, 'filter-lang');
  if (lang !== undefined) {
    if (lang !== 'cql2-text' && lang !== 'cql2-json')
      throw new SearchParameterError('filter-lang', `filter-lang must be cql2-text or cql2-json, got "${lang}"`);
    body['filter-lang'] = lang;
  }
  const sortby = one(query, 'sortby');
  if (sortby !== undefined) body.sortby = parseSortBy(sortby);
  const fields = one(query, 'fields');
  if (fields !== undefined) body.fields = parseFields(fields);
  const q = one(query, 'q');
  if (q !== undefined) body.q = q;
  return body;
}

/** Turns a {@link SearchBody} into the query string of a GET search. */
export function searchBodyToQuery(body: SearchBody): URLSearchParams {
  const p = new URLSearchParams();
  if (body.collections) p.set('collections', body.collections.join(','));
  if (body.ids) p.set('ids', body.ids.join(','));
  if (body.bbox) p.set('bbox', body.bbox.join(','));
  if (body.intersects) p.set('intersects', JSON.stringify(body.intersects));
  if (body.datetime) p.set('datetime', body.datetime);
  if (body.limit !== undefined) p.set('limit', String(body.limit));
  if (body.token) p.set('token', body.token);
  if (body.filter !== undefined) {
    p.set('filter', typeof body.filter === 'string' ? body.filter : JSON.stringify(body.filter));
    p.set('filter-lang', body['filter-lang'] ?? (typeof body.filter === 'string' ? 'cql2-text' : 'cql2-json'));
  }
  if (body.sortby) p.set('sortby', body.sortby.map((s) => `${s.direction === 'desc' ? '-' : '+'}${s.field}`).join(','));
  if (body.fields) p.set('fields', [...(body.fields.include ?? []), ...(body.fields.exclude ?? []).map((f) => `-${f}`)].join(','));
  if (body.q) p.set('q', Array.isArray(body.q) ? body.q.join(',') : body.q);
  return p;
}
