// Signing in to the portal with the deployment's OpenID Connect provider (Keycloak at CNES): authorization code
// with PKCE for a public client (no secret in the page), tokens kept for the tab's life (sessionStorage),
// refreshed before they expire, revoked and the provider's session ended on sign-out. The gateway says which
// provider and client (`GET /auth/oidc`); the access token goes to the API as a bearer token.

export interface OidcInfo {
  issuer: string;
  client_id: string;
  scopes: string;
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
  revocation_endpoint?: string;
}

export interface Session {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  /** When the access token expires (ms since 1970). */
  expires_at: number;
}

const SESSION = 'hysope-portal-session';
const PENDING = 'hysope-portal-login';

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** A PKCE verifier and its S256 challenge (RFC 7636). */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  return { verifier, challenge };
}

/** The payload of a JWT (not verified: the gateway verifies; the page only shows the name). */
export function jwtClaims(token: string): Record<string, unknown> {
  try {
    const part = token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(decodeURIComponent(escape(atob(part)))) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The provider and client of the gateway, or null when it has no single sign-on. */
export async function oidcInfo(baseUrl: string): Promise<OidcInfo | null> {
  const res = await fetch(`${baseUrl}/auth/oidc`, { headers: { Accept: 'application/json' } });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`the gateway's sign-on settings could not be read (HTTP ${res.status})`);
  return (await res.json()) as OidcInfo;
}

export const callbackUrl = () => `${location.origin}/portal/callback`;

/** Goes to the provider's sign-in page; `/portal/callback` finishes. */
export async function beginLogin(info: OidcInfo, returnTo: string): Promise<void> {
  const { verifier, challenge } = await pkcePair();
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, returnTo }));
  const url = new URL(info.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: info.client_id,
    redirect_uri: callbackUrl(),
    response_type: 'code',
    scope: info.scopes,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state
  }).toString();
  location.assign(url.href);
}

async function tokenRequest(info: OidcInfo, fields: Record<string, string>): Promise<Session> {
  const res = await fetch(info.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: info.client_id, ...fields }).toString()
  });
  const body = (await res.json().catch(() => ({}))) as {
    access_token?: string;
    refresh_token?: string;
    id_token?: string;
    expires_in?: number;
    error?: string;
    error_description?: string;
  };
  if (!res.ok || !body.access_token) throw new Error(body.error_description ?? body.error ?? `HTTP ${res.status}`);
  const session: Session = {
    access_token: body.access_token,
    refresh_token: body.refresh_token ?? fields['refresh_token'],
    id_token: body.id_token,
    expires_at: Date.now() + (body.expires_in ?? 300) * 1000
  };
  sessionStorage.setItem(SESSION, JSON.stringify(session));
  return session;
}

/** Exchanges the provider's code (checking the state sent) for tokens; returns where the person was. */
export async function finishLogin(info: OidcInfo, params: URLSearchParams): Promise<string> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as { verifier: string; state: string; returnTo: string } | null;
  sessionStorage.removeItem(PENDING);
  if (params.get('error')) throw new Error(params.get('error_description') ?? params.get('error')!);
  if (!pending || params.get('state') !== pending.state) throw new Error('this sign-in answer was not asked from this page (state mismatch): sign in again');
  const code = params.get('code');
  if (!code) throw new Error('the provider sent no authorization code');
  await tokenRequest(info, { grant_type: 'authorization_code', code, code_verifier: pending.verifier, redirect_uri: callbackUrl() });
  return pending.returnTo.startsWith('/') ? pending.returnTo : '/portal/';
}

export function currentSession(): Session | null {
  return JSON.parse(sessionStorage.getItem(SESSION) ?? 'null') as Session | null;
}

/** A new access token from the refresh token (null when the provider refuses: the person signs in again). */
export async function refresh(info: OidcInfo): Promise<Session | null> {
  const s = currentSession();
  if (!s?.refresh_token) return null;
  try {
    return await tokenRequest(info, { grant_type: 'refresh_token', refresh_token: s.refresh_token });
  } catch {
    sessionStorage.removeItem(SESSION);
    return null;
  }
}

/** Signs out: the refresh token revoked, the tab's tokens dropped, then the provider's session ended. */
export async function logout(info: OidcInfo): Promise<void> {
  const s = currentSession();
  sessionStorage.removeItem(SESSION);
  if (s?.refresh_token && info.revocation_endpoint)
    await fetch(info.revocation_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: info.client_id, token: s.refresh_token, token_type_hint: 'refresh_token' }).toString()
    }).catch(() => undefined);
  if (!info.end_session_endpoint) return location.assign('/portal/');
  const url = new URL(info.end_session_endpoint);
  url.search = new URLSearchParams({
    client_id: info.client_id,
    post_logout_redirect_uri: `${location.origin}/portal/`,
    ...(s?.id_token ? { id_token_hint: s.id_token } : {})
  }).toString();
  location.assign(url.href);
}
