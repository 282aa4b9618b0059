// Single sign-on: bearer JWTs from an OpenID Connect provider (Keycloak at CNES, any certified provider), checked
// against the provider's published keys (JWKS), issuer, audience and expiry; a claim of the token (groups, or
// Keycloak's realm_access.roles) is mapped to HYSOPE's roles. The portal logs in with the same provider
// (authorization code + PKCE, public client), so one identity spans portal, lab (JupyterHub) and API.
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { UnavailableError } from '../errors.js';
import { ROLES, type Principal, type Role } from './principal.js';

export interface OidcSettings {
  /** The provider's issuer URL (its discovery document is `<issuer>/.well-known/openid-configuration`). */
  issuer: string;
  /** The portal's client id at the provider (a public client: PKCE, no secret). */
  clientId: string;
  /** The audience tokens must carry (default: the client id). */
  audience: string;
  /** The claim holding the caller's groups or roles; dots reach into objects (`realm_access.roles`). */
  roleClaim: string;
  /** Claim value → HYSOPE role (the widest one wins). */
  roles: Record<string, Role>;
  /** The role of a signed-in caller none of whose claim values is mapped. */
  defaultRole: Role;
  /** Scopes the portal asks. */
  scopes: string;
  /** Seconds of clock difference allowed with the provider (default 30). */
  clockSkew?: number;
}

/** `a=admin,b=scientific` → { a: 'admin', b: 'scientific' } (unknown roles refused at start-up). */
export function parseRoleMap(text: string): Record<string, Role> {
  const map: Record<string, Role> = {};
  for (const pair of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const at = pair.lastIndexOf('=');
    const [value, role] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    if (at <= 0 || !ROLES.includes(role as Role)) throw new Error(`HYSOPE_OIDC_ROLES: "${pair}" is not claim-value=role with a role among ${ROLES.join(', ')}`);
    map[value] = role as Role;
  }
  return map;
}

/** The values of a claim at a dotted path, as strings. */
export function claimValues(payload: JWTPayload, claim: string): string[] {
  let v: unknown = payload;
  for (const k of claim.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The widest role the claim's values map to, or the default. */
export function roleOf(payload: JWTPayload, s: Pick<OidcSettings, 'roleClaim' | 'roles' | 'defaultRole'>): Role {
  const mapped = claimValues(payload, s.roleClaim)
    .map((v) => s.roles[v] ?? s.roles[v.replace(/^\//, '')])
    .filter((r): r is Role => !!r);
  return mapped.sort((a, b) => ROLES.indexOf(b) - ROLES.indexOf(a))[0] ?? s.defaultRole;
}

/** A compact JWS (three base64url parts), as opposed to our API keys and hub tokens. */
export const looksLikeJwt = (token: string) => /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(token);

interface Discovery {
  issuer: string;
  jwks_uri: string;
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
  revocation_endpoint?: string;
}

export class OidcAuthenticator {
  private discovery: Promise<Discovery> | null = null;
  private jwks: ReturnType<typeof createRemoteJWKSet> | null = null;

  constructor(
    readonly settings: OidcSettings,
    private readonly fetchImpl: typeof fetch = fetch
  ) {}

  /** The provider's discovery document (read once; read again after a failure). */
  provider(): Promise<Discovery> {
    this.discovery ??= (async () => {
      const url = `${this.settings.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const res = await this.fetchImpl(url, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`the OpenID provider answered ${res.status} for ${url}`);
      const d = (await res.json()) as Discovery;
      if (d.issuer !== this.settings.issuer) throw new Error(`the OpenID provider says its issuer is ${d.issuer}, not ${this.settings.issuer}`);
      return d;
    })().catch((error: unknown) => {
      this.discovery = null;
      throw error;
    });
    return this.discovery;
  }

  /**
   * The caller a bearer JWT names, or why it is refused: signature by the provider's keys (fetched by key id,
   * refreshed when a new one appears), this issuer, this audience, not expired (30 s of clock skew).
   */
  async verify(token: string): Promise<Principal | { refused: string }> {
    let d: Discovery;
    try {
      d = await this.provider();
    } catch (error) {
      throw new UnavailableError(`the sign-on provider cannot be reached to check the token: ${(error as Error).message}`);
    }
    this.jwks ??= createRemoteJWKSet(new URL(d.jwks_uri), { timeoutDuration: 10_000, cooldownDuration: 30_000 });
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: this.settings.clockSkew ?? 30,
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { refused: 'the token has expired: sign in again (or refresh it)' };
      if (error instanceof errors.JWTClaimValidationFailed) return { refused: `the token's ${error.claim} claim is not accepted here (${error.reason})` };
      if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey)
        return { refused: "the token's signature is not the provider's" };
      if (error instanceof errors.JOSEError) return { refused: `the token is not valid: ${error.message}` };
      throw error;
    }
    const name = String(payload['preferred_username'] ?? payload['email'] ?? payload.sub ?? '');
    if (!name) return { refused: 'the token names nobody (no sub)' };
    return { name, role: roleOf(payload, this.settings), key: `oidc:${payload.sub ?? name}` };
  }

  /** What the portal needs to sign people in (nothing secret). */
  async publicConfig(): Promise<Record<string, string | undefined>> {
    const d = await this.provider();
    return {
      issuer: d.issuer,
      client_id: this.settings.clientId,
      scopes: this.settings.scopes,
      authorization_endpoint: d.authorization_endpoint,
      token_endpoint: d.token_endpoint,
      end_session_endpoint: d.end_session_endpoint,
      revocation_endpoint: d.revocation_endpoint
    };
  }
}
