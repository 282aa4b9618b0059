// The HYSOPE browser kernel, registered with JupyterLite's kernel services (the zero-server edition): its spec
// takes the name of the lab's TypeScript kernel (`tslab`), so the lab's notebooks open and run unchanged.
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { IKernelSpecs } from '@jupyterlite/services';
import { ISwathViewer } from '@hysope/swath-viewer';
import { BrowserKernel } from './kernel.js';

export { BrowserKernel, formatValue } from './kernel.js';
export { prepareCell, stripTypes, isComplete, CellSyntaxError } from './transpile.js';

/** The TypeScript logo of the kernel spec (a data URL: nothing fetched). */
const LOGO = `data:image/svg+xml;base64,${btoa(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="6" fill="#3178c6"/><text x="32" y="44" font-family="sans-serif" font-size="28" font-weight="bold" fill="#fff" text-anchor="middle">TS</text></svg>'
)}`;

/** The catalog cells search: the site's static catalog, which the page config gives as the gateway's URL. */
export function catalogUrl(): string {
  return new URL(PageConfig.getOption('hysopeGatewayUrl') || 'data/catalog.json', URLExt.join(PageConfig.getBaseUrl(), '/')).href;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: '@hysope/lite-kernel:plugin',
  description: 'A TypeScript kernel that runs in the browser, with @hysope/kernels-bridge over the static catalog.',
  autoStart: true,
  requires: [IKernelSpecs],
  // The viewer points kernels-bridge's browser sql at the bundled DuckDB-WASM files.
  optional: [ISwathViewer],
  activate: (_app: JupyterFrontEnd, specs: IKernelSpecs) => {
    specs.register({
      spec: {
        name: 'tslab',
        display_name: 'TypeScript (browser)',
        language: 'typescript',
        argv: [],
        resources: { 'logo-32x32': LOGO, 'logo-64x64': LOGO }
      },
      create: async (options) => new BrowserKernel({ ...options, env: { HYSOPE_GATEWAY_URL: catalogUrl() } })
    });
  }
};

export default plugin;
