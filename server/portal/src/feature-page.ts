// A page per feature, with a permanent address: a SWOT river reach, node or lake (its series across cycles, read
// from the time-series store) or a virtual station / gauge (its catalogue item and the harmonized series at its
// place). Each page draws the series with the lab's plot (uncertainty band, quality as marker colour), gives
// the same numbers as a table, the granules they come from, downloads, the feature on the lab viewer's map and
// a citation.
import { QUALITY, SWOT_FEATURES, SWOT_VARIABLES, type Item, type SwotFeature, type TimeseriesGeoJson } from '@hysope/api';
import { loadItem } from '@hysope/swath-viewer/lib/data.js';
import { SwathMap } from '@hysope/swath-viewer/lib/map.js';
import { ViewerModel } from '@hysope/swath-viewer/lib/model.js';
import { drawSeries, featureSeries, harmonizedSeries, type PlotSeries } from '@hysope/swath-viewer/lib/plot.js';
import { el, featurePath, type PageKind, type PortalContext } from './context.js';
import { KIND_NAMES } from './search-page.js';
import { FEATURE_OF, type Basket, type BasketKind } from './basket.js';
import { labSection } from './lab-link.js';
import { AlertsPanel } from './alerts-panel.js';

type Quality = 'all' | 'good' | 'suspect';
type Bbox = [number, number, number, number];

/** The time-series feature type and catalogue collection of a SWOT page kind. */
const SWOT_PAGES: Partial<Record<PageKind, { feature: SwotFeature; collection: string; name: string }>> = {
  reach: { feature: 'Reach', collection: 'swot-riversp-reach', name: 'river_name' },
  node: { feature: 'Node', collection: 'swot-riversp-node', name: 'river_name' },
  lake: { feature: 'PriorLake', collection: 'swot-lakesp', name: 'lake_name' }
};

/** The catalogue collection of a station or gauge page. */
const ITEM_PAGES: Partial<Record<PageKind, string>> = { station: 'hydroweb-stations', gauge: 'insitu-gauges' };

/** The SWORD reach a node id belongs to (granules are found by their reaches' ids). */
const reachOfNode = (id: string) => id.slice(0, 10) + id.slice(13);

/** The bounding box of GeoJSON coordinates (any nesting). */
export function coordsBbox(geometries: unknown[]): Bbox | null {
  const b: Bbox = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c: unknown): void => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number' && typeof c[1] === 'number') {
      b[0] = Math.min(b[0], c[0]);
      b[1] = Math.min(b[1], c[1]);
      b[2] = Math.max(b[2], c[0]);
      b[3] = Math.max(b[3], c[1]);
    } else c.forEach(walk);
  };
  for (const g of geometries) walk((g as { coordinates?: unknown } | null)?.coordinates);
  return Number.isFinite(b[0]) ? b : null;
}

export class FeaturePage {
  readonly node: HTMLElement;
  private map: SwathMap | null = null;
  private readonly body: HTMLDivElement;

  constructor(
    private readonly ctx: PortalContext,
    private readonly kind: PageKind,
    private readonly id: string,
    private readonly basket: Basket | null = null,
    private readonly signIn: () => (() => void) | null = () => null
  ) {
    this.body = el('div', { className: 'hp-featureBody' });
    this.node = el(
      'article',
      { className: 'hp-feature', 'data-kind': kind, 'data-id': id },
      el('nav', { className: 'hp-crumbs' }, el('a', { href: '/portal/', textContent: ctx.t.__('Search') }), ' › ', `${ctx.t.__(KIND_NAMES[kind])} ${id}`),
      this.body
    );
    this.node.setAttribute('aria-busy', 'true');
  }

  async start(): Promise<void> {
    this.node.dataset['ready'] = 'false';
    this.node.setAttribute('aria-busy', 'true');
    try {
      if (SWOT_PAGES[this.kind]) await this.swot(this.quality());
      else await this.station();
    } catch (error) {
      this.body.replaceChildren(
        el('h1', { textContent: `${this.ctx.t.__(KIND_NAMES[this.kind])} ${this.id}` }),
        el('p', { className: 'hp-empty', textContent: (error as Error).message })
      );
      this.ctx.error((error as Error).message);
    }
    this.node.setAttribute('aria-busy', 'false');
    this.node.dataset['ready'] = 'true';
  }

