// Entry of the HYSOPE lab: JupyterLab 4.6 plugins from npm plus our extensions, started the way
// JupyterLab's dev_mode does (plugin registry, service manager from @jupyterlab/services-extension).
import './public-path.js';
import { JupyterLab, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { IServiceManager } from '@jupyterlab/services';
import { PluginRegistry } from '@lumino/coreutils';
import '../build/style.js';
import { debuggerModulesPlugin } from './debugger.js';
import { statePlugin } from './state.js';
import { LITE_DISABLED, isLite, litePlugins, withLiteServices } from './lite.js';

import jupyterlab_application_extension from '@jupyterlab/application-extension';
import jupyterlab_apputils_extension from '@jupyterlab/apputils-extension';
import jupyterlab_cell_toolbar_extension from '@jupyterlab/cell-toolbar-extension';
import jupyterlab_celltags_extension from '@jupyterlab/celltags-extension';
import jupyterlab_codemirror_extension from '@jupyterlab/codemirror-extension';
import jupyterlab_completer_extension from '@jupyterlab/completer-extension';
import jupyterlab_console_extension from '@jupyterlab/console-extension';
import jupyterlab_csvviewer_extension from '@jupyterlab/csvviewer-extension';
import jupyterlab_debugger_extension from '@jupyterlab/debugger-extension';
import jupyterlab_docmanager_extension from '@jupyterlab/docmanager-extension';
import jupyterlab_documentsearch_extension from '@jupyterlab/documentsearch-extension';
import jupyterlab_filebrowser_extension from '@jupyterlab/filebrowser-extension';
import jupyterlab_fileeditor_extension from '@jupyterlab/fileeditor-extension';
import jupyterlab_help_extension from '@jupyterlab/help-extension';
import jupyterlab_htmlviewer_extension from '@jupyterlab/htmlviewer-extension';
import jupyterlab_imageviewer_extension from '@jupyterlab/imageviewer-extension';
import jupyterlab_inspector_extension from '@jupyterlab/inspector-extension';
import jupyterlab_launcher_extension from '@jupyterlab/launcher-extension';
import jupyterlab_logconsole_extension from '@jupyterlab/logconsole-extension';
import jupyterlab_mainmenu_extension from '@jupyterlab/mainmenu-extension';
import jupyterlab_markdownviewer_extension from '@jupyterlab/markdownviewer-extension';
import jupyterlab_markedparser_extension from '@jupyterlab/markedparser-extension';
import jupyterlab_mathjax_extension from '@jupyterlab/mathjax-extension';
import jupyterlab_mermaid_extension from '@jupyterlab/mermaid-extension';
import jupyterlab_metadataform_extension from '@jupyterlab/metadataform-extension';
import jupyterlab_notebook_extension from '@jupyterlab/notebook-extension';
import jupyterlab_rendermime_extension from '@jupyterlab/rendermime-extension';
import jupyterlab_running_extension from '@jupyterlab/running-extension';
import jupyterlab_services_extension from '@jupyterlab/services-extension';
import jupyterlab_settingeditor_extension from '@jupyterlab/settingeditor-extension';
import jupyterlab_shortcuts_extension from '@jupyterlab/shortcuts-extension';
import jupyterlab_statusbar_extension from '@jupyterlab/statusbar-extension';
import jupyterlab_terminal_extension from '@jupyterlab/terminal-extension';
import jupyterlab_theme_dark_extension from '@jupyterlab/theme-dark-extension';
import jupyterlab_theme_dark_high_contrast_extension from '@jupyterlab/theme-dark-high-contrast-extension';
import jupyterlab_theme_light_extension from '@jupyterlab/theme-light-extension';
import jupyterlab_toc_extension from '@jupyterlab/toc-extension';
import jupyterlab_tooltip_extension from '@jupyterlab/tooltip-extension';
import jupyterlab_translation_extension from '@jupyterlab/translation-extension';
import jupyterlab_ui_components_extension from '@jupyterlab/ui-components-extension';
import jupyterlab_audio_extension from '@jupyterlab/audio-extension';
import jupyterlab_video_extension from '@jupyterlab/video-extension';
import jupyterlab_workspaces_extension from '@jupyterlab/workspaces-extension';
import hysope_gateway_status from '@hysope/gateway-status';
import hysope_swath_viewer from '@hysope/swath-viewer';
import hysope_catalog_browser from '@hysope/catalog-browser';
import hysope_job_launcher from '@hysope/job-launcher';
import jupyterlab_javascript_extension from '@jupyterlab/javascript-extension';
import jupyterlab_json_extension from '@jupyterlab/json-extension';
import jupyterlab_pdf_extension from '@jupyterlab/pdf-extension';
import jupyterlab_vega5_extension from '@jupyterlab/vega5-extension';

type PluginModule = JupyterFrontEndPlugin<unknown> | JupyterFrontEndPlugin<unknown>[];

/** Application plugins, by package. */
const EXTENSIONS: Record<string, PluginModule> = {
  '@jupyterlab/application-extension': jupyterlab_application_extension as unknown as PluginModule,
  '@jupyterlab/apputils-extension': jupyterlab_apputils_extension as unknown as PluginModule,
  '@jupyterlab/cell-toolbar-extension': jupyterlab_cell_toolbar_extension as unknown as PluginModule,
  '@jupyterlab/celltags-extension': jupyterlab_celltags_extension as unknown as PluginModule,
  '@jupyterlab/codemirror-extension': jupyterlab_codemirror_extension as unknown as PluginModule,
  '@jupyterlab/completer-extension': jupyterlab_completer_extension as unknown as PluginModule,
  '@jupyterlab/console-extension': jupyterlab_console_extension as unknown as PluginModule,
  '@jupyterlab/csvviewer-extension': jupyterlab_csvviewer_extension as unknown as PluginModule,
  '@jupyterlab/debugger-extension': jupyterlab_debugger_extension as unknown as PluginModule,
  '@jupyterlab/docmanager-extension': jupyterlab_docmanager_extension as unknown as PluginModule,
  '@jupyterlab/documentsearch-extension': jupyterlab_documentsearch_extension as unknown as PluginModule,
  '@jupyterlab/filebrowser-extension': jupyterlab_filebrowser_extension as unknown as PluginModule,
  '@jupyterlab/fileeditor-extension': jupyterlab_fileeditor_extension as unknown as PluginModule,
  '@jupyterlab/help-extension': jupyterlab_help_extension as unknown as PluginModule,
  '@jupyterlab/htmlviewer-extension': jupyterlab_htmlviewer_extension as unknown as PluginModule,
  '@jupyterlab/imageviewer-extension': jupyterlab_imageviewer_extension as unknown as PluginModule,
  '@jupyterlab/inspector-extension': jupyterlab_inspector_extension as unknown as PluginModule,
  '@jupyterlab/launcher-extension': jupyterlab_launcher_extension as unknown as PluginModule,
  '@jupyterlab/logconsole-extension': jupyterlab_logconsole_extension as unknown as PluginModule,
  '@jupyterlab/mainmenu-extension': jupyterlab_mainmenu_extension as unknown as PluginModule,
  '@jupyterlab/markdownviewer-extension': jupyterlab_markdownviewer_extension as unknown as PluginModule,
  '@jupyterlab/markedparser-extension': jupyterlab_markedparser_extension as unknown as PluginModule,
  '@jupyterlab/mathjax-extension': jupyterlab_mathjax_extension as unknown as PluginModule,
  '@jupyterlab/mermaid-extension': jupyterlab_mermaid_extension as unknown as PluginModule,
  '@jupyterlab/metadataform-extension': jupyterlab_metadataform_extension as unknown as PluginModule,
  '@jupyterlab/notebook-extension': jupyterlab_notebook_extension as unknown as PluginModule,
  '@jupyterlab/rendermime-extension': jupyterlab_rendermime_extension as unknown as PluginModule,
  '@jupyterlab/running-extension': jupyterlab_running_extension as unknown as PluginModule,
  '@jupyterlab/services-extension': jupyterlab_services_extension as unknown as PluginModule,
  '@jupyterlab/settingeditor-extension': jupyterlab_settingeditor_extension as unknown as PluginModule,
  '@jupyterlab/shortcuts-extension': jupyterlab_shortcuts_extension as unknown as PluginModule,
  '@jupyterlab/statusbar-extension': jupyterlab_statusbar_extension as unknown as PluginModule,
  '@jupyterlab/terminal-extension': jupyterlab_terminal_extension as unknown as PluginModule,
  '@jupyterlab/theme-dark-extension': jupyterlab_theme_dark_extension as unknown as PluginModule,
  '@jupyterlab/theme-dark-high-contrast-extension': jupyterlab_theme_dark_high_contrast_extension as unknown as PluginModule,
  '@jupyterlab/theme-light-extension': jupyterlab_theme_light_extension as unknown as PluginModule,
  '@jupyterlab/toc-extension': jupyterlab_toc_extension as unknown as PluginModule,
  '@jupyterlab/tooltip-extension': jupyterlab_tooltip_extension as unknown as PluginModule,
  '@jupyterlab/translation-extension': jupyterlab_translation_extension as unknown as PluginModule,
  '@jupyterlab/ui-components-extension': jupyterlab_ui_components_extension as unknown as PluginModule,
  '@jupyterlab/audio-extension': jupyterlab_audio_extension as unknown as PluginModule,
  '@jupyterlab/video-extension': jupyterlab_video_extension as unknown as PluginModule,
  '@jupyterlab/workspaces-extension': jupyterlab_workspaces_extension as unknown as PluginModule,
  '@hysope/gateway-status': hysope_gateway_status as unknown as PluginModule,
  '@hysope/swath-viewer': hysope_swath_viewer as unknown as PluginModule,
  '@hysope/catalog-browser': hysope_catalog_browser as unknown as PluginModule,
  '@hysope/job-launcher': hysope_job_launcher as unknown as PluginModule
};

/** MIME renderer extensions. */
const MIME_EXTENSIONS: IRenderMime.IExtensionModule[] = [
  jupyterlab_javascript_extension as unknown as IRenderMime.IExtensionModule,
  jupyterlab_json_extension as unknown as IRenderMime.IExtensionModule,
  jupyterlab_pdf_extension as unknown as IRenderMime.IExtensionModule,
  jupyterlab_vega5_extension as unknown as IRenderMime.IExtensionModule
];

/**
 * Plugins that need endpoints only the Python `jupyterlab` package serves (news, extension manager,
 * plugin manager, hub, LSP): never started. NOTE: jupyterlab_server overwrites `disabledExtensions` from
 * page config, so this list is here.
 */
const ALWAYS_DISABLED = [
  '@jupyterlab/apputils-extension:announcements',
  '@jupyterlab/fileeditor-extension:language-server',
  '@jupyterlab/notebook-extension:language-server'
];

/** JupyterLab plugins replaced by ours (each one says why). */
const REPLACED: Record<string, JupyterFrontEndPlugin<unknown>> = {
  '@jupyterlab/apputils-extension:state': statePlugin as JupyterFrontEndPlugin<unknown>
};

// Webpack's module federation runtime (ModuleFederationPlugin in webpack.config.cjs).
declare const __webpack_init_sharing__: (scope: string) => Promise<void>;
declare const __webpack_share_scopes__: { default: unknown };

/** A prebuilt (federated) extension as jupyterlab_server lists it in the page config. */
interface FederatedExtension {
  name: string;
  load: string;
  extension?: string;
  mimeExtension?: string;
  style?: string;
}

interface Container {
  init(scope: unknown): Promise<void>;
  get(module: string): Promise<() => unknown>;
}

function loadScript(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`cannot load ${url}`));
    document.head.appendChild(script);
  });
}

