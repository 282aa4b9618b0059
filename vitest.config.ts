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
    // Two files at a time (vitest's default on a 2-core machine is one: cores - 1): most system tests wait on
    // servers, subprocesses and timers rather than compute.
    maxWorkers: 2,
    minWorkers: 1,
    globalSetup: ['test/global-setup.ts']
  }
});
