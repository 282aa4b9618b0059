import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';

// NOTE: ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = ((formats as unknown as { default?: unknown }).default ?? formats) as (ajv: Ajv) => Ajv;
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAKE_GREENLAND, PIXC_NORMANDY, REACH_548, call, sample, startGateway, type TestGateway } from '../helpers.js';

// Official STAC 1.0.0 and GeoJSON JSON Schemas, copied into test/specs with their licenses.
const SPECS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../specs');

function loadAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const add = (file: string) => ajv.addSchema(JSON.parse(readFileSync(file, 'utf8')));
  for (const f of readdirSync(path.join(SPECS, 'geojson-schema')).filter((f) => f.endsWith('.json'))) add(path.join(SPECS, 'geojson-schema', f));
  for (const dir of ['item-spec', 'catalog-spec', 'collection-spec']) {
    const d = path.join(SPECS, 'stac-spec/v1.0.0', dir, 'json-schema');
    for (const f of readdirSync(d)) add(path.join(d, f));
  }
  return ajv;
}

let ajv: Ajv;
let item: ValidateFunction, collection: ValidateFunction, catalog: ValidateFunction, featureCollection: ValidateFunction;
let g: TestGateway;

function valid(validate: ValidateFunction, doc: unknown): string {
  return validate(doc) ? 'valid' : ajv.errorsText(validate.errors, { separator: '\n' });
}

beforeAll(async () => {
  ajv = loadAjv();
  item = ajv.getSchema('https://schemas.stacspec.org/v1.0.0/item-spec/json-schema/item.json#')!;
  collection = ajv.getSchema('https://schemas.stacspec.org/v1.0.0/collection-spec/json-schema/collection.json#')!;
  catalog = ajv.getSchema('https://schemas.stacspec.org/v1.0.0/catalog-spec/json-schema/catalog.json#')!;
  featureCollection = ajv.getSchema('https://geojson.org/schema/FeatureCollection.json')!;
  g = await startGateway();
  for (const f of [
    REACH_548,
    PIXC_NORMANDY,
    LAKE_GREENLAND,
    sample('altimetry/hydroweb/vstations.json'),
    sample('insitu/hubeau/observations_tr_K447001001_Q_2026-09-13.json')
  ]) {
    const r = await g.ingest(f);
    expect(r.ok).toBe(true);
  }
});
afterAll(async () => g?.stop());

describe('responses validate against the official STAC 1.0.0 schemas', () => {
  it('the schemas themselves reject a broken item (the check can fail)', () => {
    expect(item({ type: 'Feature', id: 'x' })).toBe(false);
  });

  it('GET /stac is a valid STAC Catalog', async () => {
    expect(valid(catalog, (await call(`${g.url}/stac`)).body)).toBe('valid');
  });

  it('GET /stac/collections: every collection is a valid STAC Collection', async () => {
    const { body } = await call(`${g.url}/stac/collections`);
    expect(body.collections.length).toBe(9);
    for (const c of body.collections) expect(valid(collection, c), c.id).toBe('valid');
    for (const c of body.collections) expect(valid(collection, (await call(`${g.url}/stac/collections/${c.id}`)).body), c.id).toBe('valid');
  });

  it('GET /stac/search: the page is a GeoJSON FeatureCollection of valid STAC Items', async () => {
    const { body } = await call(`${g.url}/stac/search?limit=100`);
    expect(body.features.length).toBe(5);
    expect(valid(featureCollection, body)).toBe('valid');
    for (const f of body.features) expect(valid(item, f), f.id).toBe('valid');
  });

  it('GET /stac/collections/{id}/items and /items/{itemId} are valid too', async () => {
    const page = (await call(`${g.url}/stac/collections/swot-lakesp/items`)).body;
    expect(valid(featureCollection, page)).toBe('valid');
    const one = (await call(page.features[0].links.find((l: any) => l.rel === 'self').href)).body;
    expect(valid(item, one)).toBe('valid');
  });
});
