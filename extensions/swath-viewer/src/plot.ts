// Time series of a clicked feature across cycles (plotly), with quality marks, and the harmonized series
// (Hydroweb station, in-situ gauge) near it.
import type { IHysopeGateway } from '@hysope/gateway-status';
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

/** Draws the series into `el` (replacing what was there). */
export async function drawSeries(el: HTMLElement, title: string, series: PlotSeries[]): Promise<void> {
  const Plotly = await loadPlotly();
  const dark = document.body.dataset['jpThemeLight'] === 'false';
  const fg = dark ? '#ddd' : '#222';
  const traces = series.map((s) => ({
    type: 'scatter',
    mode: 'lines+markers',
    name: s.units ? `${s.name} (${s.units})` : s.name,
    x: s.times,
    y: s.values,
    yaxis: s.secondary ? 'y2' : 'y',
    connectgaps: false,
    marker: s.quality
      ? {
          size: 9,
          color: s.quality.map((q) => (q === null ? 'rgb(150,150,150)' : `rgb(${(QUALITY[q]?.color ?? [150, 150, 150]).join(',')})`)),
          line: { width: 1, color: fg }
        }
      : { size: 5 },
    text: s.quality?.map((q) => (q === null ? 'quality: n/a' : `quality: ${QUALITY[q]?.label ?? q}`)),
    hovertemplate: s.quality ? '%{x}<br>%{y}<br>%{text}<extra>%{fullData.name}</extra>' : undefined
  }));
  const primaryUnits = series.find((s) => !s.secondary)?.units;
  const secondary = series.find((s) => s.secondary);
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
      xaxis: { type: 'date', gridcolor: dark ? '#444' : '#ddd' },
      yaxis: { title: { text: primaryUnits ?? '' }, gridcolor: dark ? '#444' : '#ddd' },
      ...(secondary ? { yaxis2: { title: { text: secondary.units ?? '' }, overlaying: 'y', side: 'right', showgrid: false } } : {})
    },
    { displaylogo: false, responsive: true }
  );
}

interface GeoJsonSeries {
  features: { properties: Record<string, unknown> }[];
}

/** The SWOT series of one feature from the gateway's `/timeseries` (all cycles). */
export async function featureSeries(gateway: IHysopeGateway, feature: 'Reach' | 'Node' | 'PriorLake', id: string): Promise<PlotSeries[]> {
  const vars: Record<typeof feature, { fields: string[]; quality: string; units: Record<string, string> }> = {
    Reach: { fields: ['wse', 'width', 'dschg_c'], quality: 'reach_q', units: { wse: 'm', width: 'm', dschg_c: 'm^3/s' } },
    Node: { fields: ['wse', 'width'], quality: 'node_q', units: { wse: 'm', width: 'm' } },
    PriorLake: { fields: ['wse', 'area_total'], quality: 'quality_f', units: { wse: 'm', area_total: 'km^2' } }
  };
  const spec = vars[feature];
  const q = new URLSearchParams({ feature, ids: id, format: 'geojson', dedupe: 'true', fields: ['time', ...spec.fields, spec.quality].join(',') });
  const res = await fetch(`${gateway.baseUrl}/timeseries?${q}`, { headers: gateway.token ? { Authorization: `token ${gateway.token}` } : {} });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
    throw new Error(`time series of ${feature} ${id}: ${body.detail ?? body.title ?? `HTTP ${res.status}`}`);
  }
  const fc = (await res.json()) as GeoJsonSeries;
  const props = fc.features.map((f) => f.properties).sort((a, b) => String(a['time']).localeCompare(String(b['time'])));
  const clean = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e11 ? v : null);
  const times = props.map((p) => String(p['time']));
  const quality = props.map((p) => (typeof p[spec.quality] === 'number' ? (p[spec.quality] as number) : null));
  return spec.fields.map((f, i) => ({
    name: `SWOT ${f}`,
    times,
    values: props.map((p) => clean(p[f])),
    units: spec.units[f],
    quality: i === 0 ? quality : undefined,
    secondary: i > 0
  }));
}

/** The harmonized series (Hydroweb, in-situ) within `radiusKm` of a point, water levels only. */
export async function harmonizedSeries(gateway: IHysopeGateway, lon: number, lat: number, radiusKm = 50): Promise<PlotSeries[]> {
  const q = new URLSearchParams({ lon: String(lon), lat: String(lat), radius_km: String(radiusKm), format: 'json' });
  const res = await fetch(`${gateway.baseUrl}/timeseries/harmonized?${q}`, { headers: gateway.token ? { Authorization: `token ${gateway.token}` } : {} });
  if (!res.ok) return [];
  const body = (await res.json()) as {
    sources: { id: string; source: string; vertical_reference?: string; distance_km?: number }[];
    rows: { time: string; source: string; id: string; variable: string; value: number | null; units?: string }[];
  };
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