  private quality(): Quality {
    const q = new URLSearchParams(location.search).get('quality');
    return q === 'good' || q === 'suspect' ? q : 'all';
  }

  /** A reach, node or lake: its observations across cycles. */
  private async swot(quality: Quality): Promise<void> {
    const t = this.ctx.t;
    const spec = SWOT_PAGES[this.kind]!;
    const f = SWOT_FEATURES[spec.feature];
    const first = f.plotted[0]!;
    const band = SWOT_VARIABLES[first].uncertainty;
    const digits = { reach: 11, node: 14, lake: 10 }[this.kind as 'reach' | 'node' | 'lake'];
    if (!new RegExp(`^\\d{${digits}}$`).test(this.id))
      throw new Error(t.__('A %1 id has %2 digits; "%3" is not one.', t.__(KIND_NAMES[this.kind]).toLowerCase(), digits, this.id));
    const base = { feature: spec.feature, ids: this.id, dedupe: 'true' as const, ...(quality !== 'all' ? { quality } : {}) };
    const fields = ['time', first, ...(band ? [band] : []), f.quality, 'cycle_id', 'pass_id', 'crid'];
    let fc: TimeseriesGeoJson;
    try {
      fc = await this.ctx.client.timeseries({ ...base, fields: [...fields, spec.name].join(',') });
    } catch {
      // Stores written before names were kept have no name column.
      fc = await this.ctx.client.timeseries({ ...base, fields: fields.join(',') });
    }
    const rows = fc.features
      .map((x) => x.properties)
      .filter((p) => p['time'])
      .sort((a, b) => String(a['time']).localeCompare(String(b['time'])));
    const names = [...new Set(fc.features.map((x) => x.properties[spec.name]).filter((n) => typeof n === 'string' && n && n !== 'no_data'))] as string[];
    const title = `${t.__(KIND_NAMES[this.kind])} ${this.id}`;
    const h1 = el('h1', { textContent: title });
    if (names.length) h1.append(' ', el('span', { className: 'hp-name', textContent: names.join(', ') }));
    document.title = `${title}${names.length ? ` — ${names.join(', ')}` : ''} · HYSOPE`;
    const geometries = fc.features.map((x) => x.geometry).filter(Boolean);
    const bbox = coordsBbox(geometries.slice(0, 1));
    const summary = rows.length
      ? t._n(
          '%1 observation from %2 to %3',
          '%1 observations from %2 to %3',
          rows.length,
          t.date(rows[0]!['time'] as string, true),
          t.date(rows.at(-1)!['time'] as string, true)
        )
      : fc.features.length
        ? t.__('Seen by SWOT, but with no valid observation yet.')
        : t.__('No observation of this feature in the catalog.');
    const qualitySelect = el(
      'select',
      { id: 'hp-quality' },
      ...(['all', 'suspect', 'good'] as Quality[]).map((q) =>
        el('option', {
          value: q,
          selected: q === quality,
          textContent: { all: t.__('All observations'), suspect: t.__('Good and suspect'), good: t.__('Good only') }[q]
        })
      )
    );
    qualitySelect.onchange = () => {
      const url = new URL(location.href);
      if (qualitySelect.value === 'all') url.searchParams.delete('quality');
      else url.searchParams.set('quality', qualitySelect.value);
      history.replaceState(null, '', url);
      void this.start();
    };
    const plot = el('div', { className: 'hp-plot' });
    plot.setAttribute('role', 'figure');
    const series = (rows.length ? await featureSeries(this.ctx, spec.feature, this.id, { quality }) : []).map((s) => ({
      ...s,
      label: s.label && t.__(s.label)
    }));
    const centre = bbox ? { lon: (bbox[0] + bbox[2]) / 2, lat: (bbox[1] + bbox[3]) / 2 } : null;
    const others = centre ? await harmonizedSeries(this.ctx, centre.lon, centre.lat, 50) : [];
    const all = [...series, ...others];
    plot.setAttribute('aria-label', t.__('Chart of %1: %2', SWOT_VARIABLES[first].label, summary));
    const v = SWOT_VARIABLES[first];
    const table = this.table(
      [
        t.__('Time (UTC)'),
        `${t.__(v.label)} (${v.units})`,
        ...(band ? [t.__('Uncertainty (%1)', v.units)] : []),
        t.__('Quality'),
        t.__('Cycle'),
        t.__('Pass'),
        'CRID'
      ],
      rows.map((p) => [
        t.date(p['time'] as string),
        this.num(p[first], 3),
        ...(band ? [this.num(p[band], 3)] : []),
        typeof p[f.quality] === 'number' ? t.__(QUALITY[p[f.quality] as number]?.label ?? String(p[f.quality])) : '—',
        String(p['cycle_id'] ?? '—'),
        String(p['pass_id'] ?? '—'),
        String(p['crid'] ?? '—')
      ])
    );
    const q = quality !== 'all' ? `&quality=${quality}` : '';
    const dl = (format: string, label: string) =>
      el('a', {
        href: `${this.ctx.baseUrl}/timeseries?feature=${spec.feature}&ids=${this.id}&dedupe=true${q}&format=${format}`,
        textContent: label,
        download: ''
      });
    const mapEl = el('div', { className: 'hp-featureMap' });
    const alerts = new AlertsPanel(this.ctx, spec.feature, this.id, this.signIn);
    this.body.replaceChildren(
      h1,
      el('p', { className: 'hp-summary', textContent: summary }),
      el('div', { className: 'hp-field hp-inline' }, el('label', { htmlFor: 'hp-quality', textContent: t.__('Quality') }), qualitySelect),
      el(
        'div',
        { className: 'hp-columns' },
        el('div', { className: 'hp-main' }, plot, el('details', {}, el('summary', { textContent: t.__('The observations as a table') }), table)),
        mapEl
      ),
      this.section(
        t.__('Download'),
        el(
          'p',
          { className: 'hp-downloads' },
          dl('csv', 'CSV'),
          dl('geojson', 'GeoJSON'),
          dl('netcdf', 'NetCDF-CF'),
          dl('parquet', 'Parquet'),
          dl('arrow', 'Arrow')
        ),
        ...this.basketButton(`${title}${names.length ? ` — ${names[0]}` : ''}`)
      ),
      labSection(this.ctx, {
        title: `${title}${names.length ? ` — ${names[0]}` : ''}`,
        source: this.permalink(),
        features: [{ feature: spec.feature, ids: [this.id] }]
      }),
      this.section(t.__('Granules'), await this.granules(spec.collection, this.kind === 'node' ? reachOfNode(this.id) : this.id)),
      alerts.node,
      this.citation(title, names)
    );
    void alerts.render().catch((error: unknown) => this.ctx.error((error as Error).message));
    if (all.some((s) => s.values.some((x) => x !== null))) await drawSeries(plot, `${title}${names.length ? ` — ${names[0]}` : ''}`, all);
    else plot.replaceChildren(el('p', { className: 'hp-empty', textContent: summary }));
    this.node.dataset['observations'] = String(rows.length);
    this.node.dataset['series'] = String(all.filter((s) => s.values.some((x) => x !== null)).length);
    this.drawMap(mapEl, fc, bbox);
  }

