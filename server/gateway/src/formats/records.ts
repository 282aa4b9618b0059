import { Table, type Vector } from 'apache-arrow';
import { boolVector, numericVector, stringVector, timestampVector } from './arrow-columns.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses an ISO date or date-time as UTC epoch milliseconds (NaN if it is not one). */
export function isoToMs(text: string): number {
  if (!ISO_DATE.test(text)) return NaN;
  const t = text.length === 10 ? `${text}T00:00:00Z` : /Z$|[+-]\d{2}:?\d{2}$/.test(text) ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}Z`;
  return Date.parse(t);
}

/** Options of {@link recordsToColumns}. */
export interface RecordsOptions {
  /** Numeric values to read as null (e.g. -9999). */
  fills?: Set<number>;
  /** Fields to leave out. */
  skip?: Set<string>;
}

/**
 * Turns JSON records (API responses, CSV rows) into typed Arrow columns: numbers → Float64,
 * booleans → Bool, ISO dates → UTC timestamps, nested values → JSON text, other → Utf8.
 */
export function recordsToColumns(records: Record<string, unknown>[], options: RecordsOptions = {}): Record<string, Vector> {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    for (const k of Object.keys(r)) {
      if (seen.has(k) || options.skip?.has(k)) continue;
      seen.add(k);
      names.push(k);
    }
  }
  const columns: Record<string, Vector> = {};
  for (const name of names) {
    const values = records.map((r) => r[name]);
    const present = values.filter((v) => v !== null && v !== undefined && v !== '');
    if (present.length > 0 && present.every((v) => typeof v === 'number')) {
      columns[name] = numericVector(
        Float64Array.from(values, (v) => (typeof v === 'number' ? v : NaN)),
        (v) => options.fills?.has(v) ?? false
      );
    } else if (present.length > 0 && present.every((v) => typeof v === 'boolean')) {
      columns[name] = boolVector(values.map((v) => (typeof v === 'boolean' ? v : null)));
    } else if (present.length > 0 && present.every((v) => typeof v === 'string' && !Number.isNaN(isoToMs(v)))) {
      columns[name] = timestampVector(values.map((v) => (typeof v === 'string' && v !== '' ? isoToMs(v) : null)));
    } else {
      columns[name] = stringVector(values.map((v) => (v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v))));
    }
  }
  return columns;
}

/** A Table from columns. */
export function tableOf(columns: Record<string, Vector>): Table {
  return new Table(columns);
}
