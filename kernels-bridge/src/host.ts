import type { MimeBundle } from './mime.js';

/**
 * What a kernel running in the browser (the zero-server edition's) gives the notebook code it runs, on
 * `globalThis[KERNEL_HOST]`: the environment a Node kernel would have in `process.env` (the catalog's address),
 * and the display of the cell being run.
 */
export interface KernelHost {
  env: Record<string, string | undefined>;
  display: ((bundle: MimeBundle) => void) | null;
}

/** The global a browser kernel sets. */
export const KERNEL_HOST = '__hysopeKernelHost';

/** The browser kernel's host, if this code runs in one. */
export function kernelHost(): KernelHost | null {
  return ((globalThis as Record<string, unknown>)[KERNEL_HOST] as KernelHost | undefined) ?? null;
}

/** The environment: what the browser kernel gives when code runs in one, else Node's `process.env`. */
export function kernelEnv(): Record<string, string | undefined> {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return kernelHost()?.env ?? proc?.env ?? {};
}
