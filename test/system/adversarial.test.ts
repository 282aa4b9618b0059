import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REACH_548, REACHES_PASS_51, startGateway, type TestGateway } from '../helpers.js';

/** One malformed request: a path with its query (raw), and optionally a method, body and headers. */
interface Probe {
  category: string;
  path: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
}

const enc = encodeURIComponent;
const NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__proto__.polluted', 'constructor.prototype'];
const DATES = [
  '0000-01-01T00:00:00Z',
  '275760-09-13T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '2020-13-01T00:00:00Z',
  '2020-02-30T00:00:00Z',
  '2020-01-01T25:00:00Z',
  '2020-01-01',
  'abc',
  '../..',
  '/',
  '2021-01-01T00:00:00Z/2020-01-01T00:00:00Z',
  '2020-01-01T00:00:00Z\u0000',
  '9999999999999999999',
  '',
  'now',
  '2020-01-01T00:00:00Z/../..'
];
const NUMBERS = ['-1', '0', '1.5', 'abc', '1e309', 'NaN', 'Infinity', '9223372036854775807', '-9223372036854775808', '99999999999999999999999', '0x10', ''];
const FILTERS = [
  'datetime = 5',
  `"swot:cycle" BETWEEN 'a' AND 'b'`,
  'TRUE = 5',
  'CASEI(x) = 1',
  `CASEI("swot:continent") = 'na'`,
  ...NAMES.map((n) => `"${n}" = 1`),
  ...NAMES.map((n) => `${n} = 1`),
  '('.repeat(10_000) + 'TRUE' + ')'.repeat(10_000),
  'NOT '.repeat(5000) + 'TRUE',
  `'unterminated`,
  '"swot:cycle" = ',
  `"swot:cycle" IN ()`,
  `"swot:cycle" IN (1, 'a', TRUE)`,
  `S_INTERSECTS(geometry, POINT(a b))`,
  `S_INTERSECTS(geometry, POLYGON((0 0, 1 1)))`,
  `S_INTERSECTS(geometry, 5)`,
  `T_INTERSECTS(datetime, INTERVAL('x', 'y'))`,
  `T_AFTER(datetime, TIMESTAMP('0000-01-01T00:00:00Z'))`,
  `datetime > TIMESTAMP('275760-09-13T00:00:00Z')`,
  `"swot:cycle" = 99999999999999999999999999`,
  `"swot:cycle" LIKE 5`,
  `A_CONTAINS("swot:cycle", 5)`,
  `id = 'x\u0000'`,
  'FOO(1) = 2',
  `"swot:cycle" + 1 = 2`,
  '',
  '   ',
  ';drop table items;--'
];
const JSON_FILTERS: unknown[] = [
  { op: '=', args: [{ property: 'datetime' }, 5] },
  { op: 'between', args: [{ property: 'swot:cycle' }, 'a', 'b'] },
  { op: '=', args: [true, 5] },
  { op: 'casei', args: ['x'] },
  { op: '__proto__', args: [] },
  { op: 'constructor', args: [1, 2] },
  { op: '=', args: [{ property: '__proto__' }, 1] },
  { op: '=', args: [{ property: 'constructor' }, 1] },
  { op: '=', args: [{ property: 'toString' }, 1] },
  { op: 'and', args: 5 },
  { op: 'and' },
  { op: 'not', args: [] },
  { op: 's_intersects', args: [{ property: 'geometry' }, { type: 'Polygon', coordinates: 'x' }] },
  { op: 's_intersects', args: [{ property: 'geometry' }, { type: '__proto__' }] },
  { op: 't_intersects', args: [{ property: 'datetime' }, { interval: ['a', 'b'] }] },
  { op: '=', args: [{ property: 'datetime' }, { timestamp: '0000-01-01T00:00:00Z' }] },
  { op: 'in', args: [{ property: 'swot:cycle' }, 5] },
  { op: 'like', args: [{ property: 'id' }, 5] },
  5,
  'x',
  null,
  [],
  { args: [] }
];
const deepJson = (n: number) => '{"op":"not","args":['.repeat(n) + 'true' + ']}'.repeat(n);
const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
const ALIAS_BOMB = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
cwlVersion: v1.2
class: CommandLineTool
id: bomb
inputs: {x: {type: string, doc: *f}}
outputs: {}
`;

function probes(reachId: string, itemId: string): Probe[] {
  const out: Probe[] = [];
  const add = (category: string, path: string, extra: Omit<Probe, 'category' | 'path'> = {}) => out.push({ category, path, ...extra });
  const searchBody = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  // Dates everywhere a date is taken.
  for (const d of DATES) {
    add('dates', `/stac/search?datetime=${enc(d)}`);
    add('dates', `/stac/collections/swot-riversp-reach/items?datetime=${enc(d)}`);
    add('dates', `/timeseries?feature=Reach&ids=${reachId}&datetime=${enc(d)}`);
    add('dates', `/hydrocron/v1/timeseries?feature=Reach&feature_id=${reachId}&start_time=${enc(d)}&end_time=2030-01-01T00:00:00Z`);
    add('dates', `/stac/search`, searchBody({ datetime: d }));
  }
  // Numbers: limits, paging tokens, bboxes, radii.
  for (const n of NUMBERS) {
    add('numbers', `/stac/search?limit=${enc(n)}`);
    add('numbers', `/stac/search?token=${enc(n)}`);
    add('numbers', `/stac/search?token=next:${enc(n)}`);
    add('numbers', `/stac/search?bbox=${enc(`${n},0,1,1`)}`);
    add('numbers', `/stac/collections/swot-riversp-reach/items?limit=${enc(n)}`);
    add('numbers', `/timeseries/harmonized?lon=${enc(n)}&lat=45&radius_km=${enc(n)}`);
    add('numbers', `/jobs?limit=${enc(n)}`);
    add('numbers', `/stac/search`, searchBody({ limit: Number.isNaN(Number(n)) ? n : Number(n) }));
  }
  for (const b of ['1,2,3', 'a,b,c,d', '1,2,3,4,5,6,7', '-200,-100,200,100', '10,10,0,0', ',,,', '1;2;3;4']) {
    add('numbers', `/stac/search?bbox=${enc(b)}`);
    add('numbers', `/timeseries?feature=Reach&bbox=${enc(b)}`);
  }
  // Types in the JSON search body.
  for (const body of [
    { bbox: 'x' },
    { bbox: [1, 2] },
    { collections: 5 },
    { collections: [5] },
    { ids: { a: 1 } },
    { intersects: 'x' },
    { intersects: { type: 'Polygon', coordinates: [[[0, 0]]] } },
    { intersects: { type: 'Polygon', coordinates: JSON.parse(deepArray(200)) } },
    { sortby: 'x' },
    { sortby: [{ field: 5 }] },
    { fields: 'x' },
    { fields: { include: 5 } },
    { q: 5 },
    { filter: 'x', 'filter-lang': 'cql2-json' },
    { token: 5 },
    { limit: {} },
    [],
    'x',
    5,
    null
  ])
    add('types', `/stac/search`, searchBody(body));
  add('types', '/stac/search', { method: 'POST', body: '{"limit":', headers: { 'Content-Type': 'application/json' } });
  add('types', '/stac/search', { method: 'POST', body: 'x'.repeat(100), headers: { 'Content-Type': 'application/json' } });
  add('types', '/processes/echo/execution', { method: 'POST', body: '[]', headers: { 'Content-Type': 'application/json' } });
  // CQL2 text and JSON.
  for (const f of FILTERS) {
    add('cql2', `/stac/search?filter=${enc(f)}`);
    add('cql2', `/stac/collections/swot-riversp-reach/items?filter=${enc(f)}&filter-lang=cql2-text`);
    add('cql2', `/stac/collections/swot-riversp-reach/export?filter=${enc(f)}`);
  }
  for (const f of JSON_FILTERS) {
    add('cql2', `/stac/search?filter-lang=cql2-json&filter=${enc(JSON.stringify(f))}`);
    add('cql2', `/stac/search`, searchBody({ filter: f, 'filter-lang': 'cql2-json' }));
  }
  add('nesting', `/stac/search`, {
    method: 'POST',
    body: `{"filter-lang":"cql2-json","filter":${deepJson(10_000)}}`,
    headers: { 'Content-Type': 'application/json' }
  });
  add('nesting', `/stac/search`, { method: 'POST', body: `{"intersects":${deepArray(10_000)}}`, headers: { 'Content-Type': 'application/json' } });
  add('nesting', `/stac/search?filter-lang=cql2-json&filter=${enc(deepJson(2000))}`);
  // Names that index things: inherited property names and friends.
  for (const n of NAMES) {
    const e = enc(n);
    add('names', `/stac/search?sortby=${e}`);
    add('names', `/stac/search?sortby=-${e}`);
    add('names', `/stac/search?fields=${e}`);
    add('names', `/stac/search?fields=-${e}`);
    add('names', `/stac/search?fields=-${e}.hasOwnProperty`);
    add('names', `/stac/search?collections=${e}`);
    add('names', `/stac/search?ids=${e}`);
    add('names', `/stac/search?q=${e}`);
    add('names', `/stac/collections/${e}`);
    add('names', `/stac/collections/${e}/items`);
    add('names', `/stac/collections/${e}/queryables`);
    add('names', `/stac/collections/swot-riversp-reach/items/${e}`);
    add('names', `/stac/collections/${e}/export`);
    add('names', `/stac/collections/swot-riversp-reach/export?format=${e}`);
    add('names', `/timeseries?feature=${e}&ids=${reachId}`);
    add('names', `/timeseries?feature=Reach&ids=${reachId}&format=${e}`);
    add('names', `/timeseries?feature=Reach&ids=${reachId}&fields=${e}`);
    add('names', `/timeseries?feature=Reach&ids=${reachId}&quality=${e}`);
    add('names', `/hydrocron/v1/timeseries?feature=${e}&feature_id=${reachId}&start_time=2000-01-01T00:00:00Z&end_time=2030-01-01T00:00:00Z`);
    add('names', `/hydrocron/v1/timeseries?feature=Reach&feature_id=${reachId}&start_time=2000-01-01T00:00:00Z&end_time=2030-01-01T00:00:00Z&output=${e}`);
    add('names', `/hydrocron/v1/timeseries?feature=Reach&feature_id=${reachId}&start_time=2000-01-01T00:00:00Z&end_time=2030-01-01T00:00:00Z&fields=${e}`);
    add(
      'names',
      `/hydrocron/v1/timeseries?feature=Reach&feature_id=${reachId}&start_time=2000-01-01T00:00:00Z&end_time=2030-01-01T00:00:00Z&collection_name=${e}`
    );
    add('names', `/processes/${e}`);
    add('names', `/processes/${e}/execution`, { method: 'POST', body: '{"inputs":{}}', headers: { 'Content-Type': 'application/json' } });
    add('names', `/processes/echo/execution`, {
      method: 'POST',
      body: JSON.stringify({ inputs: { [n]: 1, message: 'x' } }),
      headers: { 'Content-Type': 'application/json' }
    });
    add('names', `/jobs/${e}`);
    add('names', `/jobs/${e}/results`);
    add('names', `/jobs?status=${e}&processID=${e}`);
    add('names', `/assets/products/${e}/${e}.parquet`);
    add('names', `/stac/search`, searchBody({ sortby: [{ field: n, direction: 'asc' }], fields: { include: [n], exclude: [`${n}.x`] } }));
  }
  // NUL bytes and bad encodings.
  for (const p of [
    `/stac/search?ids=a%00b`,
    `/stac/search?collections=swot-riversp-reach%00`,
    `/stac/search?q=%00`,
    `/stac/collections/swot-riversp-reach%00/items`,
    `/stac/collections/swot-riversp-reach/items/${itemId}%00`,
    `/timeseries?feature=Reach&ids=${reachId}%00`,
    `/timeseries?feature=Reach%00&ids=${reachId}`,
    `/hydrocron/v1/timeseries?feature=Reach&feature_id=${reachId}%00&start_time=2000-01-01T00:00:00Z&end_time=2030-01-01T00:00:00Z`,
    `/assets/products/swot-riversp-reach/%00.parquet`,
    `/assets/products/swot-riversp-reach/%E0%A4%A.parquet`,
    `/assets/sources/%2e%2e/%2e%2e/etc/passwd`,
    `/stac/search?filter=%E0%A4%A`,
    `/stac/search?%E0%A4%A=1`,
    `/processes/%00`,
    `/jobs/%00`
  ])
    add('nul-encoding', p);
  // Huge: ids per request, long URLs, big bodies.
  const manyIds = Array.from({ length: 20_000 }, (_, i) => String(74269900000 + i)).join(',');
  add('sizes', `/timeseries?feature=Reach&ids=${manyIds.slice(0, 15_000)}`);
  add('sizes', `/stac/search?ids=${'x,'.repeat(8000)}`);
  add('sizes', `/stac/search`, searchBody({ ids: Array.from({ length: 50_000 }, (_, i) => `id${i}`) }));
  add('sizes', `/stac/search?q=${'a'.repeat(20_000)}`);
  add('sizes', `/stac/search`, { method: 'POST', body: JSON.stringify({ q: 'x'.repeat(6_000_000) }), headers: { 'Content-Type': 'application/json' } });
  add('sizes', `/timeseries?feature=Reach&basin=${'7'.repeat(5000)}`);
  add('sizes', `/stac/search?filter=${enc(Array.from({ length: 3000 }, () => `"swot:cycle" = 1`).join(' OR '))}`);
  // Processes and CWL.
  const cwl = (body: string) => ({ method: 'POST', body, headers: { 'Content-Type': 'application/cwl+yaml' } });
  for (const body of [
    `cwlVersion: v1.2\nclass: CommandLineTool\nid: t1\ninputs: [1,2,3]\noutputs: {}\n`,
    `cwlVersion: v1.2\nclass: CommandLineTool\nid: t2\ninputs: {x: 5}\noutputs: {}\n`,
    `cwlVersion: v1.2\nclass: CommandLineTool\nid: t3\ninputs: {x: {type: {type: 5}}}\noutputs: {}\n`,
    `cwlVersion: v1.2\nclass: CommandLineTool\nid: t4\ninputs: {__proto__: string}\noutputs: {}\n`,
    `cwlVersion: v1.2\nclass: CommandLineTool\nid: t5\ninputs: "x"\noutputs: 5\n`,
    `cwlVersion: v1.2\nclass: CommandLineTool\nid: t6\ninputs: [{id: x}]\noutputs: {}\n`,
    `cwlVersion: v1.2\nclass: CommandLineTool\nid: t7\ninputs: {x: {type: enum, symbols: 5}}\noutputs: {}\n`,
    ALIAS_BOMB,
    '[1, 2, 3]',
    '- a\n- b',
    ': : :',
    'x: !!js/function "function(){}"',
    '',
    deepArray(5000)
  ])
    add('cwl', '/processes', cwl(body));
  // Job inputs (the client's mistakes, even in synchronous execution).
  for (const inputs of [{ message: 5 }, { message: 'x', seconds: -1 }, { message: 'x', seconds: 'a' }, 'x', [], null])
    add('jobs', '/processes/echo/execution', { method: 'POST', body: JSON.stringify({ inputs }), headers: { 'Content-Type': 'application/json' } });
  for (const inputs of [{ basin: 'x' }, { basin: '1', n: 5 }, { basin: '99999' }, { basin: '1', datetime: 'abc' }])
    add('jobs', '/processes/reach-discharge/execution', { method: 'POST', body: JSON.stringify({ inputs }), headers: { 'Content-Type': 'application/json' } });
  for (const inputs of [
    { collection: 'nope' },
    { collection: 'swot-riversp-reach', bbox: [1, 2, 3] },
    { collection: 'swot-riversp-reach', filter: 'datetime = 5' }
  ])
    add('jobs', '/processes/subset/execution', { method: 'POST', body: JSON.stringify({ inputs }), headers: { 'Content-Type': 'application/json' } });
  for (const inputs of [{ ids: ['x'] }, { ids: [] }, { ids: ['74269900011'], datetime: 'abc' }])
    add('jobs', '/processes/timeseries-export/execution', {
      method: 'POST',
      body: JSON.stringify({ inputs }),
      headers: { 'Content-Type': 'application/json' }
    });
  // Headers.
  const badHeaders: Record<string, string>[] = [
    { Authorization: 'Basic YWxpY2U6c2VjcmV0' },
    { Authorization: 'token' },
    { Authorization: 'token ' + 'x'.repeat(10_000) },
    { Authorization: 'Bearer a b c' },
    { Range: 'bytes=abc' },
    { Range: 'bytes=999999999999-' },
    { 'If-Modified-Since': 'yesterday' },
    { 'X-Request-Id': 'x'.repeat(5000) },
    { Accept: '*/*;q=abc' },
    { 'Content-Type': 'application/json; charset=klingon' }
  ];
  for (const h of badHeaders) add('headers', `/stac/search?limit=1`, { headers: h });
  add('headers', `/assets/products/swot-riversp-reach/${itemId}.parquet`, { headers: { Range: 'bytes=5-2' } });
  add('headers', `/stac/search`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json; charset=klingon' } });
  return out;
}

describe('adversarial inputs: every malformed request is a 4xx that says what to fix, none kills the gateway', () => {
  let g: TestGateway;
  let headers: Record<string, string>;
  beforeAll(async () => {
    g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0' } });
    for (const f of [REACH_548, REACHES_PASS_51[0]!]) expect((await g.ingest(f)).ok).toBe(true);
    headers = (await g.user('mallory', 'producer')).headers;
  }, 120_000);
  afterAll(async () => g?.stop());

  it('≥ 500 malformed requests: 0 × 5xx, every error in the OGC exception shape, the gateway alive throughout', async () => {
    const reachId = '74269900011';
    const itemId = 'SWOT_L2_HR_RiverSP_Reach_548_011_NA_20230610T193337_20230610T193344_PIA1_01';
    const all = probes(reachId, itemId);
    expect(all.length).toBeGreaterThanOrEqual(500);
    const failures: string[] = [];
    const byCategory = new Map<string, number>();
    for (const p of all) {
      byCategory.set(p.category, (byCategory.get(p.category) ?? 0) + 1);
      const label = `${p.category} ${p.method ?? 'GET'} ${p.path.slice(0, 160)}${p.body ? ` body=${p.body.slice(0, 80)}` : ''}`;
      const t0 = performance.now();
      let res: Response;
      let text: string;
      try {
        res = await fetch(`${g.url}${p.path}`, {
          method: p.method ?? 'GET',
          body: p.body,
          headers: { ...(p.headers?.['Authorization'] ? {} : headers), ...p.headers },
          signal: AbortSignal.timeout(20_000)
        });
        text = await res.text();
      } catch (e) {
        failures.push(`${label} → no answer (${(e as Error).message})`);
        continue;
      }
      const ms = performance.now() - t0;
      if (ms > 5000) failures.push(`${label} → took ${Math.round(ms)} ms`);
      if (res.status >= 500) failures.push(`${label} → ${res.status} ${text.slice(0, 200)}`);
      else if (res.status >= 400) {
        let body: { type?: string; title?: string; status?: number; detail?: string } = {};
        try {
          body = JSON.parse(text);
        } catch {
          /* reported below */
        }
        if (!body.type || !body.title || body.status !== res.status || !body.detail)
          failures.push(`${label} → ${res.status} not an OGC exception: ${text.slice(0, 120)}`);
      }
      // Nothing inherited was touched.
      if (({} as Record<string, unknown>)['polluted'] !== undefined || typeof Object.prototype.hasOwnProperty !== 'function')
        failures.push(`${label} → polluted Object.prototype`);
    }
    // The event stream never ends: its bad parameters only need to open it (or be refused).
    for (const n of NUMBERS) {
      const controller = new AbortController();
      const res = await fetch(`${g.url}/events?replay=${enc(n)}`, { headers, signal: controller.signal });
      if (res.status !== 200 && res.status >= 500) failures.push(`numbers GET /events?replay=${n} → ${res.status}`);
      controller.abort();
    }
    expect((await fetch(`${g.url}/health/live`)).status).toBe(200);
    console.log(`adversarial: ${all.length} requests (${[...byCategory].map(([c, n]) => `${c} ${n}`).join(', ')}), ${failures.length} failures`);
    expect([...failures]).toEqual([]);
  }, 600_000);
});
