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
/** The kernel's scope object: the cells' top-level names live there (not on `window`, whose `top`, `name`... are taken). */
export const SCOPE = '__scope';

/** A cell ready to run: the body of `new Function(IMPORT, SCOPE, code)`, and the names it declares. */
export interface PreparedCell {
  code: string;
  names: string[];
}

/** The names a binding pattern declares (`{ a, b: [c, ...d] = [] }` → a, c, d). */
function boundNames(pattern: Node, out: string[] = []): string[] {
  const p = pattern as Node & Record<string, unknown>;
  switch (pattern.type) {
    case 'Identifier':
      out.push(p['name'] as string);
      break;
    case 'ObjectPattern':
      for (const prop of p['properties'] as (Node & Record<string, unknown>)[])
        boundNames(prop.type === 'RestElement' ? (prop['argument'] as Node) : (prop['value'] as Node), out);
      break;
    case 'ArrayPattern':
      for (const e of p['elements'] as (Node | null)[]) if (e) boundNames(e, out);
      break;
    case 'RestElement':
      boundNames(p['argument'] as Node, out);
      break;
    case 'AssignmentPattern':
      boundNames(p['left'] as Node, out);
      break;
  }
  return out;
}

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
 * The body of a function (`new Function(IMPORT, SCOPE, code)` returns a promise) that runs the cell with its
 * top-level declarations kept in the kernel's scope object (the next cell sees them) and resolves to the value
 * of its last expression (undefined if none). The scope must hold every name in `names` before the run.
 */
export function prepareCell(source: string): PreparedCell {
  const js = stripTypes(source);
  let program: Program;
  try {
    program = parse(js, { ecmaVersion: 'latest', sourceType: 'module', allowAwaitOutsideFunction: true, allowReturnOutsideFunction: false });
  } catch (error) {
    throw new CellSyntaxError((error as Error).message);
  }
  const text = (n: Node) => js.slice(n.start, n.end);
  const hoisted: string[] = [];
  const names: string[] = [];
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
        names.push(...specs.map((s) => s.local.name));
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
        for (const d of declarations) boundNames(d.id, names);
        return replace(node, declarations.map((d) => `(${text(d.id)} = ${d.init ? text(d.init) : 'undefined'});`).join(' '));
      }
      case 'FunctionDeclaration': {
        const id = n['id'] as Named;
        names.push(id.name);
        hoisted.push(`${SCOPE}[${JSON.stringify(id.name)}] = ${id.name};`);
        return;
      }
      case 'ClassDeclaration': {
        const id = n['id'] as Named;
        names.push(id.name);
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
  // NOTE: `with` (sloppy mode, as new Function is) puts the scope object first in the cell's name lookup.
  return { code: `with (${SCOPE}) {\nreturn (async () => {\n${hoisted.join('\n')}\n${parts.join('')}\n})();\n}`, names: [...new Set(names)] };
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
