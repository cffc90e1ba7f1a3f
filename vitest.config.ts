import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { budgets } from './libs/testing/dist/src/budgets.js';

/**
 * The test files that run a world on `large` (100,000 blades). Two such
 * worlds at once starve a 2-core machine (the storm took 790 s beside the
 * map's, 179 s alone): the first starts first, the other near the end.
 */
const onLarge = ['test/src/system/scenarios-large.test.ts', 'test/src/browser/map.test.ts'];

/**
 * Orders the test files so that the two workers keep the machine busy and
 * finish together, the same on a fresh clone (CI) as on a rerun:
 * 1. the first file {@link onLarge} (the fault storm), beside
 * 2. the integration tests (a service or two each): a storm beside the
 *    system tests' worlds of many processes took 3.7 times as long as
 *    alone (672 s), and slowed them as much;
 * 3. the system, browser and launcher tests (seconds to a minute or two
 *    each);
 * 4. the other files {@link onLarge}, beside
 * 5. the unit tests;
 * the largest file first within each.
 */
class LargeApart extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const relativeOf = (f: TestSpecification): string => path.relative(root, f.moduleId);
    const rank = (f: TestSpecification): number => {
      const large = onLarge.indexOf(relativeOf(f));
      if (large === 0) return 0;
      if (large > 0) return 3;
      if (/\/test\/src\/(system|browser)\/|\/deploy\/local\/test\//.test(f.moduleId)) return 2;
      return f.moduleId.endsWith('.int.test.ts') ? 1 : 4;
    };
    const size = (f: TestSpecification): number => fs.statSync(f.moduleId).size;
    return Promise.resolve([...files].sort((a, b) => rank(a) - rank(b) || size(b) - size(a)));
  }
}

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
    sequence: { sequencer: LargeApart },
  },
});
