import { createHmac, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROLES, type Principal, type Role } from './principal.js';
import { safeEqual } from './secrets.js';

/** The query parameters of a signed URL. */
export const SIGNED_PARAMS = ['hysope_sig', 'hysope_exp', 'hysope_as', 'hysope_role'] as const;

/** What may be signed: what clients that cannot send headers read (DuckDB-WASM's ranges, EventSource). */
export function signable(pathname: string): boolean {
  return /^\/assets\/(products|sources)\/[^?#]+$/.test(pathname) || /^\/jobs\/[^/]+\/(events|results\/[^/]+)$/.test(pathname) || pathname === '/events';
}

/**
 * Short-lived signed URLs: an HMAC over the path, the caller and the expiry, so a client that cannot set
 * headers reads as the caller without putting its key in a URL (where logs, histories and Referer keep it).
 */
export class UrlSigner {
  constructor(private readonly key: Buffer) {}

  /** The key from `HYSOPE_SIGNING_KEY` (replicas share it), else one kept in the data folder (mode 0600). */
  static async open(dataDir: string, fromEnv?: string): Promise<UrlSigner> {
    if (fromEnv) return new UrlSigner(Buffer.from(fromEnv));
    const file = path.join(dataDir, 'signing.key');
    let key = await readFile(file).catch(() => null);
    if (!key || key.length < 32) {
      key = randomBytes(32);
      await mkdir(dataDir, { recursive: true });
      await writeFile(file, key, { mode: 0o600 });
      await chmod(file, 0o600);
    }
    return new UrlSigner(key);
  }

  private mac(pathname: string, name: string, role: string, exp: number): string {
    return createHmac('sha256', this.key).update(`v1\n${pathname}\n${name}\n${role}\n${exp}`).digest('base64url');
  }

  /** The query string that signs `pathname` for `p` until now + `ttlSeconds`. */
  sign(pathname: string, p: Principal, ttlSeconds: number): { query: URLSearchParams; expires: Date } {
    const exp = Math.floor(Date.now() / 1000) + ttlSeconds;
    const q = new URLSearchParams({ hysope_exp: String(exp), hysope_as: p.name ?? '', hysope_role: p.role });
    q.set('hysope_sig', this.mac(pathname, p.name ?? '', p.role, exp));
    return { query: q, expires: new Date(exp * 1000) };
  }

  /** The caller a signed request stands for, or why not. */
  verify(pathname: string, q: Record<string, unknown>): Principal | { refused: string } {
    const [sig, exp, name, role] = SIGNED_PARAMS.map((k) => (typeof q[k] === 'string' ? (q[k] as string) : ''));
    const expSeconds = Number(exp);
    if (!sig || !Number.isSafeInteger(expSeconds) || !ROLES.includes(role as Role)) return { refused: 'the signed URL is incomplete' };
    if (!safeEqual(sig, this.mac(pathname, name!, role!, expSeconds))) return { refused: 'the signed URL is not valid for this path' };
    if (expSeconds * 1000 < Date.now()) return { refused: 'the signed URL has expired; ask POST /auth/sign for a new one' };
    return { name: name || null, role: role as Role, key: name ? `user:${name}` : `signed:${sig.slice(0, 8)}` };
  }
}
