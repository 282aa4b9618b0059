import { describe, expect, it } from 'vitest';
import { claimValues, looksLikeJwt, parseRoleMap, roleOf } from './oidc.js';

describe('sign-on roles from token claims', () => {
  it('reads the role map of the configuration and refuses unknown roles', () => {
    expect(parseRoleMap('hysope-admins=admin, /agency/water=institutional,')).toEqual({ 'hysope-admins': 'admin', '/agency/water': 'institutional' });
    expect(parseRoleMap('')).toEqual({});
    expect(() => parseRoleMap('x=superuser')).toThrow(/x=superuser/);
    expect(() => parseRoleMap('admin')).toThrow(/claim-value=role/);
  });
  it('takes the claim at a dotted path (Keycloak realm_access.roles), as a list or a space-separated string', () => {
    const payload = { groups: ['/staff', 'b'], realm_access: { roles: ['hysope-admin'] }, scope: 'a b' };
    expect(claimValues(payload, 'groups')).toEqual(['/staff', 'b']);
    expect(claimValues(payload, 'realm_access.roles')).toEqual(['hysope-admin']);
    expect(claimValues(payload, 'scope')).toEqual(['a', 'b']);
    expect(claimValues(payload, 'missing.path')).toEqual([]);
  });
  it('gives the widest mapped role, else the default (Keycloak group paths match with or without their slash)', () => {
    const s = { roleClaim: 'groups', roles: { scientists: 'scientific', admins: 'admin' } as const, defaultRole: 'educational' as const };
    expect(roleOf({ groups: ['scientists', 'admins'] }, s)).toBe('admin');
    expect(roleOf({ groups: ['/scientists'] }, s)).toBe('scientific');
    expect(roleOf({ groups: ['other'] }, s)).toBe('educational');
    expect(roleOf({}, s)).toBe('educational');
  });
  it('tells JWTs from API keys', () => {
    expect(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBe(true);
    expect(looksLikeJwt('hy_3f9a0c7e')).toBe(false);
    expect(looksLikeJwt('a.b.c')).toBe(false);
  });
});
