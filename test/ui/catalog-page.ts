// The catalog browser as a Galata page object: found by the roles and names a user sees (a combobox named
// "Collection", a textbox named "Pass", a "Search" button), not by CSS classes.
import { expect, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

export class CatalogPage {
  readonly panel: Locator;
  constructor(private readonly page: IJupyterLabPageFixture) {
    this.panel = page.locator('.hy-Catalog');
  }

  get collection(): Locator {
    return this.panel.getByRole('combobox', { name: 'Collection', exact: true });
  }

  get pass(): Locator {
    return this.panel.getByRole('textbox', { name: 'Pass', exact: true });
  }

  /** Free text: river or lake names, SWORD ids, basin codes. */
  get words(): Locator {
    return this.panel.getByRole('searchbox', { name: /^River or lake name/ });
  }

  get searchButton(): Locator {
    return this.panel.getByRole('button', { name: 'Search', exact: true });
  }

  /** The results list's rows (items), optionally those whose text has `text`. */
  items(text?: string): Locator {
    const rows = this.panel.getByRole('list', { name: 'Results' }).getByRole('listitem');
    return text ? rows.filter({ hasText: text }) : rows;
  }

  get detail(): Locator {
    return this.panel.getByRole('region', { name: 'Item detail' });
  }

  /** The timeline's month bars (all, or the empty months). */
  months(empty = false): Locator {
    return this.panel.locator(empty ? '.hy-Catalog-bar.hy-mod-empty' : '.hy-Catalog-bar');
  }

  /** The timeline's year labels. */
  get years(): Locator {
    return this.panel.locator('.hy-Catalog-tick');
  }

  /** The small map's land outline (an SVG path). */
  get land(): Locator {
    return this.panel.locator('.hy-Catalog-land');
  }

  /** Opens the sidebar tab and waits for the catalog's collections. */
  async open(): Promise<void> {
    await this.page.sidebar.openTab('hysope-catalog');
    await expect(this.collection.locator('option[value="swot-riversp-reach"]')).toHaveCount(1, { timeout: 20_000 });
  }

  /** Fills the form (what is given) and searches. */
  async search(form: { collection?: string; pass?: string; words?: string }): Promise<void> {
    if (form.collection !== undefined) await this.collection.selectOption(form.collection);
    if (form.words !== undefined) await this.words.fill(form.words);
    if (form.pass !== undefined) await this.pass.fill(form.pass);
    await this.searchButton.click();
    await expect(this.panel).toHaveAttribute('data-state', 'ready');
  }

  /** Empties the form for the next test (the lab keeps its state between tests). */
  async clear(): Promise<void> {
    await this.words.fill('');
    await this.pass.fill('');
    await this.collection.selectOption('');
    await this.page.waitForTimeout(600);
  }
}
