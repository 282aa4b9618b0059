import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors.js';
import { parseCql2Text } from './parse-text.js';

// The official CQL2 examples (text and JSON side by side), copied from the OGC repository.
const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../test/specs/ogcapi-features-cql2/cql2/standard/schema/examples');

/** Examples using what we do not implement: arithmetic, array functions, 3D and collection geometries. */
const UNSUPPORTED = new Set([
  'clause6_02c',
  'clause7_15',
  'clause7_19',
  'example49',
  'example72',
  'example73',
  'example74',
  'example75',
  'example76',
  'example77',
  'example78',
  'example79',
  'example80',
  'example81',
  'example82',
  'example85'
]);

const pairs = readdirSync(path.join(EXAMPLES, 'text'))
  .map((f) => f.replace(/\.txt$/, ''))
  .filter((name) => existsSync(path.join(EXAMPLES, 'json', `${name}.json`)));

/** Timestamps compare by instant (the JSON examples drop ".000000"). */
const normalise = (v: unknown) => JSON.parse(JSON.stringify(v).replace(/(\d{2}:\d{2}:\d{2})\.0+Z/g, '$1Z'));

describe('parseCql2Text against the official CQL2 examples', () => {
  it('has the examples', () => {
    expect(pairs.length).toBeGreaterThan(100);
  });
  it.each(pairs.filter((n) => !UNSUPPORTED.has(n)))('%s: text parses to the official JSON', (name) => {
    const text = readFileSync(path.join(EXAMPLES, 'text', `${name}.txt`), 'utf8');
    const json = JSON.parse(readFileSync(path.join(EXAMPLES, 'json', `${name}.json`), 'utf8'));
    expect(normalise(parseCql2Text(text))).toEqual(normalise(json));
  });
  it.each([...UNSUPPORTED].filter((n) => pairs.includes(n)))('%s: unsupported syntax is refused with a position', (name) => {
    const text = readFileSync(path.join(EXAMPLES, 'text', `${name}.txt`), 'utf8');
    expect(() => parseCql2Text(text)).toThrow(ValidationError);
    expect(() => parseCql2Text(text)).toThrow(/CQL2: .*(character|position|not supported)/);
  });
  it('says where an expression stops making sense', () => {
    expect(() => parseCql2Text("cycle = 'x")).toThrow(/unterminated string starting at character 9/);
    expect(() => parseCql2Text('cycle = 3 AND')).toThrow(/end of filter/);
    expect(() => parseCql2Text('')).toThrow(/empty/);
  });
});
