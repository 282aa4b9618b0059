// The basket page: the features put aside, a format and quality, "Prepare the download" (export jobs on the
// gateway), their progress, and the files once ready.
import { EXPORT_FORMATS, FEATURE_OF, type Basket, type BasketJob } from './basket.js';
import { el, featurePath, gatewayFetch, signInButton, type PortalContext } from './context.js';
import { currentSession, jwtClaims } from './auth.js';
import { labSection } from './lab-link.js';
import { KIND_NAMES } from './search-page.js';

const FORMAT_NAMES: Record<(typeof EXPORT_FORMATS)[number], string> = { parquet: 'Parquet', csv: 'CSV', netcdf: 'NetCDF-CF', geojson: 'GeoJSON' };

export class BasketPage {
  readonly node: HTMLElement;
  private readonly body = el('div');
  private readonly jobsEl = el('div', { className: 'hp-jobs' });
  private unlisten: (() => void) | null = null;
  private sendsMail = false;

  constructor(
    private readonly ctx: PortalContext,
    private readonly basket: Basket,
    private readonly signIn: () => (() => void) | null
  ) {
    this.node = el('article', { className: 'hp-feature hp-basket' }, el('h1', { textContent: ctx.t.__('Download basket') }), this.body, this.jobsEl);
  }

  async start(): Promise<void> {
    // Whether the gateway can e-mail the signed-in person when a download is ready.
    if (this.ctx.token) {
      type Account = { sends_mail?: boolean };
      const account: Account = await gatewayFetch(this.ctx, '/auth/account').then(
        (r) => (r.ok ? (r.json() as Promise<Account>) : {}),
        () => ({})
      );
      this.sendsMail = account.sends_mail === true;
    }
    this.render();
    this.unlisten = this.basket.onChange(() => this.renderJobs());
    this.basket.follow();
    this.node.dataset['ready'] = 'true';
  }

