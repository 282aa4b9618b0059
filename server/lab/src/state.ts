// The lab's state database (which panels are open, their settings), kept per workspace on the server.
//
// Replaces `@jupyterlab/apputils-extension:state`, whose "load the workspace" route command also waits for the
// first save of the workspace: a 500 ms debounce restarted by every state change while plugins start. Routing
// waits for that command, the file browser waits for routing and the launcher for the file browser, so the
// launcher of a fresh page appeared 0.5–1 s after the lab had nothing left to do. Here loading resolves when the
// saved workspace is in the database and the save follows in the background. Same command ids, same routes
// (`?reset`, `?clone`), same workspace format.
import { IRouter, JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IWindowResolver } from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { IStateDB, StateDB } from '@jupyterlab/statedb';
import { ITranslator } from '@jupyterlab/translation';
import { PromiseDelegate, type ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Debouncer } from '@lumino/polling';

const LOAD = 'apputils:load-statedb';
const RESET = 'apputils:reset';
const RESET_ON_LOAD = 'apputils:reset-on-load';
const RESET_QUERY = /(\?reset|&reset)(=[^&#]*)?($|&|#)/;

interface Location {
  hash: string;
  path: string;
  search: string;
}

function locationOf(args: ReadonlyPartialJSONObject): Location {
  return { hash: String(args.hash ?? ''), path: String(args.path ?? ''), search: String(args.search ?? '') };
}

/** The same location without one query parameter. */
function without(location: Location, key: string): string {
  const query = URLExt.queryStringToObject(location.search);
  delete query[key];
  return location.path + URLExt.objectToQueryString(query) + location.hash;
}

export const statePlugin: JupyterFrontEndPlugin<IStateDB> = {
  id: '@hysope/lab:state',
  description: 'The application state, stored per workspace; loading it does not wait for the save that follows.',
  autoStart: true,
  provides: IStateDB,
  requires: [JupyterFrontEnd.IPaths, IRouter, ITranslator],
  optional: [IWindowResolver],
  activate(app: JupyterFrontEnd, _paths: JupyterFrontEnd.IPaths, router: IRouter, translator: ITranslator, resolver: IWindowResolver | null): IStateDB {
    if (!resolver) return new StateDB();
    const trans = translator.load('jupyterlab');
    const { workspaces } = app.serviceManager;
    const workspace = resolver.name;
    const transform = new PromiseDelegate<StateDB.DataTransform>();
    let settled = false;
    const settle = (t: StateDB.DataTransform) => {
      settled = true;
      transform.resolve(t);
    };
    const db = new StateDB({ transform: transform.promise });
    const save = new Debouncer(async () => {
      await workspaces.save(workspace, { data: await db.toJSON(), metadata: { id: workspace } });
    });
    db.changed.connect(() => void save.invoke());
    // The browser tab names the current document, as in JupyterLab.
    db.changed.connect(() => {
      const label = app.shell.currentWidget?.title.label;
      document.title = label ? `${label} - ${app.name}` : app.name;
    });
    const saved = () => save.invoke().catch((e: unknown) => console.warn(`the workspace "${workspace}" was not saved`, e));

    app.commands.addCommand(LOAD, {
      label: trans.__('Load state for the current workspace.'),
      execute: async (args) => {
        if (settled) return;
        const location = locationOf(args);
        const query = URLExt.queryStringToObject(location.search);
        const clone = typeof query.clone === 'string' ? query.clone || PageConfig.defaultWorkspace : null;
        try {
          const found = await workspaces.fetch(clone ?? workspace);
          if (!settled) settle({ type: 'overwrite', contents: found.data });
        } catch (error) {
          // No saved workspace yet: start empty, the first save creates it.
          console.debug(`no saved workspace "${clone ?? workspace}"`, error);
          if (!settled) settle({ type: 'cancel', contents: null });
        }
        if (clone !== null) {
          // A clone is saved under this workspace before the URL loses its `clone` parameter.
          await saved();
          router.navigate(without(location, 'clone'));
          return router.stop;
        }
        // NOTE: not awaited (see the header): state changes keep postponing the first save while the lab starts.
        void saved();
        return undefined;
      }
    });
    app.commands.addCommand(RESET, {
      label: trans.__('Reset Application State'),
      execute: async (args) => {
        await db.clear();
        await saved();
        if (args.reload) router.reload();
      }
    });
    app.commands.addCommand(RESET_ON_LOAD, {
      label: trans.__('Reset state when loading for the workspace.'),
      execute: async (args) => {
        const location = locationOf(args);
        const query = URLExt.queryStringToObject(location.search);
        if (!('reset' in query)) return undefined;
        // Once loaded, the database can only be emptied by reloading.
        if (settled) return router.reload();
        settle({ type: 'clear', contents: null });
        await db.clear();
        await saved();
        router.navigate(without(location, 'reset'), { hard: 'clone' in query });
        return undefined;
      }
    });
    router.register({ command: LOAD, pattern: /.?/, rank: 30 });
    router.register({ command: RESET_ON_LOAD, pattern: RESET_QUERY, rank: 20 });
    return db;
  }
};
