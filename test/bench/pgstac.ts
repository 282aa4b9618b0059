import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { syntheticItems } from '../synthetic-catalog.js';

const MIGRATION = fileURLToPath(new URL('./pgstac/pgstac--0.9.11.sql', import.meta.url));

/** The STAC item of a synthetic row (same geometry, bbox, properties and asset as HYSOPE's copy). */
function itemJson(): string {
  return `jsonb_build_object('type', 'Feature', 'stac_version', '1.0.0', 'id', id, 'collection', 'swot-pixc',
    'geometry', jsonb_build_object('type', 'Polygon', 'coordinates', jsonb_build_array(jsonb_build_array(
      jsonb_build_array(w, s), jsonb_build_array(w + 1.2, s), jsonb_build_array(w + 1.2, s + 0.6), jsonb_build_array(w, s + 0.6), jsonb_build_array(w, s)))),
    'bbox', jsonb_build_array(w, s, w + 1.2, s + 0.6),
    'properties', props || jsonb_build_object('start_datetime', props->>'datetime', 'end_datetime', to_char((t + interval '10 seconds') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
    'links', '[]'::jsonb,
    'assets', jsonb_build_object('data', jsonb_build_object('href', 'products/swot-pixc/' || id || '.parquet', 'type', 'application/vnd.apache.parquet', 'roles', jsonb_build_array('data'))))`;
}

/** pgstac in its own database of the server: migrated, one collection partitioned by month, `n` items. */
export interface Pgstac {
  search(body: Record<string, unknown>): Promise<{ features: { id: string }[]; links: { rel: string; href: string }[] }>;
  close(): Promise<void>;
}

/**
 * Creates database `pgstac` on the server of `serverUrl`, runs pgstac's migration unchanged, and loads the `n`
 * synthetic items the way pypgstac loads in bulk (its `create_items` runs a trigger per row: ~18 ms an item):
 * the items in a staging table, `check_partition` once per month, one INSERT ... SELECT per month through
 * pgstac's own `stac_geom` / `stac_datetime` / `content_slim`, `update_partition_stats_q`, VACUUM ANALYZE.
 */
export async function loadPgstac(serverUrl: string, n: number, progress: (done: string) => void): Promise<Pgstac> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query('drop database if exists pgstac');
  await admin.query('create database pgstac');
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = '/pgstac';
  const setup = new pg.Client({ connectionString: url.toString() });
  await setup.connect();
  await setup.query('set client_min_messages = warning');
  await setup.query(await readFile(MIGRATION, 'utf8'));
  await setup.query('reset role');
  await setup.query('alter database pgstac set search_path to pgstac, public');
  await setup.end();
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  await db.query('set client_min_messages = warning');
  await db.query(`select create_collection($1::jsonb)`, [
    JSON.stringify({
      type: 'Collection',
      stac_version: '1.0.0',
      id: 'swot-pixc',
      description: 'synthetic PIXC tiles',
      license: 'proprietary',
      extent: { spatial: { bbox: [[-180, -90, 180, 90]] }, temporal: { interval: [[null, null]] } },
      links: []
    })
  ]);
  await db.query(`update collections set partition_trunc = 'month' where id = 'swot-pixc'`);
  await db.query('create unlogged table staging (content jsonb not null, month timestamptz not null)');
  const batch = 100_000;
  for (let from = 0; from < n; from += batch) {
    const to = Math.min(n, from + batch) - 1;
    await db.query(
      `insert into staging select ${itemJson()}, date_trunc('month', t at time zone 'UTC') at time zone 'UTC' from (${syntheticItems(n, from, to)}) g`
    );
    progress(`staged ${(to + 1).toLocaleString('en')}`);
  }
  const months = (await db.query<{ month: Date }>('select distinct month from staging order by 1')).rows;
  for (const [k, { month }] of months.entries()) {
    const { rows } = await db.query<{ p: string }>(
      `select check_partition('swot-pixc', tstzrange(min(stac_datetime(content)), max(stac_datetime(content)), '[]'), tstzrange(min(stac_end_datetime(content)), max(stac_end_datetime(content)), '[]')) p
       from staging where month = $1`,
      [month]
    );
    await db.query(
      `insert into items (id, geometry, collection, datetime, end_datetime, content)
       select content->>'id', stac_geom(content), 'swot-pixc', stac_datetime(content), stac_end_datetime(content), content_slim(content) from staging where month = $1`,
      [month]
    );
    await db.query('select update_partition_stats_q($1)', [rows[0]!.p]);
    progress(`month ${k + 1} / ${months.length}`);
  }
  await db.query('drop table staging');
  await db.query('vacuum analyze');
  return {
    search: async (body) => (await db.query<{ s: never }>('select search($1::jsonb) s', [JSON.stringify(body)])).rows[0]!.s,
    close: () => db.end()
  };
}
