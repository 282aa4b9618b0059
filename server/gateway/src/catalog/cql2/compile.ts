import type { Item, SearchGeometry as Geometry } from '@hysope/api';
import { SearchGeometry as GeometrySchema, inDateRange } from '@hysope/api';
import { ValidationError } from '../../errors.js';
import type { QueryableDef, QueryableType } from '../collections.js';
import { bboxGeometry, intersects } from '../spatial.js';
import { geometryBBox } from '../../formats/wkb.js';
import { MAX_DEPTH, type Cql2 } from './parse-text.js';

type Obj = { [key: string]: unknown };
type ValueType = QueryableType | 'unknown';
/** A compiled operand; `free` names a property that is not a queryable (its SQL depends on what it is compared with). */
type Operand = { sql: string; type: ValueType; free?: string };

/** A compiled filter: a SQL condition with its parameters, and whether rows need an exact check in JS. */
export interface CompiledFilter {
  sql: string;
  params: unknown[];
  /** True when the filter has spatial predicates that SQL only approximates (bbox); use {@link evaluateFilter}. */
  needsExact: boolean;
}

const COMPARISONS = new Set(['=', '<>', '<', '>', '<=', '>=']);
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function geometryOf(v: unknown): Geometry | null {
  if (isObj(v) && Array.isArray(v['bbox']) && !('type' in v)) {
    const b = v['bbox'] as number[];
    if (b.length !== 4 && b.length !== 6) throw new ValidationError('CQL2: a BBOX needs 4 or 6 numbers');
    return bboxGeometry(b.length === 4 ? b : [b[0]!, b[1]!, b[3]!, b[4]!]);
  }
  if (isObj(v) && typeof v['type'] === 'string') {
    const parsed = GeometrySchema.safeParse(v);
    if (!parsed.success) throw new ValidationError(`CQL2: invalid ${v['type']} geometry literal`);
    return parsed.data;
  }
  return null;
}

/** BETWEEN's operands; the CQL2 drafts' `[value, [low, high]]` (still sent by clients) is read as `[value, low, high]`. */
function betweenArgs(args: unknown[]): unknown[] {
  return args.length === 2 && Array.isArray(args[1]) && args[1].length === 2 ? [args[0], ...(args[1] as unknown[])] : args;
}

function instant(v: unknown, what: string): number {
  const ms = typeof v === 'string' ? Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v) : NaN;
  if (Number.isNaN(ms)) throw new ValidationError(`CQL2: ${what} "${String(v).slice(0, 60)}" is not an RFC 3339 date or timestamp`);
  if (!inDateRange(ms)) throw new ValidationError(`CQL2: ${what} "${String(v).slice(0, 60)}" is outside years 0001-9999`);
  return ms;
}

/** A temporal literal as an interval of epoch ms (`..` open ends as ±infinity). */
function temporal(v: unknown): [number, number] | null {
  if (!isObj(v)) return null;
  if ('timestamp' in v) {
    const t = instant(v['timestamp'], 'TIMESTAMP');
    return [t, t];
  }
  if ('date' in v) {
    const t = instant(v['date'], 'DATE');
    return [t, t + 86_399_999];
  }
  if ('interval' in v) {
    const [a, b] = (v['interval'] as unknown[]) ?? [];
    const end = (x: unknown, open: number) => (x === '..' ? open : isObj(x) ? temporal(x)![1] : instant(x, 'INTERVAL bound'));
    return [a === '..' ? -8.64e15 : isObj(a) ? temporal(a)![0] : instant(a, 'INTERVAL bound'), end(b, 8.64e15)];
  }
  return null;
}

/**
 * Compiles CQL2 JSON into a SQL condition over the `items` table. Queryables compile to their typed columns;
 * any other property (the queryables document says `additionalProperties: true`) is read from the item's
 * properties and compared only with values of its own JSON type: a missing property, or one of another type,
 * is null and matches nothing (the STAC filter extension's rule). Spatial predicates become bbox overlaps on
 * the GiST-indexed `bbox` column (a superset, made exact afterwards by {@link evaluateFilter}).
 * @throws ValidationError naming the bad literal, the misused property or the unsupported operator
 */
