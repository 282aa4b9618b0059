/**
 * Values as Hydrocron writes them: its source values went through Python, so floats print as Python's
 * `str(float)` does (`-999999999999.0`, `1e-05`), integers as integers, and nulls as the field's fill value.
 */
export function pythonFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Object.is(v, -0)) return '-0.0';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa, exponent] = v.toExponential().split('e') as [string, string];
    const sign = exponent.startsWith('-') ? '-' : '+';
    return `${mantissa}e${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  return String(v);
}

/** Text of one value for the drop-in answers. */
export function hydrocronText(value: unknown, type: 'int' | 'float' | 'time' | 'text', fill: string | null): string {
  if (value === null || value === undefined) {
    // A fill prints as the column's type does: an integer column's -999999999999, a float column's -999999999999.0.
    const n = fill === null || fill.trim() === '' ? NaN : Number(fill);
    if (type === 'int' && Number.isFinite(n)) return String(Math.trunc(n));
    // Numeric times (time, time_tai: seconds since 2000) are float columns in the source.
    if ((type === 'float' || type === 'time') && Number.isFinite(n)) return pythonFloat(n);
    return fill ?? (type === 'text' || type === 'time' ? 'no_data' : type === 'int' ? '-999' : '-999999999999.0');
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return type === 'int' ? String(Math.trunc(value)) : pythonFloat(value);
  return String(value);
}
