import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createGateway, loadConfig } from '@hysope/gateway';
import { percentile, report } from './stats.js';

/**
 * Fills the catalog with `n` synthetic PIXC-tile items: footprints of about 1.2° x 0.6° spread over
 * latitudes -78..78 and all longitudes, acquisition times spread evenly over two years (2023-07-21 onwards).
 * Indexes are dropped during the load and rebuilt, as a bulk load would do.
 */
async function synthesize(db: { exec(sql: string): Promise<void> }, n: number, progress: (done: number) => void): Promise<void> {
  await db.exec('drop index if exists items_bbox; drop index if exists items_start; drop index if exists items_end; drop index if exists items_granule;');
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
      from (
        select 'SYN_PIXC_' || i as id,
          timestamptz '2023-07-21T00:00:00Z' + (i::double precision / ${n}) * interval '730 days' as t,
          ((i * 137.50776) - floor(i * 137.50776 / 358.8) * 358.8) - 180 as w,
          -78 + ((i * 7919) % 15540) / 100.0 as s,
          jsonb_build_object('datetime', to_char(timestamptz '2023-07-21T00:00:00Z' + (i::double precision / ${n}) * interval '730 days', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            'swot:cycle', 1 + (i * 35) / ${n}, 'swot:pass', 1 + i % 584, 'swot:tile', lpad((i % 584 + 1)::text, 3, '0') || '_' || lpad((i % 160)::text, 3, '0') || case when i % 2 = 0 then 'L' else 'R' end,
            'swot:crid', 'PIC0', 'deprecated', false) as props
        from generate_series(${from}::bigint, ${to}::bigint) as i
      ) g`);
    progress(to + 1);
  }
  await db.exec(`
    create index if not exists items_bbox on items using gist (bbox);
    create index if not exists items_start on items (start_datetime desc, collection, id);
    create index if not exists items_end on items (end_datetime);
    create index if not exists items_granule on items (collection, granule_key);
    analyze items;`);
}

/** p50/p99 of `GET /stac/search` with bbox + datetime, limit 100, over a synthetic catalog of `n` items. */
export async function benchSearch(name: string, n: number, databaseUrl?: string): Promise<{ p50: number; p99: number }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hysope-bench-'));
  const gateway = await createGateway(
    loadConfig({ HYSOPE_LOG_LEVEL: 'silent', ...(databaseUrl ? { HYSOPE_DATABASE_URL: databaseUrl } : {}) }, { data: dataDir })
  );
  try {
    const t0 = performance.now();
    await synthesize(gateway.db, n, (done) => process.stderr.write(`\r  ${name}: ${done.toLocaleString('en')} / ${n.toLocaleString('en')} items`));
    process.stderr.write(`\r  ${name}: ${n.toLocaleString('en')} items loaded and indexed in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    const server = gateway.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stac/search`;
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const times: number[] = [];
    let returned = 0;
    for (let q = 0; q < 220; q++) {
      const w = -180 + random() * 355,
        s = -75 + random() * 145;
      const day = Math.floor(random() * 700);
      const start = new Date(Date.UTC(2023, 6, 21 + day)).toISOString();
      const end = new Date(Date.UTC(2023, 6, 21 + day + 30)).toISOString();
      const t = performance.now();
      const res = await fetch(`${url}?bbox=${w},${s},${w + 5},${s + 5}&datetime=${start}/${end}&limit=100`);
      const body = (await res.json()) as { features: unknown[] };
      if (q >= 20) {
        times.push(performance.now() - t);
        returned += body.features.length;
      }
    }
    server.closeAllConnections();
    server.close();
    times.sort((a, b) => a - b);
    const p50 = percentile(times, 50),
      p99 = percentile(times, 99);
    report(
      `search ${name} (${n.toLocaleString('en')} items, bbox 5°x5° + 30-day datetime, limit 100; ${(returned / times.length).toFixed(0)} items/answer) p50`,
      p50,
      'ms',
      {
        name: 'pgstac published p50 (limit 100)',
        value: 60,
        higherIsBetter: false
      }
    );
    report(`search ${name} p99`, p99, 'ms');
    return { p50, p99 };
  } finally {
    await gateway.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
