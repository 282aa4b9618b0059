import {
  Binary,
  Bool,
  DataType,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  TimestampMicrosecond,
  Uint8,
  Uint16,
  Uint32,
  Utf8,
  Vector,
  makeData,
  makeVector,
  vectorFromArray
} from 'apache-arrow';

/** Typed arrays a numeric column can be built from. */
export type NumericArray = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array;

function bitmap(length: number, isValid: (i: number) => boolean): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(length / 8));
  let nullCount = 0;
  for (let i = 0; i < length; i++) {
    if (isValid(i)) nullBitmap[i >> 3]! |= 1 << (i & 7);
    else nullCount++;
  }
  return { nullBitmap, nullCount };
}

function arrowTypeOf(values: NumericArray): DataType {
  if (values instanceof Float64Array) return new Float64();
  if (values instanceof Float32Array) return new Float32();
  if (values instanceof Int32Array) return new Int32();
  if (values instanceof Int16Array) return new Int16();
  if (values instanceof Int8Array) return new Int8();
  if (values instanceof Uint8Array) return new Uint8();
  if (values instanceof Uint16Array) return new Uint16();
  if (values instanceof Uint32Array) return new Uint32();
  return new Int64();
}

/**
 * A numeric column from a typed array, with nulls where `isFill` says the value is a fill value
 * (and NaN for floats). No per-row objects.
 */
export function numericVector(values: NumericArray, isFill: (value: number, index: number) => boolean = () => false): Vector {
  const type = arrowTypeOf(values);
  const isFloat = values instanceof Float64Array || values instanceof Float32Array;
  const { nullBitmap, nullCount } = bitmap(values.length, (i) => {
    const v = Number(values[i]);
    return !(isFill(v, i) || (isFloat && Number.isNaN(v)));
  });
  return makeVector(makeData({ type, length: values.length, nullCount, nullBitmap: nullCount ? nullBitmap : undefined, data: values } as never));
}

/** A UTC timestamp column (microseconds) from epoch milliseconds, null where NaN/null. */
export function timestampVector(ms: (number | null)[] | Float64Array): Vector {
  const length = ms.length;
  const data = new BigInt64Array(length);
  const { nullBitmap, nullCount } = bitmap(length, (i) => {
    const v = ms[i];
    return v !== null && v !== undefined && Number.isFinite(v);
  });
  for (let i = 0; i < length; i++) {
    const v = ms[i];
    if (v !== null && v !== undefined && Number.isFinite(v)) data[i] = BigInt(Math.round(v * 1000));
  }
  return makeVector(makeData({ type: new TimestampMicrosecond('UTC'), length, nullCount, nullBitmap: nullCount ? nullBitmap : undefined, data }));
}

/** A UTF-8 column, null where the value is null. */
export function stringVector(values: (string | null)[]): Vector {
  return vectorFromArray(values, new Utf8());
}

/** A boolean column. */
export function boolVector(values: (boolean | null)[]): Vector {
  return vectorFromArray(values, new Bool());
}

/** A binary column (WKB geometries), null where the value is null. */
export function binaryVector(values: (Uint8Array | null)[]): Vector {
  const length = values.length;
  const valueOffsets = new Int32Array(length + 1);
  let total = 0;
  for (let i = 0; i < length; i++) {
    total += values[i]?.length ?? 0;
    valueOffsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let i = 0; i < length; i++) if (values[i]) data.set(values[i]!, valueOffsets[i]!);
  const { nullBitmap, nullCount } = bitmap(length, (i) => values[i] !== null);
  return makeVector(makeData({ type: new Binary(), length, nullCount, nullBitmap: nullCount ? nullBitmap : undefined, valueOffsets, data }));
}

export { SWOT_EPOCH_MS } from './swot-time.js';
