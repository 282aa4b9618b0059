// A form generated from a process's input descriptions (JSON Schema), and the inputs it gives back.
import type { InputDescription, JsonSchema } from './api.js';

export interface FormField {
  name: string;
  element: HTMLElement;
  /** The value for the execute request; undefined when left empty; throws with a readable message. */
  read(): unknown;
  /** Sets the field (a bbox from the viewer, a retry's inputs). */
  write(value: unknown): void;
}

const effective = (s: JsonSchema): JsonSchema => s.oneOf?.find((x) => x.type === 'string') ?? s.oneOf?.[0] ?? s;

/** Where a field may take its value from: the viewer's area, the catalog browser's selected item, a reach clicked on the map. */
export interface Pickers {
  area?: (write: (v: unknown) => void) => void;
  item?: (name: string, write: (v: unknown) => void) => void;
  /** Waits for a reach (or node) clicked in the swath viewer; `button` shows that it waits. */
  reach?: (write: (reachId: string) => void, button: HTMLButtonElement) => void;
}

/**
 * The basin of a SWORD reach or node id at a level: its first `digits` digits (continent, then one digit per
 * Pfafstetter level), or null when the id is not a SWORD id.
 */
export function basinOf(id: string, digits: number): string | null {
  return /^\d{11}$|^\d{14}$/.test(id) ? id.slice(0, Math.max(1, Math.min(10, digits))) : null;
}

/** An RFC 3339 interval from two days (either may be empty: an open end, `..`), or undefined when both are. */
export function intervalOf(from: string, to: string): string | undefined {
  if (!from && !to) return undefined;
  if (from && to && from > to) throw new Error(`the time window starts (${from}) after it ends (${to})`);
  return `${from ? `${from}T00:00:00Z` : '..'}/${to ? `${to}T23:59:59Z` : '..'}`;
}

/** The two days of an interval (empty for open ends or what is no interval). */
export function daysOf(interval: unknown): [string, string] {
  const [a, b] = String(interval ?? '').split('/');
  const day = (t: string | undefined) => (t && /^\d{4}-\d{2}-\d{2}/.test(t) ? t.slice(0, 10) : '');
  return [day(a), day(b)];
}

/** A time window input (`datetime`, as STAC and OGC APIs name it): two date pickers instead of RFC 3339 text. */
function intervalField(name: string, input: InputDescription, label: HTMLLabelElement): FormField {
  const box = Object.assign(document.createElement('span'), { className: 'hy-Jobs-interval' });
  const day = (aria: string) => {
    const d = Object.assign(document.createElement('input'), { type: 'date', className: 'jp-mod-styled hy-Jobs-control' });
    d.setAttribute('aria-label', `${input.title ?? name}: ${aria}`);
    return d;
  };
  const from = day('from');
  const to = day('to');
  box.append(from, ' → ', to);
  label.append(box);
  const required = (input.minOccurs ?? 1) > 0;
  return {
    name,
    element: label,
    read: () => {
      const v = intervalOf(from.value, to.value);
      if (v === undefined && required) throw new Error(`${input.title ?? name} is required`);
      return v;
    },
    write: (v) => ([from.value, to.value] = daysOf(v))
  };
}

/** Whether a schema is a list of plain values (strings or numbers), typed as a list rather than as JSON. */
export function isList(s: JsonSchema): boolean {
  const item = s.items?.type;
  return s.type === 'array' && (item === 'string' || item === 'number' || item === 'integer') && !s.items?.enum;
}

/**
 * A list typed as people write one — values separated by commas or lines (`K447001001, K447001002`), numbers by
 * spaces too (`-5.2 47.1 -4.9 47.4`) — or as JSON; checked against the schema's items (type, pattern, bounds) and sizes.
 * @throws Error naming the field and the value that is wrong
 */
