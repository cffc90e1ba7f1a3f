import type { Report } from '@chamber/api';
import { describe, expect, it } from 'vitest';
import { figureWords, formatReport } from './report.js';

const figures = {
  elements: 6,
  elementTicks: 540,
  workingTicks: 520,
  availability: 520 / 540,
  failures: 2,
  openOutages: 0,
  mtbfTicks: 260,
  mttrTicks: 10,
  longestOutageTicks: 10,
  meanDetectionTicks: 4,
  meanRepairTicks: 6,
};
const repairs = { opened: 2, byOutcome: { recovered: 2 }, byStep: {}, escalations: 0 };
const report: Report = {
  run: 2,
  fromTick: 10,
  toTick: 99,
  by: 'rack',
  total: figures,
  repairs,
  groups: [{ name: 'small/z1/rack1', figures, repairs, outages: [] }],
  workloads: [],
  openFaults: 0,
  openRepairs: 0,
  pendingInstances: 0,
};

describe('a report for people', () => {
  it('says the figures in words, ticks as ticks, and lists the groups with the total last', () => {
    expect(figureWords(figures)).toBe(
      'availability 96.29 %, 2 failures, MTBF 260 ticks, MTTR 10 ticks, longest outage 10 ticks, detected after 4 ticks, repaired in 6 ticks',
    );
    const lines = formatReport(report);
    expect(lines.slice(0, 4)).toEqual([
      'run 2, ticks 10 to 99: 6 elements',
      `  ${figureWords(figures)}`,
      '  repairs: 2 opened (2 recovered); 0 escalated',
      '  at tick 99: 0 faults active, 0 repairs open, 0 instances pending',
    ]);
    expect(lines.slice(5)).toEqual([
      expect.stringMatching(
        /^ {2}rack +availability +failures +open +MTBF +MTTR +longest/,
      ) as string,
      expect.stringMatching(
        /^ {2}small\/z1\/rack1 +96\.29 % +2 +0 +260 ticks +10 ticks +10 ticks/,
      ) as string,
      expect.stringMatching(/^ {2}total +96\.29 % +2 +0/) as string,
    ]);
  });

  it('leaves out the figures a run without failures has none of', () => {
    expect(
      figureWords({ availability: 1, failures: 0, openOutages: 0, longestOutageTicks: 0 }),
    ).toBe('availability 100.00 %, 0 failures');
  });
});
