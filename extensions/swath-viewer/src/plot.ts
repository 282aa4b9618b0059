// Time series of a clicked feature across cycles (plotly), with quality marks, and the harmonized series
// (Hydroweb station, in-situ gauge) near it.
import {
  HysopeApiError,
  HysopeClient,
  SWOT_FEATURES,
  SWOT_VARIABLES,
  StaticCatalogIndex,
  isStaticCatalogUrl,
  type HarmonizedSeries,
  type SwotFeature,
  type TimeseriesGeoJson
} from '@hysope/api';
import { sqlWasm } from '@hysope/kernels-bridge/wasm';
import { QUALITY } from './geo.js';

/** A series to draw. */
export interface PlotSeries {
  name: string;
  times: string[];
  values: (number | null)[];
  units?: string;
  /** Quality flag per point (0 good ... 3 bad), drawn as the marker colour. */
  quality?: (number | null)[];
  /** Second y axis (another vertical reference or another variable). */
  secondary?: boolean;
  /** The variable's name and meaning for the axis title (the series name when absent). */
  label?: string;
  /** One-sigma uncertainty per point, drawn as a band around the values. */
  uncertainty?: (number | null)[];
}

type PlotlyModule = {
  newPlot(el: HTMLElement, data: unknown[], layout: unknown, config: unknown): Promise<unknown>;
  purge(el: HTMLElement): void;
  Plots: { resize(el: HTMLElement): void };
};

let plotly: Promise<PlotlyModule> | null = null;
/** plotly is loaded on first use (it is large and most sessions never plot). */
export function loadPlotly(): Promise<PlotlyModule> {
  plotly ??= import('plotly.js-basic-dist-min').then((m) => ((m as { default?: PlotlyModule }).default ?? m) as PlotlyModule);
  return plotly;
}

/** The band of ±1 sigma around a series: its upper edge, then its lower edge filled up to it (no legend entry). */
function bandTraces(s: PlotSeries, color: string): unknown[] {
  const u = s.uncertainty!;
  const edge = (sign: number) => s.values.map((v, i) => (v === null || u[i] === null || u[i] === undefined ? null : v + sign * u[i]!));
  const common = { type: 'scatter', mode: 'lines', x: s.times, line: { width: 0 }, hoverinfo: 'skip', showlegend: false, yaxis: s.secondary ? 'y2' : 'y' };
  return [
    { ...common, y: edge(1) },
    { ...common, y: edge(-1), fill: 'tonexty', fillcolor: color, name: `${s.name} ±1σ` }
  ];
}

/** Line colours of the series, in order (plotly's first six). */
const COLORS = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75]
];

/** An axis title: the variable and its unit ("Water surface elevation (m)"). */
const axisTitle = (s: PlotSeries | undefined) => (s ? `${s.label ?? s.name}${s.units ? ` (${s.units})` : ''}` : '');

/** Six hours around a single instant, so one observation gets a readable date axis (not millisecond ticks). */
function dateRange(series: PlotSeries[]): [string, string] | undefined {
  const times = series.flatMap((s) => s.times.filter((_, i) => s.values[i] !== null)).map((t) => Date.parse(t));
  const finite = times.filter(Number.isFinite);
  if (!finite.length) return undefined;
  const [lo, hi] = [Math.min(...finite), Math.max(...finite)];
  if (hi - lo > 6 * 3600e3) return undefined;
  const mid = (lo + hi) / 2;
  const pad = 3 * 86400e3;
  return [new Date(mid - pad).toISOString(), new Date(mid + pad).toISOString()];
}

/**
 * Draws the series into `el` (replacing what was there): series without any value are left out (no empty legend
 * entries), uncertainty as a band, quality as the marker colour; the mode bar keeps the PNG export and has no
 * link to any online service.
 */
