// The portal's two languages. Strings are written in English in the code (as JupyterLab's `trans.__` does, so
// the map's shared modules take either); French comes from the catalogue below. Dates and numbers are formatted
// by the browser's Intl for the language chosen.
import { FR } from './fr.js';

export type Lang = 'en' | 'fr';
export const LANGS: Lang[] = ['en', 'fr'];

/** Replaces `%1`, `%2`... with the arguments. */
function fill(text: string, args: unknown[]): string {
  return text.replace(/%(\d)/g, (m, i: string) => (args[Number(i) - 1] === undefined ? m : String(args[Number(i) - 1])));
}

export class Strings {
  private readonly dates: Intl.DateTimeFormat;
  private readonly days: Intl.DateTimeFormat;

  constructor(readonly lang: Lang) {
    this.dates = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
    this.days = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone: 'UTC' });
  }

  /** The text in the language, with its arguments. */
  __(text: string, ...args: unknown[]): string {
    return fill(this.lang === 'fr' ? (FR[text] ?? text) : text, args);
  }

  /** Singular or plural by `n` (`%1` is `n`, localized). */
  _n(singular: string, plural: string, n: number, ...args: unknown[]): string {
    return this.__(n === 1 || (this.lang === 'fr' && n === 0) ? singular : plural, this.number(n), ...args);
  }

  /** A number with at most `digits` decimals, in the language's notation. */
  number(v: number, digits = 0): string {
    return new Intl.NumberFormat(this.lang, { maximumFractionDigits: digits }).format(v);
  }

  /** An instant (UTC), with its time unless `day`. */
  date(iso: string | null | undefined, day = false): string {
    if (!iso) return '—';
    const t = Date.parse(iso);
    return Number.isFinite(t) ? `${(day ? this.days : this.dates).format(t)}${day ? '' : ' UTC'}` : iso;
  }
}

/** The language asked in the address (`?lang=`), chosen before, or the browser's first known one. */
export function pickLang(search: string, stored: string | null, browser: readonly string[]): Lang {
  const asked = new URLSearchParams(search).get('lang');
  for (const l of [asked, stored, ...browser.map((b) => b.slice(0, 2).toLowerCase())]) if (l === 'en' || l === 'fr') return l;
  return 'en';
}
