import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromWkb } from './wkb.js';
import { readSwotVector } from './swot-vector.js';
import { SAMPLES_DIR } from './samples.js';

const riversp = (name: string) => path.join(SAMPLES_DIR, 'swot/riversp', name);
const REACH_548 = riversp('SWOT_L2_HR_RiverSP_Reach_548_011_NA_20230610T193337_20230610T193344_PIA1_01.zip');

describe('readSwotVector', () => {
  it('reads a real RiverSP reach zip with typed attributes and nulls for fills', async () => {
    const p = await readSwotVector(REACH_548);
    expect(p.collection).toBe('swot-riversp-reach');
    expect(p.table.numRows).toBe(687);
    expect(p.properties).toMatchObject({ 'swot:cycle': 548, 'swot:pass': 11, 'swot:continent': 'NA', 'swot:crid': 'PIA1' });
    const schema = Object.fromEntries(p.table.schema.fields.map((f) => [f.name, String(f.type)]));
    expect(schema['reach_id']).toBe('Utf8');
    expect(schema['wse']).toBe('Float64');
    expect(schema['reach_q']).toBe('Int32');
    expect(schema['time']).toMatch(/Timestamp/);
    expect(schema['time_str']).toBe('Utf8'); // as the source writes it (Hydrocron prints it as is)
    expect(schema['dschg_csf']).toBe('Int64'); // N13.0: a wide integer column stays an integer column
    // The first reach is unobserved in this pass: fills became nulls.
    const first = p.table.get(0)!.toJSON();
    expect(first['reach_id']).toBe('71224100203');
    expect(first['wse']).toBeNull();
    expect(first['time']).toBeNull();
    expect(first['river_name']).toBeNull();
    // An observed reach keeps its values, and time and time_str agree to the second.
    const times = p.table.getChild('time')!;
    const strs = p.table.getChild('time_str')!;
    const wse = p.table.getChild('wse')!;
    let observed = -1;
    for (let i = 0; i < p.table.numRows; i++)
      if (wse.get(i) !== null) {
        observed = i;
        break;
      }
    expect(observed).toBeGreaterThan(-1);
    const t = Number(times.get(observed));
    const s = Date.parse(String(strs.get(observed)));
    expect(Math.abs(t - s)).toBeLessThan(1000);
    expect(new Date(t).getUTCFullYear()).toBe(2023);
    const g = fromWkb(p.table.getChild('geometry')!.get(observed) as Uint8Array);
    expect(g.type).toMatch(/LineString/);
    expect(p.bbox[0]).toBeGreaterThan(-110);
    expect(p.bbox[2]).toBeLessThan(-80);
    expect(p.fields['wse']).toMatchObject({ units: 'm' });
    // Each field's fill as this granule writes it (the raw text met first), for the drop-in's answers.
    expect(p.fields['wse']!.fill).toBe('-999999999999');
    expect(p.fields['time_str']!.fill).toBe('no_data');
    expect(p.footprint.type).toBe('Polygon');
    expect(p.start.toISOString()).toBe('2023-06-10T19:33:37.148Z');
  });

  it('reads an early (PGA2) reach granule whose fills are -9999', async () => {
    const p = await readSwotVector(riversp('SWOT_L2_HR_RiverSP_Reach_1_51_NA_20100816T184024_20100816T184031_PGA2_03.zip'));
    expect(p.table.numRows).toBe(10);
    const row = p.table.get(0)!.toJSON();
    expect(row['reach_id']).toBe('74269900011');
    expect(row['wse']).toBeCloseTo(216.451228, 6);
    expect(row['time_tai']).toBeNull();
    expect(new Date(Number(row['time'])).toISOString()).toMatch(/^2010-08-16/);
  });

  it('reads RiverSP nodes as points', async () => {
    const p = await readSwotVector(riversp('SWOT_L2_HR_RiverSP_Node_1_51_NA_20100816T184024_20100816T184031_PGA2_03.zip'));
    expect(p.collection).toBe('swot-riversp-node');
    expect(p.geometryTypes).toEqual(['Point']);
    expect(p.table.numRows).toBeGreaterThan(500);
  });

  it('reads LakeSP prior polygons', async () => {
    const p = await readSwotVector(path.join(SAMPLES_DIR, 'swot/lakesp/SWOT_L2_HR_LakeSP_Prior_018_100_GR_20240713T111741_20240713T112027_PIC0_01.zip'));
    expect(p.collection).toBe('swot-lakesp');
    expect(p.table.numRows).toBe(5389);
    expect(p.geometryTypes.every((t) => t === 'Polygon' || t === 'MultiPolygon')).toBe(true);
    expect(p.properties['swot:crid']).toBe('PIC0');
  });

  it('rejects the node folder that lacks its .dbf, saying so', async () => {
    await expect(readSwotVector(riversp('SWOT_L2_HR_RiverSP_Node_540_010_AS_20230602T193520_20230602T193521_PIA1_01'))).rejects.toThrow(
      /\.dbf \(attributes\) is missing/
    );
  });
});
