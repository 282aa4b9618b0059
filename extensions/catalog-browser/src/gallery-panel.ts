// The lab's side of the community gallery: publish the current notebook (the items kernels-bridge recorded as read
// are pinned by the gateway from its `show.reads()` output), browse and search what others published, preview it
// (the gateway's page, nothing runs), open a copy or fork it; `?hysope-gallery=<id>` opens a copy (the gallery's
// "open in the lab" links).
import type { GalleryEntry } from '@hysope/api';
import { IHysopeGateway } from '@hysope/gateway-status';
import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, Notification, showDialog } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator, type TranslationBundle } from '@jupyterlab/translation';
import { notebookIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import { el } from './dom.js';
import { freePath } from './open-selection.js';

/** The address parameter of the gallery's "open in the lab" links. */
export const GALLERY_PARAM = 'hysope-gallery';

export const GalleryCommands = {
  publish: 'hysope-gallery:publish',
  open: 'hysope-gallery:open',
  show: 'hysope-gallery:show',
  rerun: 'hysope-gallery:rerun'
} as const;

/** What `POST /gallery/{id}/check` answers: whether each code cell's outputs are the published ones. */
export interface GalleryCheck {
  match: boolean;
  cells: { cell: number; same: boolean; published: number; rerun: number }[];
}

/** The gallery entry and pins a notebook opened from the gallery carries (`metadata.hysope`). */
export function galleryOrigin(metadata: unknown): { id: string; reads: { collection: string; id: string }[] } | null {
  const h = (metadata as { hysope?: { gallery?: unknown; reads?: unknown } } | null)?.hysope;
  if (!h || typeof h.gallery !== 'string' || !Array.isArray(h.reads)) return null;
  const reads = (h.reads as { collection?: unknown; id?: unknown }[])
    .filter((r) => typeof r?.collection === 'string' && typeof r.id === 'string')
    .map((r) => ({ collection: r.collection as string, id: r.id as string }));
  return { id: h.gallery, reads };
}

/** The gallery API of a gateway, as the lab calls it (errors carry the gateway's detail). */
export class GalleryClient {
  constructor(private readonly gateway: Pick<IHysopeGateway, 'baseUrl' | 'token'>) {}

  private async call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const headers = new Headers(init.headers);
    headers.set('Accept', 'application/json');
    if (this.gateway.token) headers.set('Authorization', `token ${this.gateway.token}`);
    if (init.body) headers.set('Content-Type', 'application/json');
    const res = await fetch(`${this.gateway.baseUrl}${path}`, { ...init, headers });
    const body = (await res.json().catch(() => null)) as (T & { detail?: string; title?: string }) | null;
    if (!res.ok) throw new Error(body?.detail ?? body?.title ?? `HTTP ${res.status}`);
    return body as T;
  }

  async list(q = ''): Promise<GalleryEntry[]> {
    return (await this.call<{ notebooks: GalleryEntry[] }>(`/gallery?${new URLSearchParams(q ? { q } : {})}`)).notebooks;
  }
  publish(publication: { title: string; description: string; tags: string[]; license: string; notebook: unknown }): Promise<GalleryEntry> {
    return this.call('/gallery', { method: 'POST', body: JSON.stringify(publication) });
  }
  fork(id: string): Promise<GalleryEntry> {
    return this.call(`/gallery/${encodeURIComponent(id)}/fork`, { method: 'POST', body: '{}' });
  }
  notebook(id: string): Promise<Record<string, unknown>> {
    return this.call(`/gallery/${encodeURIComponent(id)}/notebook.ipynb`);
  }
  check(id: string, notebook: unknown): Promise<GalleryCheck> {
    return this.call(`/gallery/${encodeURIComponent(id)}/check`, { method: 'POST', body: JSON.stringify({ notebook }) });
  }
  previewUrl(id: string): string {
    return `${this.gateway.baseUrl}/gallery/${encodeURIComponent(id)}/preview`;
  }
}

/** The form of a publication, in a dialog. */
class PublishForm extends Widget {
  readonly title_ = el('input', { type: 'text', required: true, maxLength: 200, className: 'jp-mod-styled' });
  readonly description = el('textarea', { rows: 3, maxLength: 5000, className: 'jp-mod-styled' });
  readonly tags = el('input', { type: 'text', className: 'jp-mod-styled', placeholder: 'swot, river' });
  readonly license = el('input', { type: 'text', className: 'jp-mod-styled', value: 'CC-BY-4.0' });

  constructor(trans: TranslationBundle, name: string) {
    super();
    this.title_.value = name.replace(/\.ipynb$/, '');
    const row = (label: string, input: HTMLElement) => el('label', { className: 'hysope-gallery-field' }, el('span', {}, label), input);
    this.node.append(
      row(trans.__('Title'), this.title_),
      row(trans.__('Description'), this.description),
      row(trans.__('Tags (comma separated)'), this.tags),
      row(trans.__('Licence (SPDX)'), this.license),
      el(
        'p',
        { className: 'hysope-gallery-hint' },
        trans.__('The catalog items the notebook read (its show.reads() output) are pinned, so a re-run reads the same versions.')
      )
    );
  }

