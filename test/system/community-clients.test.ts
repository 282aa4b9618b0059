import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAKE_GREENLAND, PIXC_NORMANDY, REACHES_PASS_51, REACH_548, call, objectStoreBackends, sample, startGateway, type TestGateway } from '../helpers.js';

// The STAC community's own tools, vendored in test/python (pystac, pystac-client, stac-api-validator, with their
// licenses; our offline stand-ins for stac-validator and stac-check), run by Debian's Python against the gateway.
const PYTHON_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../python');
const run = promisify(execFile);
// Asynchronously: the gateway answering them runs in this process.
const python = (script: string, ...args: string[]) =>
  run('/usr/bin/python3', [path.join(PYTHON_DIR, script), ...args], { encoding: 'utf8', timeout: 300_000, maxBuffer: 32 * 2 ** 20 }).catch(
    (e: { stdout?: string; stderr?: string; code?: number }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.code })
  );

describe.each(objectStoreBackends())("the STAC community's clients against the gateway on $name", ({ databaseUrl, s3 }) => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startGateway({ databaseUrl, s3, env: { HYSOPE_RATE_LIMIT: '0' } });
    for (const f of [REACH_548, ...REACHES_PASS_51, PIXC_NORMANDY, LAKE_GREENLAND, sample('altimetry/hydroweb/R_PERU-6-BASIN_PERU-6-BASIN_KM0049_mean.json')]) {
      const r = await g.ingest(f);
      expect(r.ok, r.ok ? '' : r.error).toBe(true);
    }
  });
  afterAll(async () => g?.stop());

  it('stac-api-validator: every conformance class the API declares, 0 errors', async () => {
    const r = await python('validate_stac_api.py', `${g.url}/stac`, 'swot-riversp-reach', '--nested-property', 'properties.swot:cycle');
    const [summary, ...messages] = r.stdout.trim().split('\n');
    const counts = JSON.parse(summary!);
    expect(
      messages.filter((m) => m.startsWith('ERROR')),
      r.stderr.slice(-2000)
    ).toEqual([]);
    expect(counts.errors).toBe(0);
    expect(counts.http_checks).toBeGreaterThan(250);
  }, 300_000);

  it('pystac-client: open, search (bbox, datetime, intersects, CQL2, sortby, fields), paging to the end, collection items — as the gateway counts them', async () => {
    const r = await python('pystac_client_run.py', `${g.url}/stac`);
    expect(r.stderr).not.toMatch(/Traceback/);
    const got = JSON.parse(r.stdout);
    expect(Object.values(got.conforms).every(Boolean)).toBe(true);
    const ids = (features: { id: string }[]) => features.map((f) => f.id).sort();
    // Paging to the end: the same items, in pages of 2, as one big page of the gateway.
    const all = (await call(`${g.url}/stac/search?limit=1000`)).body;
    expect(got.all.matched).toBe(all.numberMatched);
    expect(got.all.ids).toEqual(ids(all.features));
    expect(got.all.pages).toBe(Math.ceil(all.features.length / 2));
    const bbox = (await call(`${g.url}/stac/search?limit=1000&bbox=-80.5,40,-79.5,41&datetime=2010-08-01T00:00:00Z/2010-09-30T23:59:59Z`)).body;
    expect(got.bbox_datetime).toEqual({ matched: bbox.numberMatched, ids: ids(bbox.features) });
    expect(got.bbox_datetime.ids.length).toBeGreaterThan(1);
    const box = {
      type: 'Polygon',
      coordinates: [
        [
          [-80.5, 40],
          [-79.5, 40],
          [-79.5, 41],
          [-80.5, 41],
          [-80.5, 40]
        ]
      ]
    };
    const sorted = (
      await call(`${g.url}/stac/search`, {
        json: {
          intersects: box,
          filter: '"swot:cycle" >= 2',
          'filter-lang': 'cql2-text',
          sortby: [{ field: 'properties.swot:cycle', direction: 'desc' }],
          limit: 1000
        }
      })
    ).body.features.map((f: { id: string; properties: Record<string, unknown> }) => [f.id, f.properties['swot:cycle']]);
    expect(got.intersects_filter_sort).toEqual(sorted);
    expect(sorted.length).toBeGreaterThan(1);
    const reach = (await call(`${g.url}/stac/collections/swot-riversp-reach/items?limit=1000`)).body;
    expect(got.cql2_json_post).toEqual(ids(reach.features));
    expect(got.fields).toEqual({ keys: ['id', 'links', 'properties', 'stac_version', 'type'], properties: ['swot:cycle'] });
    expect(got.collection_items).toEqual(ids(reach.features));
    expect(got.get_items_ids).toEqual(ids(reach.features).slice(0, 2));
    expect(got.item).toBe(ids(reach.features)[0]);
    expect(got.collections).toEqual(expect.arrayContaining(['swot-riversp-reach', 'swot-pixc', 'swot-lakesp', 'hydroweb-stations']));
  }, 300_000);
});
