import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadWorkerConfig } from './config.js';
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

  it('reads the DuckDB limits and the lab settings, refusing a size DuckDB would not take', () => {
    const d = loadConfig({}, { data: '/tmp/hysope-config-test' });
    expect(d.duckdb).toEqual({ connections: 4, memory: '1GB', exportMemory: '192MB' });
    expect(d.ingestMemory).toBe('384MB');
    expect(d.labPort).toBe(8888);
    const set = loadConfig(
      { HYSOPE_DUCKDB_CONNECTIONS: '8', HYSOPE_DUCKDB_MEMORY: '2GB', HYSOPE_EXPORT_MEMORY: '512MiB', HYSOPE_INGEST_MEMORY: '1GB', HYSOPE_LAB_BUILD: 'lab' },
      { data: '/tmp/hysope-config-test' }
    );
    expect(set.duckdb).toEqual({ connections: 8, memory: '2GB', exportMemory: '512MiB' });
    expect(set.ingestMemory).toBe('1GB');
    expect(set.labBuild).toBe(path.resolve('lab'));
    // A quote would end DuckDB's SET statement: refused here, with the setting named.
    expect(() => loadConfig({ HYSOPE_EXPORT_MEMORY: "1GB'; drop" }, { data: '/tmp/hysope-config-test' })).toThrow(/invalid configuration duckdb.exportMemory/);
    expect(() => loadConfig({ HYSOPE_DUCKDB_CONNECTIONS: '0' }, { data: '/tmp/hysope-config-test' })).toThrow(/invalid configuration duckdb.connections/);
  });

  it('reads the harvest schedules, refusing a bad cron expression with the setting named', () => {
    const schedules = [{ name: 'loire', cron: '0 */6 * * *', as: 'harvester', inputs: { source: 'hubeau', stations: ['K447001001'] } }];
    expect(loadConfig({ HYSOPE_HARVEST_SCHEDULES: JSON.stringify(schedules) }, { data: '/tmp/hysope-config-test' }).harvestSchedules).toEqual(schedules);
    expect(loadConfig({}, { data: '/tmp/hysope-config-test' }).harvestSchedules).toEqual([]);
    const bad = JSON.stringify([{ ...schedules[0], cron: 'every day' }]);
    expect(() => loadConfig({ HYSOPE_HARVEST_SCHEDULES: bad }, { data: '/tmp/hysope-config-test' })).toThrow(/invalid configuration harvestSchedules.0.cron/);
    expect(() => loadConfig({ HYSOPE_HARVEST_SCHEDULES: '[{' }, { data: '/tmp/hysope-config-test' })).toThrow(/harvestSchedules: not JSON/);
  });

  it('reads a job worker’s settings', () => {
    expect(loadWorkerConfig({}, '/srv/notebooks')).toEqual({
      cwlRunner: 'cwltool',
      toilBatchSystem: 'slurm',
      notebooksDir: '/srv/notebooks',
      hubeauUrl: 'https://hubeau.eaufrance.fr/api',
      cmrUrl: 'https://cmr.earthdata.nasa.gov/search',
      hydrowebUrl: 'https://hydroweb.next.theia-land.fr/api/v1/rs-catalog/stac',
      cmrStacUrl: 'https://cmr.earthdata.nasa.gov/stac/POCLOUD'
    });
    expect(
      loadWorkerConfig(
        { HYSOPE_CWL_RUNNER: 'toil', HYSOPE_TOIL_BATCH_SYSTEM: 'kubernetes', HYSOPE_NOTEBOOKS_DIR: '/data/nb', HYSOPE_HYDROWEB_URL: 'http://mirror/stac' },
        '/x'
      )
    ).toEqual({
      cwlRunner: 'toil',
      toilBatchSystem: 'kubernetes',
      notebooksDir: '/data/nb',
      hubeauUrl: 'https://hubeau.eaufrance.fr/api',
      cmrUrl: 'https://cmr.earthdata.nasa.gov/search',
      hydrowebUrl: 'http://mirror/stac',
      cmrStacUrl: 'https://cmr.earthdata.nasa.gov/stac/POCLOUD'
    });
    expect(() => loadWorkerConfig({ HYSOPE_CWL_RUNNER: 'arvados' }, '/x')).toThrow(/HYSOPE_CWL_RUNNER/);
  });

  it('is the only module of the gateway that reads settings from the environment', () => {
    const src = path.dirname(fileURLToPath(import.meta.url));
    const readers = (readdirSync(src, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'config.ts')
      .filter((f) => /(process\.env|\benv)\[['"](HYSOPE_|JUPYTERHUB_|AWS_(ACCESS|SECRET|SESSION|REGION))/.test(readFileSync(path.join(src, f), 'utf8')));
    expect(readers).toEqual([]);
  });
});
