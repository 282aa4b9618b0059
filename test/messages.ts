import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** A CNM notification (version 1.6.1) for files of an inbox, with their sizes and checksums as a provider sends them. */
export function cnmNotification(identifier: string, files: string[], checksum: 'md5' | 'SHA256' | 'wrong' = 'md5'): Record<string, unknown> {
  return {
    version: '1.6.1',
    provider: 'HYSOPE_TEST',
    collection: 'SWOT_L2_HR_RiverSP_2.0',
    submissionTime: new Date().toISOString(),
    identifier,
    product: {
      name: path.basename(files[0]!, '.zip'),
      dataVersion: '2.0',
      files: files.map((f) => ({
        type: 'data',
        uri: pathToFileURL(f).href,
        name: path.basename(f),
        size: statSync(f).size,
        checksumType: checksum === 'SHA256' ? 'SHA256' : 'md5',
        checksum:
          checksum === 'wrong'
            ? '0'.repeat(32)
            : createHash(checksum === 'SHA256' ? 'sha256' : 'md5')
                .update(readFileSync(f))
                .digest('hex')
      }))
    }
  };
}

/** An event read from `/events`. */
export interface SseEvent {
  id: number;
  type: string;
  data: { id?: string; job?: string; status?: string };
}

/**
 * An SSE subscription to `<base>/events` (as EventSource would: `Last-Event-ID` when resuming): the events read so
 * far, and a promise that settles when the stream ends (the server went away).
 */
export async function subscribeEvents(
  base: string,
  headers: Record<string, string>,
  lastEventId?: number
): Promise<{ events: SseEvent[]; ended: Promise<void>; close: () => void }> {
  const controller = new AbortController();
  const res = await fetch(`${base}/events`, {
    signal: controller.signal,
    headers: { ...headers, ...(lastEventId !== undefined ? { 'Last-Event-ID': String(lastEventId) } : {}) }
  });
  if (res.status !== 200) throw new Error(`/events: ${res.status}`);
  const events: SseEvent[] = [];
  const ended = (async () => {
    const reader = res.body!.getReader();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      text += new TextDecoder().decode(value);
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const id = /^id: (\d+)$/m.exec(block);
        const data = /^data: (.+)$/m.exec(block);
        if (id && data) events.push({ id: Number(id[1]), ...(JSON.parse(data[1]!) as { type: string; data: SseEvent['data'] }) });
      }
    }
  })();
  return { events, ended, close: () => controller.abort() };
}
