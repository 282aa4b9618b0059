import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Bytes of the files under a folder (those `filter` keeps). */
export async function dirSize(dir: string, filter: (name: string) => boolean = () => true): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await dirSize(p, filter);
    else if (filter(e.name)) total += (await stat(p)).size;
  }
  return total;
}
