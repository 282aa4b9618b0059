// The community gallery: notebooks people publish from the lab (or over the API) with what makes them
// reproducible pinned — the catalog items they read (as kernels-bridge recorded them while they ran), the kernel and
// package versions, their outputs — browsed, searched, previewed without a kernel, downloaded and forked.
import { randomUUID } from 'node:crypto';
import { Marked, type Tokens } from 'marked';
import { canSee, type Principal } from '../auth/principal.js';
import type { CatalogStore } from '../catalog/store.js';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../errors.js';
import type { Database } from '../store/database.js';

/** The output kernels-bridge displays with the items a notebook read (`reads()`), and where publishing finds them. */
export const READS_MIME = 'application/vnd.hysope.reads+json';

/** One catalog item a notebook read, as pinned. */
export interface Pin {
  collection: string;
  id: string;
  /** The item's version as it was read (`version`, else its CRID and counter); null when the item has none. */
  version: string | null;
}

/** A gallery entry, without its notebook. */
export interface GalleryEntry {
  id: string;
  title: string;
  description: string;
  tags: string[];
  license: string;
  author: string;
  created: string;
  forked_from: string | null;
  /** Who may see it: the most restricted access level of the collections it read. */
  level: string;
  kernel: { name: string | null; display_name: string | null; language: string | null; version: string | null };
  packages: Record<string, string>;
  pins: Pin[];
  outputs: number;
}

/** What a person publishes. */
export interface Publication {
  title?: unknown;
  description?: unknown;
  tags?: unknown;
  license?: unknown;
  notebook?: unknown;
}

/** Largest notebook accepted (outputs included). */
const MAX_BYTES = 20 * 2 ** 20;
/** Access levels from the most open; a notebook takes the most restricted of what it read. */
const LEVELS = ['public', 'educational', 'scientific', 'institutional', 'private'];

type Notebook = { cells: Cell[]; metadata?: Record<string, unknown>; nbformat: number; nbformat_minor?: number };
type Cell = { cell_type: string; source: string | string[]; outputs?: Output[]; metadata?: Record<string, unknown> };
type Output = { output_type: string; data?: Record<string, unknown>; text?: string | string[]; name?: string; ename?: string; evalue?: string };

const text = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join('') : (s ?? ''));

/** Checks a notebook is nbformat 4 JSON with cells (what Jupyter writes), or says what is wrong. */
function notebookOf(value: unknown): Notebook {
  const nb = (typeof value === 'string' ? JSON.parse(value) : value) as Notebook | null;
  if (!nb || typeof nb !== 'object' || nb.nbformat !== 4 || !Array.isArray(nb.cells))
    throw new ValidationError('notebook must be a Jupyter notebook (nbformat 4 JSON with cells)');
  for (const c of nb.cells) {
    if (!c || typeof c !== 'object' || typeof c.cell_type !== 'string' || (typeof c.source !== 'string' && !Array.isArray(c.source)))
      throw new ValidationError('notebook has a cell that is not a Jupyter cell (cell_type and source)');
  }
  return nb;
}

/** The items a notebook read: every `READS_MIME` output (and `metadata.hysope.reads`), without duplicates. */
export function pinsOf(nb: Notebook): Pin[] {
  const found = new Map<string, Pin>();
  const add = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const r of list as Partial<Pin>[]) {
      if (typeof r?.collection !== 'string' || typeof r.id !== 'string') continue;
      found.set(`${r.collection}/${r.id}`, { collection: r.collection, id: r.id, version: typeof r.version === 'string' ? r.version : null });
    }
  };
  add((nb.metadata?.['hysope'] as { reads?: unknown } | undefined)?.reads);
  for (const c of nb.cells) for (const o of c.outputs ?? []) add((o.data?.[READS_MIME] as { reads?: unknown } | undefined)?.reads);
  return [...found.values()].sort((a, b) => `${a.collection}/${a.id}`.localeCompare(`${b.collection}/${b.id}`));
}

function kernelOf(nb: Notebook): GalleryEntry['kernel'] {
  const spec = (nb.metadata?.['kernelspec'] ?? {}) as Record<string, unknown>;
  const lang = (nb.metadata?.['language_info'] ?? {}) as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === 'string' ? v : null);
  return { name: s(spec['name']), display_name: s(spec['display_name']), language: s(lang['name']) ?? s(spec['language']), version: s(lang['version']) };
}

