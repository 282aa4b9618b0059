// The browser kernel: runs notebook cells (TypeScript, as the tslab kernel takes them) in the page itself, with
// @hysope/kernels-bridge at hand (its browser `sql` is DuckDB-WASM reading GeoParquet by HTTP ranges) and the
// catalog's address in its environment. Outputs are what tslab sends: streams for console output, the
// viewer's MIME bundles for `show.*`, the last expression's value as the execute result.
import * as bridge from '@hysope/kernels-bridge';
import type { KernelMessage } from '@jupyterlab/services';
import { BaseKernel, type IKernel } from '@jupyterlite/services';
import { IMPORT, SCOPE, isComplete, prepareCell } from './transpile.js';

/** The modules a cell may import, by name. */
export type ModuleTable = Record<string, () => Promise<unknown>>;

/** What the kernel gives the code it runs (see kernels-bridge's `KernelHost`). */
export interface BrowserKernelOptions extends IKernel.IOptions {
  /** The environment cells see (`HYSOPE_GATEWAY_URL`: the static catalog's `catalog.json`). */
  env: Record<string, string | undefined>;
  /** Modules beyond `@hysope/kernels-bridge`, `@hysope/api` and `apache-arrow`. */
  modules?: ModuleTable;
}

const MAX_TEXT = 20_000;

/** A value as the text/plain of an execute result (close to what Node's inspect prints, shortened). */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return `${value}n`;
  if (value === undefined || value === null || typeof value !== 'object') return String(value);
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  const seen = new WeakSet<object>();
  let text: string;
  try {
    text = JSON.stringify(
      value,
      (_k, v: unknown) => {
        if (typeof v === 'bigint') return `${v}n`;
        if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
        if (v && typeof v === 'object') {
          if (seen.has(v)) return '[Circular]';
          seen.add(v);
        }
        return v;
      },
      2
    );
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}\n… (${text.length - MAX_TEXT} more characters)` : text;
}

type Console = Pick<typeof console, 'log' | 'info' | 'warn' | 'error' | 'debug'>;

export class BrowserKernel extends BaseKernel {
  private readonly modules: ModuleTable;
  /** The notebook's top-level names (what a Node REPL keeps in its context). */
  private readonly scope: Record<string, unknown> = Object.create(null) as Record<string, unknown>;

  constructor(private readonly options: BrowserKernelOptions) {
    super(options);
    this.modules = {
      '@hysope/kernels-bridge': async () => bridge,
      '@hysope/api': () => import('@hysope/api'),
      'apache-arrow': () => import('apache-arrow'),
      ...(options.modules ?? {})
    };
    (globalThis as Record<string, unknown>)[bridge.KERNEL_HOST] = { env: options.env, display: null } satisfies bridge.KernelHost;
  }

  async kernelInfoRequest(): Promise<KernelMessage.IInfoReplyMsg['content']> {
    return {
      implementation: 'hysope-browser',
      implementation_version: '0.1.0',
      language_info: {
        name: 'typescript',
        version: '5',
        mimetype: 'text/typescript',
        file_extension: '.ts',
        codemirror_mode: { name: 'typescript' },
        nbconvert_exporter: 'script'
      },
      protocol_version: '5.3',
      status: 'ok',
      banner: 'HYSOPE TypeScript, in the browser: @hysope/kernels-bridge with DuckDB-WASM; no server',
      help_links: []
    };
  }

  private async require(name: string): Promise<unknown> {
    const load = this.modules[name];
    if (!load) throw new Error(`"${name}" is not available in the browser kernel (it has ${Object.keys(this.modules).join(', ')})`);
    return load();
  }

  async executeRequest(content: KernelMessage.IExecuteRequestMsg['content']): Promise<KernelMessage.IExecuteReplyMsg['content']> {
    const host = (globalThis as Record<string, unknown>)[bridge.KERNEL_HOST] as bridge.KernelHost;
    const parent = this.parentHeader;
    host.env = this.options.env;
    host.display = (bundle) => this.displayData({ data: bundle as Record<string, never>, metadata: {}, transient: {} }, parent);
    const saved: Console = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
    const write =
      (name: 'stdout' | 'stderr') =>
      (...args: unknown[]) =>
        this.stream({ name, text: `${args.map((a) => (typeof a === 'string' ? a : formatValue(a))).join(' ')}\n` }, parent);
    Object.assign(console, { log: write('stdout'), info: write('stdout'), debug: write('stdout'), warn: write('stderr'), error: write('stderr') });
    try {
      const cell = prepareCell(content.code);
      for (const name of cell.names) if (!(name in this.scope)) this.scope[name] = undefined;
      const run = new Function(IMPORT, SCOPE, cell.code) as (req: (name: string) => Promise<unknown>, scope: object) => Promise<unknown>;
      const value = await run((name) => this.require(name), this.scope);
      if (value !== undefined && !content.silent)
        this.publishExecuteResult({ execution_count: this.executionCount, data: { 'text/plain': formatValue(value) }, metadata: {} }, parent);
      return { status: 'ok', execution_count: this.executionCount, user_expressions: {} };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      const content = { ename: e.name || 'Error', evalue: e.message, traceback: [`${e.name || 'Error'}: ${e.message}`] };
      this.publishExecuteError(content, parent);
      return { status: 'error', execution_count: this.executionCount, ...content };
    } finally {
      Object.assign(console, saved);
      host.display = null;
    }
  }

  /** Completes the notebook's names, globals, and the members of an object (`catalog.se` → `search`). */
  async completeRequest(content: KernelMessage.ICompleteRequestMsg['content']): Promise<KernelMessage.ICompleteReplyMsg['content']> {
    const before = content.code.slice(0, content.cursor_pos);
    const m = /([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\.?([\w$]*)$/.exec(before) ?? ['', '', ''];
    const dotted = before.endsWith(`${m[1]}.${m[2]}`) && m[0].includes('.');
    const path = dotted ? m[1]! : '';
    const prefix = dotted ? m[2]! : (m[1] ?? '');
    const parts = path ? path.split('.') : [];
    let target: unknown = parts.length && parts[0]! in this.scope ? this.scope : globalThis;
    for (const part of parts) target = target == null ? undefined : (target as Record<string, unknown>)[part];
    const names = new Set<string>(parts.length ? [] : Object.keys(this.scope));
    for (let o = target; o != null && o !== Object.prototype; o = Object.getPrototypeOf(o)) for (const k of Object.getOwnPropertyNames(o)) names.add(k);
    const matches = [...names].filter((k) => k.startsWith(prefix) && /^[A-Za-z_$][\w$]*$/.test(k)).sort();
    return { status: 'ok', matches, cursor_start: content.cursor_pos - prefix.length, cursor_end: content.cursor_pos, metadata: {} };
  }

  async inspectRequest(): Promise<KernelMessage.IInspectReplyMsg['content']> {
    return { status: 'ok', found: false, data: {}, metadata: {} };
  }

  async isCompleteRequest(content: KernelMessage.IIsCompleteRequestMsg['content']): Promise<KernelMessage.IIsCompleteReplyMsg['content']> {
    const status = isComplete(content.code);
    return status === 'incomplete' ? { status, indent: '' } : { status };
  }

  async commInfoRequest(): Promise<KernelMessage.ICommInfoReplyMsg['content']> {
    return { status: 'ok', comms: {} };
  }

  inputReply(): void {}
  async commOpen(): Promise<void> {}
  async commMsg(): Promise<void> {}
  async commClose(): Promise<void> {}
}
