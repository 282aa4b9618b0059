import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (never a downloaded browser). */
export const CHROMIUM = process.env['HYSOPE_CHROMIUM'] ?? '/usr/bin/chromium';

/** Flags for Chromium on this closed network, as root (no sandbox), without a GPU. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage'
];

/** Debian's Chromium, headless, with {@link CHROMIUM_ARGS}. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}
