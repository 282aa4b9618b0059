// "Alert me" on a feature's page: a condition (new observation, water surface elevation above or below a value,
// quality worse than, no data for N days), where to be told (this portal always; e-mail; a webhook), and the
// person's subscriptions to this feature with a way to stop each.
import { el, gatewayFetch, signInButton, type PortalContext } from './context.js';

type Feature = 'Reach' | 'Node' | 'PriorLake' | 'Station' | 'Gauge';

/** What a station's or gauge's thresholds compare (SWOT features: the water surface elevation). */
export interface Measure {
  /** "Water level", "Discharge" (in the page's language). */
  name: string;
  units: string;
}

interface Sub {
  id: string;
  feature_id: string | null;
  condition: string;
  threshold: number | null;
  email: string | null;
  webhook: string | null;
}

/** A condition in the page's language. */
export function conditionText(t: PortalContext['t'], condition: string, threshold: number | null, measure?: Measure): string {
  switch (condition) {
    case 'new':
      return t.__('each new observation');
    case 'above':
      return measure
        ? t.__('%1 above %2 %3', measure.name.toLowerCase(), t.number(threshold ?? 0, 3), measure.units)
        : t.__('water surface elevation above %1 m', t.number(threshold ?? 0, 3));
    case 'below':
      return measure
        ? t.__('%1 below %2 %3', measure.name.toLowerCase(), t.number(threshold ?? 0, 3), measure.units)
        : t.__('water surface elevation below %1 m', t.number(threshold ?? 0, 3));
    case 'quality':
      return t.__('quality worse than %1', t.__(['good', 'suspect', 'degraded'][threshold ?? 0]!));
    case 'silence':
      return t.__('no data for %1 days', threshold ?? 0);
    default:
      return condition;
  }
}

export class AlertsPanel {
  readonly node: HTMLElement;
  private readonly list = el('ul', { className: 'hp-granules' });

  constructor(
    private readonly ctx: PortalContext,
    private readonly feature: Feature,
    private readonly id: string,
    private readonly signIn: () => (() => void) | null,
    private readonly measure?: Measure
  ) {
    const t = ctx.t;
    this.list.setAttribute('aria-label', t.__('Your alerts for this feature'));
    this.node = el('section', { className: 'hp-section hp-alertsPanel' }, el('h2', { textContent: t.__('Alerts') }));
  }

  private request(path: string, init: RequestInit = {}): Promise<Response> {
    return gatewayFetch(this.ctx, path, init);
  }

  async render(): Promise<void> {
    const t = this.ctx.t;
    if (!this.ctx.token) {
      const parts: Node[] = [el('p', { textContent: t.__('Sign in to be told of new observations of this feature, by e-mail or webhook.') })];
      const signIn = this.signIn();
      if (signIn) parts.push(signInButton(t, signIn));
      this.node.replaceChildren(this.node.firstChild!, ...parts);
      return;
    }
    const condition = el(
      'select',
      { id: 'hp-alertCondition' },
      // Stations and gauges carry no quality flag.
      ...(this.measure ? (['new', 'above', 'below', 'silence'] as const) : (['new', 'above', 'below', 'quality', 'silence'] as const)).map((c) =>
        el('option', {
          value: c,
          textContent: {
            new: t.__('a new observation'),
            above: this.measure ? t.__('%1 above…', this.measure.name.toLowerCase()) : t.__('water surface elevation above…'),
            below: this.measure ? t.__('%1 below…', this.measure.name.toLowerCase()) : t.__('water surface elevation below…'),
            quality: t.__('quality worse than…'),
            silence: t.__('no data for… days')
          }[c]
        })
      )
    );
    const threshold = el('input', { id: 'hp-alertThreshold', type: 'number', step: 'any' });
    const thresholdField = el(
      'div',
      { className: 'hp-field', hidden: true },
      el('label', { htmlFor: 'hp-alertThreshold', textContent: t.__('Value') }),
      threshold
    );
    condition.onchange = () => {
      thresholdField.hidden = condition.value === 'new';
      (thresholdField.firstChild as HTMLLabelElement).textContent =
        condition.value === 'quality'
          ? t.__('Worst quality allowed (0 good, 1 suspect, 2 degraded)')
          : condition.value === 'silence'
            ? t.__('Days')
            : this.measure
              ? `${this.measure.name} (${this.measure.units})`
              : t.__('Water surface elevation (m)');
    };
    const email = el('input', { id: 'hp-alertEmail', type: 'email', autocomplete: 'email' });
    const webhook = el('input', { id: 'hp-alertWebhook', type: 'url', placeholder: 'https://…' });
    const submit = el('button', { type: 'submit', className: 'hp-button hp-primary', textContent: t.__('Alert me') });
    const form = el(
      'form',
      { className: 'hp-keyForm' },
      el('div', { className: 'hp-field' }, el('label', { htmlFor: 'hp-alertCondition', textContent: t.__('Tell me of') }), condition),
      thresholdField,
      el('div', { className: 'hp-field' }, el('label', { htmlFor: 'hp-alertEmail', textContent: t.__('E-mail (optional)') }), email),
      el('div', { className: 'hp-field' }, el('label', { htmlFor: 'hp-alertWebhook', textContent: t.__('Webhook (optional)') }), webhook),
      submit
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.create({
        feature: this.feature,
        id: this.id,
        condition: condition.value,
        ...(condition.value !== 'new' ? { threshold: Number(threshold.value) } : {}),
        ...(email.value ? { email: email.value } : {}),
        ...(webhook.value ? { webhook: webhook.value } : {})
      });
    });
    this.node.replaceChildren(
      this.node.firstChild!,
      el('p', { textContent: t.__('Alerts show in this portal; add an e-mail or a webhook to be told there too.') }),
      form,
      this.list
    );
    await this.refresh();
  }

  private async refresh(): Promise<void> {
    const t = this.ctx.t;
    const res = await this.request('/subscriptions');
    if (!res.ok) return;
    const mine = ((await res.json()) as { subscriptions: Sub[] }).subscriptions.filter((s) => s.feature_id === this.id);
    this.list.replaceChildren(
      ...mine.map((s) => {
        const stop = el('button', { type: 'button', className: 'hp-button', textContent: t.__('Stop') });
        const what = conditionText(t, s.condition, s.threshold, this.measure);
        stop.setAttribute('aria-label', t.__('Stop the alert: %1', what));
        stop.onclick = async () => {
          await this.request(`/subscriptions/${s.id}`, { method: 'DELETE' });
          await this.refresh();
        };
        return el('li', { 'data-subscription': s.id }, `${what}${s.email ? ` · ${s.email}` : ''}${s.webhook ? ` · ${s.webhook}` : ''} `, stop);
      })
    );
  }

  private async create(body: Record<string, unknown>): Promise<void> {
    const t = this.ctx.t;
    const res = await this.request('/subscriptions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const answer = (await res.json().catch(() => ({}))) as { detail?: string; secret?: string };
    if (!res.ok) return this.ctx.error(t.__('The alert could not be made: %1', answer.detail ?? `HTTP ${res.status}`));
    this.ctx.notice(body['webhook'] ? t.__('Alert made. Webhook secret (shown once): %1', answer.secret) : t.__('Alert made.'));
    await this.refresh();
  }
}
