// A notebook cell (TypeScript, as the tslab kernel runs it) made into JavaScript the browser runs as a REPL
// does: types stripped (sucrase), then, at the cell's top level, imports resolved by the kernel, declarations made
// globals (the next cell sees them), top-level await allowed, and the last expression's value returned.
import { parse, type Node, type Program } from 'acorn';
import { transform } from 'sucrase';

/** A cell the kernel cannot run: a syntax error, with where it is. */
export class CellSyntaxError extends Error {
  override name = 'SyntaxError';
}

/** What running a prepared cell needs: `__import(name)` answers the modules the kernel has. */
export const IMPORT = '__import';

interface Named extends Node {
  name: string;
}
interface Spec extends Node {
  type: 'ImportSpecifier' | 'ImportDefaultSpecifier' | 'ImportNamespaceSpecifier';
  local: Named;
  imported?: Named & { value?: string };
}

/**
 * TypeScript to JavaScript, ES modules and modern syntax kept; imports kept even when this cell does not use
 * them (a later cell may), type-only ones (`import type`) removed.
 */
export function stripTypes(source: string): string {
  try {
    return transform(source, { transforms: ['typescript'], disableESTransforms: true, keepUnusedImports: true }).code;
  } catch (error) {
    throw new CellSyntaxError((error as Error).message);
  }
}

/**
 * The body of an async function (`new Function(IMPORT, body)` returns its promise) that runs the cell with its
 * top-level declarations as globals and resolves to the value of its last expression (undefined if none).
 */
export function prepareCell(source: string): string {
  const js = stripTypes(source);
  let program: Program;
  try {
    program = parse(js, { ecmaVersion: 'latest', sourceType: 'module', allowAwaitOutsideFunction: true, allowReturnOutsideFunction: false });
  } catch (error) {
    throw new CellSyntaxError((error as Error).message);
  }
  const text = (n: Node) => js.slice(n.start, n.end);
  const hoisted: string[] = [];
  let modules = 0;
  const parts: string[] = [];
  let cursor = 0;
  const replace = (n: Node, by: string) => {
    parts.push(js.slice(cursor, n.start), by);
    cursor = n.end;
  };
  const body = program.body as Node[];
  body.forEach((node, index) => {
    const last = index === body.length - 1;
    const n = node as Node & Record<string, unknown>;
    switch (node.type) {
      case 'ImportDeclaration': {
        const from = JSON.stringify((n['source'] as { value: string }).value);
        const specs = n['specifiers'] as Spec[];
        if (!specs.length) return replace(node, `await ${IMPORT}(${from});`);
        const m = `__m${modules++}`;
        const assigns = specs.map((s) => {
          if (s.type === 'ImportNamespaceSpecifier') return `${s.local.name} = ${m};`;
          if (s.type === 'ImportDefaultSpecifier') return `${s.local.name} = ${m}.default;`;
          const name = s.imported?.name ?? s.imported?.value ?? s.local.name;
          return `${s.local.name} = ${m}[${JSON.stringify(name)}];`;
        });
        return replace(node, `const ${m} = await ${IMPORT}(${from}); ${assigns.join(' ')}`);
      }
      case 'ExportNamedDeclaration':
      case 'ExportDefaultDeclaration':
        throw new CellSyntaxError('a notebook cell does not export: remove "export"');
      case 'VariableDeclaration': {
        const declarations = n['declarations'] as (Node & { id: Node; init: Node | null })[];
        return replace(node, declarations.map((d) => `(${text(d.id)} = ${d.init ? text(d.init) : 'undefined'});`).join(' '));
      }
      case 'FunctionDeclaration': {
        const id = n['id'] as Named;
        hoisted.push(`globalThis[${JSON.stringify(id.name)}] = ${id.name};`);
        return;
      }
      case 'ClassDeclaration': {
        const id = n['id'] as Named;
        return replace(node, `${id.name} = ${text(node)};`);
      }
      case 'ExpressionStatement':
        if (last) return replace(node, `return (${text(n['expression'] as Node)});`);
        return;
      default:
        return;
    }
  });
  parts.push(js.slice(cursor));
  return `return (async () => {\n${hoisted.join('\n')}\n${parts.join('')}\n})();`;
}

/** Whether a cell is complete (the console runs it on Enter) or still open (a bracket, a string). */
export function isComplete(source: string): 'complete' | 'incomplete' | 'invalid' {
  try {
    prepareCell(source);
    return 'complete';
  } catch (error) {
    return /Unexpected token \(\d+:\d+\)$|Unterminated|end of input|Unexpected end/i.test((error as Error).message) ? 'incomplete' : 'invalid';
  }
}
