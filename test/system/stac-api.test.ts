import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LAKE_GREENLAND,
  NODE_WITHOUT_DBF,
  PIXC_NORMANDY,
  REACHES_PASS_51,
  REACH_548,
  objectStoreBackends,
  call,
  sample,
  startGateway,
  type TestGateway
} from '../helpers.js';

const HYDROWEB_SERIES = sample('altimetry/hydroweb/R_PERU-6-BASIN_PERU-6-BASIN_KM0049_mean.json');

function expectException(r: { status: number; body: any }, status: number, detail: RegExp) {
  expect(r.status).toBe(status);
  expect(Object.keys(r.body).sort()).toEqual(expect.arrayContaining(['detail', 'status', 'title', 'type']));
  expect(r.body.status).toBe(status);
  expect(r.body.detail).toMatch(detail);
}

describe.each(objectStoreBackends())('STAC API on $name', ({ databaseUrl, s3 }) => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startGateway({ databaseUrl, s3 });
    for (const f of [REACH_548, ...REACHES_PASS_51, PIXC_NORMANDY, LAKE_GREENLAND, HYDROWEB_SERIES]) {
      const r = await g.ingest(f);
      expect(r.ok, r.ok ? '' : r.error).toBe(true);
    }
  });
  afterAll(async () => {
    await g?.stop();
  });

  it('GET /stac returns the landing page with conformance and links', async () => {
    const r = await call(`${g.url}/stac`);
    expect(r.status).toBe(200);
    expect(r.body.conformsTo).toContain('https://api.stacspec.org/v1.0.0/item-search#filter');
    expect(r.body.links.map((l: any) => l.rel)).toEqual(expect.arrayContaining(['self', 'root', 'conformance', 'data', 'search']));
  });

  it('GET /stac/collections lists every product type with extents from ingest', async () => {
    const r = await call(`${g.url}/stac/collections`);
    const ids = r.body.collections.map((c: any) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['swot-riversp-reach', 'swot-riversp-node', 'swot-lakesp', 'swot-pixc', 'hydroweb-stations', 'insitu-gauges']));
    const reach = r.body.collections.find((c: any) => c.id === 'swot-riversp-reach');
    expect(reach.extent.temporal.interval[0][0]).toMatch(/^2010-08-16/);
    expect(reach.extent.temporal.interval[0][1]).toMatch(/^2023-06-10/);
    expect(reach.summaries['swot:cycle']).toEqual({ minimum: 1, maximum: 548 });
    expect(reach.summaries['swot:crid']).toEqual(['PGA2', 'PIA1']);
  });

  it('GET /stac/collections/{id}/items/{itemId} returns the item with SWOT properties and assets', async () => {
    const id = 'SWOT_L2_HR_RiverSP_Reach_548_011_NA_20230610T193337_20230610T193344_PIA1_01';
    const r = await call(`${g.url}/stac/collections/swot-riversp-reach/items/${id}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/application\/geo\+json/);
    expect(r.body.properties).toMatchObject({ 'swot:cycle': 548, 'swot:pass': 11, 'swot:continent': 'NA', 'swot:crid': 'PIA1', 'processing:level': 'L2' });
    expect(r.body.assets.data.type).toBe('application/vnd.apache.parquet');
    expect(r.body.assets.data.href).toBe(`${g.url}/assets/products/swot-riversp-reach/${id}.parquet`);
    expect(r.body.assets.source.href).toMatch(/\.zip$/);
  });

  it('GET /stac/search filters by bbox and datetime', async () => {
    const pittsburgh = await call(`${g.url}/stac/search?bbox=-80.5,40,-79.5,41&datetime=2010-08-01T00:00:00Z/2010-09-30T23:59:59Z`);
    expect(pittsburgh.status).toBe(200);
    expect(pittsburgh.body.features.map((f: any) => f.properties['swot:cycle']).sort()).toEqual([1, 2, 3]);
    const openEnded = await call(`${g.url}/stac/search?datetime=2022-01-01T00:00:00Z/..&limit=50`);
    // The Hydroweb series runs from 2019 into 2022: it overlaps the open interval too.
    expect(openEnded.body.features.map((f: any) => f.collection).sort()).toEqual(['hydroweb-stations', 'swot-lakesp', 'swot-pixc', 'swot-riversp-reach']);
    const normandy = await call(`${g.url}/stac/search?bbox=-1.5,49.5,-1,49.8`);
    expect(normandy.body.features.map((f: any) => f.id)).toEqual(['SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01']);
  });

  it('POST /stac/search with intersects tests the real footprint, not only its bbox', async () => {
    const item = (await call(`${g.url}/stac/collections/swot-pixc/items/SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01`)).body;
    const ring = item.geometry.coordinates[0] as number[][];
    const [w, s, e, n] = item.bbox as number[];
    // A small square in a corner of the bbox that the (tilted) swath footprint does not cover.
    const corners = [
      [w, s],
      [e, s],
      [e, n],
      [w, n]
    ] as const;
    const inside = (p: readonly number[]) => {
      let c = false;
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i]!,
          [xj, yj] = ring[j]!;
        if (yi! > p[1]! !== yj! > p[1]! && p[0]! < ((xj! - xi!) * (p[1]! - yi!)) / (yj! - yi!) + xi!) c = !c;
      }
      return c;
    };
    const corner = corners.find((c) => !inside(c))!;
    const d = 0.01;
    const square = {
      type: 'Polygon',
      coordinates: [
        [
          [corner[0], corner[1]],
          [corner[0] + (corner[0] === w ? d : -d), corner[1]],
          [corner[0] + (corner[0] === w ? d : -d), corner[1] + (corner[1] === s ? d : -d)],
          [corner[0], corner[1] + (corner[1] === s ? d : -d)],
          [corner[0], corner[1]]
        ]
      ]
    };
    expect(item.assets.tvp.href).toMatch(/\.tvp\.parquet$/);
    expect((await fetch(item.assets.tvp.href)).status).toBe(200);
    const miss = await call(`${g.url}/stac/search`, { json: { collections: ['swot-pixc'], intersects: square } });
    expect(miss.status).toBe(200);
    expect(miss.body.features).toHaveLength(0);
    const hit = await call(`${g.url}/stac/search`, {
      json: { collections: ['swot-pixc'], intersects: { type: 'Point', coordinates: [(w + e) / 2, (s + n) / 2] } }
    });
    expect(hit.body.features).toHaveLength(1);
    // A GeometryCollection meets an item when one of its members does (GET and POST, and as a CQL2 text literal).
    const far = { type: 'Point', coordinates: [100, 0] };
    const collection = {
      type: 'GeometryCollection',
      geometries: [
        far,
        {
          type: 'LineString',
          coordinates: [
            [(w + e) / 2, s],
            [(w + e) / 2, n]
          ]
        }
      ]
    };
    const gcPost = await call(`${g.url}/stac/search`, { json: { collections: ['swot-pixc'], intersects: collection } });
    expect(gcPost.status).toBe(200);
    expect(gcPost.body.features.map((f: any) => f.id)).toEqual([item.id]);
    const gcGet = await call(`${g.url}/stac/search?collections=swot-pixc&intersects=${encodeURIComponent(JSON.stringify(collection))}`);
    expect(gcGet.body.features.map((f: any) => f.id)).toEqual([item.id]);
    const gcMiss = await call(`${g.url}/stac/search`, { json: { intersects: { type: 'GeometryCollection', geometries: [far, square] } } });
    expect(gcMiss.status).toBe(200);
    expect(gcMiss.body.features.filter((f: any) => f.id === item.id)).toHaveLength(0);
    const wkt = `S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(100 0), POINT(${(w + e) / 2} ${(s + n) / 2})))`;
    const gcText = await call(`${g.url}/stac/search?collections=swot-pixc&filter=${encodeURIComponent(wkt)}`);
    expect(gcText.status).toBe(200);
    expect(gcText.body.features.map((f: any) => f.id)).toEqual([item.id]);
    const empty = await call(`${g.url}/stac/search`, { json: { intersects: { type: 'GeometryCollection', geometries: [] } } });
    expect(empty.body.features).toHaveLength(0);
  });

  it('filters on properties outside the queryables: read from the items, typed by the value, null (no match) where absent', async () => {
    const queryables = await call(`${g.url}/stac/queryables`);
    expect(queryables.body.additionalProperties).toBe(true);
    const all = (await call(`${g.url}/stac/search?limit=100`)).body.features as any[];
    const search = async (filter: string) => {
      const r = await call(`${g.url}/stac/search?limit=100&filter=${encodeURIComponent(filter)}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return (r.body.features as any[]).map((f) => f.id).sort();
    };
    // A property no item has (the validator's eo:cloud_cover): accepted, matches nothing, whatever the operator.
    expect(await search('eo:cloud_cover < 10')).toEqual([]);
    expect(await search('eo:cloud_cover BETWEEN 0 AND 50')).toEqual([]);
    expect(await search("mission NOT LIKE 'sentinel%'")).toEqual([]);
    expect((await search('eo:cloud_cover IS NULL')).length).toBe(all.length);
    // A property the items do have but that is not a queryable: compared by its JSON type.
    const rows = all.find((f) => typeof f.properties['hysope:rows'] === 'number').properties['hysope:rows'];
    const withRows = all.filter((f) => f.properties['hysope:rows'] === rows).map((f) => f.id);
    expect(withRows.length).toBeGreaterThan(0);
    expect(await search(`"hysope:rows" = ${rows}`)).toEqual(withRows.sort());
    expect(await search(`"hysope:rows" = '${rows}'`)).toEqual([]); // a number is not the string
    const pia = all.filter((f) => String(f.properties.version ?? '').startsWith('PIA1')).map((f) => f.id);
    expect(pia.length).toBeGreaterThan(0);
    expect(await search("version LIKE 'PIA1%'")).toEqual(pia.sort());
    // The drafts' BETWEEN form [value, [low, high]] in CQL2 JSON.
    const between = await call(`${g.url}/stac/search`, {
      json: { limit: 100, filter: { op: 'between', args: [{ property: 'hysope:rows' }, [rows, rows]] }, 'filter-lang': 'cql2-json' }
    });
    expect(between.body.features.map((f: any) => f.id).sort()).toEqual(withRows.sort());
    // Queryables keep their types: a mismatch is an error, not an empty page.
    expectException(await call(`${g.url}/stac/search?filter=${encodeURIComponent('"swot:cycle" = \'x\'')}`), 400, /cannot compare/);
    expectException(
      await call(`${g.url}/stac/search?filter=${encodeURIComponent("nosuch > TIMESTAMP('2020-01-01T00:00:00Z')")}`),
      400,
      /not a queryable; only queryables compare with dates/
    );
    expectException(await call(`${g.url}/stac/search?filter=${encodeURIComponent('S_INTERSECTS(nosuch, POINT(0 0))')}`), 400, /"nosuch" is not a geometry/);
  });

  it('filters with CQL2 text and CQL2 JSON the same way', async () => {
    const text = await call(
      `${g.url}/stac/search?filter=${encodeURIComponent('"swot:cycle" >= 2 AND "swot:continent" = \'NA\' AND collection = \'swot-riversp-reach\'')}&filter-lang=cql2-text`
    );
    const json = await call(`${g.url}/stac/search`, {
      json: {
        filter: {
          op: 'and',
          args: [
            { op: '>=', args: [{ property: 'swot:cycle' }, 2] },
            { op: '=', args: [{ property: 'swot:continent' }, 'NA'] },
            { op: '=', args: [{ property: 'collection' }, 'swot-riversp-reach'] }
          ]
        },
        'filter-lang': 'cql2-json'
      }
    });
    expect(text.status).toBe(200);
    const ids = text.body.features.map((f: any) => f.id).sort();
    expect(ids).toEqual(json.body.features.map((f: any) => f.id).sort());
    expect(ids).toHaveLength(3);
    const between = await call(`${g.url}/stac/search?filter=${encodeURIComponent('"swot:cycle" BETWEEN 2 AND 3 AND "swot:crid" IN (\'PGA2\')')}`);
    expect(between.body.features.map((f: any) => f.properties['swot:cycle']).sort()).toEqual([2, 3]);
    const temporal = await call(`${g.url}/stac/search?filter=${encodeURIComponent("T_INTERSECTS(datetime, INTERVAL('2023-01-01T00:00:00Z', '..'))")}`);
    expect(temporal.body.features.map((f: any) => f.collection).sort()).toEqual(['swot-lakesp', 'swot-riversp-reach']);
    const spatial = await call(
      `${g.url}/stac/search?filter=${encodeURIComponent('S_INTERSECTS(geometry, BBOX(-80.5, 40, -79.5, 41)) AND NOT "swot:cycle" = 1')}`
    );
    expect(spatial.body.features.map((f: any) => f.properties['swot:cycle']).sort()).toEqual([2, 3]);
  });

  it('sorts, selects fields and searches free text', async () => {
    const sorted = await call(`${g.url}/stac/search?collections=swot-riversp-reach&sortby=%2Bswot:cycle`);
    expect(sorted.body.features.map((f: any) => f.properties['swot:cycle'])).toEqual([1, 2, 3, 548]);
    const desc = await call(`${g.url}/stac/search`, {
      json: { collections: ['swot-riversp-reach'], sortby: [{ field: 'properties.swot:cycle', direction: 'desc' }] }
    });
    expect(desc.body.features[0].properties['swot:cycle']).toBe(548);
    const fields = await call(`${g.url}/stac/search?collections=swot-riversp-reach&fields=id,properties.swot:cycle,-assets`);
    expect(Object.keys(fields.body.features[0]).sort()).toEqual(['id', 'links', 'properties', 'stac_version', 'type']);
    expect(Object.keys(fields.body.features[0].properties)).toEqual(['swot:cycle']);
    // The fields extension's semantics: default set, include only, exclude from all / from the default set, nesting.
    const one = async (fields: unknown) => {
      const r = await call(`${g.url}/stac/search`, { json: { collections: 'swot-riversp-reach', limit: 1, fields } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.features[0];
    };
    const byDefault = ['assets', 'bbox', 'collection', 'geometry', 'id', 'links', 'properties', 'stac_version', 'type'];
    for (const empty of [{}, { include: null, exclude: null }, { include: [], exclude: [] }]) {
      const f = await one(empty);
      expect(Object.keys(f).sort()).toEqual(byDefault);
      expect(Object.keys(f.properties).sort()).toEqual(['datetime', 'end_datetime', 'start_datetime']);
    }
    const emptyGet = await call(`${g.url}/stac/search?collections=swot-riversp-reach&limit=1&fields=`);
    expect(Object.keys(emptyGet.body.features[0]).sort()).toEqual(byDefault);
    const noGeometry = await one({ exclude: ['geometry'] });
    expect(noGeometry.geometry).toBeUndefined();
    expect(noGeometry.properties['swot:cycle']).toBeDefined(); // everything else
    for (const include of [[], null]) {
      const f = await one({ exclude: ['geometry'], include });
      expect(f.geometry).toBeUndefined();
      expect(f.assets).toBeDefined();
      expect(f.properties['swot:cycle']).toBeUndefined(); // the default set without geometry
    }
    const nested = await one({ exclude: ['properties'], include: ['properties.swot:cycle'] });
    expect(nested.properties).toEqual({ 'swot:cycle': expect.any(Number) });
    expect(nested.geometry).toBeUndefined();
    const nestedGet = await call(
      `${g.url}/stac/search?collections=swot-riversp-reach&limit=1&fields=${encodeURIComponent('-properties,+properties.swot:cycle')}`
    );
    expect(Object.keys(nestedGet.body.features[0].properties)).toEqual(['swot:cycle']);
    const allButCycle = await one({ include: ['properties'], exclude: ['properties.swot:cycle'] });
    expect(allButCycle.properties['swot:cycle']).toBeUndefined();
    expect(allButCycle.properties['swot:pass']).toBeDefined();
    expect((await one({ include: ['geometry'], exclude: ['geometry'] })).geometry).toBeDefined(); // include wins
    // A single collection id as a string is read like the GET parameter.
    const asString = await call(`${g.url}/stac/search`, { json: { collections: 'swot-riversp-reach', limit: 100 } });
    expect(asString.status).toBe(200);
    expect(asString.body.features.map((f: any) => f.id).sort()).toEqual(sorted.body.features.map((f: any) => f.id).sort());
    const q = await call(`${g.url}/stac/search?q=greenland,peru`); // continent names are searchable, not only codes
    expect(q.body.features.map((f: any) => f.collection).sort()).toEqual(['hydroweb-stations', 'swot-lakesp']);
  });

  it('pages through results with next links, GET and POST, without duplicates', async () => {
    const all = await call(`${g.url}/stac/search?limit=100`);
    const total = all.body.features.length;
    expect(total).toBe(7);
    const seen: string[] = [];
    let next: any = { href: `${g.url}/stac/search?limit=2` };
    while (next) {
      const page = await call(next.href);
      expect(page.status).toBe(200);
      seen.push(...page.body.features.map((f: any) => f.id));
      next = page.body.links.find((l: any) => l.rel === 'next');
    }
    expect(seen).toEqual(all.body.features.map((f: any) => f.id));
    const posted: string[] = [];
    let body: any = { limit: 3 };
    for (;;) {
      const page = await call(`${g.url}/stac/search`, { json: body });
      posted.push(...page.body.features.map((f: any) => f.id));
      const link = page.body.links.find((l: any) => l.rel === 'next');
      if (!link) break;
      expect(link.method).toBe('POST');
      body = link.body;
    }
    expect(posted).toEqual(seen);
    expect(all.body.numberMatched).toBe(total);
    // In the default order a next page continues after the previous one's last item (a keyset token, not an OFFSET),
    // so a page deep in a large catalog costs what the first does; a sorted search still pages by position.
    const first = await call(`${g.url}/stac/search?limit=2`);
    const token = new URL(first.body.links.find((l: any) => l.rel === 'next').href).searchParams.get('token')!;
    expect(token).toMatch(/^a\./);
    const sorted = await call(`${g.url}/stac/search?limit=2&sortby=-properties.swot:cycle`);
    expect(new URL(sorted.body.links.find((l: any) => l.rel === 'next').href).searchParams.get('token')).toBe('2');
    for (const forged of ['a.', 'a.bm90IGpzb24', `a.${Buffer.from(JSON.stringify(['yesterday', 'x', 'y'])).toString('base64url')}`, `${token}&sortby=id`]) {
      const r = await call(`${g.url}/stac/search?limit=2&token=${forged}`);
      expect(r.status, forged).toBe(400);
      expect(r.body.detail).toMatch(/token is not one this API gave/);
    }
  });

  it('answers bad input with a 400/404 in the OGC exception shape that says what to fix', async () => {
    expectException(await call(`${g.url}/stac/search?bbox=1,2,3`), 400, /bbox needs 4 or 6 numbers/);
    expectException(await call(`${g.url}/stac/search?bbox=0,50,1,40`), 400, /south .* greater than north/);
    expectException(await call(`${g.url}/stac/search?datetime=2024-13-45`), 400, /not a valid date|RFC 3339/);
    expectException(await call(`${g.url}/stac/search?datetime=2024-01-02T00:00:00Z/2023-01-01T00:00:00Z`), 400, /start .* after its end/);
    expectException(await call(`${g.url}/stac/search?limit=0`), 400, /limit must be between 1 and 10000/);
    // Above the maximum: served as the maximum (STAC API), not refused.
    const clamped = await call(`${g.url}/stac/search?limit=100001`);
    expect(clamped.status).toBe(200);
    expect(clamped.body.context.limit).toBe(10000);
    expectException(await call(`${g.url}/stac/search?filter=${encodeURIComponent('"swot:cycle" >> 3')}`), 400, /CQL2/);
    // STAC item search takes RFC 3339 date-times; a bare day is not one (an interval over the day is).
    expectException(await call(`${g.url}/stac/search?datetime=1985-04-12`), 400, /not an RFC 3339 date-time .*1985|RFC 3339 date-time/);
    expectException(await call(`${g.url}/stac/search?datetime=2023-01-01/..`), 400, /RFC 3339 date-time/);
    expectException(await call(`${g.url}/stac/search?collections=nope`), 400, /unknown collection\(s\): nope/);
    expectException(await call(`${g.url}/stac/collections/nope`), 404, /collection "nope" does not exist/);
    expectException(await call(`${g.url}/stac/collections/nope/items`), 404, /does not exist/);
    expectException(await call(`${g.url}/stac/collections/swot-pixc/items/nope`), 404, /not in collection/);
    expectException(
      await call(`${g.url}/stac/search`, { method: 'POST', body: '{not json', headers: { 'Content-Type': 'application/json' } }),
      400,
      /not valid JSON/
    );
    expectException(await call(`${g.url}/stac/search`, { json: { bbox: [1, 2], colections: ['x'] } }), 400, /unknown search parameter\(s\): colections/);
    expectException(await call(`${g.url}/nowhere`), 404, /no resource/);
  });

  it('ingesting the same granule twice keeps one item', async () => {
    const before = (await call(`${g.url}/stac/search?collections=swot-riversp-reach&limit=100`)).body.features.length;
    const again = await g.ingest(REACH_548);
    expect(again.ok).toBe(true);
    const after = (await call(`${g.url}/stac/search?collections=swot-riversp-reach&limit=100`)).body.features.length;
    expect(after).toBe(before);
  });

  it('a granule that fails to read leaves the catalog and the object store as they were', async () => {
    const search = async () => (await call(`${g.url}/stac/search?limit=100`)).body.features.map((f: any) => [f.id, f.properties.deprecated]);
    await g.gateway.compactor.idle(); // the earlier ingests' compactions (background work that writes files) done
    const before = { items: await search(), files: await g.stored() };
    const r = await g.ingest(NODE_WITHOUT_DBF);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/SWOT_L2_HR_RiverSP_Node_540_010_AS.*\.dbf \(attributes\) is missing/);
    await g.gateway.compactor.idle(); // a failed ingest starts none
    expect({ items: await search(), files: await g.stored() }).toEqual(before);
  });

  it('a newer CRID of the same granule supersedes the older one without losing it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hysope-crid-'));
    const newer = path.join(dir, path.basename(REACH_548).replace('_PIA1_01', '_PIB0_01'));
    await copyFile(REACH_548, newer);
    const r = await g.ingest(newer);
    await rm(dir, { recursive: true });
    expect(r.ok).toBe(true);
    const oldId = 'SWOT_L2_HR_RiverSP_Reach_548_011_NA_20230610T193337_20230610T193344_PIA1_01';
    const newId = oldId.replace('PIA1', 'PIB0');
    const current = await call(`${g.url}/stac/search?collections=swot-riversp-reach&filter=${encodeURIComponent('"swot:cycle" = 548')}`);
    expect(current.body.features.map((f: any) => f.id)).toEqual([newId]);
    const old = await call(`${g.url}/stac/collections/swot-riversp-reach/items/${oldId}`);
    expect(old.status).toBe(200);
    expect(old.body.properties.deprecated).toBe(true);
    expect(old.body.links.find((l: any) => l.rel === 'latest-version').href).toMatch(newId);
    const byId = await call(`${g.url}/stac/search?ids=${oldId}`);
    expect(byId.body.features).toHaveLength(1);
  });

  it('serves the GeoParquet asset with ranges, validators and no escape from the data root', async () => {
    const item = (await call(`${g.url}/stac/collections/swot-riversp-reach/items/SWOT_L2_HR_RiverSP_Reach_1_51_NA_20100816T184024_20100816T184031_PGA2_03`))
      .body;
    const href = item.assets.data.href as string;
    const full = await fetch(href);
    const bytes = new Uint8Array(await full.arrayBuffer());
    expect(full.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    expect(new TextDecoder().decode(bytes.slice(0, 4))).toBe('PAR1');
    const tail = await fetch(href, { headers: { Range: 'bytes=-8' } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get('content-range')).toBe(`bytes ${bytes.length - 8}-${bytes.length - 1}/${bytes.length}`);
    expect(new TextDecoder().decode(new Uint8Array(await tail.arrayBuffer()).slice(4))).toBe('PAR1');
    const etag = full.headers.get('etag')!;
    // fetch() adds Cache-Control: no-cache to conditional requests; DuckDB and browsers' range readers do not.
    const conditional = await new Promise<number>((resolve, reject) =>
      http.get(href, { headers: { 'If-None-Match': etag } }, (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject)
    );
    expect(conditional).toBe(304);
    expect((await fetch(href, { headers: { Range: `bytes=${bytes.length + 10}-${bytes.length + 20}` } })).status).toBe(416);
    expect((await fetch(`${g.url}/assets/products/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
    expect((await fetch(`${g.url}/assets/products/../db/PG_VERSION`)).status).toBe(404);
  });
});
