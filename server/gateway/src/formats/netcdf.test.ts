import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPixc } from './netcdf.js';
import { SAMPLES_DIR } from './samples.js';

const pixc = (name: string) => path.join(SAMPLES_DIR, 'swot/pixc', name);

describe('readPixc', () => {
  it('reads the current PIXC layout (pixel_cloud group, global attributes)', async () => {
    const p = await readPixc(pixc('SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01.nc'));
    expect(p.collection).toBe('swot-pixc');
    expect(p.table.numRows).toBe(92247);
    expect(p.properties).toMatchObject({ 'swot:cycle': 1, 'swot:pass': 42, 'swot:tile': '042_067L', 'swot:swath_side': 'L', 'swot:layout': 'current' });
    const height = p.table.getChild('height')!;
    expect(height.get(0)).toBeCloseTo(90.55159, 4);
    expect(String(p.table.schema.fields.find((f) => f.name === 'classification')!.type)).toBe('Int8');
    expect(p.table.getChild('interferogram_0')).toBeTruthy();
    expect(p.bbox[1]).toBeGreaterThan(49.3);
    expect(p.bbox[3]).toBeLessThan(50.1);
    expect(p.start.toISOString()).toBe('2022-04-02T11:20:19.315Z');
    expect(p.fields['height']?.units).toBe('m');
    // The nadir track (tvp group) comes along as its own table.
    const tvp = p.auxiliary!['tvp']!;
    expect(tvp.table.numRows).toBe(2941);
    expect(tvp.table.getChild('altitude')).toBeTruthy();
    expect(String(tvp.table.schema.fields.find((f) => f.name === 'time')!.type)).toMatch(/Timestamp/);
  });

  it('reads the pre-launch layout (attributes on the group)', async () => {
    const p = await readPixc(pixc('SWOT_L2_HR_PIXC_000_366_43N-R_20140114T011055_20140114T011056_Dx0000_01.nc'));
    expect(p.table.numRows).toBe(1198);
    expect(p.properties).toMatchObject({ 'swot:cycle': 0, 'swot:pass': 366, 'swot:tile': '43N-R', 'swot:layout': 'pre-launch' });
    expect(p.table.getChild('classification')!.get(0)).toBe(4);
  });

  it('reads PIXCVec with its char-array ids', async () => {
    const p = await readPixc(pixc('SWOT_L2_HR_PIXCVec_001_042_067L_20220402T112019_20220402T112029_Dx0000_01.nc'));
    expect(p.collection).toBe('swot-pixcvec');
    expect(p.table.numRows).toBe(92247);
    expect(String(p.table.schema.fields.find((f) => f.name === 'reach_id')!.type)).toBe('Utf8');
  });

  it('refuses an empty PIXCVecRiver with a reason', async () => {
    await expect(readPixc(pixc('SWOT_L2_HR_PIXCVecRiver_000_366_43N-R_20140114T011055_20140114T011056_Dx0000_01.nc'))).rejects.toThrow(/no pixels/);
  });
});