  private render(): void {
    const t = this.ctx.t;
    const entries = this.basket.entries;
    if (!entries.length) {
      this.body.replaceChildren(el('p', { className: 'hp-empty', textContent: t.__('The basket is empty: add rivers, nodes and lakes from their pages.') }));
    } else {
      const list = el(
        'ul',
        { className: 'hp-granules' },
        ...entries.map((e) => {
          const remove = el('button', { type: 'button', className: 'hp-button', textContent: t.__('Remove') });
          remove.setAttribute('aria-label', t.__('Remove %1 from the basket', e.label));
          remove.onclick = () => {
            this.basket.remove(e.kind, e.id);
            this.render();
          };
          return el('li', { className: 'hp-basketEntry' }, el('a', { href: featurePath(e.kind, e.id), textContent: e.label }), ' ', remove);
        })
      );
      list.setAttribute('aria-label', t.__('In the basket'));
      const format = el('select', { id: 'hp-exportFormat' }, ...EXPORT_FORMATS.map((f) => el('option', { value: f, textContent: FORMAT_NAMES[f] })));
      const quality = el(
        'select',
        { id: 'hp-exportQuality' },
        el('option', { value: 'all', textContent: t.__('All observations') }),
        el('option', { value: 'suspect', textContent: t.__('Good and suspect') }),
        el('option', { value: 'good', textContent: t.__('Good only') })
      );
      // Told by e-mail too when it is ready (the signed-in person's address, which they may change or clear).
      const session = currentSession();
      const claims = session ? { ...jwtClaims(session.access_token), ...(session.id_token ? jwtClaims(session.id_token) : {}) } : {};
      const email = el('input', {
        id: 'hp-exportEmail',
        type: 'email',
        autocomplete: 'email',
        value: typeof claims['email'] === 'string' ? claims['email'] : ''
      });
      const prepare = el('button', { type: 'submit', className: 'hp-button hp-primary', textContent: t.__('Prepare the download') });
      const form = el(
        'form',
        { className: 'hp-keyForm' },
        el('div', { className: 'hp-field' }, el('label', { htmlFor: 'hp-exportFormat', textContent: t.__('Format') }), format),
        el('div', { className: 'hp-field' }, el('label', { htmlFor: 'hp-exportQuality', textContent: t.__('Quality') }), quality),
        ...(this.sendsMail
          ? [el('div', { className: 'hp-field' }, el('label', { htmlFor: 'hp-exportEmail', textContent: t.__('E-mail me when ready (optional)') }), email)]
          : []),
        prepare
      );
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        void this.prepare(
          format.value as (typeof EXPORT_FORMATS)[number],
          quality.value as 'all' | 'good' | 'suspect',
          this.sendsMail ? email.value.trim() : '',
          prepare
        );
      });
      const empty = el('button', { type: 'button', className: 'hp-button', textContent: t.__('Empty the basket') });
      empty.onclick = () => {
        this.basket.clearEntries();
        this.render();
      };
      // The basket's features by type, for a notebook in the lab.
      const byType = new Map<'Reach' | 'Node' | 'PriorLake', string[]>();
      for (const e of entries) byType.set(FEATURE_OF[e.kind], [...(byType.get(FEATURE_OF[e.kind]) ?? []), e.id]);
      const lab = labSection(this.ctx, { title: t.__('Download basket'), features: [...byType].map(([feature, ids]) => ({ feature, ids })) });
      this.body.replaceChildren(el('p', { textContent: t._n('%1 feature', '%1 features', entries.length) }), list, form, empty, lab);
    }
    this.renderJobs();
  }

  private async prepare(format: (typeof EXPORT_FORMATS)[number], quality: 'all' | 'good' | 'suspect', email: string, button: HTMLButtonElement): Promise<void> {
    const t = this.ctx.t;
    if (!this.ctx.token) {
      this.ctx.error(t.__('Sign in to prepare downloads: they run on the server as yours.'));
      const signIn = this.signIn();
      if (signIn && !button.parentElement?.querySelector('.hp-signIn')) button.after(signInButton(t, signIn, 'hp-button hp-signIn'));
      return;
    }
    button.disabled = true;
    try {
      await this.basket.export(format, quality, email || undefined);
      this.ctx.notice(email ? t.__('Download being prepared: an e-mail to %1 will say when it is ready.', email) : t.__('Download being prepared.'));
    } catch (error) {
      this.ctx.error(t.__('The download could not be started: %1', (error as Error).message));
    } finally {
      button.disabled = false;
    }
  }

  private renderJobs(): void {
    const t = this.ctx.t;
    const jobs = [...this.basket.jobs].reverse();
    if (!jobs.length) return void this.jobsEl.replaceChildren();
    const list = el('ul', { className: 'hp-granules' }, ...jobs.map((j) => this.jobRow(j)));
    list.setAttribute('aria-label', t.__('Downloads'));
    this.jobsEl.replaceChildren(el('h2', { textContent: t.__('Downloads') }), list);
  }

  private jobRow(j: BasketJob): HTMLLIElement {
    const t = this.ctx.t;
    const what = `${t._n('%1 feature', '%1 features', j.count)} (${t.__(KIND_NAMES[({ Reach: 'reach', Node: 'node', PriorLake: 'lake' } as const)[j.feature as 'Reach' | 'Node' | 'PriorLake'] ?? 'reach'])}), ${FORMAT_NAMES[j.format as keyof typeof FORMAT_NAMES] ?? j.format}, ${t.date(j.created)}`;
    const li = el('li', { className: 'hp-job', 'data-job': j.id, 'data-status': j.status }, el('span', { textContent: what }), ' ');
    if (j.status === 'accepted' || j.status === 'running') {
      const bar = el('progress', { max: 100, value: j.progress });
      bar.setAttribute('aria-label', t.__('Progress of the download %1', j.id));
      li.append(bar, ` ${t.__(j.status)} ${j.progress}%`);
    } else if (j.status === 'successful') {
      const get = el('button', { type: 'button', className: 'hp-button hp-primary', textContent: t.__('Download the file') });
      get.onclick = async () => {
        try {
          const a = el('a', { href: await this.basket.fileLink(j), download: '' });
          document.body.append(a);
          a.click();
          a.remove();
        } catch (error) {
          this.ctx.error(t.__('The file could not be fetched: %1', (error as Error).message));
        }
      };
      li.append(get);
    } else li.append(el('span', { className: 'hp-error', textContent: `${t.__(j.status)}${j.message ? `: ${j.message}` : ''}` }));
    return li;
  }

  dispose(): void {
    this.unlisten?.();
  }
}
