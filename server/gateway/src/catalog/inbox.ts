import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../errors.js';

/**
 * The real path of a file inside an inbox, or a ValidationError naming the input. A path outside every
 * inbox is refused before anything is looked up; inside, links are resolved and must stay inside.
 */
export async function inboxPath(given: string, inboxes: string[], input: string): Promise<string> {
  const refuse = () =>
    new ValidationError(
      `input "${input}": "${given.slice(0, 200)}" is not in an inbox folder; ingest reads only from ${inboxes.length ? 'the inboxes (HYSOPE_INBOXES)' : 'inboxes, and none is configured (HYSOPE_INBOXES)'}`
    );
  if (given.includes('\0') || !path.isAbsolute(given))
    throw new ValidationError(`input "${input}": "${given.slice(0, 200)}" must be an absolute path inside an inbox folder`);
  const lexical = path.resolve(given);
  const inside = (p: string, roots: string[]) => roots.some((r) => p === r || p.startsWith(r + path.sep));
  if (!inside(lexical, inboxes)) throw refuse();
  const realRoots = await Promise.all(inboxes.map((r) => realpath(r).catch(() => r)));
  const real = await realpath(lexical).catch(() => null);
  if (real === null) throw new ValidationError(`input "${input}": no file "${given.slice(0, 200)}" in the inbox`);
  if (!inside(real, realRoots)) throw refuse();
  return real;
}
