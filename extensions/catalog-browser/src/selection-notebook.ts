// "Open in the lab": what a person selected in the portal (features, places, a catalog search) travels in the lab's
// address as JSON, and becomes a TypeScript notebook that reads exactly that through @hysope/kernels-bridge. The
// selection comes from a link anyone could forge, so it is checked field by field, and every value reaches the
// notebook's code through JSON.stringify (data, never code). The notebook is not run on opening.

import { SWOT_FEATURES } from '@hysope/api';

export const OPEN_PARAM = 'hysope-open';
export type SelectionFeature = 'Reach' | 'Node' | 'PriorLake';

export interface LabSelection {
  /** What the notebook is about (the portal's page title). */
  title?: string;
  /** Where it was opened from (the portal's permanent address). */
  source?: string;
  /** SWOT features by type: their time series. */
  features?: { feature: SelectionFeature; ids: string[] }[];
  /** Points (virtual stations, gauges): the harmonized series around each. */
  places?: { lon: number; lat: number; name?: string }[];
  /** A catalog search: its items, listed and drawn. */
  search?: { collections?: string[]; bbox?: [number, number, number, number]; datetime?: string; q?: string };
  /** The time window of the series (RFC 3339 interval). */
  datetime?: string;
}

const FEATURES: readonly SelectionFeature[] = ['Reach', 'Node', 'PriorLake'];
const MAX_IDS = 500;
const ID = /^[0-9A-Za-z_.-]{1,40}$/;
const COLLECTION = /^[0-9A-Za-z_.-]{1,100}$/;
const INTERVAL = /^(\.\.|[0-9T:.+Z-]{4,40})(\/(\.\.|[0-9T:.+Z-]{4,40}))?$/;

function text(v: unknown, max: number, what: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > max) throw new Error(`${what}: a text of at most ${max} characters`);
  return v;
}

function finite(v: unknown, lo: number, hi: number, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) throw new Error(`${what}: a number from ${lo} to ${hi}`);
  return v;
}

/** The selection of a link, checked; throws with what is wrong. */
export function parseSelection(raw: string): LabSelection {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new Error('the selection is not JSON');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('the selection is not an object');
  const o = v as Record<string, unknown>;
  const out: LabSelection = {};
  const title = text(o['title'], 200, 'title');
  if (title !== undefined) out.title = title;
  const source = text(o['source'], 2000, 'source');
  if (source !== undefined) {
    if (!/^https?:\/\//.test(source)) throw new Error('source: an http(s) address');
    out.source = source;
  }
  const datetime = text(o['datetime'], 90, 'datetime');
  if (datetime !== undefined) {
    if (!INTERVAL.test(datetime)) throw new Error('datetime: an RFC 3339 instant or interval');
    out.datetime = datetime;
  }
  if (o['features'] !== undefined) {
    if (!Array.isArray(o['features'])) throw new Error('features: a list');
    out.features = o['features'].map((f: unknown, i: number) => {
      const g = (f ?? {}) as Record<string, unknown>;
      if (!FEATURES.includes(g['feature'] as SelectionFeature)) throw new Error(`features[${i}].feature: one of ${FEATURES.join(', ')}`);
      const ids = g['ids'];
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_IDS || !ids.every((x) => typeof x === 'string' && ID.test(x))) {
        throw new Error(`features[${i}].ids: 1 to ${MAX_IDS} feature ids`);
      }
      return { feature: g['feature'] as SelectionFeature, ids: ids as string[] };
    });
  }
  if (o['places'] !== undefined) {
    if (!Array.isArray(o['places']) || o['places'].length > 50) throw new Error('places: a list of at most 50');
    out.places = o['places'].map((p: unknown, i: number) => {
      const g = (p ?? {}) as Record<string, unknown>;
      const place = { lon: finite(g['lon'], -180, 180, `places[${i}].lon`), lat: finite(g['lat'], -90, 90, `places[${i}].lat`) };
      const name = text(g['name'], 200, `places[${i}].name`);
      return name === undefined ? place : { ...place, name };
    });
  }
  if (o['search'] !== undefined) {
    const s = (o['search'] ?? {}) as Record<string, unknown>;
    const search: NonNullable<LabSelection['search']> = {};
    if (s['collections'] !== undefined) {
      const c = s['collections'];
      if (!Array.isArray(c) || c.length > 50 || !c.every((x) => typeof x === 'string' && COLLECTION.test(x)))
        throw new Error('search.collections: collection ids');
      search.collections = c as string[];
    }
    if (s['bbox'] !== undefined) {
      const b = s['bbox'];
      if (!Array.isArray(b) || b.length !== 4) throw new Error('search.bbox: west, south, east, north');
      search.bbox = [
        finite(b[0], -180, 180, 'search.bbox'),
        finite(b[1], -90, 90, 'search.bbox'),
        finite(b[2], -180, 180, 'search.bbox'),
        finite(b[3], -90, 90, 'search.bbox')
      ];
    }
    const dt = text(s['datetime'], 90, 'search.datetime');
    if (dt !== undefined) {
      if (!INTERVAL.test(dt)) throw new Error('search.datetime: an RFC 3339 instant or interval');
      search.datetime = dt;
    }
    const q = text(s['q'], 200, 'search.q');
    if (q !== undefined) search.q = q;
    out.search = search;
  }
  if (!out.features?.length && !out.places?.length && !out.search) throw new Error('the selection names nothing to open');
  return out;
}