/**
 * Loads the prebuilt extensions installed in the lab's labextensions folders (an existing deployment
 * installs ours without rebuilding the lab): each one's remote entry, initialised with the lab's share scope.
 */
async function loadFederated(): Promise<{ plugins: Map<string, PluginModule>; mime: IRenderMime.IExtensionModule[] }> {
  const plugins = new Map<string, PluginModule>();
  const mime: IRenderMime.IExtensionModule[] = [];
  const list = JSON.parse(PageConfig.getOption('federated_extensions') || '[]') as FederatedExtension[];
  if (!list.length) return { plugins, mime };
  await __webpack_init_sharing__('default');
  const base = PageConfig.getOption('fullLabextensionsUrl');
  for (const ext of list) {
    try {
      await loadScript(`${base}/${ext.name}/${ext.load}`);
      const container = (window as unknown as { _JUPYTERLAB: Record<string, Container> })._JUPYTERLAB[ext.name]!;
      await container.init(__webpack_share_scopes__.default);
      if (ext.style) (await container.get(ext.style))();
      if (ext.extension) plugins.set(ext.name, (await container.get(ext.extension))() as PluginModule);
      if (ext.mimeExtension) mime.push((await container.get(ext.mimeExtension))() as IRenderMime.IExtensionModule);
    } catch (error) {
      console.error(`the prebuilt extension ${ext.name} could not be loaded`, error);
    }
  }
  return { plugins, mime };
}