function packagesOf(nb: Notebook): Record<string, string> {
  const p = (nb.metadata?.['hysope'] as { packages?: unknown } | undefined)?.packages;
  if (!p || typeof p !== 'object') return {};
  return Object.fromEntries(Object.entries(p as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Markdown without raw HTML (shown as text): a preview never runs what a notebook's author wrote. */
const markdown = new Marked({
  renderer: {
    html: (token: Tokens.HTML | Tokens.Tag) => escapeHtml(token.text),
    link: ({ href, text: label }: Tokens.Link) =>
      /^(https?:|#|\.{0,2}\/)/.test(href) ? `<a href="${escapeHtml(href)}" rel="nofollow noopener">${escapeHtml(label)}</a>` : escapeHtml(label),
    image: ({ text: alt }: Tokens.Image) => `[${escapeHtml(alt)}]`
  }
});

/** A notebook as a static page: markdown rendered, code and text outputs as text, PNG/JPEG images inline; nothing runs. */
export function previewHtml(entry: GalleryEntry, nb: Notebook): string {
  const parts: string[] = [];
  for (const c of nb.cells) {
    if (c.cell_type === 'markdown') parts.push(`<section class="md">${markdown.parse(text(c.source)) as string}</section>`);
    else if (c.cell_type === 'code') {
      parts.push(`<pre class="code"><code>${escapeHtml(text(c.source))}</code></pre>`);
      for (const o of c.outputs ?? []) {
        if (o.output_type === 'stream') parts.push(`<pre class="out">${escapeHtml(text(o.text))}</pre>`);
        else if (o.output_type === 'error') parts.push(`<pre class="err">${escapeHtml(`${o.ename ?? 'Error'}: ${o.evalue ?? ''}`)}</pre>`);
        else if (o.data) {
          const image = (['image/png', 'image/jpeg'] as const).find((m) => typeof o.data![m] === 'string');
          if (image) parts.push(`<img alt="output" src="data:${image};base64,${escapeHtml(String(o.data[image]).replace(/\s/g, ''))}">`);
          else if (o.data['text/plain'] !== undefined) parts.push(`<pre class="out">${escapeHtml(text(o.data['text/plain'] as string | string[]))}</pre>`);
        }
      }
    }
  }
  const pins = entry.pins.length
    ? `<details><summary>${entry.pins.length} catalog item(s) pinned</summary><ul>${entry.pins.map((p) => `<li>${escapeHtml(`${p.collection}/${p.id}${p.version ? ` (${p.version})` : ''}`)}</li>`).join('')}</ul></details>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(entry.title)} · HYSOPE gallery</title>
<style>body{font-family:system-ui,sans-serif;max-width:60em;margin:1em auto;padding:0 1em}pre{background:#f5f5f5;padding:.5em;overflow:auto}pre.code{border-left:3px solid #1565c0}pre.err{color:#b71c1c}img{max-width:100%}</style></head>
<body><header><h1>${escapeHtml(entry.title)}</h1><p>${escapeHtml(entry.author)} · ${escapeHtml(entry.license)} · ${escapeHtml(entry.created.slice(0, 10))}${entry.forked_from ? ` · forked from ${escapeHtml(entry.forked_from)}` : ''}</p><p>${escapeHtml(entry.description)}</p>${pins}</header><main>${parts.join('\n')}</main></body></html>`;
}

/** What a code cell's outputs say, without what changes from run to run (execution counts, display ids, images' bytes). */
/** JSON with object keys in one order (the database keeps JSON as jsonb, which orders keys its own way). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

function outputKey(o: Output): string {
  if (o.output_type === 'stream') return `stream:${o.name ?? ''}:${text(o.text)}`;
  if (o.output_type === 'error') return `error:${o.ename ?? ''}:${o.evalue ?? ''}`;
  const data = o.data ?? {};
  // The richest comparable form: HYSOPE's JSON bundles, else the text; images only by their presence.
  const json = Object.keys(data)
    .filter((m) => m.endsWith('+json') || m === 'application/json')
    .sort();
  if (json.length) return `data:${json.map((m) => `${m}=${canonical(data[m])}`).join('|')}`;
  if (data['text/plain'] !== undefined) return `text:${text(data['text/plain'] as string | string[])}`;
  return `data:${Object.keys(data).sort().join(',')}`;
}

/** One code cell of a re-run against the published one. */
export interface CellCheck {
  cell: number;
  same: boolean;
  published: number;
  rerun: number;
}

/** Whether a re-run of a notebook gave the outputs it was published with, code cell by code cell. */
export function compareOutputs(published: Notebook, rerun: Notebook): { match: boolean; cells: CellCheck[] } {
  const code = (nb: Notebook) => nb.cells.map((c, i) => ({ c, i })).filter(({ c }) => c.cell_type === 'code');
  const a = code(published);
  const b = code(rerun);
  if (a.length !== b.length) throw new ValidationError(`the re-run has ${b.length} code cells, the published notebook ${a.length}: not the same notebook`);
  const cells = a.map(({ c, i }, k) => {
    const x = (c.outputs ?? []).map(outputKey);
    const y = (b[k]!.c.outputs ?? []).map(outputKey);
    return { cell: i, same: x.length === y.length && x.every((v, j) => v === y[j]), published: x.length, rerun: y.length };
  });
  return { match: cells.every((c) => c.same), cells };
}

/** The gallery's store and rules. */
export class Gallery {
  constructor(
    private readonly db: Database,
    private readonly store: CatalogStore
  ) {}

  /** The level of what a notebook read (its most restricted collection); refuses what the publisher may not see. */
  private async levelOf(p: Principal, pins: Pin[]): Promise<string> {
    const access = new Map((await this.store.access()).map((c) => [c.id, c]));
    let level = 'public';
    for (const pin of pins) {
      const c = access.get(pin.collection);
      if (!c || !canSee(p, c.access, c.owner)) throw new ForbiddenError(`the notebook read ${pin.collection}/${pin.id}, which you may not read`);
      const l = c.owner ? 'private' : c.access;
      if (LEVELS.indexOf(l) > LEVELS.indexOf(level)) level = l;
    }
    return level;
  }

  /** Publishes a notebook under the caller's name. */
  async publish(p: Principal, body: Publication, forkedFrom: string | null = null): Promise<GalleryEntry> {
    if (!p.name) throw new UnauthorizedError('sign in to publish (single sign-on, an API key or a JupyterHub token)');
    const title = typeof body.title === 'string' ? body.title.trim() : '';
    if (!title || title.length > 200) throw new ValidationError('title is required (at most 200 characters)');
    const license = typeof body.license === 'string' ? body.license.trim() : '';
    if (!/^[A-Za-z0-9.+-]{2,64}$/.test(license)) throw new ValidationError('license must be an SPDX identifier such as CC-BY-4.0 or Apache-2.0');
    const description = typeof body.description === 'string' ? body.description.slice(0, 5000) : '';
    const tags = Array.isArray(body.tags)
      ? [
          ...new Set(
            body.tags
              .filter((t): t is string => typeof t === 'string')
              .map((t) => t.trim().toLowerCase())
              .filter(Boolean)
          )
        ]
      : [];
    if (tags.length > 20 || tags.some((t) => t.length > 40)) throw new ValidationError('at most 20 tags of at most 40 characters');
    const nb = notebookOf(body.notebook);
    const json = JSON.stringify(nb);
    if (Buffer.byteLength(json) > MAX_BYTES) throw new ValidationError(`notebook is over ${MAX_BYTES / 2 ** 20} MB with its outputs`);
    const pins = pinsOf(nb);
    const level = await this.levelOf(p, pins);
    const id = randomUUID();
    const outputs = nb.cells.reduce((n, c) => n + (c.outputs?.length ?? 0), 0);
    await this.db.query(
      `insert into gallery (id, title, description, tags, license, author, forked_from, level, kernel, packages, pins, outputs, notebook)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        id,
        title,
        description,
        tags,
        license,
        p.name,
        forkedFrom,
        level,
        JSON.stringify(kernelOf(nb)),
        JSON.stringify(packagesOf(nb)),
        JSON.stringify(pins),
        outputs,
        json
      ]
    );
    return (await this.entry(p, id))!;
  }

  private visibleLevels(p: Principal): string[] {
    return LEVELS.filter((l) => l !== 'private' && canSee(p, l, null));
  }

  /** Entries the caller may see, newest first; `q` searches titles, descriptions and authors, `tag` one tag. */
  async list(p: Principal, q: { q?: string; tag?: string; author?: string; limit?: number }): Promise<GalleryEntry[]> {
    const params: unknown[] = [this.visibleLevels(p), p.name ?? ''];
    const where = [`(level = any($1::text[]) or author = $2)`];
    if (q.q) {
      params.push(`%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`(title ilike $${params.length} or description ilike $${params.length} or author ilike $${params.length})`);
    }
    if (q.tag) {
      params.push(q.tag.toLowerCase());
      where.push(`$${params.length} = any(tags)`);
    }
    if (q.author) {
      params.push(q.author);
      where.push(`author = $${params.length}`);
    }
    params.push(Math.max(1, Math.min(500, q.limit ?? 100)));
    const rows = await this.db.query<Row>(
      `select ${COLUMNS} from gallery where ${where.join(' and ')} order by created desc, id limit $${params.length}`,
      params
    );
    return rows.map(toEntry);
  }

  /** One entry the caller may see, or null. */
  async entry(p: Principal, id: string): Promise<GalleryEntry | null> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return null;
    const rows = await this.db.query<Row>(`select ${COLUMNS} from gallery where id = $1`, [id]);
    const e = rows[0] ? toEntry(rows[0]) : null;
    if (!e) return null;
    return e.author === p.name || this.visibleLevels(p).includes(e.level) ? e : null;
  }

  /** An entry's notebook (as published). @throws NotFoundError */
  async notebook(p: Principal, id: string): Promise<{ entry: GalleryEntry; notebook: Notebook }> {
    const entry = await this.entry(p, id);
    if (!entry) throw new NotFoundError(`no gallery notebook "${id}" (or not one you may see)`);
    const [row] = await this.db.query<{ notebook: unknown }>(`select notebook from gallery where id = $1`, [id]);
    const nb = (typeof row!.notebook === 'string' ? JSON.parse(row!.notebook) : row!.notebook) as Notebook;
    // What it was published with goes with it: the pins, for a re-run to read the same item versions.
    nb.metadata = { ...(nb.metadata ?? {}), hysope: { ...((nb.metadata?.['hysope'] as object) ?? {}), gallery: entry.id, reads: entry.pins } };
    return { entry, notebook: nb };
  }

  /** A copy under the caller's name that remembers where it came from. */
  async fork(p: Principal, id: string, patch: Publication = {}): Promise<GalleryEntry> {
    const { entry, notebook } = await this.notebook(p, id);
    return this.publish(
      p,
      {
        title: patch.title ?? `${entry.title} (fork)`,
        description: patch.description ?? entry.description,
        tags: patch.tags ?? entry.tags,
        license: patch.license ?? entry.license,
        notebook
      },
      entry.id
    );
  }

  /** Compares a re-run of an entry's notebook (run with its pins) with the outputs it was published with. */
  async check(p: Principal, id: string, rerun: unknown): Promise<{ match: boolean; cells: CellCheck[] }> {
    const { notebook } = await this.notebook(p, id);
    return compareOutputs(notebook, notebookOf(rerun));
  }

  /** Removes an entry (its author or an admin). */
  async remove(p: Principal, id: string): Promise<void> {
    const entry = await this.entry(p, id);
    if (!entry) throw new NotFoundError(`no gallery notebook "${id}" (or not one you may see)`);
    if (entry.author !== p.name && p.role !== 'admin') throw new ForbiddenError('only its author or an administrator removes a gallery notebook');
    await this.db.query(`delete from gallery where id = $1`, [id]);
  }
}

const COLUMNS = `id, title, description, tags, license, author, created, forked_from, level, kernel, packages, pins, outputs`;
type Row = Omit<GalleryEntry, 'created' | 'kernel' | 'packages' | 'pins'> & { created: string | Date; kernel: unknown; packages: unknown; pins: unknown };
const parsed = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
function toEntry(r: Row): GalleryEntry {
  return {
    ...r,
    created: new Date(r.created).toISOString(),
    kernel: parsed(r.kernel),
    packages: parsed(r.packages),
    pins: parsed(r.pins),
    outputs: Number(r.outputs)
  };
}
