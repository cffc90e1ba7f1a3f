import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { budgets } from './libs/testing/dist/src/budgets.js';

/**
 * The test files that run a world on `large` (100,000 blades). Two such
 * worlds at once starve a 2-core machine (the storm took 790 s beside the
 * map's, 179 s alone): the first starts first, the other after the other
 * system and browser tests.
 */
const onLarge = ['test/src/system/scenarios-large.test.ts', 'test/src/browser/map.test.ts'];

/**
 * Starts the longest test files first, so that the two workers finish
 * together rather than one waiting on a long file started last: by their
 * last durations when vitest's cache knows every file (BaseSequencer), else
 * (a fresh clone, CI) the first file {@link onLarge}, then system, browser
 * and launcher tests (seconds to a minute or two each), then the other
 * files on `large`, then the other integration tests, then unit tests; the
 * largest file first within each.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const relativeOf = (f: TestSpecification): string => path.relative(root, f.moduleId);
    const isKnown = (f: TestSpecification): boolean =>
      this.ctx.cache.getFileTestResults(`${f.project.name}:${relativeOf(f)}`) !== undefined;
    if (files.every(isKnown)) return super.sort(files);
    const weight = (f: TestSpecification): number => {
      const large = onLarge.indexOf(relativeOf(f));
      if (large === 0) return 4;
      if (large > 0) return 1.5;
      if (/\/test\/src\/(system|browser)\/|\/deploy\/local\/test\//.test(f.moduleId)) return 2;
      return f.moduleId.endsWith('.int.test.ts') ? 1 : 0;
    };
    const size = (f: TestSpecification): number => fs.statSync(f.moduleId).size;
    return [...files].sort((a, b) => weight(b) - weight(a) || size(b) - size(a));
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
    sequence: { sequencer: LongestFirst },
  },
});