  /** A virtual station or gauge: its catalogue item and the series at its place. */
  private async station(): Promise<void> {
    const t = this.ctx.t;
    const collection = ITEM_PAGES[this.kind]!;
    let item: Item;
    try {
      item = await this.ctx.client.item(collection, this.id);
    } catch {
      throw new Error(t.__('No %1 "%2" in the catalog.', t.__(KIND_NAMES[this.kind]).toLowerCase(), this.id));
    }
    const p = item.properties;
    const name = String(p['hydroweb:station'] ?? (Array.isArray(p['insitu:stations']) ? (p['insitu:stations'] as unknown[]).join(', ') : this.id));
    const title = `${t.__(KIND_NAMES[this.kind])} ${name}`;
    document.title = `${title} · HYSOPE`;
    const bbox = (item.bbox as Bbox | undefined) ?? coordsBbox([item.geometry]);
    const centre = bbox ? { lon: (bbox[0] + bbox[2]) / 2, lat: (bbox[1] + bbox[3]) / 2 } : null;
    const radius = bbox ? Math.max(1, 111 * Math.max(bbox[2] - bbox[0], bbox[3] - bbox[1])) : 1;
    // Axis titles say what is measured, not which series (the legend names them).
    const measured = (name: string) =>
      /water_level|wse|height/.test(name) ? t.__('Water level') : /discharge|debit|\bQ\b/i.test(name) ? t.__('Discharge') : undefined;
    // The station's or gauge's own series are the page: a failure to read them is said, not shown as "no observation".
    const series: PlotSeries[] = (centre ? await harmonizedSeries(this.ctx, centre.lon, centre.lat, radius, true) : []).map((s) => ({
      ...s,
      label: measured(s.name)
    }));
    const plot = el('div', { className: 'hp-plot' });
    plot.setAttribute('role', 'figure');
    const count = series.reduce((n, s) => n + s.values.filter((x) => x !== null).length, 0);
    const summary = t._n(
      '%1 observation from %2 to %3',
      '%1 observations from %2 to %3',
      count,
      t.date(p.start_datetime as string, true),
      t.date(p.end_datetime as string, true)
    );
    plot.setAttribute('aria-label', t.__('Chart of %1: %2', name, summary));
    const facts: [string, unknown][] = [
      [t.__('River'), p['hydroweb:river']],
      [t.__('Basin'), p['hydroweb:basin']],
      [t.__('Vertical datum'), p['hydroweb:vertical_datum']],
      [t.__('Provider'), p['insitu:provider']],
      [t.__('Variable'), p['insitu:variable']]
    ];
    const dl = el('p', { className: 'hp-downloads' });
    if (centre)
      dl.append(
        el('a', {
          href: `${this.ctx.baseUrl}/timeseries/harmonized?lon=${centre.lon}&lat=${centre.lat}&radius_km=${radius}&format=csv`,
          textContent: 'CSV',
          download: ''
        })
      );
    for (const [key, a] of Object.entries(item.assets)) dl.append(el('a', { href: a.href, textContent: a.title ?? key, download: '' }));
    const mapEl = el('div', { className: 'hp-featureMap' });
    // Alerts on the station's or gauge's own series: a water level (m) or a discharge (m³/s).
    const discharge = this.kind === 'gauge' && p['insitu:variable'] !== 'H';
    const alerts = new AlertsPanel(this.ctx, this.kind === 'station' ? 'Station' : 'Gauge', this.id, this.signIn, {
      name: discharge ? t.__('Discharge') : t.__('Water level'),
      units: discharge ? 'm³/s' : 'm'
    });
    this.body.replaceChildren(
      el('h1', { textContent: title }),
      el('p', { className: 'hp-summary', textContent: summary }),
      el(
        'dl',
        { className: 'hp-facts' },
        ...facts
          .filter(([, v]) => v !== undefined && v !== null && v !== '')
          .flatMap(([k, v]) => [el('dt', { textContent: k }), el('dd', { textContent: String(v) })])
      ),
      el(
        'div',
        { className: 'hp-columns' },
        el(
          'div',
          { className: 'hp-main' },
          plot,
          el(
            'details',
            {},
            el('summary', { textContent: t.__('The observations as a table') }),
            this.table(
              [t.__('Series'), t.__('Time (UTC)'), t.__('Value')],
              series.flatMap((s) => s.times.map((time, i) => [s.name, t.date(time), `${this.num(s.values[i], 3)} ${s.units ?? ''}`]))
            )
          )
        ),
        mapEl
      ),
      this.section(t.__('Download'), dl),
      ...(centre ? [labSection(this.ctx, { title, source: this.permalink(), places: [{ ...centre, name }] })] : []),
      this.section(t.__('Granules'), this.itemList([item])),
      alerts.node,
      this.citation(title, [])
    );
    void alerts.render().catch((error: unknown) => this.ctx.error((error as Error).message));
    if (count) await drawSeries(plot, title, series);
    else plot.replaceChildren(el('p', { className: 'hp-empty', textContent: t.__('No observation of this feature in the catalog.') }));
    this.node.dataset['observations'] = String(count);
    this.node.dataset['series'] = String(series.length);
    this.drawMap(mapEl, { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: item.geometry }] }, bbox);
  }

  /** "Add to the basket" (or "In the basket: remove") for reaches, nodes and lakes. */
  private basketButton(label: string): HTMLElement[] {
    const basket = this.basket;
    const kind = this.kind as BasketKind;
    if (!basket || !(kind in FEATURE_OF)) return [];
    const t = this.ctx.t;
    const b = el('button', { type: 'button', className: 'hp-button' });
    const render = () => {
      const inside = basket.has(kind, this.id);
      b.textContent = inside ? t.__('In the basket: remove') : t.__('Add to the download basket');
      b.setAttribute('aria-pressed', String(inside));
    };
    b.onclick = () => {
      if (basket.has(kind, this.id)) basket.remove(kind, this.id);
      else basket.add({ kind, id: this.id, label });
      render();
    };
    render();
    return [el('p', {}, b, ' ', el('a', { href: '/portal/basket', textContent: t.__('Open the basket') }))];
  }

  private num(v: unknown, digits: number): string {
    return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e11 ? this.ctx.t.number(v, digits) : '—';
  }

  private table(head: string[], rows: string[][]): HTMLTableElement {
    return el(
      'table',
      { className: 'hp-table' },
      el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col', textContent: h })))),
      el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', { textContent: c })))))
    );
  }

  private section(title: string, ...content: (Node | string)[]): HTMLElement {
    return el('section', { className: 'hp-section' }, el('h2', { textContent: title }), ...content);
  }

  /** The granules that observed the feature (the catalogue indexes reach and lake ids as search words). */
  private async granules(collection: string, word: string): Promise<HTMLElement> {
    try {
      const found = await this.ctx.client.search({ collections: [collection], q: word, limit: 100 });
      return this.itemList(found.features);
    } catch (error) {
      return el('p', { className: 'hp-empty', textContent: (error as Error).message });
    }
  }

  private itemList(items: Item[]): HTMLElement {
    const t = this.ctx.t;
    if (!items.length) return el('p', { className: 'hp-empty', textContent: t.__('No granule found.') });
    const list = el(
      'ul',
      { className: 'hp-granules' },
      ...items.map((i) =>
        el(
          'li',
          {},
          el('a', { href: `${this.ctx.baseUrl}/stac/collections/${i.collection}/items/${encodeURIComponent(i.id)}`, textContent: i.id }),
          ` · ${t.date((i.properties.datetime ?? i.properties.start_datetime) as string)}`
        )
      )
    );
    list.setAttribute('aria-label', t.__('Granules'));
    return list;
  }

  private permalink(): string {
    return `${location.origin}${featurePath(this.kind, this.id)}`;
  }

  /** The permanent address and a citation to copy. */
  private citation(title: string, names: string[]): HTMLElement {
    const t = this.ctx.t;
    const url = this.permalink();
    const today = new Date().toISOString().slice(0, 10);
    const text = t.__('HYSOPE. %1%2. Time series, %3. Accessed %4.', title, names.length ? ` (${names.join(', ')})` : '', url, today);
    const link = el('input', { id: 'hp-permalink', value: url, readOnly: true });
    const cite = el('p', { className: 'hp-cite', textContent: text });
    const copy = el('button', { type: 'button', className: 'hp-button', textContent: t.__('Copy the citation') });
    copy.onclick = async () => {
      try {
        await navigator.clipboard.writeText(text);
        this.ctx.notice(t.__('Citation copied.'));
      } catch {
        this.ctx.error(t.__('The browser refused the copy; select the text instead.'));
      }
    };
    return this.section(
      t.__('Cite'),
      el('div', { className: 'hp-field' }, el('label', { htmlFor: 'hp-permalink', textContent: t.__('Permanent address') }), link),
      cite,
      copy
    );
  }

  private drawMap(host: HTMLElement, fc: unknown, bbox: Bbox | null): void {
    this.map?.dispose();
    const model = new ViewerModel(loadItem);
    this.map = new SwathMap(model, this.ctx.t, { dark: () => false });
    this.map.node.setAttribute('aria-label', this.ctx.t.__('Map of the feature'));
    host.replaceChildren(this.map.node);
    model.geojson = [fc];
    this.map.start();
    if (bbox) {
      const pad = Math.max(0.05, (bbox[2] - bbox[0]) * 0.5, (bbox[3] - bbox[1]) * 0.5);
      this.map.fitBounds([bbox[0] - pad, bbox[1] - pad, bbox[2] + pad, bbox[3] + pad]);
    }
    this.map.render();
  }

  dispose(): void {
    this.map?.dispose();
  }
}
