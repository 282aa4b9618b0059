import { SPAN_BACKFILL } from '@hysope/gateway';

/**
 * The synthetic PIXC-tile items of the search benchmark, rows `from`..`to` of `n`, as SQL: id, start time,
 * west, south, properties. Footprints of 1.2° x 0.6° over latitudes -78..78 and all longitudes, start times
 * spread evenly over two years from 2023-07-21 (each item lasts 10 s). HYSOPE and pgstac load the same rows.
 */
export function syntheticItems(n: number, from: number, to: number): string {
  // Whole seconds (pgstac keeps the datetime property, HYSOPE the column: the same instant in both).
  const t = `to_timestamp(1689897600 + floor(i::double precision / ${n} * 730 * 86400))`;
  return `
    select id, t, w, s, jsonb_build_object('datetime', to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'swot:cycle', 1 + (i * 35) / ${n}, 'swot:pass', 1 + i % 584, 'swot:tile', lpad((i % 584 + 1)::text, 3, '0') || '_' || lpad((i % 160)::text, 3, '0') || case when i % 2 = 0 then 'L' else 'R' end,
        'swot:crid', 'PIC0', 'deprecated', false) as props
    from (select i, 'SYN_PIXC_' || i as id, ${t} as t,
      ((i * 137.50776) - floor(i * 137.50776 / 358.8) * 358.8) - 180 as w,
      -78 + ((i * 7919) % 15540) / 100.0 as s
      from generate_series(${from}::bigint, ${to}::bigint) as i) g`;
}

/**
 * Fills the catalog with `n` synthetic PIXC-tile items ({@link syntheticItems}: the rows pgstac gets too).
 * Indexes are dropped during the load and rebuilt, as a bulk load would do; the collection's longest item
 * span is then set, as ingest keeps it.
 */
export async function synthesizeCatalog(db: { exec(sql: string): Promise<void> }, n: number, progress: (done: number) => void): Promise<void> {
  await db.exec(
    'drop index if exists items_bbox; drop index if exists items_start; drop index if exists items_end; drop index if exists items_granule; drop index if exists items_space_time;'
  );
  const batch = 50_000;
  for (let from = 0; from < n; from += batch) {
    const to = Math.min(n, from + batch) - 1;
    await db.exec(`
      insert into items (collection, id, granule_key, version, start_datetime, end_datetime, west, south, east, north, bbox, properties, content, search_text)
      select 'swot-pixc', id, id, '1', t, t + interval '10 seconds', w, s, w + 1.2, s + 0.6, box(point(w, s), point(w + 1.2, s + 0.6)), props,
        jsonb_build_object('type', 'Feature', 'stac_version', '1.0.0', 'id', id, 'collection', 'swot-pixc',
          'geometry', jsonb_build_object('type', 'Polygon', 'coordinates', jsonb_build_array(jsonb_build_array(
            jsonb_build_array(w, s), jsonb_build_array(w + 1.2, s), jsonb_build_array(w + 1.2, s + 0.6), jsonb_build_array(w, s + 0.6), jsonb_build_array(w, s)))),
          'bbox', jsonb_build_array(w, s, w + 1.2, s + 0.6), 'properties', props, 'links', '[]'::jsonb,
          'assets', jsonb_build_object('data', jsonb_build_object('href', 'products/swot-pixc/' || id || '.parquet', 'type', 'application/vnd.apache.parquet', 'roles', jsonb_build_array('data')))),
        lower(id)
      from (${syntheticItems(n, from, to)}) g`);
    progress(to + 1);
  }
  await db.exec(`
    create index if not exists items_bbox on items using gist (bbox);
    create index if not exists items_start on items (start_datetime desc, collection, id);
    create index if not exists items_end on items (end_datetime);
    create index if not exists items_granule on items (collection, granule_key);
    create index if not exists items_space_time on items using gist (bbox, tstzrange(start_datetime, end_datetime, '[]'));
    analyze items;
    ${SPAN_BACKFILL};`);
}