/** The lab address that opens a notebook of this selection (`lab` is the lab's `/lab` address). */
export function openInLabUrl(lab: string, selection: LabSelection): string {
  const url = new URL(lab);
  url.searchParams.set(OPEN_PARAM, JSON.stringify(selection));
  return url.href;
}

/** A file name for the selection's notebook (the caller makes it unique). */
export function selectionFileName(s: LabSelection): string {
  const first = s.features?.[0];
  const base = first
    ? `${first.feature.toLowerCase()}-${first.ids[0]}${first.ids.length > 1 || (s.features?.length ?? 0) > 1 ? '-and-more' : ''}`
    : s.places?.length
      ? `place-${s.places[0]!.lon.toFixed(3)}_${s.places[0]!.lat.toFixed(3)}`
      : 'search';
  return `${base.replace(/[^0-9A-Za-z_.-]/g, '_')}.ipynb`;
}

interface Cell {
  cell_type: 'markdown' | 'code';
  metadata: Record<string, unknown>;
  source: string;
  outputs?: unknown[];
  execution_count?: null;
}

const md = (source: string): Cell => ({ cell_type: 'markdown', metadata: {}, source });
const code = (source: string, tags?: string[]): Cell => ({ cell_type: 'code', metadata: tags ? { tags } : {}, source, outputs: [], execution_count: null });
const js = (v: unknown) => JSON.stringify(v);
/** The columns the notebook reads: the id, time, WSE with its uncertainty, the quality flag. */
const fieldsOf = (f: SelectionFeature) => [SWOT_FEATURES[f].id, 'time', 'wse', 'wse_u', SWOT_FEATURES[f].quality];
const NAMES: Record<SelectionFeature, string> = { Reach: 'reach', Node: 'node', PriorLake: 'lake' };
const PLURALS: Record<SelectionFeature, string> = { Reach: 'reaches', Node: 'nodes', PriorLake: 'lakes' };

