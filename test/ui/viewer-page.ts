// The swath viewer for Galata tests: deck.gl draws on a canvas, so a feature is found by asking the active viewer
// where it drew it.
import { expect } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';

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

/** The swath viewer of the main area (or of a notebook output, given its root), found by roles and names. */
export class ViewerPage {
  readonly root: Locator;
  constructor(page: Page, root?: Locator) {
    this.root = root ?? page.locator('.jp-MainAreaWidget .hy-SwathView');
  }

  /** The viewer a notebook output renders (`show.map`). */
  static inOutput(page: Page): ViewerPage {
    return new ViewerPage(page, page.locator('.jp-OutputArea-output .hy-SwathView'));
  }

  get map(): Locator {
    return this.root.getByRole('region', { name: 'Map', exact: true });
  }

  get legend(): Locator {
    return this.root.getByRole('region', { name: 'Legend', exact: true });
  }

  get plot(): Locator {
    return this.root.getByRole('region', { name: 'Time series', exact: true });
  }

  get cycle(): Locator {
    return this.root.getByRole('status', { name: 'Cycle shown' });
  }

  button(name: string): Locator {
    return this.root.getByRole('button', { name, exact: true });
  }

  /** The scale bar's length, the cursor's position, the credits (corner of the map). */
  info(name: 'Scale' | 'Cursor position' | 'Credits'): Locator {
    return this.root.getByLabel(name, { exact: true });
  }

  /** Waits for what is shown to be read. */
  async ready(): Promise<void> {
    await expect(this.root).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  }
}
