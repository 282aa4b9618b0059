/** @hysope/catalog-browser: search any STAC API from the left sidebar; preview, insert code, copy links, download. */
import { isStaticCatalogUrl, type Item } from '@hysope/api';
import { IHysopeGateway } from '@hysope/gateway-status';
import { ISwathViewer } from '@hysope/swath-viewer';
import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Clipboard, ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { searchIcon } from '@jupyterlab/ui-components';
import { Token, type ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { codeFor, languageOf } from './meaning.js';
import { CatalogPanel, EMPTY_FORM, type FormState } from './panel.js';
import { openSelectionPlugin } from './open-selection.js';
import { galleryPlugin } from './gallery-panel.js';
import type { CatalogSource } from './stac.js';

export { CatalogPanel } from './panel.js';
export { StacApi, swotFilter, parseBbox } from './stac.js';
export { codeFor, languageOf } from './meaning.js';
export { GalleryClient, GALLERY_PARAM } from './gallery-panel.js';
export { openInLabUrl, parseSelection, selectionNotebook, type LabSelection } from './selection-notebook.js';

/** The catalog browser's selection, for other extensions (the job launcher's item picker). */
export interface ICatalogSelection {
  /** The selected item, or null. */
  readonly selection: Item | null;
}

export const ICatalogSelection = new Token<ICatalogSelection>('@hysope/catalog-browser:ICatalogSelection', 'The item selected in the HYSOPE catalog browser.');

/** Command ids. */
export const CommandIDs = {
  open: 'hysope-catalog:open',
  search: 'hysope-catalog:search',
  preview: 'hysope-catalog:preview',
  insertCell: 'hysope-catalog:insert-cell',
  copyLink: 'hysope-catalog:copy-link'
} as const;

const STATE_KEY = '@hysope/catalog-browser:form';

const plugin: JupyterFrontEndPlugin<ICatalogSelection> = {
  id: '@hysope/catalog-browser:plugin',
  description: 'The HYSOPE catalog browser: STAC search, item detail, preview, code cells.',
  autoStart: true,
  provides: ICatalogSelection,
  requires: [IHysopeGateway],
  optional: [ISwathViewer, INotebookTracker, ISettingRegistry, IStateDB, ILayoutRestorer, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    gateway: IHysopeGateway,
    viewer: ISwathViewer | null,
    notebooks: INotebookTracker | null,
    settings: ISettingRegistry | null,
    state: IStateDB | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): ICatalogSelection => {
    const trans = (translator ?? nullTranslator).load('hysope');
    const error = (message: string) => Notification.error(message, { autoClose: 8000 });
    const kernelOfActive = () =>
      notebooks?.currentWidget?.sessionContext.session?.kernel?.name ?? notebooks?.currentWidget?.sessionContext.kernelPreference.name;
    const code = (item: Item) => codeFor(item, languageOf(kernelOfActive()), gateway.baseUrl);
    const panel = new CatalogPanel(trans, {
      preview: (items) => {
        if (!viewer) return error(trans.__('The swath viewer is not installed.'));
        void viewer.open({ title: items.length === 1 ? items[0]!.id : trans.__('%1 items', items.length), items });
      },
      insertCell: (item) => {
        const current = notebooks?.currentWidget;
        if (!current) return error(trans.__('Open a notebook first: the cell goes into the active notebook.'));
        const nb = current.content;
        NotebookActions.insertBelow(nb);
        nb.activeCell?.model.sharedModel.setSource(code(item));
        app.shell.activateById(current.id);
      },
      copyLink: (item) => {
        const self = item.links.find((l) => l.rel === 'self')?.href;
        if (!self) return error(trans.__('%1 has no self link.', item.id));
        Clipboard.copyToSystem(self);
        Notification.info(trans.__('STAC link copied: %1', self), { autoClose: 3000 });
      },
      codeFor: code,
      viewerBbox: () => viewer?.currentBbox() ?? null,
      error
    });
    panel.title.icon = searchIcon;
    app.shell.add(panel, 'left', { rank: 150 });
    restorer?.add(panel, 'hysope-catalog');

    let saved: FormState = EMPTY_FORM;
    let saveTimer = 0;
    panel.stateChanged.connect((_, s) => {
      window.clearTimeout(saveTimer);
      saveTimer = window.setTimeout(() => void state?.save(STATE_KEY, s as unknown as ReadonlyPartialJSONObject), 300);
    });
    const sources = (extra: unknown): CatalogSource[] => [
      // A workshop site's static catalog, or the gateway's STAC API.
      isStaticCatalogUrl(gateway.baseUrl)
        ? { name: trans.__('HYSOPE workshop catalog'), url: gateway.baseUrl }
        : { name: trans.__('HYSOPE (%1)', gateway.baseUrl), url: `${gateway.baseUrl}/stac`, token: gateway.token },
      ...(Array.isArray(extra) ? extra : [])
        .filter((c): c is { name?: string; url: string } => typeof (c as { url?: unknown })?.url === 'string')
        .map((c) => ({ name: c.name || c.url, url: c.url.replace(/\/+$/, '') }))
    ];
    let extraCatalogs: unknown = [];
    const apply = () =>
      void panel.setSources(sources(extraCatalogs), saved).then(() => (saved.collection || saved.q || saved.bbox ? panel.search() : undefined));
    // NOTE: the state database answers only once the layout is restored: never await it during activation.
    void app.restored.then(async () => {
      try {
        const value = (await state?.fetch(STATE_KEY)) as unknown as FormState | undefined;
        if (value && typeof value === 'object') saved = { ...EMPTY_FORM, ...value };
      } catch {
        // A missing or broken saved form starts empty.
      }
      if (settings) {
        try {
          const s = await settings.load(plugin.id);
          extraCatalogs = s.composite['catalogs'];
          s.changed.connect(() => {
            extraCatalogs = s.composite['catalogs'];
            saved = panel.state;
            apply();
          });
        } catch (e) {
          console.warn('HYSOPE catalog settings could not be loaded', e);
        }
      }
      // Only a new URL or token changes the catalog (the signal also says when reachability changes).
      let connection = `${gateway.baseUrl} ${gateway.token ?? ''}`;
      gateway.changed.connect(() => {
        const now = `${gateway.baseUrl} ${gateway.token ?? ''}`;
        if (now === connection) return;
        connection = now;
        saved = panel.state;
        apply();
      });
      apply();
    });

    app.commands.addCommand(CommandIDs.open, {
      label: trans.__('Open the HYSOPE catalog'),
      execute: () => app.shell.activateById(panel.id)
    });
    app.commands.addCommand(CommandIDs.search, {
      label: trans.__('Search the catalog'),
      execute: async () => {
        app.shell.activateById(panel.id);
        await panel.search();
      }
    });
    app.commands.addCommand(CommandIDs.preview, {
      label: trans.__('Preview the selected item in the swath viewer'),
      isEnabled: () => !!panel.selection && !!viewer,
      execute: async () => {
        if (panel.selection && viewer) await viewer.open({ title: panel.selection.id, items: [panel.selection] });
      }
    });
    app.commands.addCommand(CommandIDs.insertCell, {
      label: trans.__('Insert a code cell for the selected item'),
      isEnabled: () => !!panel.selection && !!notebooks?.currentWidget,
      execute: () => {
        const current = notebooks?.currentWidget;
        if (!panel.selection || !current) return;
        NotebookActions.insertBelow(current.content);
        current.content.activeCell?.model.sharedModel.setSource(code(panel.selection));
      }
    });
    app.commands.addCommand(CommandIDs.copyLink, {
      label: trans.__('Copy the STAC link of the selected item'),
      isEnabled: () => !!panel.selection,
      execute: () => {
        const self = panel.selection?.links.find((l) => l.rel === 'self')?.href;
        if (self) Clipboard.copyToSystem(self);
      }
    });
    panel.selectionChanged.connect(() => app.commands.notifyCommandChanged());
    for (const command of Object.values(CommandIDs)) palette?.addItem({ command, category: 'HYSOPE' });
    return {
      get selection() {
        return panel.selection;
      }
    };
  }
};

export default [plugin, openSelectionPlugin, galleryPlugin];
