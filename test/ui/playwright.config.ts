// Galata UI tests: the real lab and the real gateway, driven in Debian's Chromium (never a downloaded browser).
import galataConfig from '@jupyterlab/galata/lib/playwright-config.js';
import { defineConfig, type PlaywrightTestConfig } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from '../browser/chromium.js';

// NOTE: galata's config module is CommonJS (module.exports); its typings do not say so.
const baseConfig = galataConfig as unknown as PlaywrightTestConfig;

const LAB_PORT = process.env['HYSOPE_UI_LAB_PORT'] ?? '8889';

export default defineConfig({
  ...baseConfig,
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../test-results/ui',
  reporter: [['list']],
  workers: 1,
  retries: 0,
  timeout: 120_000,
  use: {
    ...baseConfig.use,
    baseURL: `http://127.0.0.1:${LAB_PORT}`,
    video: 'off',
    trace: 'off',
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS }
  },
  // One webServer starting the three servers side by side (Playwright starts its webServers one after the other:
  // 58-62 s in a row, 49-51 s side by side on two cores); it is ready when it says so, after all three answer.
  webServer: {
    command: 'bash start-all.sh',
    wait: { stdout: /HYSOPE UI servers ready/ },
    timeout: 240_000,
    reuseExistingServer: false,
    // Stopped with SIGTERM (Playwright's default is SIGKILL to the group): the start scripts' traps then stop the
    // kernels the lab started in sessions of their own. A kernel left by a failed test would otherwise outlive the
    // lab holding Playwright's output pipe, and the run would never end.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 }
  }
});
