/** @hysope/job-launcher: production jobs from the lab (OGC API - Processes), "run this notebook as a job", the HYDRA status view. */
import type { Item } from '@hysope/api';
import { ICatalogSelection } from '@hysope/catalog-browser';
import { IHysopeGateway } from '@hysope/gateway-status';
import { ISwathViewer, type PickedFeature } from '@hysope/swath-viewer';
import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, InputDialog, MainAreaWidget, Notification, ToolbarButton } from '@jupyterlab/apputils';
import { INotebookTracker, type NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { runIcon, listIcon } from '@jupyterlab/ui-components';
import { JobsApi, type JobStatus } from './api.js';
import { JobsPanel } from './panel.js';
import { StatusView } from './status.js';

export { JobsApi, parseMetrics } from './api.js';
export { buildField, readInputs } from './form.js';

/** Command ids. */
export const CommandIDs = { open: 'hysope-jobs:open', runNotebook: 'hysope-jobs:run-notebook', status: 'hysope-jobs:status' } as const;

const plugin: JupyterFrontEndPlugin<void> = {
  id: '@hysope/job-launcher:plugin',
  description: 'Launch and follow HYSOPE production jobs; run a notebook as a job; the HYDRA status view.',
  autoStart: true,
  requires: [IHysopeGateway],
  optional: [ISwathViewer, INotebookTracker, ILayoutRestorer, ICommandPalette, ITranslator, ICatalogSelection],
  activate: (
    app: JupyterFrontEnd,
    gateway: IHysopeGateway,
    viewer: ISwathViewer | null,
    notebooks: INotebookTracker | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
    catalog: ICatalogSelection | null
  ) => {
    const trans = (translator ?? nullTranslator).load('hysope');
    const api = new JobsApi(gateway);
    const error = (message: string) => Notification.error(message, { autoClose: 8000 });
    let stopPicking: () => void = () => undefined;
    const panel = new JobsPanel(api, trans, {
      viewerBbox: () => viewer?.currentBbox() ?? null,
      pickReach: () =>
        new Promise<string | null>((resolve) => {
          stopPicking();
          if (!viewer || !viewer.currentBbox()) {
            error(trans.__('Open the swath viewer with river reaches first: a reach clicked there gives the basin.'));
            return resolve(null);
          }
          const detach = () => {
            viewer.featureClicked.disconnect(onClick);
            stopPicking = () => undefined;
          };
          const onClick = (_: unknown, f: PickedFeature) => {
            if (f.kind !== 'reach' && f.kind !== 'node' && f.kind !== 'discharge') return;
            detach();
            resolve(f.id);
          };
          stopPicking = () => {
            detach();
            resolve(null);
          };
          viewer.featureClicked.connect(onClick);
        }),
      cancelPick: () => stopPicking(),
      catalogItem: () => catalog?.selection ?? null,
      error,
      finished: (job: JobStatus) => {
        const text = trans.__('Job %1 (%2): %3', job.processID ?? '', job.jobID.slice(0, 8), job.status);
        if (job.status === 'successful') Notification.success(text, { autoClose: 6000 });
        else Notification.error(`${text}${job.message ? ` — ${job.message}` : ''}`, { autoClose: 10000 });
      },
      openProducts: async (jobId) => {
        // Derived products carry the job that made them (`hysope:job`).
        const found = await gateway.client
          .search({ collections: ['hysope-discharge'], filter: `"hysope:job" = '${jobId}'`, 'filter-lang': 'cql2-text' })
          .catch(() => null);
        const items = (found?.features ?? []) as Item[];
        if (!items.length) {
          Notification.info(trans.__('This job registered no product in the catalog; its outputs are listed below.'), { autoClose: 5000 });
          return false;
        }
        if (viewer) await viewer.open({ title: trans.__('Products of job %1', jobId.slice(0, 8)), items });
        return true;
      }
    });
    panel.title.icon = listIcon;
    app.shell.add(panel, 'left', { rank: 160 });
    restorer?.add(panel, 'hysope-jobs');
    void app.restored.then(() => panel.start());
    // Only a new URL or token restarts the panel (the signal also says when reachability changes).
    let connection = `${gateway.baseUrl} ${gateway.token ?? ''}`;
    gateway.changed.connect(() => {
      const now = `${gateway.baseUrl} ${gateway.token ?? ''}`;
      if (now === connection) return;
      connection = now;
      void panel.start();
    });

    app.commands.addCommand(CommandIDs.open, { label: trans.__('Open the HYSOPE job launcher'), execute: () => app.shell.activateById(panel.id) });

    let status: MainAreaWidget<StatusView> | null = null;
    app.commands.addCommand(CommandIDs.status, {
      label: trans.__('HYDRA status'),
      caption: trans.__('Gateway health, jobs by state, data freshness, alerts'),
      execute: () => {
        if (!status || status.isDisposed) {
          status = new MainAreaWidget({ content: new StatusView(api, trans) });
          status.id = 'hysope-status-view';
          status.title.label = trans.__('HYDRA status');
          status.title.closable = true;
          app.shell.add(status, 'main');
        }
        app.shell.activateById(status.id);
      }
    });

    const runNotebook = async (nb: NotebookPanel) => {
      const parameters = await InputDialog.getText({
        title: trans.__('Run %1 as a job', nb.context.path),
        label: trans.__('Parameters (JSON object, injected after the cell tagged "parameters")'),
        text: '{}'
      });
      if (!parameters.button.accept) return;
      let params: unknown;
      try {
        params = JSON.parse(parameters.value || '{}');
        if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new Error('not an object');
      } catch {
        return error(trans.__('Parameters must be a JSON object, e.g. {"basin": "742"}'));
      }
      const kernel = nb.sessionContext.session?.kernel?.name ?? nb.sessionContext.kernelPreference.name;
      const job = await panel.run('notebook-run', { notebook: nb.content.model!.toJSON(), parameters: params, ...(kernel ? { kernel } : {}) });
      if (job) {
        Notification.info(trans.__('%1 submitted as job %2', nb.context.path, job.jobID.slice(0, 8)), { autoClose: 4000 });
        app.shell.activateById(panel.id);
      }
    };
    app.commands.addCommand(CommandIDs.runNotebook, {
      label: trans.__('Run this notebook as a job'),
      icon: runIcon,
      isEnabled: () => !!notebooks?.currentWidget,
      execute: () => (notebooks?.currentWidget ? runNotebook(notebooks.currentWidget) : undefined)
    });
    notebooks?.widgetAdded.connect((_, nb) => {
      const button = new ToolbarButton({
        className: 'hy-RunAsJob',
        icon: runIcon,
        label: trans.__('Job'),
        tooltip: trans.__('Run this notebook as a HYSOPE job (notebook-run), with parameters'),
        onClick: () => void runNotebook(nb)
      });
      nb.toolbar.insertItem(10, 'hysope-run-as-job', button);
    });
    for (const command of Object.values(CommandIDs)) palette?.addItem({ command, category: 'HYSOPE' });
  }
};

export default plugin;
