/** @hysope/swath-viewer: the SWOT swath viewer (main area), its API for other extensions, and the renderers of HYSOPE outputs. */
import type { Item } from '@hysope/api';
import { IHysopeGateway } from '@hysope/gateway-status';
import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget, Notification, WidgetTracker } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';
import { rendererFactories } from './renderers.js';
import { CommandIDs, ISwathViewer, type PickedFeature, type ViewRequest } from './tokens.js';
import type { SwathView } from './view.js';
import { useBundledWasm } from './wasm-assets.js';

export * from './tokens.js';

/** Restorable state of a viewer: the items it shows, by collection and id. */
interface OpenArgs {
  title?: string;
  items?: { collection: string; id: string }[];
  bbox?: [number, number, number, number];
}

const viewerPlugin: JupyterFrontEndPlugin<ISwathViewer> = {
  id: '@hysope/swath-viewer:plugin',
  description: 'The SWOT swath viewer: deck.gl over GeoParquet products read by DuckDB-WASM.',
  autoStart: true,
  provides: ISwathViewer,
  requires: [IHysopeGateway],
  optional: [ITranslator, ICommandPalette, ILayoutRestorer, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    gateway: IHysopeGateway,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settings: ISettingRegistry | null
  ): ISwathViewer => {
    useBundledWasm();
    const trans = (translator ?? nullTranslator).load('hysope');
    const tracker = new WidgetTracker<MainAreaWidget<SwathView>>({ namespace: 'hysope-viewer' });
    const viewChanged = new Signal<ISwathViewer, [number, number, number, number]>({} as ISwathViewer);
    const featureClicked = new Signal<ISwathViewer, PickedFeature>({} as ISwathViewer);
    const state = new WeakMap<MainAreaWidget<SwathView>, OpenArgs>();
    const viewerSettings: { tileUrl: string; pointRadius: number } = { tileUrl: '', pointRadius: 2 };
    if (settings)
      void settings
        .load(viewerPlugin.id)
        .then((s) => {
          const apply = () => {
            viewerSettings.tileUrl = String(s.composite['tileUrl'] ?? '');
            viewerSettings.pointRadius = Number(s.composite['pointRadius'] ?? 2);
            tracker.forEach((w) => w.content.configure(viewerSettings));
          };
          apply();
          s.changed.connect(apply);
        })
        .catch((e: unknown) => console.warn('HYSOPE swath viewer settings could not be loaded', e));

    const open = async (request: ViewRequest, restored?: OpenArgs): Promise<MainAreaWidget<SwathView>> => {
      const { SwathView } = await import('./view.js');
      let main: MainAreaWidget<SwathView> | null = tracker.currentWidget;
      if (!main || main.isDisposed) {
        const view = new SwathView(gateway, trans, viewerSettings);
        view.viewChanged.connect((_, bbox) => viewChanged.emit(bbox));
        view.featureClicked.connect((_, f) => featureClicked.emit(f));
        main = new MainAreaWidget({ content: view });
        main.id = `hysope-viewer-${Date.now()}`;
        main.title.caption = trans.__('SWOT swath viewer');
        main.title.closable = true;
        app.shell.add(main, 'main');
      }
      const args: OpenArgs = restored ?? {
        title: request.title,
        bbox: request.bbox,
        items: (request.items ?? []).filter((i) => i.collection).map((i) => ({ collection: i.collection!, id: i.id }))
      };
      state.set(main, args);
      if (!tracker.has(main)) await tracker.add(main);
      else void tracker.save(main);
      app.shell.activateById(main.id);
      main.content.update();
      // The data load shows its own progress: the command (and a layout restore) does not wait for it.
      void main.content.display(request);
      return main;
    };

    app.commands.addCommand(CommandIDs.open, {
      label: trans.__('Open the SWOT swath viewer'),
      caption: trans.__('A map of SWOT products (PIXC, RiverSP, LakeSP) read from the catalog'),
      execute: async (raw) => {
        const args = raw as OpenArgs;
        try {
          const items: Item[] = [];
          for (const ref of args.items ?? []) items.push(await gateway.client.item(ref.collection, ref.id));
          await open({ title: args.title, items, bbox: args.bbox }, args);
        } catch (error) {
          Notification.error(trans.__('The swath viewer could not open: %1', (error as Error).message), { autoClose: 8000 });
        }
      }
    });
    palette?.addItem({ command: CommandIDs.open, category: 'HYSOPE' });
    if (restorer)
      void restorer.restore(tracker, {
        command: CommandIDs.open,
        args: (w) => ({ ...(state.get(w) ?? {}) }) as never,
        name: () => 'viewer'
      });

    return {
      open: async (request) => {
        await open(request);
      },
      currentBbox: () => (tracker.currentWidget && !tracker.currentWidget.isDisposed ? tracker.currentWidget.content.currentBbox() : null),
      viewChanged,
      featureClicked
    };
  }
};

const renderersPlugin: JupyterFrontEndPlugin<void> = {
  id: '@hysope/swath-viewer:renderers',
  description: 'Renders HYSOPE map, time-series and table outputs of notebooks.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  optional: [IHysopeGateway, ITranslator],
  activate: (_app: JupyterFrontEnd, rendermime: IRenderMimeRegistry, gateway: IHysopeGateway | null, translator: ITranslator | null) => {
    useBundledWasm();
    const trans = (translator ?? nullTranslator).load('hysope');
    // Rank 20: before the HTML fallback (50) that every HYSOPE bundle also carries.
    for (const factory of rendererFactories(gateway, trans)) rendermime.addFactory(factory, 20);
  }
};

export default [viewerPlugin, renderersPlugin];
