import { timingSafeEqual, createHash } from 'node:crypto';

/** Compares two secrets in constant time (of their hashes, so lengths leak nothing either). */
export function safeEqual(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}
