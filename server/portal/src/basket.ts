// The download basket: features put aside from their pages (kept in this browser), exported in bulk by the
// gateway's `timeseries-export` process (one job per feature type), followed until their files are ready — on
// any page of the portal, which says so when they are.
import type { PortalContext } from './context.js';

export type BasketKind = 'reach' | 'node' | 'lake';
export interface BasketEntry {
  kind: BasketKind;
  id: string;
  label: string;
}
export interface BasketJob {
  id: string;
  feature: string;
  count: number;
  format: string;
  status: 'accepted' | 'running' | 'successful' | 'failed' | 'dismissed';
  progress: number;
  message: string;
  created: string;
}

const ENTRIES = 'hysope-portal-basket';
const JOBS = 'hysope-portal-basket-jobs';
export const FEATURE_OF: Record<BasketKind, 'Reach' | 'Node' | 'PriorLake'> = { reach: 'Reach', node: 'Node', lake: 'PriorLake' };
export const EXPORT_FORMATS = ['parquet', 'csv', 'netcdf', 'geojson'] as const;

function read<T>(key: string): T[] {
  try {
    return JSON.parse(localStorage.getItem(key) ?? '[]') as T[];
  } catch {
    return [];
  }
}

export class Basket {
  private listeners = new Set<() => void>();
  private timer = 0;

  constructor(private readonly ctx: PortalContext) {}

  get entries(): BasketEntry[] {
    return read<BasketEntry>(ENTRIES);
  }
  get jobs(): BasketJob[] {
    return read<BasketJob>(JOBS);
  }
  private save(entries: BasketEntry[], jobs = this.jobs): void {
    localStorage.setItem(ENTRIES, JSON.stringify(entries));
    localStorage.setItem(JOBS, JSON.stringify(jobs.slice(-20)));
    for (const f of this.listeners) f();
  }
  onChange(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  has(kind: BasketKind, id: string): boolean {
    return this.entries.some((e) => e.kind === kind && e.id === id);
  }
  add(entry: BasketEntry): void {
    if (!this.has(entry.kind, entry.id)) this.save([...this.entries, entry]);
  }
  remove(kind: BasketKind, id: string): void {
    this.save(this.entries.filter((e) => !(e.kind === kind && e.id === id)));
  }
  clearEntries(): void {
    this.save([]);
  }

  /**
   * Starts one export job per feature type in the basket (the caller must be signed in: jobs have an owner); with
   * an e-mail address, the gateway writes when each is ready or failed (a `mailto:` callback of the job).
   */
  async export(format: (typeof EXPORT_FORMATS)[number], quality: 'all' | 'good' | 'suspect', email?: string): Promise<BasketJob[]> {
    const groups = new Map<BasketKind, string[]>();
    for (const e of this.entries) groups.set(e.kind, [...(groups.get(e.kind) ?? []), e.id]);
    const started: BasketJob[] = [];
    for (const [kind, ids] of groups) {
      const subscriber = email ? { successUri: `mailto:${email}`, failedUri: `mailto:${email}` } : undefined;
      const status = await this.ctx.client.submit('timeseries-export', { inputs: { feature: FEATURE_OF[kind], ids, format, quality }, subscriber } as never);
      started.push({
        id: status.jobID,
        feature: FEATURE_OF[kind],
        count: ids.length,
        format,
        status: status.status as BasketJob['status'],
        progress: status.progress ?? 0,
        message: status.message ?? '',
        created: new Date().toISOString()
      });
    }
    this.save(this.entries, [...this.jobs, ...started]);
    this.follow();
    return started;
  }

  /** Polls the unfinished jobs every second until they end; `done` hears of each one that ends. */
  follow(done?: (job: BasketJob) => void): void {
    window.clearTimeout(this.timer);
    const pending = this.jobs.filter((j) => j.status === 'accepted' || j.status === 'running');
    if (!pending.length || !this.ctx.token) return;
    this.timer = window.setTimeout(async () => {
      const jobs = this.jobs;
      for (const j of jobs.filter((x) => x.status === 'accepted' || x.status === 'running')) {
        try {
          const s = await this.ctx.client.job(j.id);
          Object.assign(j, { status: s.status, progress: s.progress ?? j.progress, message: s.message ?? '' });
          if (s.status !== 'accepted' && s.status !== 'running') (done ?? this.onDone)?.(j);
        } catch {
          // A job that is gone (dismissed, another gateway's) stops being followed.
          Object.assign(j, { status: 'dismissed' });
        }
      }
      this.save(this.entries, jobs);
      this.follow(done);
    }, 1000);
  }

  /** Called when a followed job ends (the shell tells the person). */
  onDone: ((job: BasketJob) => void) | null = null;

  /** A link to a finished job's file, signed for this person (no key in it; valid for an hour). */
  async fileLink(job: BasketJob): Promise<string> {
    const href = `${this.ctx.baseUrl}/jobs/${job.id}/results/observations`;
    return (await this.ctx.client.sign(href, 3600)).href;
  }

  forget(jobId: string): void {
    this.save(
      this.entries,
      this.jobs.filter((j) => j.id !== jobId)
    );
  }
}
