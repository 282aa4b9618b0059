import { DataType, Float64, Struct, Field, Type, Vector, makeData, makeVector, vectorFromArray } from 'apache-arrow';

/**
 * Reorders a vector by row indices. Fixed-width columns are permuted on their typed arrays and
 * validity bitmaps (no per-row objects); variable-width ones (strings, binary) are rebuilt.
 */
export function takeVector(vector: Vector, indices: Uint32Array): Vector {
  const type = vector.type as DataType;
  const length = indices.length;
  const data = vector.data.length === 1 ? vector.data[0]! : null;
  const fixed = data && data.values && ArrayBuffer.isView(data.values) && ![Type.Utf8, Type.Binary, Type.LargeUtf8, Type.LargeBinary].includes(type.typeId);
  if (fixed && data) {
    const stride = type.typeId === Type.Bool ? 0 : (data.values as unknown as { length: number }).length / Math.max(1, data.length);
    if (stride >= 1 && Number.isInteger(stride)) {
      const Ctor = data.values.constructor as new (n: number) => { [i: number]: number | bigint };
      const src = data.values as unknown as { [i: number]: number | bigint };
      const out = new Ctor(length * stride);
      const hasNulls = data.nullCount > 0 && data.nullBitmap && data.nullBitmap.length > 0;
      const bitmap = hasNulls ? new Uint8Array(Math.ceil(length / 8)) : undefined;
      let nullCount = 0;
      for (let i = 0; i < length; i++) {
        const j = indices[i]!;
        for (let k = 0; k < stride; k++) out[i * stride + k] = src[(j + data.offset) * stride + k]!;
        if (bitmap) {
          const bit = data.nullBitmap![(j + data.offset) >> 3]! & (1 << ((j + data.offset) & 7));
          if (bit) bitmap[i >> 3]! |= 1 << (i & 7);
          else nullCount++;
        }
      }
      return makeVector(makeData({ type, length, nullCount, nullBitmap: bitmap, data: out } as never));
    }
  }
  const values: unknown[] = new Array(length);
  for (let i = 0; i < length; i++) values[i] = vector.get(indices[i]!);
  return vectorFromArray(values as never, type as never);
}

/** A GeoParquet 1.1 bbox covering column: struct<xmin, ymin, xmax, ymax> of doubles. */
export function bboxStructVector(xmin: Float64Array, ymin: Float64Array, xmax: Float64Array, ymax: Float64Array): Vector {
  const child = (values: Float64Array) => makeData({ type: new Float64(), length: values.length, data: values });
  const type = new Struct(['xmin', 'ymin', 'xmax', 'ymax'].map((n) => new Field(n, new Float64(), false)));
  // Rows without a geometry (NaN) get a null bbox, so min/max statistics stay finite.
  const nullBitmap = new Uint8Array(Math.ceil(xmin.length / 8));
  let nullCount = 0;
  for (let i = 0; i < xmin.length; i++) {
    if (Number.isNaN(xmin[i]!)) nullCount++;
    else nullBitmap[i >> 3]! |= 1 << (i & 7);
  }
  return makeVector(
    makeData({
      type,
      length: xmin.length,
      nullCount,
      nullBitmap: nullCount ? nullBitmap : undefined,
      children: [child(xmin), child(ymin), child(xmax), child(ymax)]
    })
  );
}
