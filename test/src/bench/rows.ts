import { table } from './stats.js';

/**
 * One figure of the table: what was measured, the baseline measured
 * beside it in the same run, the goal, and whether the goal is met
 * (`undefined`: nothing to judge, e.g. a figure printed for reference).
 */
export interface BenchRow {
  readonly figure: string;
  /** The measured figure, with its unit (`4.1 ms p50`). */
  readonly value: string;
  /** The baseline measured in the same run, with its unit and the ratio (`bare round 3.2 ms, 1.3x`). */
  readonly baseline: string;
  /** The goal, in words (`<= 5 ms and <= 1.5x the bare round`). */
  readonly goal: string;
  readonly isMet: boolean | undefined;
}

/** A benchmark: prints its detail as it goes and returns its rows for the summary. */
export type Benchmark<Etcd> = (etcd: Etcd) => Promise<readonly BenchRow[] | void>;

/** The summary table: one line per row, PASS/FAIL last. */
export function summaryTable(rows: readonly BenchRow[]): string {
  return table([
    ['figure', 'measured', 'baseline (same run)', 'goal', 'result'],
    ...rows.map((r) => [
      r.figure,
      r.value,
      r.baseline,
      r.goal,
      r.isMet === undefined ? '-' : r.isMet ? 'PASS' : 'FAIL',
    ]),
  ]);
}