export function compileFilter(expr: Cql2, queryables: Record<string, QueryableDef>): CompiledFilter {
  const params: unknown[] = [];
  let needsExact = false;
  const param = (v: unknown, cast = '') => {
    params.push(v);
    return `$${params.length}${cast}`;
  };
  const lookup = (name: string): QueryableDef | undefined => {
    const own = (k: string) => (Object.hasOwn(queryables, k) ? queryables[k] : undefined);
    return own(name) ?? own(name.replace(/^properties\./, ''));
  };
  const queryable = (name: string, type: 'geometry' | 'datetime'): QueryableDef => {
    const q = lookup(name);
    if (q?.type !== type) {
      const of = Object.entries(queryables)
        .filter(([, d]) => d.type === type)
        .map(([k]) => k);
      throw new ValidationError(`CQL2: "${name}" is not a ${type}; the ${type} queryables are ${of.join(', ')}`);
    }
    return q;
  };
  /** The SQL of an operand used as a value of type `as` (a non-queryable property reads only values of that JSON type). */
  const use = (o: Operand, as: ValueType): string => {
    if (o.free === undefined) return o.sql;
    const key = param(o.free, '::text');
    const typed = (json: string, sql: string) => `(case when jsonb_typeof(properties->${key}) = '${json}' then ${sql} end)`;
    switch (family(as)) {
      case 'number':
        return typed('number', `(properties->>${key})::double precision`);
      case 'string':
        return typed('string', `(properties->>${key})`);
      case 'boolean':
        return typed('boolean', `(properties->>${key})::boolean`);
      case 'unknown':
        return `(properties->>${key})`;
      default:
        throw new ValidationError(`CQL2: "${o.free}" is not a queryable; only queryables compare with ${as === 'datetime' ? 'dates' : 'geometries'}`);
    }
  };

  const scalar = (v: unknown, hint: ValueType = 'unknown'): Operand => {
    if (typeof v === 'number') return { sql: param(v, '::double precision'), type: 'number' };
    if (typeof v === 'string') {
      if (hint === 'datetime') return { sql: param(new Date(instant(v, 'timestamp')).toISOString(), '::timestamptz'), type: 'datetime' };
      return { sql: param(v, '::text'), type: 'string' };
    }
    if (typeof v === 'boolean') return { sql: v ? 'true' : 'false', type: 'boolean' };
    if (v === null) return { sql: 'null', type: 'unknown' };
    if (isObj(v)) {
      if ('property' in v) {
        const name = String(v['property']);
        const q = lookup(name);
        return q ? { sql: q.sql, type: q.type } : { sql: '', type: 'unknown', free: name.replace(/^properties\./, '') };
      }
      if ('timestamp' in v || 'date' in v) return { sql: param(new Date(temporal(v)![0]).toISOString(), '::timestamptz'), type: 'datetime' };
      if (v['op'] === 'casei' || v['op'] === 'accenti') {
        const args = v['args'];
        if (!Array.isArray(args) || args.length !== 1) throw new ValidationError(`CQL2: ${v['op'].toUpperCase()} takes one argument`);
        const inner = scalar(args[0]);
        if (inner.type !== 'string' && inner.type !== 'unknown')
          throw new ValidationError(`CQL2: ${v['op'].toUpperCase()} takes a string, got a ${inner.type}`);
        const sql = use(inner, 'string');
        return { sql: v['op'] === 'casei' ? `lower(${sql})` : sql, type: 'string' };
      }
    }
    throw new ValidationError(`CQL2: cannot use ${JSON.stringify(v).slice(0, 80)} as a value`);
  };

  /** Types that compare with each other (null compares with anything). */
  const family = (t: ValueType) => (t === 'integer' ? 'number' : t);
  const comparable = (a: ValueType, b: ValueType, what: unknown) => {
    if (a === 'unknown' || b === 'unknown' || family(a) === family(b)) return;
    throw new ValidationError(`CQL2: cannot compare a ${a} with a ${b} (${JSON.stringify(what).slice(0, 80)})`);
  };
  const pair = (args: unknown[]) => {
    const first = scalar(args[0]);
    const second = scalar(args[1], first.type);
    const a = first.type === 'unknown' && second.type === 'datetime' ? scalar(args[0], 'datetime') : first;
    comparable(a.type, second.type, args);
    if (a.type === 'geometry' || second.type === 'geometry') throw new ValidationError('CQL2: geometries are compared with S_INTERSECTS or S_DISJOINT');
    return [a, second] as const;
  };

  const spatialArgs = (args: unknown[]): Geometry => {
    const [a, b] = args;
    const geom = geometryOf(b) ?? geometryOf(a);
    const prop = isObj(a) && 'property' in a ? a : isObj(b) && 'property' in b ? b : null;
    if (!geom || !prop) throw new ValidationError('CQL2: S_INTERSECTS takes the geometry property and a geometry literal');
    queryable(String(prop['property']), 'geometry');
    return geom;
  };

  const temporalArgs = (args: unknown[]): [number, number] => {
    const [a, b] = args;
    const lit = temporal(b) ?? temporal(a);
    const prop = isObj(a) && 'property' in a ? a : isObj(b) && 'property' in b ? b : null;
    if (!lit || !prop) throw new ValidationError('CQL2: temporal functions take a datetime property and a TIMESTAMP, DATE or INTERVAL');
    queryable(String(prop['property']), 'datetime');
    return lit;
  };

  let depth = 0;
  const bool = (e: unknown, positive: boolean): string => {
    if (++depth > MAX_DEPTH) throw new ValidationError(`CQL2: the filter nests deeper than ${MAX_DEPTH} levels`);
    try {
      return boolAt(e, positive);
    } finally {
      depth--;
    }
  };
  const boolAt = (e: unknown, positive: boolean): string => {
    if (typeof e === 'boolean') return e ? 'true' : 'false';
    if (!isObj(e) || typeof e['op'] !== 'string') {
      throw new ValidationError(`CQL2: expected a boolean expression, got ${JSON.stringify(e).slice(0, 80)}`);
    }
    const op = e['op'].toLowerCase();
    const args = (Array.isArray(e['args']) ? e['args'] : []) as unknown[];
    const n = (k: number) => {
      if (args.length !== k) throw new ValidationError(`CQL2: ${op} takes ${k} argument${k > 1 ? 's' : ''}, got ${args.length}`);
    };
    if (op === 'and' || op === 'or') {
      if (args.length < 2) throw new ValidationError(`CQL2: ${op} needs at least 2 arguments`);
      return `(${args.map((a) => bool(a, positive)).join(` ${op.toUpperCase()} `)})`;
    }
    if (op === 'not') return (n(1), `(NOT ${bool(args[0], !positive)})`);
    if (COMPARISONS.has(op)) {
      n(2);
      const [a, b] = pair(args);
      return `(${use(a, b.type)} ${op} ${use(b, a.type)})`;
    }
    if (op === 'like') {
      n(2);
      const [a, b] = pair(args);
      const text = (t: ValueType) => t === 'string' || t === 'unknown';
      if (!text(a.type) || !text(b.type) || (a.free === undefined && a.type === 'unknown')) throw new ValidationError('CQL2: LIKE compares strings');
      return `(${use(a, 'string')} LIKE ${use(b, 'string')})`;
    }
    if (op === 'between') {
      const operands = betweenArgs(args);
      if (operands.length !== 3) throw new ValidationError(`CQL2: between takes 3 arguments, got ${operands.length}`);
      const a = scalar(operands[0]);
      const lo = scalar(operands[1], a.type);
      const hi = scalar(operands[2], a.type);
      comparable(a.type, lo.type, args);
      comparable(a.type, hi.type, args);
      comparable(lo.type, hi.type, args);
      if (!['number', 'datetime', 'unknown'].includes(family(a.type))) throw new ValidationError(`CQL2: BETWEEN takes numbers or datetimes, got a ${a.type}`);
      const as = a.type !== 'unknown' ? a.type : lo.type !== 'unknown' ? lo.type : hi.type;
      return `(${use(a, as)} BETWEEN ${use(lo, as)} AND ${use(hi, as)})`;
    }
    if (op === 'in') {
      n(2);
      if (!Array.isArray(args[1]) || args[1].length === 0) throw new ValidationError('CQL2: IN needs a non-empty list');
      if (args[1].length > 1000) throw new ValidationError('CQL2: IN takes at most 1000 values');
      const a = scalar(args[0]);
      const values = (args[1] as unknown[]).map((v) => scalar(v, a.type));
      for (const v of values) comparable(a.type, v.type, args);
      for (const v of values) for (const w of values) comparable(v.type, w.type, args);
      const as = a.type !== 'unknown' ? a.type : (values.find((v) => v.type !== 'unknown')?.type ?? 'unknown');
      return `(${use(a, as)} IN (${values.map((v) => use(v, as)).join(', ')}))`;
    }
    if (op === 'isnull') return (n(1), `(${use(scalar(args[0]), 'unknown')} IS NULL)`);
    if (op === 's_intersects' || op === 's_disjoint') {
      n(2);
      const g = spatialArgs(args);
      needsExact = true;
      const wantsIntersect = op === 's_intersects' ? positive : !positive;
      // Superset in positive position, subset (false) in negative position: the JS check decides.
      const inner = wantsIntersect ? bboxOverlap(g) : 'false';
      return op === 's_intersects' ? (positive ? inner : 'false') : positive ? 'true' : `(NOT ${inner === 'false' ? 'false' : inner})`;
    }
    if (op.startsWith('t_')) {
      n(2);
      const [s, t] = temporalArgs(args);
      // Open ends are PostgreSQL's infinities (year ±275760 is beyond what it parses).
      const a = param(s <= -8.64e15 ? '-infinity' : new Date(s).toISOString(), '::timestamptz');
      const b = param(t >= 8.64e15 ? 'infinity' : new Date(t).toISOString(), '::timestamptz');
      switch (op) {
        case 't_intersects':
          return `(start_datetime <= ${b} AND end_datetime >= ${a})`;
        case 't_disjoint':
          return `(start_datetime > ${b} OR end_datetime < ${a})`;
        case 't_before':
          return `(end_datetime < ${a})`;
        case 't_after':
          return `(start_datetime > ${b})`;
        case 't_equals':
          return `(start_datetime = ${a} AND end_datetime = ${b})`;
        case 't_during':
          return `(start_datetime > ${a} AND end_datetime < ${b})`;
        case 't_contains':
          return `(start_datetime < ${a} AND end_datetime > ${b})`;
      }
    }
    throw new ValidationError(`CQL2: operator or function "${e['op']}" is not supported`);
  };

  const bboxOverlap = (g: Geometry) => {
    const [w, s, e, n] = geometryBBox(g);
    if (!Number.isFinite(w)) return 'false'; // an empty GeometryCollection
    return `(bbox && box(point(${param(w, '::float8')}, ${param(s, '::float8')}), point(${param(e, '::float8')}, ${param(n, '::float8')})))`;
  };

  const sql = bool(expr, true);
  return { sql, params, needsExact };
}

