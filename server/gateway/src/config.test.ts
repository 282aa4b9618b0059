import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { createExecutor } from './production/executor.js';

const events = { started: () => undefined, exited: () => undefined };

describe('configuration: every setting read in one place', () => {
  it('reads the job engines’ settings, with their defaults', () => {
    const d = loadConfig({}, { data: '/tmp/hysope-config-test' });
    expect(d.executor).toBe('local');
    expect(d.slurmPartition).toBeUndefined();
    expect(d.kubernetes).toEqual({
      namespace: 'hysope',
      image: 'hysope/gateway:0.1.0',
      claim: 'hysope-data',
      workerPath: '/app/server/gateway/dist/production/worker.js'
    });
    const set = loadConfig(
      { HYSOPE_EXECUTOR: 'slurm', HYSOPE_SLURM_PARTITION: 'hydro', HYSOPE_K8S_NAMESPACE: 'swot', HYSOPE_K8S_IMAGE: 'registry.example/hysope:1' },
      { data: '/tmp/hysope-config-test' }
    );
    expect(set.slurmPartition).toBe('hydro');
    expect(set.kubernetes).toMatchObject({ namespace: 'swot', image: 'registry.example/hysope:1' });
    // An empty variable is no setting (not an empty partition name).
    expect(loadConfig({ HYSOPE_SLURM_PARTITION: '' }, { data: '/tmp/hysope-config-test' }).slurmPartition).toBeUndefined();
  });

  it('refuses an unknown engine with the setting named', () => {
    expect(() => loadConfig({ HYSOPE_EXECUTOR: 'condor' }, { data: '/tmp/hysope-config-test' })).toThrow(/invalid configuration executor/);
  });

  it('makes the executor the configuration names, from one factory', async () => {
    const local = await createExecutor(loadConfig({ HYSOPE_JOB_CONCURRENCY: '3' }, { data: '/tmp/hysope-config-test' }), events);
    expect(local.name).toBe('local');
    await local.close();
    const slurm = await createExecutor(loadConfig({ HYSOPE_EXECUTOR: 'slurm' }, { data: '/tmp/hysope-config-test' }), events);
    expect(slurm.name).toBe('slurm');
    await slurm.close();
  });
});
