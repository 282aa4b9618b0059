import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PIXC_CLASSES, QUALITY, SWOT_VARIABLES } from '@hysope/api';
import { KINDS } from '@hysope/swath-viewer/lib/data.js';
import { ACCESS_LEVELS, ROLES } from '@hysope/gateway/dist/auth/principal.js';
import { describe, expect, it } from 'vitest';
import { FR } from './fr.js';
import { pickLang, Strings } from './i18n.js';
import { KIND_NAMES } from './search-page.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The sources whose strings the portal shows: its own, and the shared map's. */
const SOURCES = [
  ...['main.ts', 'search-page.ts', 'feature-page.ts', 'area-tool.ts', 'account-page.ts', 'basket-page.ts', 'alerts-panel.ts'].map((f) => path.join(here, f)),
  ...['map.ts', 'map-info.ts', 'legend.ts'].map((f) => path.join(here, '../../../extensions/swath-viewer/src', f))
];

/** The English literals passed to `__(...)` and `_n(...)` in a source. */
function literals(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/\b(__|_n)\(\s*'((?:[^'\\]|\\.)*)'(?:,\s*'((?:[^'\\]|\\.)*)')?/g)) {
    out.push(m[2]!.replace(/\\'/g, "'"));
    if (m[1] === '_n' && m[3]) out.push(m[3].replace(/\\'/g, "'"));
  }
  return out;
}

describe('the portal in French', () => {
  it('has a French text for every string the portal and its map show', () => {
    const english = SOURCES.flatMap((f) => literals(readFileSync(f, 'utf8')));
    expect(english.length).toBeGreaterThan(80);
    const labels = [
      ...Object.values(KIND_NAMES),
      ...Object.values(KINDS).map((k) => k.label),
      ...Object.values(SWOT_VARIABLES).map((v) => v.label),
      ...Object.values(QUALITY).map((q) => q.label),
      ...Object.values(PIXC_CLASSES).map((c) => c.label),
      // What the gateway says of an account (roles, levels, how signed in, kinds of access).
      ...ROLES,
      ...ACCESS_LEVELS,
      'API key',
      'single sign-on',
      'JupyterHub',
      'download',
      'read',
      'timeseries',
      // Job statuses (OGC API - Processes).
      'accepted',
      'running',
      'successful',
      'failed',
      'dismissed'
    ];
    const missing = [...new Set([...english, ...labels])].filter((s) => !(s in FR));
    expect(missing).toEqual([]);
  });

  it('keeps the arguments of every string', () => {
    for (const [en, fr] of Object.entries(FR)) {
      const args = (s: string) => [...s.matchAll(/%\d/g)].map((m) => m[0]).sort();
      expect(args(fr), en).toEqual(args(en));
    }
  });

  it('formats numbers and dates for the language', () => {
    const fr = new Strings('fr');
    const en = new Strings('en');
    expect(fr.number(1234.5, 1)).toBe('1\u202f234,5');
    expect(en.number(1234.5, 1)).toBe('1,234.5');
    expect(fr.date('2023-06-10T19:33:37Z', true)).toBe('10 juin 2023');
    expect(en.date('2023-06-10T19:33:37Z')).toBe('Jun 10, 2023, 7:33 PM UTC');
    expect(fr._n('%1 result', '%1 results', 2)).toBe('2 résultats');
    expect(fr._n('%1 result', '%1 results', 1)).toBe('1 résultat');
    expect(en._n('%1 result', '%1 results', 12345)).toBe('12,345 results');
    expect(fr.__('cycle %1, pass %2', 548, 11)).toBe('cycle 548, trace 11');
    // Unknown strings stay English rather than vanish.
    expect(fr.__('Something new %1', 'x')).toBe('Something new x');
  });

  it('takes the language from the address, then the choice made before, then the browser', () => {
    expect(pickLang('?lang=fr', 'en', ['en-US'])).toBe('fr');
    expect(pickLang('', 'fr', ['en-US'])).toBe('fr');
    expect(pickLang('', null, ['de-DE', 'fr-FR', 'en'])).toBe('fr');
    expect(pickLang('?lang=xx', null, ['de'])).toBe('en');
  });
});
