import type { Geometry } from '@hysope/api';

/** One DBF field as declared in the header. */
export interface DbfField {
  name: string;
  /** dBASE type letter: C, N, F, L, D. */
  type: string;
  length: number;
  decimals: number;
}

/** A parsed DBF: fields and raw (trimmed) text values, column by column. */
export interface DbfTable {
  fields: DbfField[];
  rows: number;
  /** `columns[i][r]` is the trimmed text of field i in record r (deleted records skipped). */
  columns: string[][];
}

/**
 * Reads a dBASE III table (the attribute part of a shapefile).
 * @throws Error when the header is inconsistent with the file size
 */
export function readDbf(bytes: Uint8Array): DbfTable {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 32) throw new Error('DBF file is shorter than its 32-byte header');
  const records = view.getUint32(4, true);
  const headerLength = view.getUint16(8, true);
  const recordLength = view.getUint16(10, true);
  if (headerLength + records * recordLength > bytes.length + 1) {
    throw new Error(`DBF declares ${records} records of ${recordLength} bytes but holds ${bytes.length} bytes (truncated file)`);
  }
  const fields: DbfField[] = [];
  const latin1 = new TextDecoder('latin1');
  for (let o = 32; o < headerLength - 1 && bytes[o] !== 0x0d; o += 32) {
    const nameBytes = bytes.subarray(o, o + 11);
    const end = nameBytes.indexOf(0);
    fields.push({
      name: latin1.decode(nameBytes.subarray(0, end < 0 ? 11 : end)),
      type: String.fromCharCode(bytes[o + 11]!),
      length: bytes[o + 16]!,
      decimals: bytes[o + 17]!
    });
  }
  const utf8 = new TextDecoder('utf-8');
  const columns: string[][] = fields.map(() => []);
  let kept = 0;
  for (let r = 0; r < records; r++) {
    const start = headerLength + r * recordLength;
    if (bytes[start] === 0x2a) continue; // deleted record
    let o = start + 1;
    for (let f = 0; f < fields.length; f++) {
      const len = fields[f]!.length;
      columns[f]!.push(utf8.decode(bytes.subarray(o, o + len)).trim());
      o += len;
    }
    kept++;
  }
  return { fields, rows: kept, columns };
}

function ringArea(ring: number[][]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += (ring[j]![0]! - ring[i]![0]!) * (ring[j]![1]! + ring[i]![1]!);
  return a / 2; // > 0 when clockwise (shapefile outer ring)
}

/**
 * Reads the geometries of a `.shp` file as GeoJSON (2D; Z and M dropped).
 * Polygons: clockwise rings are outers, counter-clockwise rings holes of the preceding outer.
 * @throws Error on an unknown shape type or a truncated record
 */
export function readShp(bytes: Uint8Array): (Geometry | null)[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 100 || view.getInt32(0, false) !== 9994) throw new Error('not a shapefile (.shp magic number 9994 missing)');
  const out: (Geometry | null)[] = [];
  let o = 100;
  while (o + 8 <= bytes.length) {
    const contentBytes = view.getInt32(o + 4, false) * 2;
    const c = o + 8;
    if (c + contentBytes > bytes.length) throw new Error(`shapefile record ${out.length + 1} is truncated`);
    const type = view.getInt32(c, true);
    const base = type % 10;
    const xy = (p: number) => [view.getFloat64(p, true), view.getFloat64(p + 8, true)];
    if (type === 0) out.push(null);
    else if (base === 1) out.push({ type: 'Point', coordinates: xy(c + 4) });
    else if (base === 3 || base === 5 || base === 8) {
      const isMultiPoint = base === 8;
      const numParts = isMultiPoint ? 1 : view.getInt32(c + 36, true);
      const numPoints = view.getInt32(c + (isMultiPoint ? 36 : 40), true);
      const partsAt = c + 44;
      const pointsAt = isMultiPoint ? c + 40 : partsAt + 4 * numParts;
      const points: number[][] = Array.from({ length: numPoints }, (_, i) => xy(pointsAt + 16 * i));
      if (isMultiPoint) {
        out.push({ type: 'MultiPoint', coordinates: points });
      } else {
        const parts: number[][][] = [];
        for (let p = 0; p < numParts; p++) {
          const from = view.getInt32(partsAt + 4 * p, true);
          const to = p + 1 < numParts ? view.getInt32(partsAt + 4 * (p + 1), true) : numPoints;
          parts.push(points.slice(from, to));
        }
        if (base === 3) {
          out.push(parts.length === 1 ? { type: 'LineString', coordinates: parts[0]! } : { type: 'MultiLineString', coordinates: parts });
        } else {
          const polygons: number[][][][] = [];
          for (const ring of parts) {
            if (ringArea(ring) >= 0 || polygons.length === 0) polygons.push([ring.reverse()]);
            else polygons[polygons.length - 1]!.push(ring.reverse());
          }
          out.push(polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0]! } : { type: 'MultiPolygon', coordinates: polygons });
        }
      }
    } else throw new Error(`unsupported shape type ${type} in record ${out.length + 1}`);
    o = c + contentBytes;
  }
  return out;
}

/** Per-attribute metadata of a SWOT `.shp.xml`. */
export interface ShpXmlAttribute {
  units?: string;
  long_name?: string;
  fill_value?: string;
}

/** The parts of a SWOT `.shp.xml` we use: global attributes and per-attribute metadata. */
export interface ShpXml {
  global: Record<string, string>;
  attributes: Record<string, ShpXmlAttribute>;
}

/** Reads a SWOT `.shp.xml` (flat XML: `<global_attributes>` and `<attributes>` with one element per field). */
export function readShpXml(text: string): ShpXml {
  const section = (name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(text)?.[1] ?? '';
  const global: Record<string, string> = {};
  for (const m of (section('global_attributes') || section('global_metadata')).matchAll(/<([A-Za-z0-9_]+)>([^<]*)<\/\1>/g)) global[m[1]!] = m[2]!.trim();
  const attributes: Record<string, ShpXmlAttribute> = {};
  for (const m of (section('attributes') || section('attribute_metadata')).matchAll(/<([A-Za-z0-9_]+)>([\s\S]*?)<\/\1>/g)) {
    const body = m[2]!;
    const get = (k: string) => new RegExp(`<${k}>([^<]*)</${k}>`).exec(body)?.[1]?.trim();
    attributes[m[1]!] = { units: get('units'), long_name: get('long_name'), fill_value: get('fill_value') };
  }
  return { global, attributes };
}
