// Long property values folded: a one-line summary that fits the detail pane, the whole value (pretty-printed
// when it is JSON) shown on demand and wrapped, so no value widens the pane.

/** Longest value shown as is, in characters. */
const SHORT = 60;

export interface Folded {
  /** What is shown in the row. */
  short: string;
  /** The whole value when `short` is a summary of it (null when the value fits). */
  full: string | null;
}

/** A JSON text's value (objects and arrays only), or undefined when the text is not one. */
function json(text: string): unknown {
  if (!/^\s*[[{]/.test(text)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Summary and whole text of a property value (with its units after short scalar values). */
export function foldValue(value: unknown, units?: string): Folded {
  const parsed = typeof value === 'string' ? (json(value) ?? value) : value;
  if (parsed === null || typeof parsed !== 'object') {
    const text = `${String(parsed)}${units ? ` ${units}` : ''}`;
    return text.length <= SHORT ? { short: text, full: null } : { short: `${text.slice(0, SHORT - 1)}…`, full: text };
  }
  const compact = JSON.stringify(parsed);
  if (compact.length <= SHORT) return { short: compact, full: null };
  const full = JSON.stringify(parsed, null, 2);
  if (Array.isArray(parsed)) return { short: `${parsed.length} value${parsed.length === 1 ? '' : 's'}: ${compact.slice(0, SHORT - 20)}…`, full };
  const keys = Object.keys(parsed);
  return { short: `${keys.length} field${keys.length === 1 ? '' : 's'}: ${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}`, full };
}
