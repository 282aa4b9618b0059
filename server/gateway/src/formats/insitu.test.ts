import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProduct } from './index.js';
import { SAMPLES_DIR } from './samples.js';
import { fromWkb } from './wkb.js';

const at = (...p: string[]) => path.join(SAMPLES_DIR, ...p);

describe('in-situ and altimetry readers', () => {
  it("reads a Hub'Eau observations_tr response with UTC times and the station's location", async () => {
    const p = await readProduct(at('insitu/hubeau/observations_tr_K447001001_Q_2026-09-13.json'));
    expect(p.collection).toBe('insitu-gauges');
    expect(p.table.numRows).toBe(2);
    expect(String(p.table.schema.fields.find((f) => f.name === 'date_obs')!.type)).toMatch(/Timestamp/);
    expect(p.properties).toMatchObject({ 'insitu:endpoint': 'observations_tr', 'insitu:stations': ['K447001001'], 'insitu:variable': 'Q' });
    expect(fromWkb(p.table.getChild('geometry')!.get(0) as Uint8Array)).toEqual({ type: 'Point', coordinates: [1.335147948, 47.584957074] });
  });

  it("refuses an empty Hub'Eau response", async () => {
    await expect(readProduct(at('insitu/hubeau/obs_elab_K447001001_depuis_2026-09-01_2026-09-13.json'))).rejects.toThrow(/holds no records/);
  });

  it('reads a Hydroweb series, joining min/mean/max and locating the station from vstations.json', async () => {
    const p = await readProduct(at('altimetry/hydroweb/R_PERU-6-BASIN_PERU-6-BASIN_KM0049_mean.json'));
    expect(p.id).toBe('hydroweb-R_PERU-6-BASIN_PERU-6-BASIN_KM0049');
    const first = p.table.get(0)!.toJSON();
    expect(first['level_mean']).toBeCloseTo(-1.96, 6);
    expect(first['level_min']).not.toBeNull();
    expect(p.footprint).toEqual({ type: 'Point', coordinates: [-80.2681, -6.4354] });
    expect(p.start.toISOString()).toBe('2019-03-22T00:00:00.000Z');
  });

  it('reads the Hydroweb station catalogue', async () => {
    const p = await readProduct(at('altimetry/hydroweb/vstations.json'));
    expect(p.table.numRows).toBe(12973);
    expect(p.properties['hydroweb:station_count']).toBe(12973);
  });

  it('reads the SWOT community in-situ CSV with -9999 as null and dd-mm-yyyy dates', async () => {
    const p = await readProduct(at('insitu/SCoss_SWOT_SHCQ1.csv'));
    const row = p.table.get(0)!.toJSON();
    expect(row['reach_id']).toBe('71120000013');
    expect(row['node_id']).toBeNull();
    expect(row['q']).toBeCloseTo(3761.79168, 5);
    expect(row['wse']).toBeNull();
    expect(new Date(Number(row['time'])).toISOString()).toBe('2010-08-20T00:00:00.000Z');
  });
});
