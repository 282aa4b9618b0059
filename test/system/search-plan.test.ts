import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, call, startGateway, type TestGateway } from '../helpers.js';
import { synthesizeCatalog } from '../synthetic-catalog.js';

/** Catalog size: 60,000 items over two years (82 a day), all over the globe. */
const ITEMS = 60_000;
/** Most rows any one SQL of a search may examine here: a plan scanning the catalog instead of its window reads ~10× more. */
const BOUND = 4_000;

interface PlanNode {
  'Node Type': string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** Rows a plan read from the items table: what its scans returned and what their filters threw away. */
function examined(node: PlanNode): { rows: number; seq: boolean } {
  const loops = node['Actual Loops'] ?? 1;
  const leaf = ['Seq Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Index Scan'].includes(node['Node Type']);
  let rows = ((leaf ? (node['Actual Rows'] ?? 0) : 0) + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) * loops;
  let seq = node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'items';
  for (const child of node.Plans ?? []) {
    const c = examined(child);
    rows += c.rows;
    seq ||= c.seq;
  }
  return { rows, seq };
}

const day = (d: number) => new Date(Date.UTC(2023, 6, 21 + d)).toISOString();

/** Query shapes of the side-by-side benchmark, a few of each (fixed positions). */
const SHAPES: { name: string; bodies: Record<string, unknown>[]; page2?: boolean }[] = [
  {
    name: 'bbox 0.5° + 1 day',
    bodies: [10, 200, 450, 700].map((d, k) => ({
      bbox: [-100 + 40 * k, -20 + 10 * k, -99.5 + 40 * k, -19.5 + 10 * k],
      datetime: `${day(d)}/${day(d + 1)}`,
      limit: 100
    }))
  },
  {
    name: 'bbox 5° + 30 days',
    bodies: [10, 300, 650].map((d, k) => ({ bbox: [-60 + 50 * k, 10 * k, -55 + 50 * k, 5 + 10 * k], datetime: `${day(d)}/${day(d + 30)}`, limit: 100 }))
  },
  {
    name: 'bbox 20° + 30 days, limit 10, page 2',
    bodies: [20, 400].map((d, k) => ({ bbox: [-40 + 60 * k, -30, -20 + 60 * k, -10], datetime: `${day(d)}/${day(d + 30)}`, limit: 10 })),
    page2: true
  },
  {
    name: 'bbox 5° + property filter, no dates',
    bodies: [7, 300].map((pass, k) => ({
      bbox: [-10 + 70 * k, 20, -5 + 70 * k, 25],
      filter: { op: '=', args: [{ property: 'swot:pass' }, pass] },
      'filter-lang': 'cql2-json',
      limit: 100
    }))
  }
];

for (const backend of backends()) {
  describe(`catalog search plans read in proportion to the window, not the catalog (${backend.name}, ${ITEMS.toLocaleString('en')} items)`, () => {
    let g: TestGateway;
    beforeAll(async () => {
      g = await startGateway({ databaseUrl: backend.databaseUrl, env: { HYSOPE_RATE_LIMIT: '0' } });
      await synthesizeCatalog(g.gateway.db, ITEMS, () => {});
    }, 300_000);
    afterAll(async () => g?.stop());

    for (const shape of SHAPES) {
      it(`${shape.name}: each SQL of the search examines fewer than ${BOUND.toLocaleString('en')} rows, with no sequential scan`, async () => {
        const { planSearch } = await import('../../server/gateway/dist/catalog/search.js');
        const access = await g.gateway.store.access();
        const spans = Object.fromEntries(access.map((c) => [c.id, c.max_span]));
        expect(spans['swot-pixc']).toBe(10);
        for (const body of shape.bodies) {
          let search = { collections: ['swot-pixc'], ...body };
          // The same search over HTTP: it answers, and gives page 2's token.
          const first = await call(`${g.url}/stac/search`, { json: search });
          expect(first.status).toBe(200);
          if (shape.page2) {
            const next = (first.body.links as { rel: string; body: { token: string } }[]).find((l) => l.rel === 'next');
            expect(next, 'a second page').toBeTruthy();
            search = { ...search, token: next!.body.token } as typeof search;
          }
          const plan = planSearch(
            search,
            access.map((c) => c.id),
            null,
            spans
          );
          for (const sql of [g.gateway.store.pageSql(plan.where, plan.orderBy, plan.limit + 1, plan.offset), g.gateway.store.countSql(plan.where, 10_000)]) {
            const rows = await g.gateway.db.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`explain (analyze, format json) ${sql.text}`, sql.params);
            const raw = rows[0]!['QUERY PLAN'];
            const tree = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
            const e = examined(tree[0]!.Plan);
            expect(e.seq, `${shape.name}: sequential scan of items\n${JSON.stringify(tree[0]!.Plan).slice(0, 2000)}`).toBe(false);
            expect(e.rows, `${shape.name}: rows examined\n${JSON.stringify(tree[0]!.Plan).slice(0, 2000)}`).toBeLessThan(BOUND);
          }
        }
      });
    }
  });
}
