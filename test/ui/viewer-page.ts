// The swath viewer for Galata tests: deck.gl draws on a canvas, so a feature is found by asking the active viewer
// where it drew it.
import { expect } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';

export type LabWindow = { jupyterapp: { commands: { execute(id: string, args?: unknown): Promise<unknown> }; shell: { currentWidget: unknown } } };

/** Where on screen a loaded feature of the active viewer is (the middle of a path, a point). */
export async function featurePosition(page: Page, kind: string, index: number): Promise<[number, number]> {
  const pos = await page.evaluate(
    ([k, i]) => {
      const w = (window as unknown as LabWindow).jupyterapp.shell.currentWidget as {
        content: { screenPositionOf(k: string, i: number): [number, number] | null };
      };
      return w.content.screenPositionOf(k as string, i as number);
    },
    [kind, index] as const
  );
  expect(pos).not.toBeNull();
  return pos!;
}
