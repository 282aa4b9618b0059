import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';

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
