import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// End-to-end: the real renderer in Debian Chromium (playwright-core, no downloaded browser)
// against the real core through `wxprov ui`. One file at a time: each starts a station
// process and a browser, and the first may build the renderer.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
