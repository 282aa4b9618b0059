import type { ServerResponse } from 'node:http';

/**
 * Answers a provider's file download as its server would: the whole file, or from the asked byte on (`Range:
 * bytes=N-`, 206 with Content-Range); when `cut` is set, half the bytes and then the connection drops (a transfer
 * cut mid-way, which the harvester resumes).
 */
export function serveBytes(res: ServerResponse, bytes: Buffer, range: string | null, type: string, cut = false): void {
  const from = range ? Number(/bytes=(\d+)-/.exec(range)?.[1] ?? 0) : 0;
  const body = bytes.subarray(from);
  res.writeHead(range ? 206 : 200, {
    'Content-Type': type,
    'Content-Length': String(body.length),
    ...(range ? { 'Content-Range': `bytes ${from}-${bytes.length - 1}/${bytes.length}` } : {})
  });
  if (cut) {
    res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.destroy(), 200));
    return;
  }
  res.end(body);
}
