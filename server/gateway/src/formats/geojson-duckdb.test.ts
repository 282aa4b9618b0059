import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Geometry } from '@hysope/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeoJsonFeatures, geojsonQuery } from './geojson-duckdb.js';
import { toWkb } from './wkb.js';

const GEOMETRIES: Geometry[] = [
  { type: 'Point', coordinates: [-80.00123456789, 40.5] },
  {
    type: 'LineString',
    coordinates: [
      [-80, 40],
      [-80.1, 40.05],
      [-80.2, 40.125]
    ]
  },
  {
    type: 'Polygon',
    coordinates: [
      [
        [4.8, 45.7],
        [4.9, 45.7],
        [4.9, 45.8],
        [4.8, 45.7]
      ]
    ]
  }
];

const blob = (g: Geometry) => `'${[...toWkb(g)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}'::blob`;

describe('GeoJSON features written from DuckDB result chunks', () => {
  let duck: DuckDBConnection;
  beforeAll(async () => {
    duck = await (await DuckDBInstance.create(':memory:')).connect();
    // 5,000 observations of 250 features (three DuckDB chunks): a feature's rows share its geometry, some have none;
    // floats with NaN and infinities, text to escape (quotes, backslashes, new lines, accents), nulls.
    await duck.run(`create table g as select * from (values ${GEOMETRIES.map((g, k) => `(${k}, ${blob(g)})`).join(', ')}) v(k, geometry)`);
    await duck.run(`create table obs as select
        lpad((k // 20)::varchar, 14, '7') as "node_id",
        case when k % 13 = 0 then 'nan'::double when k % 17 = 0 then 'inf'::double when k % 19 = 0 then '-inf'::double when k % 7 = 0 then null
             else k / 8.0 - 100 end as wse,
        case when k % 11 = 0 then null else (k % 4)::integer end as node_q,
        case k % 5 when 0 then null when 1 then 'Rhône "amont"' when 2 then 'back\\slash' || chr(10) || 'line' else 'n' || k end as "name ""quoted""",
        case when (k // 20) % 9 = 0 then null else (select geometry from g where g.k = (r.k // 20) % 3) end as geometry
      from range(5000) r(k)`);
  });
  afterAll(() => duck?.closeSync());

  it('are the FeatureCollection JS would write: same properties (non-finite floats as null), geometries, order', async () => {
    const from = `select * from obs order by node_id`;
    const properties = [
      { name: 'node_id', float: false },
      { name: 'wse', float: true },
      { name: 'node_q', float: false },
      { name: 'name "quoted"', float: false }
    ];
    const result = await duck.stream(geojsonQuery(from, properties, 'geometry'));
    const features = new GeoJsonFeatures();
    const parts: Buffer[] = [];
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) parts.push(features.chunk(chunk));
    expect(parts.length).toBeGreaterThan(2);
    const collection = JSON.parse(`{"type":"FeatureCollection","features":[${Buffer.concat(parts).toString()}]}`);
    const rows = (await duck.runAndReadAll(from)).getRowObjectsJS();
    expect(collection.features).toHaveLength(rows.length);
    const expected = rows.map((r) => ({
      type: 'Feature',
      properties: {
        node_id: r['node_id'],
        wse: Number.isFinite(r['wse']) ? r['wse'] : null,
        node_q: r['node_q'],
        'name "quoted"': r['name "quoted"']
      },
      geometry: r['geometry'] ? GEOMETRIES[GEOMETRIES.findIndex((g) => Buffer.from(toWkb(g)).equals(Buffer.from(r['geometry'] as Uint8Array)))] : null
    }));
    expect(collection.features).toEqual(expected);
    const nulls = collection.features.filter((f: { geometry: unknown }) => f.geometry === null).length;
    expect(nulls).toBeGreaterThan(0);
    expect(new Set(collection.features.map((f: { geometry: { type: string } | null }) => f.geometry?.type)).size).toBe(4);
    expect(collection.features.some((f: { properties: Record<string, unknown> }) => String(f.properties['name "quoted"']).includes('\n'))).toBe(true);
  });
});