function pluginsOf(mod: PluginModule): JupyterFrontEndPlugin<unknown>[] {
  const m = mod as unknown as { default?: PluginModule };
  const value = m && m.default ? m.default : mod;
  return Array.isArray(value) ? value : [value];
}

async function main(): Promise<void> {
  const lite = isLite();
  const disabled = [...ALWAYS_DISABLED, ...(lite ? LITE_DISABLED : []), ...(JSON.parse(PageConfig.getOption('disabledExtensions') || '[]') as string[])];
  const deferred = JSON.parse(PageConfig.getOption('deferredExtensions') || '[]') as string[];
  const isDisabled = (id: string) => disabled.some((p) => id === p || id.startsWith(`${p}:`));
  // A prebuilt extension replaces the built-in one of the same package (as in JupyterLab).
  const federated = await loadFederated();
  // Ours first: the debugger fix must be in place before the debugger's own plugins bind the method it wraps.
  let plugins = [
    debuggerModulesPlugin as JupyterFrontEndPlugin<unknown>,
    ...Object.entries(EXTENSIONS)
      .filter(([name]) => !federated.plugins.has(name))
      .map(([, mod]) => mod)
      .concat([...federated.plugins.values()])
      .flatMap(pluginsOf)
      .map((p) => REPLACED[p.id] ?? p)
  ].filter((p) => !isDisabled(p.id));
  if (lite) plugins = withLiteServices(plugins, await litePlugins());
  // UI tests: Galata's in-page helpers (window.galata), loaded only when the server asks for them.
  if (PageConfig.getOption('hysopeGalata') === 'true') {
    const galata = await import('@jupyterlab/galata/lib/extension/index.js');
    plugins.push(...(galata.default as unknown as JupyterFrontEndPlugin<unknown>[]));
  }
  const registry = new PluginRegistry();
  registry.registerPlugins(plugins as never);
  const serviceManager = await registry.resolveRequiredService(IServiceManager);
  const lab = new JupyterLab({
    pluginRegistry: registry,
    serviceManager,
    mimeExtensions: [...MIME_EXTENSIONS, ...federated.mime],
    disabled: { matches: plugins.filter((p) => isDisabled(p.id)).map((p) => p.id), patterns: disabled },
    deferred: { matches: plugins.filter((p) => deferred.includes(p.id)).map((p) => p.id), patterns: deferred },
    availablePlugins: plugins.map((p) => ({
      id: p.id,
      description: p.description,
      requires: [],
      optional: [],
      provides: null,
      autoStart: p.autoStart,
      enabled: true,
      extension: ''
    })) as never
  } as never);
  await lab.start({ ignorePlugins: deferred, bubblingKeydown: true });
  if (PageConfig.getOption('exposeAppInBrowser').toLowerCase() === 'true') {
    (window as unknown as { jupyterapp: JupyterLab }).jupyterapp = lab;
  }
  await lab.restored;
}

window.addEventListener('load', () => {
  main().catch((error) => console.error('HYSOPE lab failed to start', error));
});
