import { ROLES, type Principal, type Role } from './principal.js';

/** What JupyterHub's REST API says of a token's owner (`GET /hub/api/user`). */
interface HubUser {
  name: string;
  groups?: string[];
  admin?: boolean;
}

/**
 * Verifies JupyterHub tokens against the hub's REST API, with a cache, so a lab spawned by the hub
 * reaches the gateway with the user's own token. A user's role comes from a hub group named
 * `hysope-<role>` (the widest wins); hub users without one are `educational`.
 */
export class HubAuthenticator {
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();

  constructor(
    private readonly hubApiUrl: string,
    private readonly ttlMs = 300_000,
    private readonly fetchImpl: typeof fetch = fetch
  ) {}

  /** The hub user of a token, or null when the hub does not know it. */
  async verify(token: string): Promise<Principal | null> {
    const hit = this.cache.get(token);
    if (hit && hit.until > Date.now()) return hit.principal;
    const res = await this.fetchImpl(`${this.hubApiUrl.replace(/\/+$/, '')}/user`, { headers: { Authorization: `token ${token}` } });
    let principal: Principal | null = null;
    if (res.ok) {
      const user = (await res.json()) as HubUser;
      const roles = (user.groups ?? []).map((g) => g.replace(/^hysope-/, '')).filter((r): r is Role => ROLES.includes(r as Role));
      const role = roles.sort((a, b) => ROLES.indexOf(b) - ROLES.indexOf(a))[0] ?? 'educational';
      principal = { name: user.name, role, key: `hub:${user.name}` };
    } else if (res.status !== 401 && res.status !== 403 && res.status !== 404) {
      throw new Error(`JupyterHub answered ${res.status} when verifying a token`);
    }
    this.cache.set(token, { principal, until: Date.now() + this.ttlMs });
    return principal;
  }
}