/**
 * Evaluates CQL2 JSON on one item, exactly (spatial predicates on the real footprint), with SQL's
 * three-valued logic (comparisons with a missing value are unknown, and unknown is not a match).
 */
export function evaluateFilter(expr: Cql2, item: Item): boolean {
  const props = item.properties as Obj;
  const value = (v: unknown): unknown => {
    if (isObj(v)) {
      if ('property' in v) {
        const name = String(v['property']).replace(/^properties\./, '');
        if (name === 'id') return item.id;
        if (name === 'collection') return item.collection;
        if (name === 'geometry') return item.geometry;
        if (name === 'datetime' || name === 'start_datetime') return Date.parse(String(props['start_datetime'] ?? props['datetime']));
        if (name === 'end_datetime') return Date.parse(String(props['end_datetime'] ?? props['datetime']));
        return Object.hasOwn(props, name) ? (props[name] ?? null) : null;
      }
      if ('timestamp' in v || 'date' in v) return temporal(v)![0];
      if (v['op'] === 'casei') {
        const inner = value((v['args'] as unknown[])[0]);
        return typeof inner === 'string' ? inner.toLowerCase() : inner;
      }
      if (v['op'] === 'accenti') return value((v['args'] as unknown[])[0]);
    }
    return v;
  };
  const norm = (a: unknown, b: unknown): [unknown, unknown] => (typeof a === 'number' && typeof b === 'string' ? [a, Date.parse(b)] : [a, b]);
  const tri = (e: unknown): boolean | null => {
    if (typeof e === 'boolean') return e;
    const o = e as Obj;
    const op = String(o['op']).toLowerCase();
    const args = (o['args'] ?? []) as unknown[];
    switch (op) {
      case 'and': {
        const r = args.map(tri);
        return r.includes(false) ? false : r.includes(null) ? null : true;
      }
      case 'or': {
        const r = args.map(tri);
        return r.includes(true) ? true : r.includes(null) ? null : false;
      }
      case 'not': {
        const r = tri(args[0]);
        return r === null ? null : !r;
      }
      case 'isnull':
        return value(args[0]) === null || value(args[0]) === undefined;
      case 's_intersects':
      case 's_disjoint': {
        const geom = geometryOf(args[1]) ?? geometryOf(args[0]);
        if (!item.geometry || !geom) return null;
        const hit = intersects(item.geometry, geom);
        return op === 's_intersects' ? hit : !hit;
      }
      case 'like': {
        const [a, b] = [value(args[0]), value(args[1])];
        if (typeof a !== 'string' || typeof b !== 'string') return null;
        const re = new RegExp(
          `^${String(b)
            .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
            .replace(/%/g, '.*')
            .replace(/_/g, '.')}$`,
          's'
        );
        return re.test(String(a));
      }
      case 'between': {
        const [a, lo, hi] = betweenArgs(args).map(value);
        if (a === null || lo === null || hi === null) return null;
        if (typeof norm(a, lo)[1] !== typeof a || typeof norm(a, hi)[1] !== typeof a) return null;
        return (a as number) >= (norm(a, lo)[1] as number) && (a as number) <= (norm(a, hi)[1] as number);
      }
      case 'in': {
        const a = value(args[0]);
        if (a === null) return null;
        return (args[1] as unknown[]).map(value).some((b) => norm(a, b)[1] === a);
      }
    }
    if (op.startsWith('t_')) {
      const lit = temporal(args[1]) ?? temporal(args[0])!;
      const s = Date.parse(String(props['start_datetime'] ?? props['datetime']));
      const en = Date.parse(String(props['end_datetime'] ?? props['datetime']));
      switch (op) {
        case 't_intersects':
          return s <= lit[1] && en >= lit[0];
        case 't_disjoint':
          return s > lit[1] || en < lit[0];
        case 't_before':
          return en < lit[0];
        case 't_after':
          return s > lit[1];
        case 't_equals':
          return s === lit[0] && en === lit[1];
        case 't_during':
          return s > lit[0] && en < lit[1];
        case 't_contains':
          return s < lit[0] && en > lit[1];
      }
    }
    const [a, b] = norm(value(args[0]), value(args[1]));
    if (a === null || b === null || a === undefined || b === undefined) return null;
    if (typeof a !== typeof b) return null; // as in SQL: a property compares only with values of its own type
    switch (op) {
      case '=':
        return a === b;
      case '<>':
        return a !== b;
      case '<':
        return (a as number) < (b as number);
      case '>':
        return (a as number) > (b as number);
      case '<=':
        return (a as number) <= (b as number);
      case '>=':
        return (a as number) >= (b as number);
    }
    return null;
  };
  return tri(expr) === true;
}
