import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createGateway, loadConfig } from '@hysope/gateway';
import { loadPgstac, type Pgstac } from './pgstac.js';
import { synthesizeCatalog } from '../synthetic-catalog.js';
import { percentile, report } from './stats.js';

/** One query shape of the side-by-side search benchmark. */
interface Shape {
  name: string;
  /** The i-th query of the shape (deterministic), as a STAC API search body. */
  body: (random: () => number) => Record<string, unknown>;
  /** Measure the second page (following each system's own `next` link) instead of the first. */
  page2?: boolean;
}

const day = (d: number) => new Date(Date.UTC(2023, 6, 21 + d)).toISOString();
const box = (random: () => number, size: number) => {
  const w = -180 + random() * (360 - size),
    s = -75 + random() * (145 - size);
  return [w, s, w + size, s + size];
};
const window = (random: () => number, days: number) => {
  const d = Math.floor(random() * (730 - days));
  return `${day(d)}/${day(d + days)}`;
};

const SHAPES: Shape[] = [
  { name: 'bbox 0.5° + 1 day, limit 100', body: (r) => ({ bbox: box(r, 0.5), datetime: window(r, 1), limit: 100 }) },
  { name: 'bbox 5° + 30 days, limit 100, page 1', body: (r) => ({ bbox: box(r, 5), datetime: window(r, 30), limit: 100 }) },
  { name: 'bbox 20° + 30 days, limit 100, page 1', body: (r) => ({ bbox: box(r, 20), datetime: window(r, 30), limit: 100 }) },
  { name: 'bbox 20° + 30 days, limit 100, page 2', body: (r) => ({ bbox: box(r, 20), datetime: window(r, 30), limit: 100 }), page2: true },
  { name: 'bbox 20° + 30 days, limit 10, page 1', body: (r) => ({ bbox: box(r, 20), datetime: window(r, 30), limit: 10 }) },
  { name: 'bbox 20° + 30 days, limit 10, page 2', body: (r) => ({ bbox: box(r, 20), datetime: window(r, 30), limit: 10 }), page2: true },
  {
    name: 'bbox 5° + property filter (swot:cycle), no dates, limit 100',
    body: (r) => ({
      bbox: box(r, 5),
      filter: { op: '=', args: [{ property: 'swot:cycle' }, 1 + Math.floor(r() * 35)] },
      'filter-lang': 'cql2-json',
      limit: 100
    })
  }
];

/** One page of answers, and how to ask for the next one (null on the last page). */
interface Page {
  ids: string[];
  next: (() => Promise<Page>) | null;
}
type Searcher = (body: Record<string, unknown>) => Promise<Page>;

/** HYSOPE's `POST /stac/search`; the next page by its `next` link. */
function hysopeSearcher(url: string): Searcher {
  const post = async (body: unknown): Promise<Page> => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`HYSOPE search ${res.status}: ${await res.text()}`);
    const page = (await res.json()) as { features: { id: string }[]; links: { rel: string; body?: unknown }[] };
    const next = page.links.find((l) => l.rel === 'next');
    return { ids: page.features.map((f) => f.id), next: next ? () => post(next.body) : null };
  };
  return (body) => post({ collections: ['swot-pixc'], ...body });
}

/** pgstac's `search()` over node-postgres; the next page by its `next` token. */
function pgstacSearcher(pgstac: Pgstac): Searcher {
  const search = async (body: Record<string, unknown>): Promise<Page> => {
    const page = await pgstac.search(body);
    const next = page.links.find((l) => l.rel === 'next');
    const token = next ? new URL(next.href, 'http://x').searchParams.get('token') : null;
    return { ids: page.features.map((f) => f.id), next: token ? () => search({ ...body, token }) : null };
  };
  return (body) => search({ collections: ['swot-pixc'], ...body });
}

/**
 * p50 of each query shape on two systems, queries alternated, the answers compared id by id (same items in
 * the same order, or the shape's figures are marked). Page-2 shapes time the second request only.
 */
