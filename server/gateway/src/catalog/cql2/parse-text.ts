import { ValidationError } from '../../errors.js';

/** A CQL2 JSON expression (the form both encodings are parsed into). */
export type Cql2 = boolean | number | string | null | Cql2[] | { [key: string]: unknown };

interface Token {
  kind: 'number' | 'string' | 'ident' | 'op' | 'punct' | 'end';
  text: string;
  at: number;
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'LIKE', 'BETWEEN', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE']);
const GEOMETRY_WORDS = new Set(['POINT', 'LINESTRING', 'POLYGON', 'MULTIPOINT', 'MULTILINESTRING', 'MULTIPOLYGON', 'GEOMETRYCOLLECTION', 'BBOX', 'ENVELOPE']);
/** Functions that are predicates (return a boolean). */
export const PREDICATE_FUNCTIONS = new Set([
  's_intersects',
  's_disjoint',
  's_within',
  's_contains',
  's_equals',
  's_touches',
  's_crosses',
  's_overlaps',
  't_intersects',
  't_disjoint',
  't_before',
  't_after',
  't_equals',
  't_during',
  't_contains',
  't_meets',
  't_metby',
  't_overlaps',
  't_overlappedby',
  't_starts',
  't_startedby',
  't_finishes',
  't_finishedby',
  'a_equals',
  'a_contains',
  'a_containedby',
  'a_overlaps'
]);

/** CQL2 JSON spells these temporal operators in camel case. */
const CAMEL_CASE: Record<string, string> = { t_finishedby: 't_finishedBy', t_metby: 't_metBy', t_overlappedby: 't_overlappedBy', t_startedby: 't_startedBy' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new ValidationError(`CQL2: unterminated string starting at character ${start + 1}`);
        if (text[i] === "'" && text[i + 1] === "'") {
          s += "'";
          i += 2;
        } else if (text[i] === "'") {
          i++;
          break;
        } else s += text[i++];
      }
      tokens.push({ kind: 'string', text: s, at: start });
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new ValidationError(`CQL2: unterminated quoted property name at character ${start + 1}`);
      tokens.push({ kind: 'ident', text: text.slice(i + 1, end), at: start });
      i = end + 1;
    } else if (/[0-9]/.test(c) || ((c === '-' || c === '+' || c === '.') && /[0-9.]/.test(text[i + 1] ?? ''))) {
      // NOTE: arithmetic is not supported, so a sign before a digit always starts a number (coordinates: "43.7 -79.2").
      const m = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i))!;
      tokens.push({ kind: 'number', text: m[0], at: start });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_:.]*/.exec(text.slice(i))!;
      tokens.push({ kind: 'ident', text: m[0], at: start });
      i += m[0].length;
    } else if (c === '<' || c === '>' || c === '=' || c === '!') {
      const two = text.slice(i, i + 2);
      const op = ['<=', '>=', '<>', '!='].includes(two) ? two : c;
      if (op === '!') throw new ValidationError(`CQL2: unexpected "!" at character ${start + 1}`);
      tokens.push({ kind: 'op', text: op === '!=' ? '<>' : op, at: start });
      i += op.length;
    } else if ('(),'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, at: start });
      i++;
    } else {
      throw new ValidationError(`CQL2: unexpected character "${c}" at position ${start + 1}`);
    }
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

/**
 * Parses CQL2 text (basic CQL2, advanced comparison, spatial and temporal functions, CASEI)
 * into CQL2 JSON.
 * @throws ValidationError saying where the text stops making sense
 */
/** How deep a filter may nest (parentheses, NOT, function calls), in text and in JSON. */
export const MAX_DEPTH = 100;