export function listOf(raw: string, s: JsonSchema, label: string): (string | number)[] {
  const item = s.items ?? {};
  const numeric = item.type === 'number' || item.type === 'integer';
  // Numbers are separated by commas or spaces; texts (paths may hold spaces) by commas, semicolons or lines.
  let values: unknown[];
  if (raw.startsWith('[')) {
    try {
      values = JSON.parse(raw) as unknown[];
    } catch {
      throw new Error(`${label}: not a list (values separated by commas, or JSON)`);
    }
    if (!Array.isArray(values)) throw new Error(`${label}: not a list`);
  } else values = raw.split(numeric ? /[\s,;]+/ : /\s*[,;\n]\s*/).filter((v) => v !== '');
  const out = values.map((v) => {
    if (numeric) {
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isFinite(n) || (item.type === 'integer' && !Number.isInteger(n)))
        throw new Error(`${label}: "${String(v)}" is not a ${item.type === 'integer' ? 'whole number' : 'number'}`);
      if (item.minimum !== undefined && n < item.minimum) throw new Error(`${label}: ${n} is below ${item.minimum}`);
      if (item.maximum !== undefined && n > item.maximum) throw new Error(`${label}: ${n} is above ${item.maximum}`);
      return n;
    }
    const text = String(v);
    if (item.pattern && !new RegExp(item.pattern).test(text)) throw new Error(`${label}: "${text}" does not match ${item.pattern}`);
    return text;
  });
  const min = typeof s['minItems'] === 'number' ? s['minItems'] : undefined;
  const max = typeof s['maxItems'] === 'number' ? s['maxItems'] : undefined;
  if (min !== undefined && min === max && out.length !== min) throw new Error(`${label}: ${min} values expected, ${out.length} given`);
  if (min !== undefined && out.length < min) throw new Error(`${label}: at least ${min} value${min > 1 ? 's' : ''} expected`);
  if (max !== undefined && out.length > max) throw new Error(`${label}: at most ${max} values`);
  return out;
}

