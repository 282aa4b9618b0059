import { access, rename, rm } from 'node:fs/promises';

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false
  );

/**
 * Moves freshly written files (or folders) into place before the catalog transaction that references
 * them, keeping what they replace beside them (`<final>.old<tag>`) until the transaction ends:
 * `commit` drops the old copies, `rollback` puts them back. A crash in between leaves only names the
 * start-up sweep recognises (tags, and finals no item references).
 */
export async function placeFiles(moves: [tmp: string, final: string][], tag: string): Promise<{ commit(): Promise<void>; rollback(): Promise<void> }> {
  const placed: { final: string; old: string | null }[] = [];
  const rollback = async () => {
    for (const { final, old } of placed.reverse()) {
      await rm(final, { recursive: true, force: true });
      if (old) await rename(old, final).catch(() => undefined);
    }
  };
  try {
    for (const [tmp, final] of moves) {
      const old = (await exists(final)) ? `${final}.old${tag}` : null;
      if (old) await rename(final, old);
      placed.push({ final, old });
      await rename(tmp, final);
    }
  } catch (error) {
    await rollback();
    throw error;
  }
  return {
    commit: async () => {
      for (const { old } of placed) if (old) await rm(old, { recursive: true, force: true });
    },
    rollback
  };
}
