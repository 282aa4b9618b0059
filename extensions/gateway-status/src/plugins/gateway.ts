import { HysopeClient, isStaticCatalogUrl } from '@hysope/api';
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';
import { CommandIDs, IHysopeGateway } from '../tokens.js';

/**
 * The gateway connection: settings first, then the page config the lab server was started with. In the
 * zero-server edition the URL is the site's static catalog (`…/catalog.json`).
 */
class Gateway implements IHysopeGateway {
  baseUrl = '';
  token: string | undefined = undefined;
  client: HysopeClient = new HysopeClient({ baseUrl: 'http://127.0.0.1:8080' });
  reachable: boolean | null = null;
  readonly changed: Signal<IHysopeGateway, void> = new Signal<IHysopeGateway, void>(this);

  configure(url: string, token: string): void {
    this.baseUrl = (url || PageConfig.getOption('hysopeGatewayUrl') || 'http://127.0.0.1:8080').replace(/\/+$/, '');
    const key = token || PageConfig.getOption('hysopeToken') || undefined;
    this.token = key;
    this.client = new HysopeClient({ baseUrl: this.baseUrl, token: key });
    this.changed.emit();
  }

  async check(): Promise<boolean> {
    try {
      // A workshop site's static catalog stands in for the gateway: reachable when its catalog.json is.
      if (isStaticCatalogUrl(this.baseUrl)) {
        const res = await fetch(this.baseUrl);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
      } else await this.client.landing();
      this.reachable = true;
    } catch {
      this.reachable = false;
    }
    this.changed.emit();
    return this.reachable;
  }
}

/** Provides the gateway connection and checks it once at start-up (a notification says if it is unreachable). */
export const gatewayPlugin: JupyterFrontEndPlugin<IHysopeGateway> = {
  id: '@hysope/gateway-status:plugin',
  description: 'The HYSOPE gateway connection, from settings or page config.',
  autoStart: true,
  provides: IHysopeGateway,
  optional: [ISettingRegistry, ITranslator],
  activate: async (app: JupyterFrontEnd, settings: ISettingRegistry | null, translator: ITranslator | null): Promise<IHysopeGateway> => {
    const trans = (translator ?? nullTranslator).load('hysope');
    const gateway = new Gateway();
    gateway.configure('', '');
    if (settings) {
      try {
        const s = await settings.load(gatewayPlugin.id);
        const apply = () => gateway.configure(String(s.composite['gatewayUrl'] ?? ''), String(s.composite['token'] ?? ''));
        apply();
        s.changed.connect(apply);
      } catch (error) {
        console.warn('HYSOPE gateway settings could not be loaded', error);
      }
    }
    app.commands.addCommand(CommandIDs.check, {
      label: trans.__('Check the HYSOPE gateway'),
      execute: async () => {
        const ok = await gateway.check();
        if (ok) Notification.success(trans.__('HYSOPE gateway reachable at %1', gateway.baseUrl), { autoClose: 3000 });
        else Notification.warning(trans.__('HYSOPE gateway unreachable at %1', gateway.baseUrl), { autoClose: 5000 });
      }
    });
    // One cheap call at start-up; the rest of JupyterLab keeps working if it fails.
    void gateway.check().then((ok) => {
      if (!ok)
        Notification.warning(trans.__('The HYSOPE gateway at %1 does not answer: catalog and jobs are unavailable.', gateway.baseUrl), { autoClose: 8000 });
    });
    return gateway;
  }
};