  getValue() {
    return {
      title: this.title_.value.trim(),
      description: this.description.value.trim(),
      tags: this.tags.value
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
      license: this.license.value.trim()
    };
  }
}

/** The gallery sidebar: search, then each notebook with preview, open a copy and fork. */
export class GalleryPanel extends Widget {
  private readonly search = el('input', { type: 'search', className: 'jp-mod-styled' });
  private readonly list = el('ul', { className: 'hysope-gallery-list' });
  private readonly status = el('p', { className: 'hysope-gallery-status', role: 'status' });

  constructor(
    private readonly trans: TranslationBundle,
    private readonly client: () => GalleryClient,
    private readonly actions: { open(entry: GalleryEntry): void; fork(entry: GalleryEntry): void; publish(): void }
  ) {
    super();
    this.id = 'hysope-gallery';
    this.addClass('hysope-gallery');
    this.title.caption = trans.__('HYSOPE notebook gallery');
    this.search.placeholder = trans.__('Search titles, descriptions, authors');
    this.search.setAttribute('aria-label', trans.__('Search the gallery'));
    const form = el('form', {}, this.search, el('button', { type: 'submit', className: 'jp-mod-styled jp-mod-accept' }, trans.__('Search')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.refresh();
    });
    const publish = el('button', { type: 'button', className: 'jp-mod-styled' }, trans.__('Publish the current notebook…'));
    publish.addEventListener('click', () => this.actions.publish());
    this.node.append(el('h2', {}, trans.__('Notebook gallery')), form, publish, this.status, this.list);
  }

  protected override onAfterShow(): void {
    void this.refresh();
  }

  async refresh(): Promise<void> {
    this.status.textContent = this.trans.__('Loading…');
    try {
      const entries = await this.client().list(this.search.value.trim());
      this.list.replaceChildren(...entries.map((e) => this.entryView(e)));
      this.status.textContent = this.trans._n('%1 notebook', '%1 notebooks', entries.length);
    } catch (error) {
      this.list.replaceChildren();
      this.status.textContent = '';
      Notification.error(this.trans.__('The gallery could not be read: %1', (error as Error).message), { autoClose: 8000 });
    }
  }

  private entryView(e: GalleryEntry): HTMLElement {
    const button = (label: string, action: () => void) => {
      const b = el('button', { type: 'button', className: 'jp-mod-styled' }, label);
      b.addEventListener('click', action);
      return b;
    };
    const preview = el('a', { href: this.client().previewUrl(e.id), target: '_blank', rel: 'noopener' }, this.trans.__('Preview'));
    const item = el(
      'li',
      { className: 'hysope-gallery-entry' },
      el('strong', {}, e.title),
      el(
        'div',
        { className: 'hysope-gallery-meta' },
        `${e.author} · ${e.created.slice(0, 10)} · ${e.license}${e.tags.length ? ` · ${e.tags.join(', ')}` : ''}`
      ),
      e.description ? el('p', {}, e.description) : '',
      el('div', { className: 'hysope-gallery-meta' }, this.trans._n('%1 catalog item pinned', '%1 catalog items pinned', e.pins.length)),
      el(
        'div',
        { className: 'hysope-gallery-actions' },
        preview,
        button(this.trans.__('Open a copy'), () => this.actions.open(e)),
        button(this.trans.__('Fork'), () => this.actions.fork(e))
      )
    );
    item.setAttribute('data-id', e.id);
    return item;
  }
}

