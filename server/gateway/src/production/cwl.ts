import yaml from 'js-yaml';
import { ValidationError } from '../errors.js';
import type { ProcessDefinition } from './process.js';

type CwlType = string | { type: string; items?: CwlType; symbols?: string[] } | CwlType[];
interface CwlParam {
  type: CwlType;
  label?: string;
  doc?: string;
  default?: unknown;
}

/** A deployed CWL application package: its document and the process description made from it. */
export interface DeployedCwl {
  id: string;
  cwl: string;
  description: Omit<ProcessDefinition, 'run'>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/** The inputs or outputs of a CWL document (a list with ids, or a map), each checked for shape. */
function params(section: unknown, what: string): Map<string, CwlParam> {
  const out = new Map<string, CwlParam>();
  const add = (rawName: unknown, v: unknown) => {
    const name = typeof rawName === 'string' ? rawName.replace(/^#/, '') : '';
    if (!NAME.test(name) || ['__proto__', 'constructor', 'prototype'].includes(name))
      throw new ValidationError(`CWL ${what}: each needs an id of letters, digits, _ . or - (got ${JSON.stringify(rawName)?.slice(0, 40)})`);
    if (out.has(name)) throw new ValidationError(`CWL ${what}: "${name}" is declared twice`);
    const param = typeof v === 'string' || Array.isArray(v) ? { type: v } : v;
    if (!param || typeof param !== 'object' || !('type' in param)) throw new ValidationError(`CWL ${what} "${name}" has no type`);
    out.set(name, param as CwlParam);
  };
  if (Array.isArray(section)) {
    for (const p of section) {
      if (!p || typeof p !== 'object' || Array.isArray(p))
        throw new ValidationError(`CWL ${what}: a list of {id, type} objects, got ${JSON.stringify(p)?.slice(0, 40)}`);
      add((p as Record<string, unknown>)['id'], p);
    }
  } else if (section && typeof section === 'object') {
    for (const [k, v] of Object.entries(section)) add(k, v);
  } else if (section !== undefined && section !== null) throw new ValidationError(`CWL ${what} must be a list or a map`);
  return out;
}

/**
 * Checks the size of a parsed document as it would be stored (YAML aliases expanded): a few hundred
 * bytes of aliases can stand for gigabytes.
 */
function checkSize(doc: unknown, maxNodes = 20_000, maxDepth = 64): void {
  let nodes = 0;
  const walk = (v: unknown, depth: number): void => {
    if (++nodes > maxNodes) throw new ValidationError(`the CWL document is too large once its YAML aliases are expanded (over ${maxNodes} values)`);
    if (depth > maxDepth) throw new ValidationError(`the CWL document nests deeper than ${maxDepth} levels`);
    if (Array.isArray(v)) for (const x of v) walk(x, depth + 1);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(doc, 0);
}

/** JSON Schema of a CWL type (File and Directory are server paths or URLs, given as strings). */
export function schemaOf(type: CwlType): { schema: Record<string, unknown>; optional: boolean } {
  if (type === null || type === undefined || (typeof type !== 'string' && typeof type !== 'object'))
    throw new ValidationError(`CWL type ${JSON.stringify(type)} is not supported`);
  if (Array.isArray(type)) {
    const nonNull = type.filter((t) => t !== 'null');
    return { schema: schemaOf(nonNull[0] ?? 'string').schema, optional: nonNull.length < type.length };
  }
  if (typeof type === 'string') {
    const optional = type.endsWith('?');
    const base = type.replace(/\?$/, '');
    if (base.endsWith('[]')) return { schema: { type: 'array', items: schemaOf(base.slice(0, -2)).schema }, optional };
    const map: Record<string, Record<string, unknown>> = {
      string: { type: 'string' },
      int: { type: 'integer' },
      long: { type: 'integer' },
      float: { type: 'number' },
      double: { type: 'number' },
      boolean: { type: 'boolean' },
      File: { type: 'string', format: 'uri-reference', description: 'a file: server path or URL' },
      Directory: { type: 'string', format: 'uri-reference' },
      Any: {}
    };
    if (!Object.hasOwn(map, base)) throw new ValidationError(`CWL type "${base}" is not supported`);
    return { schema: map[base]!, optional };
  }
  if (typeof type.type !== 'string') throw new ValidationError(`CWL type ${JSON.stringify(type).slice(0, 80)} is not supported`);
  if (type.type === 'array') return { schema: { type: 'array', items: schemaOf(type.items ?? 'string').schema }, optional: false };
  if (type.type === 'enum')
    return { schema: { type: 'string', enum: (Array.isArray(type.symbols) ? type.symbols : []).map((s) => String(s).split('/').pop()) }, optional: false };
  throw new ValidationError(`CWL type ${JSON.stringify(type)} is not supported`);
}

/**
 * Reads a CWL CommandLineTool or Workflow (YAML or JSON) into a process description.
 * @throws ValidationError saying what is wrong with the package
 */
export function describeCwl(text: string, requestedId?: string): DeployedCwl {
  let doc: Record<string, unknown>;
  try {
    doc = yaml.load(text, { schema: yaml.CORE_SCHEMA }) as Record<string, unknown>;
  } catch (error) {
    throw new ValidationError(`the CWL document is not valid YAML/JSON: ${(error as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new ValidationError('the CWL document is empty or not a mapping');
  checkSize(doc);
  if (doc['$graph']) throw new ValidationError('packed CWL ($graph) is not supported: deploy one CommandLineTool or Workflow');
  const cls = doc['class'];
  if (cls !== 'CommandLineTool' && cls !== 'Workflow')
    throw new ValidationError(`a CWL application package is a CommandLineTool or a Workflow, got class "${String(cls)}"`);
  if (typeof doc['cwlVersion'] !== 'string') throw new ValidationError('the CWL document has no cwlVersion');
  const id = (requestedId ?? String(doc['id'] ?? '')).replace(/^#/, '');
  if (!/^[A-Za-z][A-Za-z0-9_-]{1,63}$/.test(id))
    throw new ValidationError(`a deployed process needs an id of 2-64 letters, digits, - or _ (give the CWL an "id" or ?id=), got "${id}"`);
  const inputs: ProcessDefinition['inputs'] = {};
  for (const [name, p] of params(doc['inputs'], 'inputs')) {
    const { schema, optional } = schemaOf(p.type);
    inputs[name] = {
      title: p.label ?? name,
      description: p.doc,
      schema: p.default !== undefined ? { ...schema, default: p.default } : schema,
      minOccurs: optional || p.default !== undefined ? 0 : 1
    };
  }
  const outputs: ProcessDefinition['outputs'] = {};
  for (const [name, p] of params(doc['outputs'], 'outputs')) outputs[name] = { title: p.label ?? name, description: p.doc, schema: schemaOf(p.type).schema };
  return {
    id,
    cwl: text,
    description: {
      id,
      title: String(doc['label'] ?? id),
      description: String(doc['doc'] ?? `CWL ${cls} deployed as an application package`),
      version: String(doc['s:version'] ?? doc['version'] ?? '1.0.0'),
      keywords: ['CWL', String(cls)],
      inputs,
      outputs,
      jobControlOptions: ['async-execute', 'sync-execute', 'dismiss']
    }
  };
}
