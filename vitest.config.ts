import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Crash and CLI tests spawn real processes; two cores, so keep the pool small.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
    // The factory server's tests run on real PostgreSQL: a throwaway cluster, started by the first test that needs it, stopped here.
    globalSetup: ['./test/global-pg.ts'],
  },
});
