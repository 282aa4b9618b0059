// The gateway's OGC API - Processes and HYDRA endpoints, as the job launcher uses them.
import type { IHysopeGateway } from '@hysope/gateway-status';

import {
  FINAL_STATES,
  HysopeApiError,
  HysopeClient,
  HysopeNetworkError,
  type InputDescription,
  type JsonSchema,
  type ProcessDescription,
  type ProcessSummary,
  type StatusInfo
} from '@hysope/api';

export type { InputDescription, JsonSchema, ProcessDescription, ProcessSummary };
/** A job's status, as `@hysope/api` (OGC API - Processes `statusInfo`) defines it. */
export type JobStatus = StatusInfo;
export const FINAL: ReadonlySet<string> = FINAL_STATES;

/** An error the gateway answered (OGC exception detail) or a network failure, readable as is. */
export class JobsError extends Error {}

/** The job launcher's view of the gateway: the contract's client (answers checked by its schemas), plus streams. */
export class JobsApi {
  constructor(private readonly gateway: IHysopeGateway) {}

  private client(): HysopeClient {
    return new HysopeClient({ baseUrl: this.gateway.baseUrl, token: this.gateway.token || undefined });
  }

  /** Runs a client call; its errors become {@link JobsError}s that say what went wrong in a sentence. */
  private async call<T>(f: (c: HysopeClient) => Promise<T>): Promise<T> {
    try {
      return await f(this.client());
    } catch (error) {
      if (error instanceof HysopeApiError) throw new JobsError(error.exception.detail || error.exception.title || `HTTP ${error.status}`);
      if (error instanceof HysopeNetworkError) throw new JobsError(`the gateway at ${this.gateway.baseUrl} cannot be reached: ${error.message}`);
      throw new JobsError(`the gateway answered something unexpected: ${(error as Error).message}`);
    }
  }

  processes(): Promise<ProcessSummary[]> {
    return this.call((c) => c.processes());
  }

  describe(id: string): Promise<ProcessDescription> {
    return this.call((c) => c.process(id));
  }

  /** Submits an asynchronous job; answers its status. */
  execute(id: string, inputs: Record<string, unknown>): Promise<JobStatus> {
    return this.call((c) => c.submit(id, { inputs }));
  }

  async jobs(): Promise<JobStatus[]> {
    return (await this.call((c) => c.jobs({ limit: '100' }))).jobs;
  }

  job(id: string): Promise<JobStatus> {
    return this.call((c) => c.job(id));
  }

  async cancel(id: string): Promise<void> {
    await this.call((c) => c.dismiss(id));
  }

  results(id: string): Promise<Record<string, unknown>> {
    return this.call((c) => c.results(id));
  }

  log(id: string): Promise<string> {
    return this.call((c) => c.jobLog(id));
  }

  async health(): Promise<{ status: string; checks: Record<string, { status: string; detail?: string }> }> {
    try {
      const h = await this.client().ready();
      return { status: h.status, checks: h.checks ?? {} };
    } catch (error) {
      if (error instanceof HysopeApiError) return { status: `HTTP ${error.status}`, checks: {} };
      return { status: 'down', checks: {} };
    }
  }

  /** Prometheus text of /metrics, parsed to samples. */
  async metrics(): Promise<{ name: string; labels: Record<string, string>; value: number }[]> {
    return parseMetrics(await this.call((c) => c.metrics()));
  }

  /**
   * An EventSource on a gateway stream: with credentials, on a short-lived signed URL (EventSource sends no
   * headers, and keys never go in URLs). The handle closes it, even before it opened.
   */
  private stream(path: string, attach: (source: EventSource) => void): Stream {
    let source: EventSource | null = null;
    let closed = false;
    const open = async () => {
      let href = `${this.gateway.baseUrl}${path}`;
      if (this.gateway.token) href = (await this.call((c) => c.sign(href))).href;
      if (closed) return;
      const s = new EventSource(href);
      source = s;
      attach(s);
      // A stream the browser gave up on (its signed URL expired while it was away): sign again and reopen.
      s.addEventListener('error', () => {
        if (s.readyState === EventSource.CLOSED && !closed && source === s) setTimeout(() => void open().catch(() => undefined), 5000);
      });
    };
    void open().catch((e: unknown) => console.warn(`HYSOPE: no live updates from ${path}: ${(e as Error).message}`));
    return {
      close: () => {
        closed = true;
        source?.close();
      }
    };
  }

  /** One job's stream (SSE): its log as it grows, then its states; closed when the job ends. */
  jobEvents(id: string, on: { status(job: JobStatus): void; log(text: string): void }): Stream {
    return this.stream(`/jobs/${encodeURIComponent(id)}/events`, (source) => this.onJobEvents(source, on));
  }

  private onJobEvents(source: EventSource, on: { status(job: JobStatus): void; log(text: string): void }): void {
    source.addEventListener('log', (e) => on.log((JSON.parse((e as MessageEvent<string>).data) as { text: string }).text));
    source.addEventListener('status', (e) => {
      const job = JSON.parse((e as MessageEvent<string>).data) as JobStatus;
      on.status(job);
      // The server ends the stream with the job; without this the browser would reconnect and replay it.
      if (FINAL.has(job.status)) source.close();
    });
  }

  /**
   * The gateway's event stream (SSE): job states, ingests, alerts, each with the time it happened; `replay` first
   * sends up to that many of the last events (a view opened late still sees recent alerts).
   */
  events(onEvent: EventHandler, options: { replay?: number } = {}): Stream {
    return this.stream(options.replay ? `/events?replay=${options.replay}` : '/events', (source) => this.onEvents(source, onEvent));
  }

  private onEvents(source: EventSource, onEvent: EventHandler): void {
    for (const type of ['job.status', 'ingest.done', 'ingest.failed', 'alert'])
      source.addEventListener(type, (e) => {
        try {
          // Each event is { type, at, data }.
          const event = JSON.parse((e as MessageEvent<string>).data) as { data?: Record<string, unknown>; at?: string };
          onEvent(type, event.data ?? {}, event.at ?? new Date().toISOString());
        } catch {
          // A malformed event is skipped.
        }
      });
  }
}

/** Hears one event: its type, its data and when it happened (ISO 8601, the gateway's clock). */
export type EventHandler = (type: string, data: Record<string, unknown>, at: string) => void;

/** A live stream from the gateway; close() ends it. */
export interface Stream {
  close(): void;
}

/** Parses the Prometheus text exposition format (the samples, not the comments). */
export function parseMetrics(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    out.push({ name: m[1]!, labels, value: Number(m[4]) });
  }
  return out;
}
