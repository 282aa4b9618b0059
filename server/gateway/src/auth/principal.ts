/** Access levels, from the widest audience to the narrowest; `private` is the owner's alone. */
export const ACCESS_LEVELS = ['public', 'educational', 'scientific', 'institutional', 'private'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** Roles a user can have: each sees its own level and the levels before it (not `private`, which is by owner). */
export const ROLES = ['public', 'educational', 'scientific', 'institutional'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: anonymous callers are `public` with no name. */
export interface Principal {
  name: string | null;
  role: Role;
  /** Identity for rate limiting: the user name, or the client address when anonymous. */
  key: string;
}

/** An anonymous caller. */
export function anonymous(address: string): Principal {
  return { name: null, role: 'public', key: `ip:${address}` };
}

/** Whether a principal may see something at `level` owned by `owner`. */
export function canSee(p: Principal, level: string, owner: string | null): boolean {
  if (level === 'private') return owner !== null && owner === p.name;
  const need = ROLES.indexOf(level as Role);
  return need >= 0 && need <= ROLES.indexOf(p.role);
}
