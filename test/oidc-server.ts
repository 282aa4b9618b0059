// A real OpenID Connect provider for the tests (`oidc-provider`, a certified implementation), standing in for the
// Keycloak a deployment runs: authorization code + PKCE for the portal's public client, JWT access tokens for the
// HYSOPE API (audience `hysope`), refresh tokens, revocation, RP-initiated logout. Accounts and their groups are
// the test's to change (a role change shows in the next token). Login is oidc-provider's development form.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export const HYSOPE_RESOURCE = 'https://hysope.test/api';
export const OTHER_RESOURCE = 'https://other.test/api';

export interface TestProvider {
  issuer: string;
  /** Groups by account (login name); edit to change roles. */
  groups: Map<string, string[]>;
  /** Access tokens live this many seconds (the test may shorten it). */
  accessTokenTtl: { seconds: number };
  /** Tokens for `login` by the authorization code flow with PKCE, as a browser would get them (cookies kept). */
  login(login: string, options?: { resource?: string }): Promise<Tokens>;
  refresh(refreshToken: string): Promise<Tokens>;
  revoke(token: string): Promise<void>;
  stop(): Promise<void>;
}

export interface Tokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
}

/** Starts the provider on a free port; `redirectUris` are the portal's callback addresses. */
export async function startOidcProvider(options: { redirectUris: string[]; clientId?: string; port?: number }): Promise<TestProvider> {
  const clientId = options.clientId ?? 'hysope';
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const groups = new Map<string, string[]>();
  const accessTokenTtl = { seconds: 600 };
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(options.port ?? 0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const claimsOf = (id: string) => ({ sub: id, preferred_username: id, email: `${id}@example.org`, groups: groups.get(id) ?? [] });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        token_endpoint_auth_method: 'none',
        redirect_uris: options.redirectUris,
        post_logout_redirect_uris: options.redirectUris.map((u) => new URL('/portal/', u).href),
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code']
      }
    ],
    jwks: { keys: [jwk as never] },
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: { openid: ['sub'], profile: ['preferred_username', 'groups'], email: ['email'] },
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => claimsOf(id) }),
    // The portal is a browser on another origin than the provider: its token calls are CORS requests.
    clientBasedCORS: (_ctx: unknown, origin: string, client: { redirectUris: string[] }) =>
      client.redirectUris.some((u: string) => new URL(u).origin === origin),
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => HYSOPE_RESOURCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, resource: string) => ({
          scope: 'openid profile email offline_access',
          audience: resource === OTHER_RESOURCE ? 'other-service' : clientId,
          accessTokenFormat: 'jwt'
        })
      }
    },
    // The API reads the caller's name and groups from the access token itself.
    extraTokenClaims: async (_ctx: unknown, token: unknown) => {
      const id = (token as { accountId?: string }).accountId;
      return id ? { preferred_username: id, groups: groups.get(id) ?? [] } : undefined;
    },
    issueRefreshToken: async () => true,
    rotateRefreshToken: false,
    ttl: { RefreshToken: 3600, Session: 3600, Grant: 3600, Interaction: 600, AuthorizationCode: 60, IdToken: 600, AccessToken: () => accessTokenTtl.seconds }
  } as never);
  // Its development warnings would fill the test output.
  (provider as unknown as { on(e: string, f: () => void): void }).on('server_error', () => undefined);
  server.on('request', provider.callback());

  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  };
  const go = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(new URL(url, issuer), { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: cookie() } });
    keep(res);
    return res;
  };
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString()
  });
  const token = async (fields: Record<string, string>): Promise<Tokens> => {
    const res = await fetch(`${issuer}/token`, form({ client_id: clientId, ...fields }));
    const body = (await res.json()) as Tokens & { error?: string; error_description?: string };
    if (!res.ok) throw new Error(`token endpoint: ${body.error}: ${body.error_description}`);
    return body;
  };

  return {
    issuer,
    groups,
    accessTokenTtl,
    async login(login, { resource } = {}) {
      jar.clear();
      const verifier = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
      const challenge = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))).toString('base64url');
      const redirectUri = options.redirectUris[0]!;
      const params = new URLSearchParams({
        client_id: clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid profile email offline_access',
        prompt: 'consent',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 'test',
        ...(resource ? { resource } : {})
      });
      let res = await go(`/auth?${params}`);
      for (let step = 0; step < 8; step++) {
        const location = res.headers.get('location');
        if (!location) throw new Error(`the provider stopped at ${res.status}: ${(await res.text()).slice(0, 300)}`);
        const to = new URL(location, issuer);
        if (to.href.startsWith(redirectUri)) {
          const code = to.searchParams.get('code');
          if (!code) throw new Error(`no code: ${to.search}`);
          return token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri, ...(resource ? { resource } : {}) });
        }
        if (/\/interaction\/[^/]+$/.test(to.pathname)) {
          const page = await (await go(to.href)).text();
          const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
          res = await go(to.href, form(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt: prompt ?? 'consent' }));
        } else res = await go(to.href);
      }
      throw new Error('the login did not come back to the client');
    },
    refresh: (refreshToken) => token({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    async revoke(t) {
      const res = await fetch(`${issuer}/token/revocation`, form({ client_id: clientId, token: t }));
      if (!res.ok) throw new Error(`revocation: ${res.status}`);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  };
}