export const galleryPlugin: JupyterFrontEndPlugin<void> = {
  id: '@hysope/catalog-browser:gallery',
  description: 'The HYSOPE notebook gallery: publish, browse, preview, open and fork notebooks.',
  autoStart: true,
  requires: [IHysopeGateway],
  optional: [INotebookTracker, ILayoutRestorer, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    gateway: IHysopeGateway,
    notebooks: INotebookTracker | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load('hysope');
    const client = () => new GalleryClient(gateway);
    const failed = (what: string, error: unknown) =>
      Notification.error(trans.__('%1: %2', what, error instanceof Error ? error.message : String(error)), { autoClose: false });

    /** Saves a gallery notebook (its pins in its metadata) beside the user's files and opens it. */
    const openCopy = async (id: string, title: string) => {
      const notebook = await client().notebook(id);
      const path = await freePath(app, title);
      await app.serviceManager.contents.save(path, { type: 'notebook', format: 'json', content: notebook });
      await app.commands.execute('docmanager:open', { path });
      Notification.success(
        trans.__('%1 opened from the gallery. "Re-run with the Pinned Versions" runs it on the item versions it was published with.', path),
        {
          autoClose: 6000,
          actions: [{ label: trans.__('Re-run'), callback: () => void app.commands.execute(GalleryCommands.rerun) }]
        }
      );
    };

    const panel = new GalleryPanel(trans, client, {
      open: (e) => void openCopy(e.id, e.title).catch((error: unknown) => failed(trans.__('The notebook could not be opened'), error)),
      fork: (e) =>
        void client()
          .fork(e.id)
          .then((f) => openCopy(f.id, f.title))
          .then(() => panel.refresh())
          .catch((error: unknown) => failed(trans.__('The notebook could not be forked'), error)),
      publish: () => void app.commands.execute(GalleryCommands.publish)
    });
    panel.title.icon = notebookIcon;
    app.shell.add(panel, 'left', { rank: 160 });
    restorer?.add(panel, 'hysope-gallery');

    app.commands.addCommand(GalleryCommands.publish, {
      label: trans.__('Publish the Notebook to the HYSOPE Gallery…'),
      isEnabled: () => !!notebooks?.currentWidget,
      execute: async () => {
        const current = notebooks?.currentWidget;
        if (!current) return void Notification.error(trans.__('Open a notebook first: the gallery publishes the active notebook.'), { autoClose: 6000 });
        const form = new PublishForm(trans, current.context.localPath.split('/').pop() ?? 'notebook');
        const answer = await showDialog({
          title: trans.__('Publish to the HYSOPE gallery'),
          body: form,
          buttons: [Dialog.cancelButton({ label: trans.__('Cancel') }), Dialog.okButton({ label: trans.__('Publish') })],
          focusNodeSelector: 'input'
        });
        if (!answer.button.accept) return;
        try {
          // What the notebook shows now, outputs included (saved first, so the file and the publication agree).
          await current.context.save();
          const entry = await client().publish({ ...form.getValue(), notebook: current.context.model.toJSON() });
          Notification.success(trans.__('"%1" is in the gallery (%2 catalog items pinned).', entry.title, entry.pins.length), {
            autoClose: 8000,
            actions: [{ label: trans.__('Preview'), callback: () => window.open(client().previewUrl(entry.id), '_blank', 'noopener') }]
          });
          if (panel.isVisible) await panel.refresh();
        } catch (error) {
          failed(trans.__('The notebook could not be published'), error);
        }
      }
    });
    app.commands.addCommand(GalleryCommands.rerun, {
      label: trans.__('Re-run with the Pinned Versions and Check the Outputs'),
      isEnabled: () => !!notebooks?.currentWidget && !!galleryOrigin(notebooks.currentWidget.context.model.metadata),
      execute: async () => {
        const current = notebooks?.currentWidget;
        // A notebook just opened has no metadata until its file is read.
        await current?.context.ready;
        const origin = current ? galleryOrigin(current.context.model.metadata) : null;
        if (!current || !origin)
          return void Notification.error(trans.__('Open a notebook from the gallery first: its pins say which item versions to read.'), { autoClose: 6000 });
        await current.sessionContext.ready;
        const kernel = current.sessionContext.session?.kernel;
        const language = current.context.model.getMetadata('kernelspec')?.['language'];
        if (!kernel || language !== 'typescript')
          return void Notification.error(trans.__('The re-run with pins needs the TypeScript kernel (kernels-bridge reads the pins).'), { autoClose: 8000 });
        const pin = (pins: unknown) =>
          kernel.requestExecute({
            code: `import { usePins } from '@hysope/kernels-bridge';\nusePins(${JSON.stringify(pins)});`,
            silent: true,
            store_history: false
          }).done;
        const progress = Notification.emit(trans.__('Re-running with %1 pinned catalog items…', origin.reads.length), 'in-progress', { autoClose: false });
        try {
          const reply = await pin(origin.reads);
          if (reply.content.status !== 'ok') throw new Error(trans.__('the kernel could not pin the items'));
          const ran = await NotebookActions.runAll(current.content, current.sessionContext);
          const check = await client().check(origin.id, current.context.model.toJSON());
          const differ = check.cells.filter((c) => !c.same).map((c) => String(c.cell + 1));
          Notification.update({
            id: progress,
            type: check.match && ran ? 'success' : 'warning',
            message: check.match
              ? trans.__('Re-run on the pinned versions: every output matches the published notebook.')
              : trans.__('Re-run on the pinned versions: the outputs of cells %1 differ from the published notebook.', differ.join(', ') || '—'),
            autoClose: false
          });
        } catch (error) {
          Notification.dismiss(progress);
          failed(trans.__('The re-run could not be checked'), error);
        } finally {
          await pin(null).catch(() => undefined);
        }
      }
    });
    app.commands.addCommand(GalleryCommands.show, {
      label: trans.__('Show the HYSOPE Notebook Gallery'),
      execute: () => app.shell.activateById(panel.id)
    });
    palette?.addItem({ command: GalleryCommands.publish, category: 'HYSOPE' });
    palette?.addItem({ command: GalleryCommands.show, category: 'HYSOPE' });
    palette?.addItem({ command: GalleryCommands.rerun, category: 'HYSOPE' });

    // "Open in the lab" links of the gallery: a copy of the notebook, once (the parameter leaves the address).
    const url = new URL(window.location.href);
    const id = url.searchParams.get(GALLERY_PARAM);
    if (id !== null) {
      url.searchParams.delete(GALLERY_PARAM);
      window.history.replaceState(window.history.state, '', url.href);
      void app.restored.then(() => openCopy(id, 'gallery').catch((error: unknown) => failed(trans.__('The gallery notebook could not be opened'), error)));
    }
  }
};
