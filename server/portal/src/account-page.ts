// The account page: who the gateway takes the person for, their access levels, their API keys (make one for a
// script, name it, see when each was last used, revoke it) and their recent access to restricted data.
import type { AlertNotification } from '@hysope/api';
import { conditionText, type Measure } from './alerts-panel.js';
import { el, featurePath, gatewayFetch, signInButton, type PageKind, type PortalContext } from './context.js';
import { KIND_NAMES } from './search-page.js';

interface Sub {
  id: string;
  feature: string;
  feature_id: string | null;
  condition: string;
  threshold: number | null;
}

interface Account {
  name: string;
  role: string;
  signed_in_with: string;
  access_levels: string[];
  keys: { id: string; name: string | null; created: string; last_used: string | null }[];
  recent_access: { at: string; action: string; collection: string; item: string | null; level: string }[];
}

export class AccountPage {
  readonly node: HTMLElement;
  private readonly body = el('div', { className: 'hp-accountBody' });

  constructor(
    private readonly ctx: PortalContext,
    private readonly signIn: () => (() => void) | null,
    private readonly ready: Promise<unknown> = Promise.resolve()
  ) {
    this.node = el('article', { className: 'hp-feature hp-account' }, el('h1', { textContent: ctx.t.__('Your account') }), this.body);
  }

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await gatewayFetch(this.ctx, path, init);
    if (!res.ok && res.status !== 401) {
      const body = (await res.json().catch(() => ({}))) as { detail?: string };
      throw new Error(body.detail ?? `HTTP ${res.status}`);
    }
    return res;
  }

  async start(): Promise<void> {
    const t = this.ctx.t;
    this.node.dataset['ready'] = 'false';
    await this.ready;
    try {
      const res = await this.request('/auth/account');
      if (res.status === 401) return this.signedOut();
      this.render((await res.json()) as Account);
      await this.renderAlerts();
    } catch (error) {
      this.ctx.error(t.__('Your account could not be read: %1', (error as Error).message));
      this.body.replaceChildren(el('p', { className: 'hp-empty', textContent: t.__('Your account could not be read: %1', (error as Error).message) }));
    }
    this.node.dataset['ready'] = 'true';
  }

  private signedOut(): void {
    const t = this.ctx.t;
    const parts: Node[] = [el('p', { textContent: t.__('You are not signed in.') })];
    const signIn = this.signIn();
    if (signIn) parts.push(signInButton(t, signIn, 'hp-button hp-primary'));
    else {
      // Without single sign-on, a person signs this browser in with an API key (kept in this browser only).
      const key = el('input', { id: 'hp-apiKey', type: 'password', autocomplete: 'off', required: true });
      const use = el('button', { type: 'submit', className: 'hp-button hp-primary', textContent: t.__('Use this key') });
      const form = el(
        'form',
        { className: 'hp-keyForm' },
        el('div', { className: 'hp-field' }, el('label', { htmlFor: 'hp-apiKey', textContent: t.__('API key') }), key),
        use
      );
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        localStorage.setItem('hysope-portal-key', key.value.trim());
        location.reload();
      });
      parts.push(el('p', { textContent: t.__('Ask the people who run this portal for an API key; scripts and notebooks use it too.') }), form);
    }
    this.body.replaceChildren(...parts);
  }

  private render(a: Account): void {
    const t = this.ctx.t;
    const levels = a.access_levels.map((l) => t.__(l)).join(', ');
    const facts = el(
      'dl',
      { className: 'hp-facts' },
      el('dt', { textContent: t.__('Name') }),
      el('dd', { textContent: a.name }),
      el('dt', { textContent: t.__('Role') }),
      el('dd', { textContent: t.__(a.role) }),
      el('dt', { textContent: t.__('Signed in with') }),
      el('dd', { textContent: t.__(a.signed_in_with) }),
      el('dt', { textContent: t.__('Data you may read') }),
      el('dd', { textContent: levels })
    );
    const keyName = el('input', { id: 'hp-keyName', maxLength: 80, required: true, placeholder: t.__('e.g. my laptop') });
    const create = el('button', { type: 'submit', className: 'hp-button hp-primary', textContent: t.__('Create a key') });
    const shown = el('div', { className: 'hp-newKey' });
    shown.setAttribute('aria-live', 'polite');
    const form = el(
      'form',
      { className: 'hp-keyForm' },
      el('div', { className: 'hp-field' }, el('label', { htmlFor: 'hp-keyName', textContent: t.__('Name of the new key') }), keyName),
      create
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.createKey(keyName.value, shown);
    });
    const rows = a.keys.map((k) => {
      const revoke = el('button', { type: 'button', className: 'hp-button', textContent: t.__('Revoke') });
      revoke.setAttribute('aria-label', t.__('Revoke the key %1', k.name ?? k.id));
      revoke.onclick = () => void this.revoke(k.id);
      return el(
        'tr',
        { 'data-key': k.id },
        el('td', { textContent: k.name ?? '—' }),
        el('td', { textContent: t.date(k.created) }),
        el('td', { textContent: k.last_used ? t.date(k.last_used) : t.__('never') }),
        el('td', {}, revoke)
      );
    });
    const keys = a.keys.length
      ? el(
          'table',
          { className: 'hp-table' },
          el('caption', { className: 'hp-visuallyHidden', textContent: t.__('Your API keys') }),
          el(
            'thead',
            {},
            el('tr', {}, ...[t.__('Name'), t.__('Created'), t.__('Last used'), t.__('Action')].map((h) => el('th', { scope: 'col', textContent: h })))
          ),
          el('tbody', {}, ...rows)
        )
      : el('p', { className: 'hp-empty', textContent: t.__('No API key yet.') });
    const access = a.recent_access.length
      ? el(
          'table',
          { className: 'hp-table' },
          el('caption', { className: 'hp-visuallyHidden', textContent: t.__('Your recent access to restricted data') }),
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              ...[t.__('When'), t.__('What'), t.__('Collection'), t.__('Item'), t.__('Level')].map((h) => el('th', { scope: 'col', textContent: h }))
            )
          ),
          el(
            'tbody',
            {},
            ...a.recent_access.map((e) =>
              el(
                'tr',
                {},
                el('td', { textContent: t.date(e.at) }),
                el('td', { textContent: t.__(e.action) }),
                el('td', { textContent: e.collection }),
                el('td', { textContent: e.item ?? '—' }),
                el('td', { textContent: t.__(e.level) })
              )
            )
          )
        )
      : el('p', { className: 'hp-empty', textContent: t.__('None recorded.') });
    this.body.replaceChildren(
      facts,
      el(
        'section',
        { className: 'hp-section' },
        el('h2', { textContent: t.__('API keys') }),
        el('p', { textContent: t.__('Scripts and notebooks send a key as "Authorization: token KEY".') }),
        keys,
        form,
        shown
      ),
      el('section', { className: 'hp-section' }, el('h2', { textContent: t.__('Recent access to restricted data') }), access)
    );
  }

  /** The person's alert subscriptions (each with its feature's page and a way to stop it) and their latest alerts. */
  private async renderAlerts(): Promise<void> {
    const t = this.ctx.t;
    const [subs, inbox] = await Promise.all([
      this.request('/subscriptions').then((r) => (r.ok ? r.json() : { subscriptions: [] })) as Promise<{ subscriptions: Sub[] }>,
      this.request('/notifications?limit=20').then((r) => (r.ok ? r.json() : { notifications: [] })) as Promise<{ notifications: AlertNotification[] }>
    ]);
    const kindOf = (f: string) => ({ Reach: 'reach', Node: 'node', PriorLake: 'lake', Station: 'station', Gauge: 'gauge' })[f] as PageKind;
    // What a station's or gauge's threshold compares: its observation says; a station's is a water level.
    const measureOf = (feature: string, variable?: string): Measure | undefined =>
      variable === 'discharge'
        ? { name: t.__('Discharge'), units: 'm³/s' }
        : variable === 'water_level' || feature === 'Station'
          ? { name: t.__('Water level'), units: 'm' }
          : feature === 'Gauge'
            ? { name: t.__('Value'), units: '' }
            : undefined;
    const list = subs.subscriptions.length
      ? el(
          'ul',
          { className: 'hp-granules' },
          ...subs.subscriptions.map((s) => {
            const stop = el('button', { type: 'button', className: 'hp-button', textContent: t.__('Stop') });
            const what = conditionText(t, s.condition, s.threshold, measureOf(s.feature));
            stop.setAttribute('aria-label', t.__('Stop the alert: %1', what));
            stop.onclick = async () => {
              await this.request(`/subscriptions/${s.id}`, { method: 'DELETE' });
              await this.start();
            };
            const target = s.feature_id
              ? el('a', { href: featurePath(kindOf(s.feature), s.feature_id), textContent: `${t.__(KIND_NAMES[kindOf(s.feature)])} ${s.feature_id}` })
              : el('span', { textContent: t.__('Area') });
            return el('li', {}, target, ` — ${what} `, stop);
          })
        )
      : el('p', { className: 'hp-empty', textContent: t.__('No alert yet: make one from a river or lake page.') });
    const notes = inbox.notifications.length
      ? el(
          'ul',
          { className: 'hp-granules' },
          ...inbox.notifications.map((n) =>
            el(
              'li',
              {},
              el('a', { href: new URL(n.link).pathname, textContent: `${t.__(KIND_NAMES[kindOf(n.feature)])} ${n.feature_id}` }),
              ` — ${conditionText(t, n.condition, n.threshold, measureOf(n.feature, n.observation?.variable))} · ${t.date(n.observation?.time ?? n.at)}`
            )
          )
        )
      : el('p', { className: 'hp-empty', textContent: t.__('None yet.') });
    list.setAttribute('aria-label', t.__('Your alerts'));
    notes.setAttribute('aria-label', t.__('Recent alerts'));
    this.body.append(
      el('section', { className: 'hp-section' }, el('h2', { textContent: t.__('Your alerts') }), list),
      el('section', { className: 'hp-section' }, el('h2', { textContent: t.__('Recent alerts') }), notes)
    );
  }

  private async createKey(name: string, shown: HTMLElement): Promise<void> {
    const t = this.ctx.t;
    try {
      const res = await this.request('/auth/keys', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }) });
      const made = (await res.json()) as { key: string; name: string };
      await this.start();
      const out = el('input', { id: 'hp-newKeyValue', value: made.key, readOnly: true });
      const box = this.body.querySelector('.hp-newKey') ?? shown;
      box.replaceChildren(
        el('p', { textContent: t.__('Your new key "%1", shown this once: copy it now.', made.name) }),
        el('div', { className: 'hp-field' }, el('label', { htmlFor: 'hp-newKeyValue', textContent: t.__('New API key') }), out)
      );
      out.select();
    } catch (error) {
      this.ctx.error(t.__('The key could not be made: %1', (error as Error).message));
    }
  }

  private async revoke(id: string): Promise<void> {
    try {
      await this.request(`/auth/keys/${encodeURIComponent(id)}`, { method: 'DELETE' });
      this.ctx.notice(this.ctx.t.__('Key revoked.'));
      await this.start();
    } catch (error) {
      this.ctx.error(this.ctx.t.__('The key could not be revoked: %1', (error as Error).message));
    }
  }

  dispose(): void {}
}