/** One field per input: select for enums, checkbox for booleans, number boxes, a list box for lists of values, JSON for other objects and arrays. */
export function buildField(name: string, input: InputDescription, pickers: Pickers = {}): FormField {
  const s = effective(input.schema);
  const required = (input.minOccurs ?? 1) > 0;
  const label = document.createElement('label');
  label.className = 'hy-Jobs-field';
  label.dataset['input'] = name;
  const title = document.createElement('span');
  title.className = 'hy-Jobs-label';
  title.textContent = `${input.title ?? name}${required ? ' *' : ''}`;
  title.title = input.description ?? '';
  label.append(title);
  if (input.description) label.append(Object.assign(document.createElement('small'), { className: 'hy-Jobs-help', textContent: input.description }));
  if (name === 'datetime' && s.type === 'string') return intervalField(name, input, label);
  let control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  const list = isList(s);
  const isJson = !list && (s.type === 'object' || s.type === 'array' || (!s.type && !s.enum));
  if (s.enum) {
    control = document.createElement('select');
    for (const v of ['', ...s.enum]) control.append(Object.assign(document.createElement('option'), { value: String(v), textContent: String(v) }));
  } else if (s.type === 'boolean') {
    control = Object.assign(document.createElement('input'), { type: 'checkbox' });
  } else if (isJson) {
    control = document.createElement('textarea');
    control.rows = 3;
  } else if (list) {
    control = Object.assign(document.createElement('input'), { type: 'text' });
  } else {
    control = Object.assign(document.createElement('input'), { type: s.type === 'number' || s.type === 'integer' ? 'number' : 'text' });
    if (s.minimum !== undefined) control.min = String(s.minimum);
    if (s.maximum !== undefined) control.max = String(s.maximum);
    if (s.type === 'integer') control.step = '1';
    if (s.type === 'number') control.step = 'any';
  }
  control.className = 'jp-mod-styled hy-Jobs-control';
  control.name = name;
  // Named by the input's title alone (the label around it also holds the help text and the picker buttons).
  control.setAttribute('aria-label', input.title ?? name);
  const example = s.example;
  if (example !== undefined && !(control instanceof HTMLSelectElement))
    control.placeholder = `e.g. ${typeof example === 'string' ? example : list && Array.isArray(example) ? example.join(', ') : JSON.stringify(example)}`;
  else if (list && !(control instanceof HTMLSelectElement)) control.placeholder = 'values separated by commas';
  const write = (v: unknown) => {
    if (control instanceof HTMLInputElement && control.type === 'checkbox') control.checked = !!v;
    else if (list && Array.isArray(v)) control.value = v.join(', ');
    else control.value = v === undefined || v === null ? '' : isJson && typeof v !== 'string' ? JSON.stringify(v) : String(v);
  };
  if (s.default !== undefined) {
    write(s.default);
    control.title = `default ${JSON.stringify(s.default)}`;
  }
  label.append(control);
  if (pickers.area && /bbox|area|extent/i.test(name)) {
    const b = Object.assign(document.createElement('button'), {
      className: 'jp-Button jp-mod-styled hy-Jobs-pickArea',
      textContent: 'Viewer area',
      type: 'button'
    });
    b.onclick = () => pickers.area!(write);
    label.append(b);
  }
  if (pickers.reach && /^(basin|reach|reach_id)$/i.test(name) && s.type === 'string') {
    const b = Object.assign(document.createElement('button'), {
      className: 'jp-Button jp-mod-styled hy-Jobs-pickReach',
      textContent: 'Pick on the map',
      title: name === 'basin' ? 'Click a reach in the swath viewer: its basin fills the field' : 'Click a reach in the swath viewer',
      type: 'button'
    });
    // A basin at the level of the example (7426: four digits), or of what is typed already.
    const digits = () => (/^\d+$/.test(control.value) ? control.value.length : typeof example === 'string' && /^\d+$/.test(example) ? example.length : 4);
    b.onclick = () => pickers.reach!((id) => write(name === 'basin' ? (basinOf(id, digits()) ?? '') : id), b);
    label.append(b);
  }
  if (pickers.item && /^(collection|item|items|item_id|granule)$/i.test(name)) {
    const b = Object.assign(document.createElement('button'), {
      className: 'jp-Button jp-mod-styled hy-Jobs-pickItem',
      textContent: 'From catalog',
      type: 'button'
    });
    b.onclick = () => pickers.item!(name, write);
    label.append(b);
  }
  const read = (): unknown => {
    if (control instanceof HTMLInputElement && control.type === 'checkbox') return control.checked;
    const raw = control.value.trim();
    if (!raw) {
      if (required) throw new Error(`${input.title ?? name} is required`);
      return undefined;
    }
    if (s.type === 'number' || s.type === 'integer') {
      const v = Number(raw);
      if (!Number.isFinite(v) || (s.type === 'integer' && !Number.isInteger(v)))
        throw new Error(`${input.title ?? name} must be ${s.type === 'integer' ? 'a whole number' : 'a number'}`);
      if (s.minimum !== undefined && v < s.minimum) throw new Error(`${input.title ?? name} must be at least ${s.minimum}`);
      if (s.maximum !== undefined && v > s.maximum) throw new Error(`${input.title ?? name} must be at most ${s.maximum}`);
      return v;
    }
    if (list) return listOf(raw, s, input.title ?? name);
    if (isJson) {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        // A plain string is accepted where the schema allows one (a notebook path).
        if (input.schema.oneOf?.some((x) => x.type === 'string')) return raw;
        throw new Error(`${input.title ?? name} must be JSON`);
      }
    }
    if (s.pattern && !new RegExp(s.pattern).test(raw)) throw new Error(`${input.title ?? name} must match ${s.pattern}`);
    return raw;
  };
  return { name, element: label, read, write };
}

/** The inputs of a whole form (empty optional fields left out). */
export function readInputs(fields: FormField[]): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const f of fields) {
    const v = f.read();
    if (v !== undefined) inputs[f.name] = v;
  }
  return inputs;
}
