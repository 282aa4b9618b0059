// The lab's end of the portal's "Open in the lab": a `?hysope-open=<selection JSON>` address becomes a notebook
// (selection-notebook.ts) saved beside the user's other files under a name of its own, then opened. A broken
// selection is a notification, never a blank lab; the parameter leaves the address so a reload does not open it
// twice.
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { OPEN_PARAM, parseSelection, selectionFileName, selectionNotebook } from './selection-notebook.js';

/** A path in the lab's root not taken yet: `name.ipynb`, `name-1.ipynb`, ... (characters unsafe in a file name as `-`). */
export async function freePath(app: JupyterFrontEnd, name: string): Promise<string> {
  const stem =
    name
      .replace(/\.ipynb$/, '')
      .replace(/[^\w.-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'notebook';
  for (let i = 0; i < 1000; i++) {
    const candidate = `${stem}${i ? `-${i}` : ''}.ipynb`;
    try {
      await app.serviceManager.contents.get(candidate, { content: false });
    } catch {
      return candidate;
    }
  }
  throw new Error(`no free name for ${name}`);
}

export const openSelectionPlugin: JupyterFrontEndPlugin<void> = {
  id: '@hysope/catalog-browser:open-selection',
  description: "Opens a notebook for a selection made in the HYSOPE portal ('Open in the lab').",
  autoStart: true,
  optional: [ITranslator],
  activate: (app: JupyterFrontEnd, translator: ITranslator | null) => {
    const trans = (translator ?? nullTranslator).load('hysope');
    const url = new URL(window.location.href);
    const raw = url.searchParams.get(OPEN_PARAM);
    if (raw === null) return;
    url.searchParams.delete(OPEN_PARAM);
    window.history.replaceState(window.history.state, '', url.href);
    void app.restored.then(async () => {
      try {
        const selection = parseSelection(raw);
        const path = await freePath(app, selectionFileName(selection));
        await app.serviceManager.contents.save(path, { type: 'notebook', format: 'json', content: selectionNotebook(selection) });
        await app.commands.execute('docmanager:open', { path });
        Notification.success(trans.__('%1 was made from your selection in the portal: run its cells to read the data.', path), { autoClose: 6000 });
      } catch (e) {
        Notification.error(trans.__("The portal's selection could not be opened: %1", e instanceof Error ? e.message : String(e)), { autoClose: false });
      }
    });
  }
};