async function sideBySide(label: string, ours: Searcher, theirs: { name: string; search: Searcher }, rounds = 60): Promise<void> {
  for (const shape of SHAPES) {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const a: number[] = [];
    const b: number[] = [];
    let differ = 0;
    let returned = 0;
    for (let q = 0; q < rounds + 10; q++) {
      const body = shape.body(random);
      // Page-2 shapes: the first page is asked untimed, then the second is timed alone.
      const time = async (search: Searcher): Promise<{ ids: string[] | null; ms: number }> => {
        let t0 = performance.now();
        let page = await search(body);
        if (shape.page2) {
          if (!page.next) return { ids: null, ms: 0 };
          t0 = performance.now();
          page = await page.next();
        }
        return { ids: page.ids, ms: performance.now() - t0 };
      };
      const x = await time(ours);
      const y = await time(theirs.search);
      if (JSON.stringify(x.ids) !== JSON.stringify(y.ids)) differ++;
      if (q >= 10 && x.ids !== null) {
        a.push(x.ms);
        b.push(y.ms);
        returned += x.ids.length;
      }
    }
    a.sort((p, q) => p - q);
    b.sort((p, q) => p - q);
    report(
      `search ${label}: ${shape.name} (${(returned / Math.max(1, a.length)).toFixed(0)} items/answer, ${a.length} queries${differ ? `, ${differ} ANSWERS DIFFER` : ', same answers'}) p50`,
      percentile(a, 50),
      'ms',
      { name: theirs.name, value: percentile(b, 50), higherIsBetter: false }
    );
  }
}

/**
 * The catalog search benchmark: HYSOPE on PostgreSQL against pgstac 0.9.11 on the same server with the same
 * `n` items, query shape by query shape; then HYSOPE on PGlite against HYSOPE on PostgreSQL.
 */
export async function benchSearchSideBySide(n: number, serverUrl: string | null): Promise<void> {
  const opened: { close(): Promise<void> }[] = [];
  try {
    const onPg = serverUrl ? await catalogOf('PostgreSQL', n, serverUrl) : null;
    if (onPg) opened.push(onPg);
    if (onPg && serverUrl) {
      const t0 = performance.now();
      const pgstac = await loadPgstac(serverUrl, n, (d) => process.stderr.write(`\r  pgstac: ${d}          `));
      opened.push(pgstac);
      process.stderr.write(`\r  pgstac: ${n.toLocaleString('en')} items loaded in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
      // pgstac is timed at the SQL level (no HTTP server here); HYSOPE through HTTP. Its floor, for reading the ratios:
      const floor: number[] = [];
      for (let i = 0; i < 200; i++) {
        const t = performance.now();
        await (await fetch(onPg.url.replace(/search$/, 'conformance'))).json();
        floor.push(performance.now() - t);
      }
      report(
        'search: HTTP floor of the gateway (GET /stac/conformance, no database) p50',
        percentile(
          floor.sort((x, y) => x - y),
          50
        ),
        'ms'
      );
      await sideBySide(`HYSOPE on PostgreSQL (HTTP) vs pgstac search() (SQL), ${n.toLocaleString('en')} items`, hysopeSearcher(onPg.url), {
        name: 'pgstac 0.9.11',
        search: pgstacSearcher(pgstac)
      });
    } else console.log('search against pgstac: not run (PostgreSQL is not installed; run scripts/install.sh)');
    const onLite = await catalogOf('PGlite', n);
    opened.push(onLite);
    if (onPg)
      await sideBySide(`HYSOPE on PGlite vs on PostgreSQL, ${n.toLocaleString('en')} items`, hysopeSearcher(onLite.url), {
        name: 'HYSOPE on PostgreSQL',
        search: hysopeSearcher(onPg.url)
      });
  } finally {
    for (const o of opened.reverse()) await o.close();
  }
}

/** A gateway on a fresh catalog of `n` synthetic items (PGlite, or the PostgreSQL server given), serving HTTP. */
async function catalogOf(name: string, n: number, databaseUrl?: string): Promise<{ url: string; close(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hysope-bench-'));
  const gateway = await createGateway(
    loadConfig({ HYSOPE_LOG_LEVEL: 'silent', HYSOPE_RATE_LIMIT: '0', ...(databaseUrl ? { HYSOPE_DATABASE_URL: databaseUrl } : {}) }, { data: dataDir })
  );
  const t0 = performance.now();
  await synthesizeCatalog(gateway.db, n, (done) => process.stderr.write(`\r  ${name}: ${done.toLocaleString('en')} / ${n.toLocaleString('en')} items`));
  process.stderr.write(`\r  ${name}: ${n.toLocaleString('en')} items loaded and indexed in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  const server = gateway.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/stac/search`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await gateway.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  };
}
