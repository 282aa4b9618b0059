// JupyterLab 4.6's debugger asks the kernel for its modules after every execution (`executionDone`), and throws
// "No active debugger session" when no debugging session is open — an unhandled rejection per cell run, in every
// kernel, the TypeScript one included. Listing modules only means something during a session: without one, this
// plugin makes the request a no-op. It must activate before the debugger's handlers bind the method (it is listed
// first).
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IDebugger } from '@jupyterlab/debugger';

export const debuggerModulesPlugin: JupyterFrontEndPlugin<void> = {
  id: '@hysope/lab:debugger-modules',
  description: "Lists a kernel's modules only while a debugging session is open.",
  autoStart: true,
  optional: [IDebugger],
  activate(_app, service: IDebugger | null): void {
    if (!service) return;
    const list = service.displayModules.bind(service);
    service.displayModules = () => (service.isStarted ? list() : Promise.resolve());
  }
};
