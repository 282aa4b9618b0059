// The portal's shell: header (home, language), the page of the address, notices, credits. Pages are rendered
// in the browser from the gateway's public APIs (STAC, time series); addresses are real and shareable.
import { useBundledWasm } from '@hysope/swath-viewer/lib/wasm-assets.js';
import { clientFor, el, parseRoute, signInButton, type PortalContext } from './context.js';
import { FeaturePage } from './feature-page.js';
import { LANGS, pickLang, Strings, type Lang } from './i18n.js';
import { SearchPage } from './search-page.js';
import { AccountPage } from './account-page.js';
import { Basket } from './basket.js';
import { BasketPage } from './basket-page.js';
import { beginLogin, currentSession, finishLogin, jwtClaims, logout, oidcInfo, refresh, type OidcInfo } from './auth.js';

const LANG_KEY = 'hysope-portal-lang';
const KEY_KEY = 'hysope-portal-key';

interface Page {
  node: HTMLElement;
  start(): Promise<void>;
  dispose(): void;
}

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function boot(root: HTMLElement): void {
  useBundledWasm();
  const lang = pickLang(location.search, storage()?.getItem(LANG_KEY) ?? null, navigator.languages);
  // A language asked in the address is kept for the next pages (a link to ?lang=fr sets the portal in French).
  if (new URLSearchParams(location.search).has('lang')) storage()?.setItem(LANG_KEY, lang);
  const t = new Strings(lang);
  document.documentElement.lang = lang;
  // The caller: a single sign-on session of this tab, else an API key the person gave this browser, else anonymous.
  let token: string | undefined = currentSession()?.access_token ?? (storage()?.getItem(KEY_KEY) || undefined);
  const alerts = el('div', { className: 'hp-alerts' });
  alerts.setAttribute('role', 'alert');
  const status = el('div', { className: 'hp-notices' });
  status.setAttribute('role', 'status');
  const main = el('main', { id: 'hp-main', tabIndex: -1 });
  let page: Page | null = null;
  const ctx: PortalContext = {
    baseUrl: location.origin,
    get token() {
      return token;
    },
    get client() {
      return clientFor(location.origin, token);
    },
    t,
    navigate: (path) => {
      history.pushState(null, '', path);
      show();
    },
    error: (message) => {
      const close = el('button', { type: 'button', className: 'hp-close', textContent: '×', title: t.__('Dismiss') });
      const note = el('div', { className: 'hp-alert' }, el('span', { textContent: message }), close);
      close.onclick = () => note.remove();
      alerts.append(note);
    },
    notice: (message) => {
      const close = el('button', { type: 'button', className: 'hp-close', textContent: '×', title: t.__('Dismiss') });
      const note = el('div', { className: 'hp-notice' }, el('span', { textContent: message }), close);
      close.onclick = () => note.remove();
      status.replaceChildren(note);
    }
  };
  const language = el(
    'select',
    { id: 'hp-lang' },
    ...LANGS.map((l) => el('option', { value: l, selected: l === lang, textContent: { en: 'English', fr: 'Français' }[l] }))
  );
  language.onchange = () => {
    storage()?.setItem(LANG_KEY, language.value as Lang);
    const url = new URL(location.href);
    url.searchParams.delete('lang');
    location.replace(url);
  };
  // The basket, and its downloads followed on every page (the portal says when one is ready).
  const basket = new Basket(ctx);
  const basketLink = el('a', { href: '/portal/basket' });
  const renderBasket = () => {
    const n = basket.entries.length;
    basketLink.textContent = n ? `${t.__('Basket')} (${n})` : t.__('Basket');
  };
  basket.onChange(renderBasket);
  renderBasket();
  basket.onDone = (job) =>
    job.status === 'successful'
      ? ctx.notice(t.__('Your download is ready: see the basket.'))
      : ctx.error(t.__('A download failed: %1', job.message || job.status));
  // Sign in / the account, filled once the gateway said whether it has single sign-on.
  const account = el('span', { className: 'hp-account' });
  let sso: OidcInfo | null = null;
  const signIn = () => void beginLogin(sso!, location.pathname + location.search);
  const renderAccount = () => {
    const parts: Node[] = [];
    if (token) {
      const claims = currentSession() ? jwtClaims(token) : {};
      const who = String(claims['preferred_username'] ?? claims['email'] ?? t.__('Your account'));
      parts.push(el('a', { href: '/portal/account', textContent: who }));
      if (currentSession() && sso) {
        const out = el('button', { type: 'button', className: 'hp-linkButton', textContent: t.__('Sign out') });
        out.onclick = () => void logout(sso!);
        parts.push(out);
      }
    } else if (sso) parts.push(signInButton(t, signIn, 'hp-linkButton'));
    else parts.push(el('a', { href: '/portal/account', textContent: t.__('Account') }));
    account.replaceChildren(...parts);
  };
  /** Keeps the access token fresh: refreshed a minute before it expires; signed out when the provider refuses. */
  let refreshTimer = 0;
  const scheduleRefresh = () => {
    window.clearTimeout(refreshTimer);
    const s = currentSession();
    if (!s || !sso) return;
    refreshTimer = window.setTimeout(
      async () => {
        const next = await refresh(sso!);
        token = next?.access_token ?? (storage()?.getItem(KEY_KEY) || undefined);
        if (!next) ctx.error(t.__('Your session has ended: sign in again.'));
        renderAccount();
        scheduleRefresh();
      },
      Math.max(0, s.expires_at - Date.now() - 60_000)
    );
  };
  const header = el(
    'header',
    { className: 'hp-header' },
    el('a', { className: 'hp-skip', href: '#hp-main', textContent: t.__('Skip to content') }),
    el(
      'a',
      { className: 'hp-brand', href: '/portal/' },
      el('strong', { textContent: 'HYSOPE' }),
      el('span', { textContent: t.__('Hydrology data, SWOT first') })
    ),
    el(
      'nav',
      { className: 'hp-nav' },
      el('a', { href: '/portal/', textContent: t.__('Search') }),
      el('a', { href: '/api.html', textContent: t.__('API') }),
      basketLink,
      account,
      el('label', { htmlFor: 'hp-lang', className: 'hp-visuallyHidden', textContent: t.__('Language') }),
      language
    )
  );
  header.querySelector('nav')!.setAttribute('aria-label', t.__('Main'));
  const footer = el(
    'footer',
    { className: 'hp-footer' },
    el('p', {
      textContent: t.__('Data: SWOT (NASA/CNES, PO.DAAC), Hydroweb (Theia/CNES), Hub’Eau (OFB). Basemap: Natural Earth; place names: GeoNames (CC BY 4.0).')
    })
  );
  root.replaceChildren(header, alerts, status, main, footer);

  function show(): void {
    page?.dispose();
    alerts.replaceChildren();
    status.replaceChildren();
    const route = parseRoute(location.pathname);
    if (route.page === 'callback') {
      page = null;
      main.replaceChildren(el('p', { className: 'hp-empty', textContent: t.__('Signing in…') }));
      void ready.then(async () => {
        try {
          if (!sso) throw new Error(t.__('this portal has no single sign-on'));
          const back = await finishLogin(sso, new URLSearchParams(location.search));
          token = currentSession()?.access_token;
          renderAccount();
          scheduleRefresh();
          history.replaceState(null, '', back);
          show();
        } catch (error) {
          main.replaceChildren(el('h1', { textContent: t.__('Sign-in failed') }), el('p', { textContent: (error as Error).message }));
          ctx.error(t.__('Sign-in failed: %1', (error as Error).message));
        }
      });
      return;
    }
    if (route.page === 'search') page = new SearchPage(ctx);
    else if (route.page === 'account') {
      page = new AccountPage(ctx, () => (sso ? signIn : null), ready);
      document.title = `${t.__('Your account')} · HYSOPE`;
    } else if (route.page === 'feature') page = new FeaturePage(ctx, route.kind, route.id, basket, () => (sso ? signIn : null));
    else if (route.page === 'basket') {
      page = new BasketPage(ctx, basket, () => (sso ? signIn : null));
      document.title = `${t.__('Download basket')} · HYSOPE`;
    } else {
      page = null;
      document.title = `${t.__('Page not found')} · HYSOPE`;
      main.replaceChildren(
        el('h1', { textContent: t.__('Page not found') }),
        el('p', {}, el('a', { href: '/portal/', textContent: t.__('Search the catalog') }))
      );
      return;
    }
    if (route.page === 'search') document.title = `${t.__('Find hydrology data')} · HYSOPE`;
    main.replaceChildren(page.node);
    void page.start();
  }

  // Links inside the portal change the page without reloading it.
  document.addEventListener('click', (e) => {
    const a = (e.target as Element).closest?.('a');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.hasAttribute('download') || a.target) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !(url.pathname === '/' || url.pathname.startsWith('/portal'))) return;
    e.preventDefault();
    ctx.navigate(url.pathname + url.search);
  });
  window.addEventListener('popstate', show);
  // Whether the gateway has single sign-on (and which provider); an expiring session is refreshed first.
  const ready = oidcInfo(location.origin)
    .then(async (info) => {
      sso = info;
      const s = currentSession();
      if (info && s && s.expires_at - Date.now() < 60_000) token = (await refresh(info))?.access_token ?? (storage()?.getItem(KEY_KEY) || undefined);
      if (!info && s) token = storage()?.getItem(KEY_KEY) || undefined;
    })
    .catch((error: unknown) => ctx.error((error as Error).message))
    .finally(() => {
      renderAccount();
      scheduleRefresh();
      basket.follow();
    });
  show();
}

boot(document.getElementById('app')!);
