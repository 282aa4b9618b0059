// The HYDRA status view: gateway health, jobs by state, data freshness per collection, harvested sources, recent alerts.
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import type { JobsApi, Stream } from './api.js';

/** A duration in words (freshness). */
export function age(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

export class StatusView extends Widget {
  private timer = 0;
  private readonly alerts: { time: string; text: string; state: string }[] = [];
  private events: Stream | null = null;

  constructor(
    private readonly api: JobsApi,
    private readonly trans: TranslationBundle
  ) {
    super();
    this.addClass('hy-Status');
    this.id = 'hysope-status';
    this.title.label = trans.__('HYDRA status');
    this.title.closable = true;
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    void this.refresh();
    this.timer = window.setInterval(() => void this.refresh(), 10_000);
    // Alerts with the time they happened (not when this view heard them), the recent ones replayed on opening.
    this.events = this.api.events(
      (type, data, at) => {
        const alert =
          type === 'alert'
            ? { time: at, state: String(data['state']), text: `${String(data['alert'])} ${JSON.stringify({ ...data, alert: undefined, state: undefined })}` }
            : type === 'ingest.failed'
              ? { time: at, state: 'ingest failed', text: `${String(data['file'] ?? '')} ${String(data['error'] ?? '')}` }
              : null;
        // A reconnected stream replays what was already heard.
        if (!alert || this.alerts.some((a) => a.time === alert.time && a.text === alert.text)) return;
        this.alerts.unshift(alert);
        this.alerts.sort((a, b) => b.time.localeCompare(a.time));
        this.alerts.splice(50);
        void this.refresh();
      },
      { replay: 200 }
    );
  }

  protected override onBeforeDetach(msg: Message): void {
    window.clearInterval(this.timer);
    this.events?.close();
    super.onBeforeDetach(msg);
  }

  /** Reads health and metrics again and redraws. */
  async refresh(): Promise<void> {
    const t = this.trans;
    const table = (head: string[], rows: (string | number)[][], cls: string) => {
      const tbl = document.createElement('table');
      tbl.className = `hy-Status-table ${cls}`;
      const h = tbl.createTHead().insertRow();
      for (const c of head) h.append(Object.assign(document.createElement('th'), { textContent: c }));
      const b = tbl.createTBody();
      for (const r of rows) {
        const tr = b.insertRow();
        for (const v of r) tr.insertCell().textContent = String(v);
      }
      return tbl;
    };
    const section = (title: string, ...content: Node[]) => {
      const s = document.createElement('section');
      s.append(Object.assign(document.createElement('h3'), { textContent: title }), ...content);
      return s;
    };
    const health = await this.api.health();
    let samples: Awaited<ReturnType<JobsApi['metrics']>> = [];
    try {
      samples = await this.api.metrics();
    } catch {
      // Health alone still says something.
    }
    const jobs = samples.filter((s) => s.name === 'hysope_jobs');
    const fresh = new Map(samples.filter((s) => s.name === 'hysope_data_freshness_seconds').map((s) => [s.labels['collection'] ?? '', s.value]));
    const items = samples.filter((s) => s.name === 'hysope_catalog_items');
    // Harvested sources (HYGOR's harvesters): each source key's lag behind its provider, last success, and state.
    const harvest = new Map<string, { source: string; key: string; lag?: number; success?: number; failing?: boolean }>();
    for (const s of samples) {
      if (!s.name.startsWith('hysope_harvest_')) continue;
      const id = `${s.labels['source'] ?? ''}|${s.labels['key'] ?? ''}`;
      const row = harvest.get(id) ?? { source: s.labels['source'] ?? '', key: s.labels['key'] ?? '' };
      if (s.name === 'hysope_harvest_lag_seconds') row.lag = s.value;
      if (s.name === 'hysope_harvest_last_success_timestamp_seconds') row.success = s.value;
      if (s.name === 'hysope_harvest_failing') row.failing = s.value === 1;
      harvest.set(id, row);
    }
    const now = Date.now() / 1000;
    const badge = Object.assign(document.createElement('span'), { className: `hy-Status-badge hy-mod-${health.status}`, textContent: health.status });
    this.node.dataset['health'] = health.status;
    this.node.replaceChildren(
      section(
        t.__('Gateway'),
        badge,
        table(
          [t.__('check'), t.__('status'), t.__('detail')],
          Object.entries(health.checks).map(([k, c]) => [k, c.status, c.detail ?? '']),
          'hy-Status-health'
        )
      ),
      section(
        t.__('Jobs by state'),
        table(
          [t.__('state'), t.__('executor'), t.__('jobs')],
          jobs.map((s) => [s.labels['status'] ?? '', s.labels['executor'] ?? '', s.value]),
          'hy-Status-jobs'
        )
      ),
      section(
        t.__('Data freshness'),
        table(
          [t.__('collection'), t.__('items'), t.__('newest observation')],
          items.map((s) => [
            s.labels['collection'] ?? '',
            s.value,
            fresh.has(s.labels['collection'] ?? '') ? t.__('%1 ago', age(fresh.get(s.labels['collection'] ?? '')!)) : '–'
          ]),
          'hy-Status-freshness'
        )
      ),
      section(
        t.__('Harvested sources'),
        harvest.size
          ? table(
              [t.__('source'), t.__('key'), t.__('behind the provider'), t.__('last success'), t.__('state')],
              [...harvest.values()]
                .sort((a, b) => `${a.source}|${a.key}`.localeCompare(`${b.source}|${b.key}`))
                .map((h) => [
                  h.source,
                  h.key,
                  h.lag === undefined ? '–' : age(h.lag),
                  h.success === undefined ? t.__('never') : t.__('%1 ago', age(now - h.success)),
                  h.failing ? t.__('failing') : t.__('ok')
                ]),
              'hy-Status-harvest'
            )
          : Object.assign(document.createElement('p'), { textContent: t.__('No source is harvested.') })
      ),
      section(
        t.__('Recent alerts'),
        this.alerts.length
          ? table(
              [t.__('time'), t.__('state'), t.__('alert')],
              this.alerts.map((a) => [a.time, a.state, a.text]),
              'hy-Status-alerts'
            )
          : Object.assign(document.createElement('p'), { textContent: t.__('No recent alert.') })
      )
    );
  }
}
