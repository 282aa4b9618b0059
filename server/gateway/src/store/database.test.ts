import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../app.js';
import { loadConfig } from '../config.js';
import { openDatabase } from './database.js';
import { SCHEMA_KEY } from './schema.js';

describe('the embedded database of a new data folder', () => {
  const dirs: string[] = [];
  const temp = async () => {
    const d = await mkdtemp(path.join(os.tmpdir(), 'hysope-db-'));
    dirs.push(d);
    return d;
  };
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('starts as a copy of the empty database kept in the cache, and keeps what is written to it', async () => {
    const cache = await temp();
    const previous = process.env['XDG_CACHE_HOME'];
    process.env['XDG_CACHE_HOME'] = cache;
    try {
      const [a, b] = [path.join(await temp(), 'db'), path.join(await temp(), 'db')];
      const first = await openDatabase({ dataDir: a });
      await first.query('create table t (x int)');
      await first.query('insert into t values (42)');
      await first.close();
      // The template was made once, in the cache, and holds none of the first folder's tables.
      const templates = (await readdir(path.join(cache, 'hysope'))).filter((e) => e.startsWith('pglite-'));
      expect(templates).toHaveLength(1);
      expect(existsSync(path.join(cache, 'hysope', templates[0]!, 'PG_VERSION'))).toBe(true);
      const second = await openDatabase({ dataDir: b });
      await expect(second.query('select * from t')).rejects.toThrow(/does not exist/);
      await second.close();
      const again = await openDatabase({ dataDir: a });
      expect(await again.query('select x from t')).toEqual([{ x: 42 }]);
      await again.close();
    } finally {
      if (previous === undefined) delete process.env['XDG_CACHE_HOME'];
      else process.env['XDG_CACHE_HOME'] = previous;
    }
  });

  it('of a new catalog is a copy of an empty catalog kept in the cache, one per schema', async () => {
    const cache = await temp();
    const previous = process.env['XDG_CACHE_HOME'];
    process.env['XDG_CACHE_HOME'] = cache;
    const catalog = async () => {
      const { db } = await openCatalog(loadConfig({ HYSOPE_LOG_LEVEL: 'silent' }, { data: await temp() }));
      return db;
    };
    try {
      const first = await catalog();
      expect(await first.query('select count(*)::int n from items')).toEqual([{ n: 0 }]);
      await first.close();
      const templates = (await readdir(path.join(cache, 'hysope'))).sort();
      expect(templates).toHaveLength(2);
      expect(templates[1]).toBe(`${templates[0]}-schema-${SCHEMA_KEY}`);
      // What the schema's template holds is what the next catalog starts with.
      const kept = await openDatabase({ dataDir: path.join(cache, 'hysope', templates[1]!) });
      await kept.query('create table mark (x int)');
      await kept.close();
      const second = await catalog();
      expect(await second.query('select count(*)::int n from mark')).toEqual([{ n: 0 }]);
      expect(await second.query('select count(*)::int n from collections')).not.toEqual([{ n: 0 }]);
      await second.close();
    } finally {
      if (previous === undefined) delete process.env['XDG_CACHE_HOME'];
      else process.env['XDG_CACHE_HOME'] = previous;
    }
  });

  it('removes what a process killed while copying left beside the folder', async () => {
    const root = await temp();
    const dir = path.join(root, 'db');
    await mkdir(`${dir}.tmp-1-2`, { recursive: true });
    await writeFile(path.join(`${dir}.tmp-1-2`, 'PG_VERSION'), '17');
    const db = await openDatabase({ dataDir: dir });
    expect(await db.query('select 1 as one')).toEqual([{ one: 1 }]);
    await db.close();
    expect((await readdir(root)).sort()).toEqual(['db']);
  });

  it('is initialized by PGlite itself when the cache cannot be written', async () => {
    const previous = process.env['XDG_CACHE_HOME'];
    // A file where the cache folder should be: no folder can be made there (even by root).
    const file = path.join(await temp(), 'not-a-folder');
    await writeFile(file, '');
    process.env['XDG_CACHE_HOME'] = file;
    try {
      const dir = path.join(await temp(), 'db');
      const db = await openDatabase({ dataDir: dir });
      expect(await db.query('select 1 as one')).toEqual([{ one: 1 }]);
      await db.close();
      expect((await readdir(path.dirname(dir))).sort()).toEqual(['db']);
    } finally {
      if (previous === undefined) delete process.env['XDG_CACHE_HOME'];
      else process.env['XDG_CACHE_HOME'] = previous;
    }
  });
});
