// The catalog browser's state, without DOM: the catalogs and the chosen one's collections, the search form,
// the results loaded page by page, the selected item and the timeline of what exists. Signals say what changed;
// the panel (panel.ts) draws it and the plugin saves the form.
import type { Collection, Item, SearchBody } from '@hysope/api';
import { Signal } from '@lumino/signaling';
import { monthBins, monthRange } from './timeline.js';
import { parseBbox, swotFilter, type CatalogSource, type Page, type StacApi } from './stac.js';
import { AnyCatalog } from './static-catalog.js';

/** The form, saved in the state database and restored on reload. */
export interface FormState {
  catalog: number;
  q: string;
  collection: string;
  start: string;
  end: string;
  cycle: string;
  pass: string;
  continent: string;
  bbox: string;
  selected?: string;
}

export const EMPTY_FORM: FormState = { catalog: 0, q: '', collection: '', start: '', end: '', cycle: '', pass: '', continent: '', bbox: '' };

/** How the model reads a catalog (a STAC API; tests give their own). */
export type CatalogApi = Pick<StacApi, 'source' | 'collections' | 'search' | 'datetimes' | 'filters'>;

/**
 * What changed: the catalog's collections, the form, where the search is, new results or one more page of them,
 * the selection, the timeline; `failed`: a search or a page failed (its reason in `error`).
 */
export type CatalogChange = 'collections' | 'form' | 'status' | 'results' | 'more' | 'selection' | 'timeline' | 'failed';

export type SearchStatus = 'idle' | 'searching' | 'ready' | 'error';

/** What the model says to people, in their language (the host translates). */
export interface CatalogMessages {
  noCatalog(): string;
  rangeReversed(): string;
  noFilters(catalog: string): string;
}

/** Most items shown in the viewer at once (it steps through their cycles). */
export const MAX_SHOWN = 200;

export class CatalogModel {
  readonly changed = new Signal<CatalogModel, CatalogChange>(this);
  sources: CatalogSource[] = [];
  collections: Collection[] = [];
  form: FormState = { ...EMPTY_FORM };
  status: SearchStatus = 'idle';
  /** Why the collections could not be read or the last search failed. */
  error = '';
  results: Item[] = [];
  /** Items matching the search (all pages), when the catalog says. */
  matched: number | undefined;
  selected: Item | null = null;
  /** Items by month for the search without its time range (null: not known). */
  timeline: { month: string; count: number }[] | null = null;
  private api: CatalogApi | null = null;
  private nextPage: Page['next'] = null;
  private loadingMore = false;
  private seq = 0;

  constructor(
    private readonly messages: CatalogMessages,
    // A STAC API or a static catalog (a workshop site's catalog.json), told apart by what the URL answers.
    private readonly connect: (source: CatalogSource) => CatalogApi = (source) => new AnyCatalog(source)
  ) {}

  /** The catalogs to choose from (the first is HYSOPE's gateway) and the form to start with. */
  async setSources(sources: CatalogSource[], form: FormState = this.form): Promise<void> {
    this.sources = sources;
    this.form = { ...form };
    await this.useSource(Math.min(form.catalog, sources.length - 1), form.collection);
  }

  /** Reads from another catalog: its collections, keeping the chosen one if it has it. */
  async useSource(index: number, collection = this.form.collection): Promise<void> {
    const source = this.sources[index];
    if (!source) return;
    this.api = this.connect(source);
    this.form = { ...this.form, catalog: index };
    try {
      this.collections = await this.api.collections();
      this.error = '';
    } catch (error) {
      this.collections = [];
      this.error = (error as Error).message;
      this.setStatus('error');
    }
    this.form.collection = this.collections.some((c) => c.id === collection) ? collection : '';
    this.changed.emit('collections');
    this.changed.emit('form');
  }

  /** Changes fields of the form. */
  setForm(patch: Partial<FormState>): void {
    this.form = { ...this.form, ...patch };
    this.changed.emit('form');
  }

  /** The search body of the form (throws a readable error on bad input). */
  body(): SearchBody {
    const s = this.form;
    const body: SearchBody = { limit: 50 };
    if (s.collection) body.collections = [s.collection];
    if (s.q.trim()) body.q = s.q.trim();
    const bbox = parseBbox(s.bbox);
    if (bbox) body.bbox = bbox;
    if (s.start || s.end) {
      if (s.start && s.end && s.start > s.end) throw new Error(this.messages.rangeReversed());
      body.datetime = `${s.start ? `${s.start}T00:00:00Z` : '..'}/${s.end ? `${s.end}T23:59:59Z` : '..'}`;
    }
    const filter = swotFilter(s);
    if (filter) {
      body.filter = filter;
      (body as { 'filter-lang'?: string })['filter-lang'] = 'cql2-text';
    }
    return body;
  }

  private setStatus(status: SearchStatus): void {
    this.status = status;
    this.changed.emit('status');
  }

  /** Runs the form's search: the first page, then the timeline. A newer search wins over an older one still running. */
  async search(): Promise<void> {
    const seq = ++this.seq;
    this.setStatus('searching');
    try {
      if (!this.api) throw new Error(this.messages.noCatalog());
      const body = this.body();
      if (body.filter && !(await this.api.filters())) throw new Error(this.messages.noFilters(this.api.source.name));
      const page = await this.api.search(body);
      if (seq !== this.seq) return;
      this.results = page.items;
      this.matched = page.matched;
      this.nextPage = page.next;
      this.error = '';
      this.changed.emit('results');
      this.select(null);
      this.setStatus('ready');
      void this.loadTimeline(body, seq);
    } catch (error) {
      if (seq !== this.seq) return;
      this.error = (error as Error).message;
      this.setStatus('error');
      this.changed.emit('failed');
    }
  }

  /** The next page of results, if any (once at a time). */
  async loadMore(): Promise<void> {
    if (!this.nextPage || this.loadingMore) return;
    this.loadingMore = true;
    const seq = this.seq;
    try {
      const page = await this.nextPage();
      if (seq !== this.seq) return;
      this.results = [...this.results, ...page.items];
      this.nextPage = page.next;
      this.changed.emit('more');
    } catch (error) {
      this.nextPage = null;
      this.error = (error as Error).message;
      this.changed.emit('failed');
    } finally {
      this.loadingMore = false;
    }
  }

  /** Narrows the form to one month (YYYY-MM) and searches again. */
  async searchMonth(month: string): Promise<void> {
    const [start, end] = monthRange(month);
    this.setForm({ start, end });
    await this.search();
  }

  private async loadTimeline(body: SearchBody, seq: number): Promise<void> {
    let dates: string[];
    try {
      dates = await this.api!.datetimes(body);
    } catch {
      // The timeline is a hint: a catalog without the fields extension still gets its results.
      return;
    }
    if (seq !== this.seq) return;
    this.timeline = monthBins(dates);
    this.changed.emit('timeline');
  }

  select(item: Item | null): void {
    this.selected = item;
    this.form = { ...this.form, selected: item?.id };
    this.changed.emit('selection');
  }

  /** What "show in the viewer" shows: the ticked items, or (none ticked) the results loaded so far, up to {@link MAX_SHOWN}. */
  shown(ticked: Item[]): Item[] {
    return (ticked.length ? ticked : this.results).slice(0, MAX_SHOWN);
  }
}
