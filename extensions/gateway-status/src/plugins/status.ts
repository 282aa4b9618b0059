import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { CommandIDs, IHysopeGateway } from '../tokens.js';

/** A status bar item: whether the gateway answers; a click checks again. */
export const statusPlugin: JupyterFrontEndPlugin<void> = {
  id: '@hysope/gateway-status:status',
  description: 'Shows in the status bar whether the HYSOPE gateway answers.',
  autoStart: true,
  requires: [IHysopeGateway],
  optional: [IStatusBar, ITranslator],
  activate: (app: JupyterFrontEnd, gateway: IHysopeGateway, statusBar: IStatusBar | null, translator: ITranslator | null) => {
    if (!statusBar) return;
    const trans = (translator ?? nullTranslator).load('hysope');
    const widget = new Widget();
    widget.addClass('hy-GatewayStatus');
    const dot = document.createElement('span');
    dot.className = 'hy-GatewayStatus-dot';
    const label = document.createElement('span');
    widget.node.append(dot, label);
    // The dot's colour says the state (green answers, red unreachable, grey checking); the text says it too.
    const render = () => {
      const state = gateway.reachable === null ? 'checking' : gateway.reachable ? 'ok' : 'down';
      label.textContent = state === 'ok' ? trans.__('HYSOPE') : state === 'down' ? trans.__('HYSOPE unreachable') : trans.__('HYSOPE …');
      const said = state === 'ok' ? trans.__('answers') : state === 'down' ? trans.__('cannot be reached') : trans.__('being checked');
      widget.node.title = trans.__('HYSOPE gateway %1 %2 (click to check again)', gateway.baseUrl, said);
      widget.node.setAttribute('aria-label', widget.node.title);
      widget.node.dataset['state'] = state;
      widget.toggleClass('jp-mod-down', state === 'down');
    };
    widget.node.addEventListener('click', () => void app.commands.execute(CommandIDs.check));
    gateway.changed.connect(render);
    render();
    statusBar.registerStatusItem('@hysope/gateway-status:status', { item: widget, align: 'left', rank: 10 });
  }
};