/** The notebook (nbformat 4, TypeScript kernel) for a selection. */
export function selectionNotebook(s: LabSelection, opened = new Date()): Record<string, unknown> {
  const cells: Cell[] = [];
  const title = s.title ?? 'A selection from the HYSOPE portal';
  cells.push(
    md(
      [
        `# ${title.replace(/[\r\n]+/g, ' ')}`,
        '',
        `Opened from the HYSOPE portal on ${opened.toISOString().slice(0, 10)}${s.source ? ` ([the page](${encodeURI(s.source)}))` : ''}.`,
        'Run the cells in order (Shift+Enter); change the parameters below to look elsewhere.'
      ].join('\n')
    )
  );
  const params: string[] = [];
  s.features?.forEach((f, i) => params.push(`let ${NAMES[f.feature]}Ids${i} = ${js(f.ids)};`));
  s.places?.forEach((p, i) => params.push(`let place${i} = ${js(p)};`));
  if (s.search) params.push(`let search = ${js(s.search)};`);
  params.push(`let datetime = ${js(s.datetime ?? '')};`);
  cells.push(code(params.join('\n'), ['parameters']));
  cells.push(
    code(
      [
        "import { Catalog, rows, show, timeseries } from '@hysope/kernels-bridge';",
        "const gateway = process.env['HYSOPE_GATEWAY_URL'] ?? 'http://127.0.0.1:8080';",
        "const token = process.env['HYSOPE_TOKEN'] ?? process.env['JUPYTERHUB_API_TOKEN'];",
        "const iso = (t: unknown) => (t instanceof Date ? t.toISOString() : typeof t === 'number' || typeof t === 'bigint' ? new Date(Number(t)).toISOString() : String(t));"
      ].join('\n')
    )
  );
  s.features?.forEach((f, i) => {
    const v = `${NAMES[f.feature]}Ids${i}`;
    const fields = fieldsOf(f.feature);
    cells.push(
      md(
        `## SWOT ${NAMES[f.feature]} time series\n\nEvery observation of the selected ${PLURALS[f.feature]} (one row per pass; the quality flag \`${SWOT_FEATURES[f.feature].quality}\`: 0 good, 1 suspect, 2 degraded, 3 bad).`
      )
    );
    cells.push(
      code(
        [
          `const obs${i} = rows(await timeseries(gateway, { feature: ${js(f.feature)}, ids: ${v}, fields: ${js(fields)}, dedupe: true, ...(datetime ? { datetime: datetime } : {}) }, token))`,
          `  .sort((a, b) => iso(a['time']).localeCompare(iso(b['time'])));`,
          `show.table(${js(fields)}, obs${i}.map((o) => ${js(fields)}.map((k) => (k === 'time' ? iso(o[k]) : o[k]))), { title: \`\${obs${i}.length} observations\` });`
        ].join('\n')
      )
    );
    cells.push(
      code(
        [
          `show.timeseries(`,
          `  ${v}.map((id) => ({`,
          `    name: \`SWOT ${NAMES[f.feature]} \${id} WSE\`,`,
          `    units: 'm',`,
          `    source: 'SWOT',`,
          `    points: obs${i}.filter((o) => String(o[${js(SWOT_FEATURES[f.feature].id)}]) === id).map((o) => ({ time: iso(o['time']), value: (o['wse'] as number | null) ?? null }))`,
          `  })),`,
          `  { title: 'Water surface elevation' }`,
          `);`
        ].join('\n')
      )
    );
  });
  s.places?.forEach((_p, i) => {
    cells.push(
      md(
        `## Every source near ${s.places![i]!.name ? `"${s.places![i]!.name!.replace(/[\r\n]+/g, ' ')}"` : 'the point'}\n\nThe SWOT reach, the nearest Hydroweb virtual station and in-situ gauge on one time axis; each keeps its own vertical reference.`
      )
    );
    cells.push(
      code(
        [
          `const near${i} = new URLSearchParams({ lon: String(place${i}.lon), lat: String(place${i}.lat), radius_km: '30' });`,
          `if (datetime) near${i}.set('datetime', datetime);`,
          `const res${i} = await fetch(\`\${gateway}/timeseries/harmonized?\${near${i}}\`, { headers: token ? { Authorization: \`Bearer \${token}\` } : {} });`,
          `if (!res${i}.ok) throw new Error(\`harmonized series: HTTP \${res${i}.status} \${await res${i}.text()}\`);`,
          `const harmonized${i} = (await res${i}.json()) as { sources: { source: string; id: string; name: string; units: string; vertical_reference: string }[]; rows: { time: string; id: string; value: number }[] };`,
          `show.timeseries(`,
          `  harmonized${i}.sources.map((src) => ({ name: \`\${src.source} \${src.name || src.id}\`, units: src.units, vertical_reference: src.vertical_reference, points: harmonized${i}.rows.filter((r) => r.id === src.id).map((r) => ({ time: r.time, value: r.value })) })),`,
          `  { title: 'Series near the point' }`,
          `);`
        ].join('\n')
      )
    );
  });
  if (s.search) {
    cells.push(md("## The catalog search\n\nThe granules matching the portal's search (all pages), listed and drawn."));
    cells.push(
      code(
        [
          `const catalog = new Catalog({ url: gateway, token: token });`,
          `const items = await catalog.search(search, 2000);`,
          `show.table(['collection', 'granule', 'observed'], items.map((i) => [i.collection ?? '', i.id, String(i.properties['datetime'] ?? '')]), { title: \`\${items.length} granules\` });`
        ].join('\n')
      )
    );
    cells.push(code(`show.map(items.slice(0, 500), { title: 'Footprints' });`));
  }
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' },
      language_info: { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript' },
      hysope: { selection: s }
    },
    cells: cells.map((c, i) => ({ id: `cell-${i}`, ...c }))
  };
}
