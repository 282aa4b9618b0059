import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../helpers.js';
import { OTHER_RESOURCE, startOidcProvider, type TestProvider } from '../oidc-server.js';

const whoami = (g: TestGateway, token: string) => call(`${g.url}/whoami`, { headers: { Authorization: `Bearer ${token}` } });

describe('single sign-on: bearer JWTs of a real OpenID provider (oidc-provider), roles from its groups claim', () => {
  let idp: TestProvider;
  let g: TestGateway;
  beforeAll(async () => {
    idp = await startOidcProvider({ redirectUris: ['http://127.0.0.1:9/portal/callback'] });
    idp.groups.set('alice', ['hydro-scientists']);
    idp.groups.set('root', ['staff', 'hysope-admins']);
    g = await startGateway({
      env: {
        HYSOPE_OIDC_ISSUER: idp.issuer,
        HYSOPE_OIDC_CLIENT_ID: 'hysope',
        HYSOPE_OIDC_ROLES: 'hysope-admins=admin,hydro-scientists=scientific,agency=institutional',
        HYSOPE_OIDC_CLOCK_SKEW: '0',
        HYSOPE_RATE_LIMIT: '0'
      }
    });
  });
  afterAll(async () => {
    await g?.stop();
    await idp?.stop();
  });

  it('says how to sign in (the provider and the public client)', async () => {
    const r = await call(`${g.url}/auth/oidc`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      issuer: idp.issuer,
      client_id: 'hysope',
      authorization_endpoint: `${idp.issuer}/auth`,
      token_endpoint: `${idp.issuer}/token`
    });
    expect(r.body.end_session_endpoint).toBe(`${idp.issuer}/session/end`);
  });

  it('login (code + PKCE) gives a token the API takes: name from the token, role from its groups (the widest mapped one)', async () => {
    const alice = await idp.login('alice');
    expect((await whoami(g, alice.access_token)).body).toEqual({ name: 'alice', role: 'scientific' });
    const root = await idp.login('root');
    expect((await whoami(g, root.access_token)).body).toEqual({ name: 'root', role: 'admin' });
    // Signed in, no mapped group: the default role.
    const carol = await idp.login('carol');
    expect((await whoami(g, carol.access_token)).body).toEqual({ name: 'carol', role: 'educational' });
    // The role opens what it should: running the ingest process needs the producer role (an admin has it).
    const run = (token: string) => call(`${g.url}/processes/ingest/execution`, { headers: { Authorization: `Bearer ${token}` }, json: { inputs: {} } });
    const forbidden = await run(carol.access_token);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.detail).toMatch(/needs the producer role \(you are educational\)/);
    const allowed = await run(root.access_token);
    expect(allowed.status).not.toBe(403);
    expect(allowed.status).not.toBe(401);
  });

  it('refresh gives a new token; a role changed at the provider takes effect with it', async () => {
    idp.groups.set('dave', ['hydro-scientists']);
    const first = await idp.login('dave');
    expect((await whoami(g, first.access_token)).body.role).toBe('scientific');
    idp.groups.set('dave', ['agency']);
    // The old token still says what it said when it was issued...
    expect((await whoami(g, first.access_token)).body.role).toBe('scientific');
    // ...the refreshed one carries the new groups.
    const next = await idp.refresh(first.refresh_token!);
    expect(next.access_token).not.toBe(first.access_token);
    expect((await whoami(g, next.access_token)).body).toEqual({ name: 'dave', role: 'institutional' });
  });

  it('logout: the revoked refresh token gives nothing more', async () => {
    const t = await idp.login('erin');
    await idp.revoke(t.refresh_token!);
    await expect(idp.refresh(t.refresh_token!)).rejects.toThrow(/invalid_grant/);
  });

  it('refuses expired, forged, wrong-audience and malformed tokens (401 with the reason, in the one error shape)', async () => {
    idp.accessTokenTtl.seconds = 1;
    const short = await idp.login('alice');
    idp.accessTokenTtl.seconds = 600;
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await whoami(g, short.access_token);
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect(expired.body.detail).toMatch(/expired/);

    // Same claims, same key id, signed by someone else's key.
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ preferred_username: 'mallory', groups: ['hysope-admins'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'at+jwt' })
      .setIssuer(idp.issuer)
      .setAudience('hysope')
      .setSubject('mallory')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    const f = await whoami(g, forged);
    expect(f.status).toBe(401);
    expect(f.body.detail).toMatch(/signature/);
    // The unsigned variant ("alg": "none") is no better.
    const [, payload] = forged.split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.x`;
    expect((await whoami(g, unsigned)).status).toBe(401);

    const other = await idp.login('alice', { resource: OTHER_RESOURCE });
    const a = await whoami(g, other.access_token);
    expect(a.status).toBe(401);
    expect(a.body.detail).toMatch(/aud/);

    const garbage = await whoami(g, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln');
    expect(garbage.status).toBe(401);
  });

  it('a signed-on person makes API keys for scripts; the keys follow the role the provider gives them', async () => {
    idp.groups.set('fay', ['hydro-scientists']);
    const t = await idp.login('fay');
    const auth = { Authorization: `Bearer ${t.access_token}` };
    const account = await call(`${g.url}/auth/account`, { headers: auth });
    expect(account.body).toMatchObject({ name: 'fay', role: 'scientific', signed_in_with: 'single sign-on', keys: [] });
    const made = await call(`${g.url}/auth/keys`, { headers: auth, json: { name: 'cluster jobs' } });
    expect(made.status).toBe(201);
    const key = { Authorization: `token ${made.body.key}` };
    expect((await call(`${g.url}/whoami`, { headers: key })).body).toEqual({ name: 'fay', role: 'scientific' });
    // Promoted at the provider: her next signed-on request tells the gateway, and her key acts with the new role.
    idp.groups.set('fay', ['agency']);
    const next = await idp.refresh(t.refresh_token!);
    expect((await whoami(g, next.access_token)).body.role).toBe('institutional');
    await expect.poll(async () => (await call(`${g.url}/whoami`, { headers: key })).body.role).toBe('institutional');
  });

  it('a signed-on person runs jobs as themself (the job reads with their role) and fetches the result by a signed link', async () => {
    idp.groups.set('gus', ['agency']);
    const t = await idp.login('gus');
    const auth = { Authorization: `Bearer ${t.access_token}` };
    const job = await call(`${g.url}/processes/echo/execution`, { headers: auth, json: { inputs: { message: 'hello' } } });
    expect(job.status, JSON.stringify(job.body)).toBe(200);
    const list = await call(`${g.url}/jobs`, { headers: auth });
    expect(list.body.jobs.length).toBeGreaterThan(0);
    const started = await call(`${g.url}/processes/timeseries-export/execution`, {
      headers: { ...auth, Prefer: 'respond-async' },
      json: { inputs: { feature: 'Reach', ids: ['74269900011'], format: 'csv' } }
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
  });

  it('API keys keep working beside sign-on', async () => {
    const { headers } = await g.user('script', 'scientific');
    expect((await call(`${g.url}/whoami`, { headers })).body).toEqual({ name: 'script', role: 'scientific' });
  });

  it('a provider out of reach is a 503 for sign-on tokens, never a pass', async () => {
    const token = (await idp.login('alice')).access_token;
    const h = await startGateway({ env: { HYSOPE_OIDC_ISSUER: 'http://127.0.0.1:9', HYSOPE_OIDC_CLIENT_ID: 'hysope' } });
    try {
      const r = await whoami(h, token);
      expect(r.status).toBe(503);
      expect(r.body.detail).toMatch(/sign-on provider cannot be reached/);
    } finally {
      await h.stop();
    }
  });
});
