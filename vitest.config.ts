import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { budgets } from './libs/testing/dist/src/budgets.js';

/**
 * The test files that run a world on `large` (100,000 blades). Two such
 * worlds at once starve a 2-core machine (the storm took 790 s beside the
 * map's, 179 s alone): the first starts first, the other once it has ended.
 */
const onLarge = ['test/src/system/scenarios-large.test.ts', 'test/src/browser/map.test.ts'];

/**
 * How many system files the other worker runs after the integration tests
 * before a file {@link onLarge} other than the first is due: the three
 * largest (the launcher's and the README walkthrough among them) take it
 * past the storm's end with minutes to spare (storm ~280 s; integration
 * tests and those three ~450 s on a fresh CI clone).
 */
const systemFilesBeforeLarge = 3;

/**
 * Orders the test files so that the two workers keep the machine busy and
 * finish together, the same on a fresh clone (CI) as on a rerun:
 * 1. the first file {@link onLarge} (the fault storm), beside
 * 2. the integration tests (a service or two each): a storm beside the
 *    system tests' worlds of many processes took 3.7 times as long as
 *    alone (672 s), and slowed them as much;
 * 3. the system, browser and launcher tests (seconds to a minute or two
 *    each), the other files {@link onLarge} after the first
 *    {@link systemFilesBeforeLarge} of them (at the end, beside the unit
 *    tests, the map's 140 s left one worker idle for 30 s);
 * 4. the unit tests;
 * the largest file first within each.
 */
class LargeApart extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const relativeOf = (f: TestSpecification): string => path.relative(root, f.moduleId);
    const rank = (f: TestSpecification): number => {
      if (onLarge.indexOf(relativeOf(f)) === 0) return 0;
      if (/\/test\/src\/(system|browser)\/|\/deploy\/local\/test\//.test(f.moduleId)) return 2;
      return f.moduleId.endsWith('.int.test.ts') ? 1 : 3;
    };
    const size = (f: TestSpecification): number => fs.statSync(f.moduleId).size;
    const sorted = [...files].sort((a, b) => rank(a) - rank(b) || size(b) - size(a));
    const later = sorted.filter((f) => onLarge.indexOf(relativeOf(f)) > 0);
    const rest = sorted.filter((f) => !later.includes(f));
    const firstSystem = rest.findIndex((f) => rank(f) === 2);
    const at = firstSystem < 0 ? rest.length : firstSystem + systemFilesBeforeLarge;
    return Promise.resolve([...rest.slice(0, at), ...later, ...rest.slice(at)]);
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
