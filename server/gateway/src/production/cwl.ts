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

function params(section: unknown): Record<string, CwlParam> {
  if (Array.isArray(section)) {
    return Object.fromEntries(section.map((p: Record<string, unknown>) => [String(p['id']).replace(/^#/, ''), p as unknown as CwlParam]));
  }
  if (section && typeof section === 'object') {
    return Object.fromEntries(Object.entries(section).map(([k, v]) => [k, (typeof v === 'string' ? { type: v } : v) as CwlParam]));
  }
  return {};
}

/** JSON Schema of a CWL type (File and Directory are server paths or URLs, given as strings). */
export function schemaOf(type: CwlType): { schema: Record<string, unknown>; optional: boolean } {
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
    if (!(base in map)) throw new ValidationError(`CWL type "${base}" is not supported`);
    return { schema: map[base]!, optional };
  }
  if (type.type === 'array') return { schema: { type: 'array', items: schemaOf(type.items ?? 'string').schema }, optional: false };
  if (type.type === 'enum') return { schema: { type: 'string', enum: (type.symbols ?? []).map((s) => s.split('/').pop()) }, optional: false };
  throw new ValidationError(`CWL type ${JSON.stringify(type)} is not supported`);
}

/**
 * Reads a CWL CommandLineTool or Workflow (YAML or JSON) into a process description.
 * @throws ValidationError saying what is wrong with the package
 */
export function describeCwl(text: string, requestedId?: string): DeployedCwl {
  let doc: Record<string, unknown>;
  try {
    doc = yaml.load(text) as Record<string, unknown>;
  } catch (error) {
    throw new ValidationError(`the CWL document is not valid YAML/JSON: ${(error as Error).message}`);
  }
  if (!doc || typeof doc !== 'object') throw new ValidationError('the CWL document is empty');
  if (doc['$graph']) throw new ValidationError('packed CWL ($graph) is not supported: deploy one CommandLineTool or Workflow');
  const cls = doc['class'];
  if (cls !== 'CommandLineTool' && cls !== 'Workflow')
    throw new ValidationError(`a CWL application package is a CommandLineTool or a Workflow, got class "${String(cls)}"`);
  if (typeof doc['cwlVersion'] !== 'string') throw new ValidationError('the CWL document has no cwlVersion');
  const id = (requestedId ?? String(doc['id'] ?? '')).replace(/^#/, '');
  if (!/^[A-Za-z][A-Za-z0-9_-]{1,63}$/.test(id))
    throw new ValidationError(`a deployed process needs an id of 2-64 letters, digits, - or _ (give the CWL an "id" or ?id=), got "${id}"`);
  const inputs: ProcessDefinition['inputs'] = {};
  for (const [name, p] of Object.entries(params(doc['inputs']))) {
    const { schema, optional } = schemaOf(p.type);
    inputs[name] = {
      title: p.label ?? name,
      description: p.doc,
      schema: p.default !== undefined ? { ...schema, default: p.default } : schema,
      minOccurs: optional || p.default !== undefined ? 0 : 1
    };
  }
  const outputs: ProcessDefinition['outputs'] = {};
  for (const [name, p] of Object.entries(params(doc['outputs'])))
    outputs[name] = { title: p.label ?? name, description: p.doc, schema: schemaOf(p.type).schema };
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
