// The gateway's OGC API - Processes and HYDRA endpoints, as the job launcher uses them.
import type { IHysopeGateway } from '@hysope/gateway-status';

export interface InputDescription {
  title?: string;
  description?: string;
  minOccurs?: number;
  maxOccurs?: number | 'unbounded';
  schema: JsonSchema;
}

export interface JsonSchema {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  contentMediaType?: string;
}

export interface ProcessSummary {
  id: string;
  title?: string;
  description?: string;
  version?: string;
}

export interface ProcessDescription extends ProcessSummary {
  inputs: Record<string, InputDescription>;
  outputs: Record<string, { title?: string; schema: JsonSchema }>;
}

export interface JobStatus {
  jobID: string;
  processID?: string;
  status: 'accepted' | 'running' | 'successful' | 'failed' | 'dismissed';
  message?: string;
  progress?: number;
  created?: string;
  started?: string;
  finished?: string;
}

export const FINAL = new Set(['successful', 'failed', 'dismissed']);

/** An error the gateway answered (OGC exception detail) or a network failure, readable as is. */
export class JobsError extends Error {}

export class JobsApi {
  constructor(private readonly gateway: IHysopeGateway) {}

  private async call<T>(path: string, init: RequestInit = {}): Promise<{ body: T; response: Response }> {
    const headers = new Headers(init.headers);
    headers.set('Accept', 'application/json');
    if (this.gateway.token) headers.set('Authorization', `token ${this.gateway.token}`);
    let response: Response;
    try {
      response = await fetch(`${this.gateway.baseUrl}${path}`, { ...init, headers });
    } catch (error) {
      throw new JobsError(`the gateway at ${this.gateway.baseUrl} cannot be reached: ${(error as Error).message}`);
    }
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a log): kept as text.
    }
    if (!response.ok) {
      const e = body as { detail?: string; title?: string } | null;
      throw new JobsError(e?.detail ?? e?.title ?? `HTTP ${response.status}`);
    }
    return { body: body as T, response };
  }

  async processes(): Promise<ProcessSummary[]> {
    return (await this.call<{ processes: ProcessSummary[] }>('/processes')).body.processes;
  }

  async describe(id: string): Promise<ProcessDescription> {
    return (await this.call<ProcessDescription>(`/processes/${encodeURIComponent(id)}`)).body;
  }

  /** Submits an asynchronous job; answers its status. */
  async execute(id: string, inputs: Record<string, unknown>): Promise<JobStatus> {
    const { body } = await this.call<JobStatus>(`/processes/${encodeURIComponent(id)}/execution`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Prefer: 'respond-async' },
      body: JSON.stringify({ inputs })
    });
    return body;
  }

  async jobs(): Promise<JobStatus[]> {
    return (await this.call<{ jobs: JobStatus[] }>('/jobs?limit=100')).body.jobs;
  }

  async job(id: string): Promise<JobStatus> {
    return (await this.call<JobStatus>(`/jobs/${id}`)).body;
  }

  async cancel(id: string): Promise<void> {
    await this.call(`/jobs/${id}`, { method: 'DELETE' });
  }

  async results(id: string): Promise<Record<string, unknown>> {
    return (await this.call<Record<string, unknown>>(`/jobs/${id}/results`)).body;
  }

  async log(id: string): Promise<string> {
    const { body } = await this.call<unknown>(`/jobs/${id}/log`);
    return typeof body === 'string' ? body : JSON.stringify(body, null, 1);
  }

  async health(): Promise<{ status: string; checks: Record<string, { status: string; detail?: string }> }> {
    const res = await fetch(`${this.gateway.baseUrl}/health/ready`).catch(() => null);
    if (!res) return { status: 'down', checks: {} };
    return (await res.json().catch(() => ({ status: `HTTP ${res.status}`, checks: {} }))) as never;
  }

  /** Prometheus text of /metrics, parsed to samples. */
  async metrics(): Promise<{ name: string; labels: Record<string, string>; value: number }[]> {
    const res = await fetch(`${this.gateway.baseUrl}/metrics`, { headers: this.gateway.token ? { Authorization: `token ${this.gateway.token}` } : {} });
    if (!res.ok) throw new JobsError(`metrics: HTTP ${res.status}`);
    return parseMetrics(await res.text());
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
      if (this.gateway.token) {
        const res = await fetch(`${this.gateway.baseUrl}/auth/sign`, {
          method: 'POST',
          headers: { Authorization: `token ${this.gateway.token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ href })
        });
        if (!res.ok) throw new JobsError(`the gateway would not sign ${path} (HTTP ${res.status})`);
        href = ((await res.json()) as { href: string }).href;
      }
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

  /** The gateway's event stream (SSE): job states, ingests, alerts. */
  events(onEvent: (type: string, data: Record<string, unknown>) => void): Stream {
    return this.stream('/events', (source) => this.onEvents(source, onEvent));
  }

  private onEvents(source: EventSource, onEvent: (type: string, data: Record<string, unknown>) => void): void {
    for (const type of ['job.status', 'ingest.done', 'ingest.failed', 'alert'])
      source.addEventListener(type, (e) => {
        try {
          // Each event is { type, at, data }.
          const event = JSON.parse((e as MessageEvent<string>).data) as { data?: Record<string, unknown> };
          onEvent(type, event.data ?? {});
        } catch {
          // A malformed event is skipped.
        }
      });
  }
}

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
