import { describe, expect, it } from 'vitest';
import { hydrocronText, pythonFloat } from './python-format.js';

describe("Hydrocron's value text", () => {
  it("prints floats as Python's str() does", () => {
    expect(pythonFloat(-999999999999)).toBe('-999999999999.0');
    expect(pythonFloat(493.9646)).toBe('493.9646');
    expect(pythonFloat(0.00001)).toBe('1e-05');
    expect(pythonFloat(3.7e-5)).toBe('3.7e-05');
    expect(pythonFloat(0.0001)).toBe('0.0001');
    expect(pythonFloat(1e16)).toBe('1e+16');
    expect(pythonFloat(0)).toBe('0.0');
    expect(pythonFloat(-0)).toBe('-0.0'); // Python keeps the sign of zero
  });
  it('writes nulls as the field fill value', () => {
    expect(hydrocronText(null, 'float', '-999999999999.0')).toBe('-999999999999.0');
    expect(hydrocronText(null, 'int', '-999')).toBe('-999');
    expect(hydrocronText(null, 'text', null)).toBe('no_data');
    expect(hydrocronText(3, 'int', null)).toBe('3');
    // A fill prints as its column's type does, however the source wrote it.
    expect(hydrocronText(null, 'int', '-999999999999.000')).toBe('-999999999999');
    expect(hydrocronText(null, 'float', '-999999999999')).toBe('-999999999999.0');
    expect(hydrocronText(null, 'time', '-999999999999.000')).toBe('-999999999999.0');
    expect(hydrocronText(null, 'text', '-9999')).toBe('-9999');
  });
});
