// The zero-server edition (`hysopeEdition: "lite"` in the page config, as `hysope export-static --lab` writes it):
// the same lab, its services answered in the browser by JupyterLite (contents in the browser's storage over the
// site's files, settings from the site's schemas, kernels in the page), and the HYSOPE browser kernel. Loaded
// only there (a chunk of its own): the lab served by Jupyter never fetches it.
import { IRouter, type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import { ITranslatorConnector } from '@jupyterlab/translation';

/** Whether this page is the zero-server edition. */
export function isLite(): boolean {
  return PageConfig.getOption('hysopeEdition') === 'lite';
}

/**
 * Plugins that need a server or a gateway, never started in the zero-server edition: terminals, the debugger (the
 * browser kernel has no debug protocol), running-server listings, jobs, the gallery. (The gateway connection stays:
 * its URL is the site's static catalog, which it checks instead of a gateway.)
 */
export const LITE_DISABLED = [
  '@jupyterlab/terminal-extension',
  '@jupyterlab/debugger-extension',
  '@jupyterlab/running-extension:running-sessions-kernels',
  '@hysope/job-launcher',
  '@hysope/catalog-browser:gallery'
];

/** The lab's language packs, without a server to list them: English only, as the lab ships. */
const translatorConnector: JupyterFrontEndPlugin<ITranslatorConnector> = {
  id: '@hysope/lab:lite-translator-connector',
  description: 'Answers the translation API in the browser (English, no language packs).',
  autoStart: true,
  provides: ITranslatorConnector,
  activate: () =>
    ({
      fetch: async (opts?: { language?: string }) =>
        opts?.language ? { data: {}, message: '' } : { data: { en: { displayName: 'English', nativeName: 'English' } }, message: '' },
      save: async () => undefined,
      remove: async () => undefined,
      list: async () => ({ ids: [], values: [] })
    }) as unknown as ITranslatorConnector
};

/**
 * Addresses on a static host: the page stays at `lab/` (a reload must find a file; JupyterLab would write
 * `lab/workspaces/…/tree/<path>`, which no static host has), the layout being kept in the browser's storage;
 * `lab/?path=<notebook>` opens a notebook of the site (the links a trainer hands out).
 */
const liteRouting: JupyterFrontEndPlugin<void> = {
  id: '@hysope/lab:lite-routing',
  description: 'Keeps the page address of the zero-server edition a file of the site; opens ?path= notebooks.',
  autoStart: true,
  requires: [IRouter],
  activate: (app: JupyterFrontEnd, router: IRouter) => {
    const navigate = router.navigate.bind(router);
    router.navigate = (path: string, options: IRouter.INavOptions = {}) => {
      // The address updates that only mirror the current document (skipRouting) are not made.
      if (options.skipRouting) return;
      navigate(path, options);
    };
    const url = new URL(window.location.href);
    const open = url.searchParams.get('path');
    if (!open) return;
    url.searchParams.delete('path');
    window.history.replaceState(null, '', url.href);
    void app.restored.then(() => app.commands.execute('docmanager:open', { path: open }));
  }
};

/** JupyterLite's service plugins, the browser kernel, and the answers the lab's server gave. */
export async function litePlugins(): Promise<JupyterFrontEndPlugin<unknown>[]> {
  const [services, kernel] = await Promise.all([import('@jupyterlite/services-extension'), import('@hysope/lite-kernel')]);
  return [
    ...(services.default as unknown as JupyterFrontEndPlugin<unknown>[]),
    kernel.default as JupyterFrontEndPlugin<unknown>,
    translatorConnector as JupyterFrontEndPlugin<unknown>,
    liteRouting as JupyterFrontEndPlugin<unknown>
  ];
}

/**
 * The plugins to start: JupyterLite's services replace the lab's plugins that provide the same services
 * (kernels, sessions, settings, contents' default drive, workspaces...), the rest of the lab is unchanged.
 */
export function withLiteServices(plugins: JupyterFrontEndPlugin<unknown>[], lite: JupyterFrontEndPlugin<unknown>[]): JupyterFrontEndPlugin<unknown>[] {
  const provided = new Set(lite.map((p) => p.provides).filter(Boolean));
  return [...plugins.filter((p) => !p.provides || !provided.has(p.provides)), ...lite];
}
