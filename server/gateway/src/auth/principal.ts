/** Access levels, from the widest audience to the narrowest; `private` is the owner's alone. */
export const ACCESS_LEVELS = ['public', 'educational', 'scientific', 'institutional', 'private'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/**
 * Roles, each with the rights of the ones before it. The first four are data audiences (a role sees its
 * own access level and the wider ones); `producer` also deploys processes and ingests granules from the
 * inboxes; `admin` also manages every process and may supersede anyone's private granules.
 */
export const ROLES = ['public', 'educational', 'scientific', 'institutional', 'producer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: anonymous callers are `public` with no name. */
export interface Principal {
  name: string | null;
  role: Role;
  /** Identity for rate limiting: the user name, or the client address when anonymous. */
  key: string;
  /** Set when the credentials are a job's own key: that job may read as its owner, nothing more. */
  job?: string;
  /** Set when the request came with a signed URL (reads only; it cannot sign further URLs). */
  signed?: boolean;
}

/** An anonymous caller. */
export function anonymous(address: string): Principal {
  return { name: null, role: 'public', key: `ip:${address}` };
}

/** Whether `role` has at least the rights of `need`. */
export function atLeast(role: Role, need: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(need);
}

/** Whether a principal may see something at `level` owned by `owner`. */
export function canSee(p: Principal, level: string, owner: string | null): boolean {
  if (level === 'private') return owner !== null && owner === p.name;
  const need = ROLES.indexOf(level as Role);
  return need >= 0 && need <= ROLES.indexOf(p.role);
}
