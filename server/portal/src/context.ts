// What every page of the portal is given: the gateway, the strings, navigation and notices.
import { HysopeClient } from '@hysope/api';
import type { Strings } from './i18n.js';

export interface PortalContext {
  /** The gateway the portal is served by (same origin). */
  readonly baseUrl: string;
  /** The caller's API key, when signed in with one (sent as `Authorization: token ...`). */
  readonly token: string | undefined;
  readonly client: HysopeClient;
  readonly t: Strings;
  /** Goes to a portal address (history entry, no reload). */
  navigate(path: string): void;
  /** Tells the person something went wrong (an alert region, never a blank panel). */
  error(message: string): void;
  /** A short notice (status region). */
  notice(message: string): void;
}

/** The portal's addresses: `/portal/<kind>/<id>`. */
export const PAGE_KINDS = ['reach', 'node', 'lake', 'station', 'gauge'] as const;
export type PageKind = (typeof PAGE_KINDS)[number];

/** The page an address shows: the search (with its query) or one feature. */
export type Route =
  { page: 'search' } | { page: 'account' } | { page: 'callback' } | { page: 'basket' } | { page: 'feature'; kind: PageKind; id: string } | { page: 'missing' };

export function parseRoute(pathname: string): Route {
  const p = pathname.replace(/\/+$/, '');
  if (p === '' || p === '/portal') return { page: 'search' };
  if (p === '/portal/account') return { page: 'account' };
  if (p === '/portal/callback') return { page: 'callback' };
  if (p === '/portal/basket') return { page: 'basket' };
  const m = /^\/portal\/([a-z]+)\/([^/]+)$/.exec(p);
  if (m && (PAGE_KINDS as readonly string[]).includes(m[1]!)) return { page: 'feature', kind: m[1] as PageKind, id: decodeURIComponent(m[2]!) };
  return { page: 'missing' };
}

export function featurePath(kind: PageKind, id: string): string {
  return `/portal/${kind}/${encodeURIComponent(id)}`;
}

/** A request to the gateway as the signed-in person (their bearer token), for routes the typed client has not. */
export function gatewayFetch(ctx: Pick<PortalContext, 'baseUrl' | 'token'>, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${ctx.baseUrl}${path}`, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), ...(ctx.token ? { Authorization: `Bearer ${ctx.token}` } : {}) }
  });
}

/** The "Sign in" button (the provider's sign-in page); `className` adds to the button's look. */
export function signInButton(t: PortalContext['t'], signIn: () => void, className = 'hp-button'): HTMLButtonElement {
  const b = el('button', { type: 'button', className, textContent: t.__('Sign in') });
  b.onclick = signIn;
  return b;
}

export function clientFor(baseUrl: string, token: string | undefined): HysopeClient {
  return new HysopeClient({ baseUrl, token });
}

/** An element with properties and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { [attr: `data-${string}`]: string } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k.startsWith('data-')) e.setAttribute(k, String(v));
    else (e as unknown as Record<string, unknown>)[k] = v;
  }
  e.append(...children);
  return e;
}
