import type { Response } from 'express';

/** One CSV cell: empty for null, ISO for dates, JSON for objects, quoted when it holds a comma, quote or newline. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const text = v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes a chunk, waiting for the socket to drain when the client reads slower than we write (bounded memory). */
export async function writeChunk(res: Response, chunk: string | Uint8Array): Promise<void> {
  if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
}
