import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'server/*/src/**/*.test.ts',
      'kernels-bridge/src/**/*.test.ts',
      'extensions/*/src/**/*.test.ts',
      'test/system/**/*.test.ts',
      'test/conformance/**/*.test.ts',
      'test/browser/**/*.test.ts'
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts']
  }
});
