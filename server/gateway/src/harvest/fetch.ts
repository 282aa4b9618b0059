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
    for (const k of [...u.searchParams.keys()]) if (/^(api[-_]?key|key|apikey)$|token|secret|password|auth/i.test(k)) u.searchParams.set(k, '***');
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

/** One attempt's outcome: done, or worth another try (why, and how long the provider asked to wait). */
type Attempt<T> = { done: T } | { retry: string; wait?: number | null; status?: number | null };

/**
 * Runs `attempt` until it is done or the attempts are spent: each retry waits what the provider asked (up to
 * `maxWaitMs`) or an exponential backoff with full jitter; the last reason fails the harvest (one that may pass).
 */
async function withRetries<T>(o: RetryOptions, attempt: () => Promise<Attempt<T>>): Promise<T> {
  const attempts = o.attempts ?? 6;
  const maxWait = o.maxWaitMs ?? 120_000;
  let backoff = o.baseMs ?? 500;
  for (let n = 1; ; n++) {
    const r = await attempt();
    if ('done' in r) return r.done;
    const { retry: reason, wait = null, status = null } = r;
    if (n >= attempts) throw new HarvestError(`${reason} (after ${attempts} attempts)`, status, true);
    if (wait !== null && wait > maxWait) throw new HarvestError(`${reason}: asked to wait ${Math.round(wait / 1000)} s, more than allowed`, status, true);
    const ms = wait ?? Math.round(Math.random() * backoff);
    backoff = Math.min(backoff * 2, 60_000);
    o.onWait?.(reason, ms);
    await sleep(ms, o.signal);
  }
}

/** GETs JSON from a provider with retries (see the module). */
export async function fetchJson(url: string, o: RetryOptions = {}): Promise<unknown> {
  return (await fetchJsonWithHeaders(url, o)).body;
}

/** {@link fetchJson}, with the answer's headers (paging headers such as CMR-Search-After). */
export async function fetchJsonWithHeaders(url: string, o: RetryOptions = {}): Promise<{ body: unknown; headers: Headers }> {
  const doFetch = o.fetchImpl ?? fetch;
  return withRetries<{ body: unknown; headers: Headers }>(o, async () => {
    try {
      const res = await doFetch(url, { headers: { Accept: 'application/json', ...o.headers }, signal: o.signal });
      if (res.ok) {
        const text = await res.text();
        try {
          return { done: { body: JSON.parse(text), headers: res.headers } };
        } catch {
          // A body cut short (the connection dropped mid-way) is worth another try; its status said 200.
          return { retry: `the answer of ${safeUrl(url)} is not complete JSON (${text.length} bytes)`, status: res.status };
        }
      }
      await res.body?.cancel().catch(() => undefined);
      const reason = `${safeUrl(url)} answered ${res.status} ${res.statusText}`.trim();
      if (res.status === 429) return { retry: reason, wait: retryAfterMs(res.headers.get('retry-after')), status: 429 };
      if (res.status === 401) throw new HarvestError(`${reason}: the provider refused the credentials (an expired token? renew it)`, 401, false);
      if (res.status < 500) throw new HarvestError(reason, res.status, false);
      return { retry: reason, status: res.status };
    } catch (error) {
      if (error instanceof HarvestError || o.signal?.aborted) throw error;
      const cause = (error as Error).cause instanceof Error ? ` (${((error as Error).cause as Error).message})` : '';
      return { retry: `${safeUrl(url)}: ${(error as Error).message}${cause}` };
    }
  });
}

/** What a provider says a file is: its size and checksum (the download is checked against them). */
export interface Expected {
  size?: number;
  checksum?: { value: string; algorithm: string };
}

const HASHES: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  SHA1: 'sha1',
  'SHA-256': 'sha256',
  SHA256: 'sha256',
  'SHA-512': 'sha512',
  SHA512: 'sha512'
};

/**
 * Downloads a file to `file` with resume: the bytes go to `<file>.part`; a transfer cut short is resumed from where it
 * stopped (Range), a 5xx or 429 waits as for JSON; once complete, its size and checksum are the provider's or the
 * download is dropped and fails (a wrong checksum is tried once more from the start: a corrupted transfer).
 */
export async function download(url: string, file: string, expected: Expected, o: RetryOptions = {}): Promise<number> {
  const { createHash } = await import('node:crypto');
  const { open, rename, rm, stat, readFile } = await import('node:fs/promises');
  const part = `${file}.part`;
  const doFetch = o.fetchImpl ?? fetch;
  let fresh = 0;
  /** Fetches what is missing of the file into `part` (null once the transfer went through). */
  const transfer = async (): Promise<Attempt<never> | null> => {
    const have = await stat(part).then(
      (s) => s.size,
      () => 0
    );
    try {
      const res = await doFetch(url, { headers: { ...o.headers, ...(have > 0 ? { Range: `bytes=${have}-` } : {}) }, signal: o.signal });
      if (res.status === 401)
        throw new HarvestError(`${safeUrl(url)} answered 401: the provider refused the credentials (an expired token? renew it)`, 401, false);
      // Everything was there already.
      if (res.status === 416 && expected.size !== undefined && have === expected.size) return null;
      if (res.status === 200 || res.status === 206) {
        // A 200 to a ranged request is the whole file again: start over.
        const out = await open(part, res.status === 206 ? 'a' : 'w');
        try {
          if (!res.body) throw new Error('no body');
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) await out.write(chunk);
        } finally {
          await out.close();
        }
        return null;
      }
      await res.body?.cancel().catch(() => undefined);
      if (res.status === 429 || res.status >= 500)
        return { retry: `${safeUrl(url)} answered ${res.status}`, wait: res.status === 429 ? retryAfterMs(res.headers.get('retry-after')) : null };
      throw new HarvestError(`${safeUrl(url)} answered ${res.status} ${res.statusText}`.trim(), res.status, false);
    } catch (error) {
      if (error instanceof HarvestError || o.signal?.aborted) throw error;
      return { retry: `${safeUrl(url)}: the transfer stopped (${(error as Error).message})` };
    }
  };
  return withRetries<number>(o, async () => {
    const retry = await transfer();
    if (retry) return retry;
    const size = (await stat(part)).size;
    if (expected.size !== undefined && size < expected.size) return { retry: `${safeUrl(url)}: ${size} of ${expected.size} bytes came` };
    if (expected.size !== undefined && size > expected.size) {
      await rm(part, { force: true });
      throw new HarvestError(`${safeUrl(url)}: ${size} bytes came, the provider says ${expected.size}`, null, true);
    }
    const c = expected.checksum;
    const algorithm = c ? (HASHES[c.algorithm.toUpperCase()] ?? HASHES[c.algorithm]) : undefined;
    if (c && !algorithm) throw new HarvestError(`${safeUrl(url)}: checksum algorithm ${c.algorithm} is not known here`, null, false);
    const sum = c
      ? createHash(algorithm!)
          .update(await readFile(part))
          .digest('hex')
      : null;
    if (c && sum !== c.value.toLowerCase()) {
      await rm(part, { force: true });
      if (++fresh >= 2) throw new HarvestError(`${safeUrl(url)}: its ${c.algorithm} checksum is ${sum}, the provider says ${c.value}`, null, true);
      return { retry: `${safeUrl(url)}: wrong ${c.algorithm} checksum, downloading it again` };
    }
    await rename(part, file);
    return { done: size };
  });
}