export async function drawSeries(el: HTMLElement, title: string, all: PlotSeries[]): Promise<void> {
  const Plotly = await loadPlotly();
  const series = all.filter((s) => s.values.some((v) => v !== null));
  const dark = document.body.dataset['jpThemeLight'] === 'false';
  const fg = dark ? '#ddd' : '#222';
  const grid = dark ? '#444' : '#ddd';
  // Colours fixed per series (the band traces would otherwise shift plotly's cycle).
  const traces = series.flatMap((s, i) => [
    ...(s.uncertainty ? bandTraces(s, `rgba(${COLORS[i % COLORS.length]!.join(',')},${dark ? 0.3 : 0.18})`) : []),
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: s.units ? `${s.name} (${s.units})` : s.name,
      x: s.times,
      y: s.values,
      yaxis: s.secondary ? 'y2' : 'y',
      connectgaps: false,
      line: { color: `rgb(${COLORS[i % COLORS.length]!.join(',')})` },
      marker: s.quality
        ? {
            size: 9,
            color: s.quality.map((q) => (q === null ? 'rgb(150,150,150)' : `rgb(${(QUALITY[q]?.color ?? [150, 150, 150]).join(',')})`)),
            line: { width: 1, color: fg }
          }
        : { size: 5 },
      text: s.quality?.map((q) => (q === null ? 'quality: n/a' : `quality: ${QUALITY[q]?.label ?? q}`)),
      hovertemplate: s.quality ? '%{x}<br>%{y}<br>%{text}<extra>%{fullData.name}</extra>' : undefined
    }
  ]);
  const primary = series.find((s) => !s.secondary);
  const secondary = series.find((s) => s.secondary);
  const range = dateRange(series);
  el.dataset['series'] = String(series.length);
  await Plotly.newPlot(
    el,
    traces,
    {
      title: { text: title, font: { size: 13, color: fg } },
      margin: { l: 60, r: secondary ? 60 : 20, t: 36, b: 40 },
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: 'rgba(0,0,0,0)',
      font: { color: fg },
      legend: { orientation: 'h', y: -0.2 },
      xaxis: { type: 'date', gridcolor: grid, ...(range ? { range } : {}) },
      yaxis: { title: { text: axisTitle(primary) }, gridcolor: grid },
      ...(secondary ? { yaxis2: { title: { text: axisTitle(secondary) }, overlaying: 'y', side: 'right', showgrid: false } } : {})
    },
    {
      displaylogo: false,
      responsive: true,
      showLink: false,
      showSendToCloud: false,
      showEditInChartStudio: false,
      modeBarButtonsToRemove: ['sendDataToCloud'],
      toImageButtonOptions: { format: 'png', filename: title.replace(/[^\w.-]+/g, '_') }
    }
  );
}

/** The plotted series as CSV: one row per series and time (long format, what spreadsheets and pandas read). */
export function seriesCsv(series: PlotSeries[]): string {
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = ['series,time,value,units,uncertainty,quality'];
  for (const s of series)
    s.times.forEach((t, i) => {
      const v = s.values[i];
      if (v === null || v === undefined) return;
      lines.push([quote(s.name), t, String(v), s.units ?? '', String(s.uncertainty?.[i] ?? ''), String(s.quality?.[i] ?? '')].join(','));
    });
  return lines.join('\n') + '\n';
}

/** Where the series are read: a gateway's URL and the caller's key or token (the lab's gateway connection, the portal's). */
export interface SeriesSource {
  readonly baseUrl: string;
  readonly token: string | undefined;
}

/** The gateway's typed client (`@hysope/api`), answers checked by the contract's schemas. */
function clientOf(gateway: SeriesSource): HysopeClient {
  return new HysopeClient({ baseUrl: gateway.baseUrl, token: gateway.token || undefined });
}

/**
 * The observations of one feature from a workshop site's static catalog: its collection's `timeseries` asset
 * (GeoParquet written by `export-static`), read by DuckDB-WASM over HTTP ranges, one row per time (the newest
 * processing of a time when there are several, as the gateway's `dedupe`).
 */
async function staticObservations(
  catalogUrl: string,
  feature: SwotFeature,
  id: string,
  fields: string[],
  quality: string | null
): Promise<Record<string, unknown>[]> {
  const asset = (await StaticCatalogIndex.shared(catalogUrl).collections())
    .flatMap((c) => Object.values(c.assets ?? {}))
    .find((a) => (a.roles ?? []).includes('timeseries') && (a as Record<string, unknown>)['hysope:feature'] === feature);
  if (!asset) throw new Error(`this catalog has no ${feature} time series (export-static writes them for the features in its area)`);
  const spec = SWOT_FEATURES[feature];
  const column = (f: string) => `"${f.replace(/"/g, '""')}"`;
  const where = [`${column(spec.id)} = '${id.replace(/'/g, "''")}'`, `time is not null`, ...(quality ? [`${column(spec.quality)} ${quality}`] : [])];
  const table = await sqlWasm(
    `select ${fields.map(column).join(', ')} from series where ${where.join(' and ')}
     qualify row_number() over (partition by time order by crid desc, ingest_time desc) = 1 order by time`,
    { series: asset.href }
  );
  return table.toArray().map((r) => r.toJSON() as Record<string, unknown>);
}

