// The job launcher as a Galata page object: its process picker, inputs, buttons and job list found by the roles
// and names a user sees.
import { expect, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

export class JobsPage {
  readonly panel: Locator;
  constructor(private readonly page: IJupyterLabPageFixture) {
    this.panel = page.locator('.hy-Jobs');
  }

  /** Opens the sidebar tab and waits for the processes. */
  async open(): Promise<void> {
    await this.page.sidebar.openTab('hysope-jobs');
    await expect(this.panel).toHaveAttribute('data-ready', 'true', { timeout: 20_000 });
  }

  get process(): Locator {
    return this.panel.getByRole('combobox', { name: 'Process', exact: true });
  }

  /** An input of the form, by its title. */
  input(title: string): Locator {
    return this.panel.getByLabel(title, { exact: true });
  }

  /** The whole field of an input (help text, picker buttons), by its name in the process description. */
  field(name: string): Locator {
    return this.panel.locator(`[data-input="${name}"]`);
  }

  button(name: string): Locator {
    return this.panel.getByRole('button', { name, exact: true });
  }

  /** The selected job of the list (a submitted job is selected). */
  get selectedJob(): Locator {
    return this.panel.getByRole('listbox', { name: 'Jobs' }).getByRole('option', { selected: true });
  }

  get log(): Locator {
    return this.panel.getByRole('log', { name: 'Job log' });
  }

  get results(): Locator {
    return this.panel.getByRole('region', { name: 'Job results' });
  }
}
