import { Worker } from 'node:worker_threads';

/**
 * A worker thread running a module beside the caller's (`name` without extension): the compiled `.js` in
 * the build; from sources (tests), the `.ts` through tsx's loader.
 */
export function moduleWorker(name: string, callerUrl: string, workerData: unknown): Worker {
  const source = callerUrl.endsWith('.ts');
  const entry = new URL(`./${name}.${source ? 'ts' : 'js'}`, callerUrl);
  return source
    ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`, { eval: true, workerData })
    : new Worker(entry, { workerData });
}
