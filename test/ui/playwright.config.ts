// Galata UI tests: the real lab and the real gateway, driven in Debian's Chromium (never a downloaded browser).
import galataConfig from '@jupyterlab/galata/lib/playwright-config.js';
import { defineConfig, type PlaywrightTestConfig } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from '../browser/chromium.js';

// NOTE: galata's config module is CommonJS (module.exports); its typings do not say so.
const baseConfig = galataConfig as unknown as PlaywrightTestConfig;

const LAB_PORT = process.env['HYSOPE_UI_LAB_PORT'] ?? '8889';
const PORTAL_PORT = process.env['HYSOPE_UI_PORTAL_PORT'] ?? '8092';
const SITE_PORT = process.env['HYSOPE_UI_SITE_PORT'] ?? '8095';

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
  webServer: [
    {
      command: 'bash start-servers.sh',
      url: `http://127.0.0.1:${LAB_PORT}/api/status`,
      timeout: 120_000,
      reuseExistingServer: false
    },
    {
      // The zero-server workshop site (lite.spec.ts): built by `hysope export-static --lab`, served as plain files.
      command: 'bash start-lite.sh',
      url: `http://127.0.0.1:${SITE_PORT}/lab/index.html`,
      timeout: 180_000,
      reuseExistingServer: false
    },
    {
      // The portal's own gateway (portal.spec.ts), with every kind of sample.
      command: 'bash start-portal.sh',
      url: `http://127.0.0.1:${PORTAL_PORT}/health/live`,
      timeout: 120_000,
      reuseExistingServer: false
    }
  ]
});
