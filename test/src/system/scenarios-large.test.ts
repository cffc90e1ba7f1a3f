import { budgets } from '@chamber/testing';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { artifact } from '../browser/browser.js';
import { runShipped, shippedScenarios } from './shipped-scenarios.js';

// The shipped scenarios on `large` (100,000 blades), as scenarios.test.ts
// runs the others: minutes each, so in a file of their own that the runner
// starts first (vitest.config.ts). Each run's wall time goes to
// test-artifacts/scenario-times-large.txt.

describe('the shipped scenarios on large', () => {
  for (const name of shippedScenarios(true)) {
    it(
      `${name}: every expectation holds`,
      async () => {
        const { chamber, report, failed, run } = await runShipped(name);
        await chamber.stop();
        expect(failed, run).toBe('');
        fs.appendFileSync(
          artifact('scenario-times-large.txt'),
          `${name}: ${report.tick} ticks in ${(report.wallMs / 1000).toFixed(1)} s\n`,
        );
      },
      budgets.scaleTestMs,
    );
  }
});
