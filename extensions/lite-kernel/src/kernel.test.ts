import { KernelMessage } from '@jupyterlab/services';
import { describe, expect, it } from 'vitest';
import { BrowserKernel } from './kernel.js';
import { CellSyntaxError, isComplete, prepareCell } from './transpile.js';

/** A kernel whose messages are collected, and a function running a cell through its message handler. */
function kernel(env: Record<string, string> = {}) {
  const sent: KernelMessage.IMessage[] = [];
  const k = new BrowserKernel({ id: 'k1', name: 'tslab', location: '', sendMessage: (m) => void sent.push(m), env });
  const run = async (code: string) => {
    const from = sent.length;
    const msg = KernelMessage.createMessage({
      msgType: 'execute_request',
      channel: 'shell',
      session: 's',
      content: { code, silent: false, store_history: true }
    });
    await k.handleMessage(msg);
    const out = sent.slice(from);
    const reply = out.find((m) => m.header.msg_type === 'execute_reply')!.content as { status: string };
    const of = (t: string) => out.filter((m) => m.header.msg_type === t).map((m) => m.content as Record<string, unknown>);
    return { status: reply.status, results: of('execute_result'), displays: of('display_data'), streams: of('stream'), errors: of('error') };
  };
  return { k, run };
}

describe('cells made runnable in the browser', () => {
  it('strips types, keeps declarations for the next cell and returns the last expression', async () => {
    const { run } = kernel();
    expect((await run('const n: number = 20;\nlet [a, b] = [1, 2];\nfunction twice(x: number): number { return 2 * x; }')).status).toBe('ok');
    const r = await run('interface P { v: number }\nconst p: P = { v: twice(n) + a + b };\np.v');
    expect(r.results[0]!['data']).toEqual({ 'text/plain': '43' });
    // A redeclaration in a later cell is allowed (as in tslab), and classes are globals too.
    const r2 = await run('const n = 1; class Box { constructor(readonly v: number) {} }\nnew Box(n + 1).v * 10');
    expect(r2.results[0]!['data']).toEqual({ 'text/plain': '20' });
    // Names the page's window already has (top, name, status) are the notebook's own: `top` is read-only there.
    Object.defineProperty(globalThis, 'top', { value: globalThis, writable: false, configurable: true });
    const r3 = await run('const top = [3, 1]; let name = "reach"; const { status = "ok" } = {};\n`${top.map((x) => x * 2)} ${name} ${status}`');
    expect(r3.results[0]!['data']).toEqual({ 'text/plain': '6,2 reach ok' });
    delete (globalThis as Record<string, unknown>)['top'];
  });

  it('awaits at top level and sends console output as streams', async () => {
    const { run } = kernel();
    const r = await run('const v = await Promise.resolve(7);\nconsole.log("value", v, { a: 1 });\nconsole.error("careful");');
    expect(r.streams).toEqual([
      { name: 'stdout', text: 'value 7 {\n  "a": 1\n}\n' },
      { name: 'stderr', text: 'careful\n' }
    ]);
    expect(r.results).toEqual([]);
  });

  it('imports kernels-bridge: show.table displays the viewer bundle, and the catalog address comes from the environment', async () => {
    const { run } = kernel({ HYSOPE_GATEWAY_URL: 'http://static.example/data/catalog.json' });
    // Imported in one cell, used in the next (the import is kept though this cell does not use it).
    expect((await run("import { show, Catalog } from '@hysope/kernels-bridge';\nimport type { Item } from '@hysope/api';")).status).toBe('ok');
    const r = await run("show.table(['a'], [[1]], { title: 'T' });\nnew Catalog().static?.url");
    expect(r.displays).toHaveLength(1);
    expect(Object.keys(r.displays[0]!['data'] as object)).toContain('application/vnd.hysope.table+json');
    expect(r.results[0]!['data']).toEqual({ 'text/plain': 'http://static.example/data/catalog.json' });
  });

  it('reports errors with their message, and a module it does not have by name', async () => {
    const { run } = kernel();
    const thrown = await run('throw new RangeError("too far")');
    expect(thrown.status).toBe('error');
    expect(thrown.errors[0]).toMatchObject({ ename: 'RangeError', evalue: 'too far' });
    const missing = await run("import fs from 'node:fs';");
    expect(missing.errors[0]!['evalue']).toMatch(/"node:fs" is not available in the browser kernel/);
    const syntax = await run('const = 1');
    expect(syntax.errors[0]).toMatchObject({ ename: 'SyntaxError' });
  });

  it('tells a complete cell from an open one', () => {
    expect(isComplete('const a = [1, 2];')).toBe('complete');
    expect(isComplete('const a = [1,')).toBe('incomplete');
    expect(() => prepareCell('export const x = 1;')).toThrow(CellSyntaxError);
    expect(prepareCell("import { a as b } from 'm';\nconst { c, d: [e, ...f] = [] } = g;\nfunction h() {}\nclass K {}").names).toEqual([
      'b',
      'c',
      'e',
      'f',
      'h',
      'K'
    ]);
  });
});
