import { defineConfig } from 'vitest/config';
import { budgets } from './libs/testing/dist/src/budgets.js';

// One runner for the whole repository. Cross-package imports resolve to the
// built `dist/` of each package, so `npm test` builds first (tsc -b). The
// time budgets live in libs/testing/src/budgets.ts, sized for a loaded machine.
export default defineConfig({
  test: {
    include: ['**/src/**/*.test.ts', '**/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['./libs/testing/dist/src/global-setup.js'],
    testTimeout: budgets.testMs,
    hookTimeout: budgets.hookMs,
    expect: { poll: { timeout: budgets.waitMs } },
    pool: 'forks',
    maxWorkers: 2,
  },
});
