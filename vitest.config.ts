import { defineConfig } from 'vitest/config';

// One runner for the whole repository. Cross-package imports resolve to the
// built `dist/` of each package, so `npm test` builds first (tsc -b).
export default defineConfig({
  test: {
    include: ['**/src/**/*.test.ts', '**/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['./libs/testing/dist/src/global-setup.js'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
