import { describe, expect, it } from 'vitest';
import { parseGranuleName } from './granule-name.js';

describe('parseGranuleName', () => {
  it('parses a RiverSP reach zip name', () => {
    const g = parseGranuleName('x/SWOT_L2_HR_RiverSP_Reach_548_011_NA_20230610T193337_20230610T193344_PIA1_01.zip');
    expect(g).toMatchObject({ shortName: 'L2_HR_RiverSP', fileId: 'Reach', cycle: 548, pass: 11, continent: 'NA', crid: 'PIA1', counter: 1, tile: null });
    expect(g!.start.toISOString()).toBe('2023-06-10T19:33:37.000Z');
    expect(g!.end.toISOString()).toBe('2023-06-10T19:33:44.000Z');
  });
  it('parses a PIXC tile name with its swath side', () => {
    const g = parseGranuleName('SWOT_L2_HR_PIXC_001_042_067L_20220402T112019_20220402T112029_Dx0000_01.nc');
    expect(g).toMatchObject({ shortName: 'L2_HR_PIXC', fileId: '', cycle: 1, pass: 42, tile: '067L', swathSide: 'L', crid: 'Dx0000', continent: null });
  });
  it('parses the pre-launch tile layout and suffixed names', () => {
    const g = parseGranuleName('SWOT_L2_HR_LakeTile_000_366_43N-R_20140114T011055_20140114T011056_Dx0000_01_pixcvec.nc');
    expect(g).toMatchObject({ shortName: 'L2_HR_LakeTile', cycle: 0, pass: 366, tile: '43N-R', swathSide: 'R' });
  });
  it('parses LakeSP with a basin-style pass', () => {
    const g = parseGranuleName('SWOT_L2_HR_LakeSP_Prior_018_100_GR_20240713T111741_20240713T112027_PIC0_01.zip');
    expect(g).toMatchObject({ fileId: 'Prior', cycle: 18, pass: 100, continent: 'GR', crid: 'PIC0' });
  });
  it('returns null for other names', () => {
    expect(parseGranuleName('vstations.json')).toBeNull();
    expect(parseGranuleName('SWOT_L2_HR_RiverSP_Reach_1_51_NA_2010_PGA2_03.zip')).toBeNull();
  });
});