/** The SWOT series of one feature from the gateway's `/timeseries` (all cycles), or from a workshop site's files. */
export async function featureSeries(
  gateway: SeriesSource,
  feature: SwotFeature,
  id: string,
  options: { quality?: 'good' | 'suspect' | 'all' } = {}
): Promise<PlotSeries[]> {
  const spec = SWOT_FEATURES[feature];
  const band = SWOT_VARIABLES[spec.plotted[0]!].uncertainty;
  const fields = ['time', ...spec.plotted, ...(band ? [band] : []), spec.quality];
  let rows: Record<string, unknown>[];
  try {
    if (isStaticCatalogUrl(gateway.baseUrl)) {
      const quality = options.quality === 'good' ? '= 0' : options.quality === 'suspect' ? '<= 1' : null;
      rows = await staticObservations(gateway.baseUrl, feature, id, fields, quality);
    } else {
      const fc: TimeseriesGeoJson = await clientOf(gateway).timeseries({
        feature,
        ids: id,
        dedupe: 'true',
        ...(options.quality && options.quality !== 'all' ? { quality: options.quality } : {}),
        fields: fields.join(',')
      });
      rows = fc.features.map((f) => f.properties);
    }
  } catch (error) {
    throw new Error(
      `time series of ${feature} ${id}: ${error instanceof HysopeApiError ? (error.exception.detail ?? error.exception.title) : (error as Error).message}`
    );
  }
  const props = rows.sort((a, b) => String(a['time']).localeCompare(String(b['time'])));
  const clean = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e11 ? v : null);
  const times = props.map((p) => String(p['time']));
  const quality = props.map((p) => (typeof p[spec.quality] === 'number' ? (p[spec.quality] as number) : null));
  const uncertainty = band ? props.map((p) => clean(p[band])) : [];
  // The first variable on the left axis with its band and quality; the first other one with values on the right (one unit per axis).
  const [first, ...rest] = spec.plotted;
  const second = rest.find((f) => props.some((p) => clean(p[f]) !== null));
  return [first!, ...(second ? [second] : [])].map((f, i) => {
    const v = SWOT_VARIABLES[f];
    return {
      name: `SWOT ${f}`,
      label: v.label,
      times,
      values: props.map((p) => clean(p[f])),
      units: v.units,
      quality: i === 0 ? quality : undefined,
      uncertainty: i === 0 && uncertainty.some((u) => u !== null) ? uncertainty : undefined,
      secondary: i > 0
    };
  });
}

/**
 * The harmonized series (Hydroweb, in-situ) within `radiusKm` of a point, water levels only. Where they complement a
 * SWOT series (the viewer) a failure leaves them out; where they are the page's subject (`required`), it is thrown.
 */
export async function harmonizedSeries(gateway: SeriesSource, lon: number, lat: number, radiusKm = 50, required = false): Promise<PlotSeries[]> {
  // A workshop site's static catalog has no search by distance (its in-situ series, if any, are not harmonized).
  if (isStaticCatalogUrl(gateway.baseUrl)) return [];
  let body: HarmonizedSeries;
  try {
    body = await clientOf(gateway).harmonized({ lon: String(lon), lat: String(lat), radius_km: String(radiusKm) });
  } catch (error) {
    if (required)
      throw new Error(
        `the series near ${lon.toFixed(4)}, ${lat.toFixed(4)} could not be read: ${error instanceof HysopeApiError ? (error.exception.detail ?? error.exception.title) : (error as Error).message}`
      );
    return [];
  }
  const groups = new Map<string, PlotSeries>();
  for (const r of body.rows) {
    if (r.source === 'swot') continue;
    const key = `${r.source} ${r.id} ${r.variable}`;
    let s = groups.get(key);
    if (!s) {
      const src = body.sources.find((x) => x.id === r.id);
      s = { name: `${r.source} ${r.id} ${r.variable}${src?.vertical_reference ? ` [${src.vertical_reference}]` : ''}`, times: [], values: [], units: r.units };
      groups.set(key, s);
    }
    s.times.push(r.time);
    s.values.push(r.value);
  }
  return [...groups.values()];
}