export function parseCql2Text(text: string): Cql2 {
  const tokens = tokenize(text);
  let p = 0;
  const peek = () => tokens[p]!;
  const isWord = (w: string, t = peek()) => t.kind === 'ident' && t.text.toUpperCase() === w;
  const fail = (what: string): never => {
    const t = peek();
    throw new ValidationError(`CQL2: ${what} at character ${t.at + 1}${t.kind === 'end' ? ' (end of filter)' : ` near "${t.text}"`}`);
  };
  const expect = (text: string) => {
    if (peek().text !== text) fail(`expected "${text}"`);
    p++;
  };
  // Nesting (parentheses, NOT, function calls) is bounded: no filter may exhaust the stack.
  let depth = 0;
  const nested = <T>(f: () => T): T => {
    if (++depth > MAX_DEPTH) fail(`the filter nests deeper than ${MAX_DEPTH} levels`);
    try {
      return f();
    } finally {
      depth--;
    }
  };

  const coords = (): number[] => {
    const xs: number[] = [];
    while (peek().kind === 'number') xs.push(Number(tokens[p++]!.text));
    if (xs.length < 2) fail('expected a coordinate (x y)');
    return xs;
  };
  const list = <T>(item: () => T): T[] => {
    expect('(');
    const out = [item()];
    while (peek().text === ',') {
      p++;
      out.push(item());
    }
    expect(')');
    return out;
  };
  const geometry = (): Cql2 => {
    const word = tokens[p++]!.text.toUpperCase();
    switch (word) {
      case 'POINT':
        return { type: 'Point', coordinates: list(coords)[0]! };
      case 'LINESTRING':
        return { type: 'LineString', coordinates: list(coords) };
      case 'POLYGON':
        return { type: 'Polygon', coordinates: list(() => list(coords)) };
      case 'MULTIPOINT':
        return { type: 'MultiPoint', coordinates: list(() => (peek().text === '(' ? list(coords)[0]! : coords())) };
      case 'MULTILINESTRING':
        return { type: 'MultiLineString', coordinates: list(() => list(coords)) };
      case 'MULTIPOLYGON':
        return { type: 'MultiPolygon', coordinates: list(() => list(() => list(coords))) };
      case 'GEOMETRYCOLLECTION':
        return {
          type: 'GeometryCollection',
          geometries: list(() => {
            const t = peek();
            if (t.kind !== 'ident' || !GEOMETRY_WORDS.has(t.text.toUpperCase()) || ['BBOX', 'ENVELOPE', 'GEOMETRYCOLLECTION'].includes(t.text.toUpperCase()))
              fail('a GEOMETRYCOLLECTION holds POINT, LINESTRING, POLYGON or MULTI* geometries');
            return geometry();
          })
        };
      default: {
        const nums = list(() => {
          const t = tokens[p++]!;
          if (t.kind !== 'number') fail('BBOX takes numbers');
          return Number(t.text);
        });
        return { bbox: nums };
      }
    }
  };

  const scalar = (): Cql2 => {
    const t = peek();
    if (t.kind === 'number') {
      p++;
      return Number(t.text);
    }
    if (t.kind === 'string') {
      p++;
      return t.text;
    }
    if (t.kind === 'punct' && t.text === '(') {
      p++;
      const inner = scalar();
      expect(')');
      return inner;
    }
    if (t.kind !== 'ident') return fail('expected a property, a literal or a function');
    const upper = t.text.toUpperCase();
    if (upper === 'TRUE' || upper === 'FALSE') {
      p++;
      return upper === 'TRUE';
    }
    if (GEOMETRY_WORDS.has(upper) && tokens[p + 1]?.text === '(') return geometry();
    if (tokens[p + 1]?.text === '(') {
      p++;
      const args = peek().text === '(' && tokens[p + 1]?.text === ')' ? ((p += 2), []) : list(scalar);
      const lower = t.text.toLowerCase();
      if (lower === 'timestamp') return { timestamp: args[0] };
      if (lower === 'date') return { date: args[0] };
      if (lower === 'interval') return { interval: args };
      const known = PREDICATE_FUNCTIONS.has(lower) || lower === 'casei' || lower === 'accenti';
      return { op: known ? (CAMEL_CASE[lower] ?? lower) : t.text, args };
    }
    if (KEYWORDS.has(upper)) fail(`unexpected keyword ${upper}`);
    p++;
    return { property: t.text };
  };

  const predicate = (): Cql2 => {
    const t = peek();
    if (t.kind === 'punct' && t.text === '(') {
      // A parenthesised boolean expression (scalars in parentheses are rare in filters).
      const save = p;
      p++;
      try {
        const inner = orExpr();
        expect(')');
        return inner;
      } catch (error) {
        p = save;
        if (!(error instanceof ValidationError)) throw error;
      }
    }
    if (t.kind === 'ident' && PREDICATE_FUNCTIONS.has(t.text.toLowerCase()) && tokens[p + 1]?.text === '(') {
      p++;
      const lower = t.text.toLowerCase();
      return { op: CAMEL_CASE[lower] ?? lower, args: list(scalar) };
    }
    if (isWord('TRUE') || isWord('FALSE')) {
      const value = isWord('TRUE');
      if (!['op', 'ident'].includes(tokens[p + 1]!.kind) || /^(AND|OR|\))$/i.test(tokens[p + 1]!.text) || tokens[p + 1]!.kind === 'end') {
        p++;
        return value;
      }
    }
    const left = scalar();
    const next = peek();
    if (next.kind === 'op') {
      p++;
      return { op: next.text, args: [left, scalar()] };
    }
    let negate = false;
    if (isWord('NOT')) {
      negate = true;
      p++;
    }
    let result: Cql2;
    if (isWord('LIKE')) {
      p++;
      result = { op: 'like', args: [left, scalar()] };
    } else if (isWord('BETWEEN')) {
      p++;
      const low = scalar();
      if (!isWord('AND')) fail('BETWEEN needs "AND"');
      p++;
      result = { op: 'between', args: [left, low, scalar()] };
    } else if (isWord('IN')) {
      p++;
      result = { op: 'in', args: [left, list(scalar)] };
    } else if (isWord('IS') && !negate) {
      p++;
      let not = false;
      if (isWord('NOT')) {
        not = true;
        p++;
      }
      if (!isWord('NULL')) fail('expected NULL after IS');
      p++;
      result = { op: 'isNull', args: [left] };
      return not ? { op: 'not', args: [result] } : result;
    } else if (typeof left === 'boolean') {
      return left;
    } else if (left && typeof left === 'object' && 'op' in left) {
      return left; // a boolean function call used as a predicate
    } else {
      return fail('expected a comparison (=, <>, <, >, <=, >=, LIKE, BETWEEN, IN, IS NULL)');
    }
    return negate ? { op: 'not', args: [result] } : result;
  };

  const notExpr = (): Cql2 =>
    nested(() => {
      if (isWord('NOT')) {
        p++;
        return { op: 'not', args: [notExpr()] };
      }
      return predicate();
    });
  const andExpr = (): Cql2 => {
    const args = [notExpr()];
    while (isWord('AND')) {
      p++;
      args.push(notExpr());
    }
    return args.length === 1 ? args[0]! : { op: 'and', args };
  };
  const orExpr = (): Cql2 =>
    nested(() => {
      const args = [andExpr()];
      while (isWord('OR')) {
        p++;
        args.push(andExpr());
      }
      return args.length === 1 ? args[0]! : { op: 'or', args };
    });

  if (peek().kind === 'end') throw new ValidationError('CQL2: the filter is empty');
  const result = orExpr();
  if (peek().kind !== 'end') fail('unexpected text after the end of the expression');
  return result;
}
