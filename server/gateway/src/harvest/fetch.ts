/**
 * Requests to a data provider, as a well-behaved harvester makes them: a 429 waits what Retry-After says, a 5xx or a
 * network failure is tried again after an exponential backoff with full jitter, anything else is the answer.
 * Credentials travel in headers only and never appear in an error message.
 */

/** A provider's refusal or failure once the attempts are spent. */
export class HarvestError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    /** Whether a later harvest may pass (the provider busy or down) rather than a request it will always refuse. */
    readonly transient: boolean
  ) {
    super(message);
    this.name = 'HarvestError';
  }
}

export interface RetryOptions {
  /** Attempts in all (the first and the retries). */
  attempts?: number;
  /** First backoff (ms); each retry waits up to twice the previous one, with full jitter. */
  baseMs?: number;
  /** Longest wait allowed for one Retry-After (ms): a provider asking more fails the harvest for now. */
  maxWaitMs?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Told of each wait (what, how long): the job log. */
  onWait?: (reason: string, ms: number) => void;
  fetchImpl?: typeof fetch;
}

/** The URL as it may be written in a log or an error: no query parameter that looks like a credential. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    for (const k of [...u.searchParams.keys()]) if (/key|token|secret|password|auth/i.test(k)) u.searchParams.set(k, '***');
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return '(not a URL)';
  }
}

/** How long a Retry-After header asks to wait (seconds or an HTTP date), in ms. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason as Error);
      },
      { once: true }
    );
  });

/** GETs JSON from a provider with retries (see the module). */
export async function fetchJson(url: string, o: RetryOptions = {}): Promise<unknown> {
  const attempts = o.attempts ?? 6;
  const base = o.baseMs ?? 500;
  const maxWait = o.maxWaitMs ?? 120_000;
  const doFetch = o.fetchImpl ?? fetch;
  let backoff = base;
  for (let attempt = 1; ; attempt++) {
    let status: number | null = null;
    let reason: string;
    let wait: number | null = null;
    try {
      const res = await doFetch(url, { headers: { Accept: 'application/json', ...o.headers }, signal: o.signal });
      status = res.status;
      if (res.ok) {
        const text = await res.text();
        try {
          return JSON.parse(text);
        } catch {
          // A body cut short (the connection dropped mid-way) is worth another try; its status said 200.
          reason = `the answer of ${safeUrl(url)} is not complete JSON (${text.length} bytes)`;
        }
      } else {
        await res.body?.cancel().catch(() => undefined);
        reason = `${safeUrl(url)} answered ${res.status} ${res.statusText}`.trim();
        if (res.status === 429) wait = retryAfterMs(res.headers.get('retry-after'));
        else if (res.status < 500) throw new HarvestError(reason, res.status, false);
      }
    } catch (error) {
      if (error instanceof HarvestError) throw error;
      if (o.signal?.aborted) throw error;
      reason = `${safeUrl(url)}: ${(error as Error).message}${(error as Error).cause instanceof Error ? ` (${((error as Error).cause as Error).message})` : ''}`;
    }
    if (attempt >= attempts) throw new HarvestError(`${reason} (after ${attempts} attempts)`, status, true);
    if (wait !== null && wait > maxWait) throw new HarvestError(`${reason}: asked to wait ${Math.round(wait / 1000)} s, more than allowed`, status, true);
    const ms = wait ?? Math.round(Math.random() * backoff);
    backoff = Math.min(backoff * 2, 60_000);
    o.onWait?.(reason, ms);
    await sleep(ms, o.signal);
  }
}
