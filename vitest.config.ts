import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // Two cores here: the multi-process and browser tests spawn their own workers.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
    env: { PDM_LOG_LEVEL: process.env.PDM_LOG_LEVEL ?? 'silent' },
  },
});
