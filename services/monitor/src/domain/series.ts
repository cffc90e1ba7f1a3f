import { latestChanges } from './report.js';

/** A record's state word (`working`, `healthy`, …) from `tick` (its `since_tick`) on. */
export interface WordFact {
  readonly tick: number;
  readonly word: string;
}

/** A workload's counts from `tick` until its next sample (an `availability/` sample). */
export interface WorkloadSample {
  readonly workload: string;
  readonly tick: number;
  readonly desired: number;
  readonly running: number;
  readonly observedRunning: number;
}

/** What a series is folded from; see {@link seriesOf}. */
export interface SeriesInput {
  /** Each element's actual and observed state words as written (re-writes allowed). */
  readonly elements: Iterable<{
    readonly actual: readonly WordFact[];
    readonly observed: readonly WordFact[];
  }>;
  /** Each repair's opening and closing (0: open) tick. */
  readonly repairs: Iterable<{ readonly openedTick: number; readonly closedTick: number }>;
  /** Every workload's samples, any order. */
  readonly samples: readonly WorkloadSample[];
}

/** The run at one tick; see `chamber.reports.v1.SeriesPoint`. */
export interface Point {
  readonly tick: number;
  readonly actual: Readonly<Record<string, number>>;
  readonly observed: Readonly<Record<string, number>>;
  readonly repairsOpen: number;
  readonly workloads: ReadonlyArray<Omit<WorkloadSample, 'tick'>>;
}

/**
 * The run tick by tick over `fromTick`..`toTick`: elements by actual and by
 * observed state word (an element counts from its first record), repairs
 * open (opened at or before the tick, not yet closed), and each workload's
 * latest sample (a workload appears from its first sample). Folded from the
 * changes: the work is the changes plus one point per tick, not the
 * elements times the ticks.
 */
export function seriesOf(input: SeriesInput, fromTick: number, toTick: number): Point[] {
  const actual = new Deltas();
  const observed = new Deltas();
  for (const e of input.elements) {
    actual.addFacts(e.actual, fromTick, toTick);
    observed.addFacts(e.observed, fromTick, toTick);
  }
  const repairs = new Deltas();
  for (const r of input.repairs) {
    const closed = r.closedTick === 0 ? [] : [{ tick: r.closedTick, word: '' }];
    repairs.addFacts([{ tick: r.openedTick, word: 'open' }, ...closed], fromTick, toTick);
  }
  const byWorkload = new Map<string, WorkloadSample[]>();
  for (const s of input.samples) {
    const list = byWorkload.get(s.workload) ?? [];
    list.push(s);
    byWorkload.set(s.workload, list);
  }
  const workloads = [...byWorkload.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, samples]) => ({ samples: samples.sort((a, b) => a.tick - b.tick), next: 0 }));

  const points: Point[] = [];
  for (let tick = fromTick; tick <= toTick; tick++) {
    const standing: Array<Omit<WorkloadSample, 'tick'>> = [];
    for (const w of workloads) {
      while (w.next < w.samples.length && w.samples[w.next]!.tick <= tick) w.next++;
      const s = w.samples[w.next - 1];
      if (s !== undefined)
        standing.push({
          workload: s.workload,
          desired: s.desired,
          running: s.running,
          observedRunning: s.observedRunning,
        });
    }
    points.push({
      tick,
      actual: actual.at(tick),
      observed: observed.at(tick),
      repairsOpen: repairs.at(tick)['open'] ?? 0,
      workloads: standing,
    });
  }
  return points;
}

/** Counts by word, kept as changes per tick and swept forward. */
class Deltas {
  private readonly changes = new Map<number, Map<string, number>>();
  private readonly counts: Record<string, number> = {};
  /** The last tick swept; changes before the first tick asked were moved onto it. */
  private reached: number | undefined;

  /** One record's words: the one standing at `fromTick`, then each change to `toTick`. */
  addFacts(facts: readonly WordFact[], fromTick: number, toTick: number): void {
    let before: string | undefined;
    for (const f of latestChanges(facts, (x) => x.word)) {
      if (f.tick > toTick) break;
      const at = Math.max(f.tick, fromTick);
      if (before !== undefined) this.change(at, before, -1);
      this.change(at, f.word, +1);
      before = f.word;
    }
  }

  /** The counts at `tick` (ticks asked in increasing order). */
  at(tick: number): Record<string, number> {
    for (let t = this.reached === undefined ? tick : this.reached + 1; t <= tick; t++) {
      for (const [word, d] of this.changes.get(t) ?? []) {
        const n = (this.counts[word] ?? 0) + d;
        if (n === 0) delete this.counts[word];
        else this.counts[word] = n;
      }
    }
    this.reached = tick;
    const out: Record<string, number> = {};
    for (const [word, n] of Object.entries(this.counts)) if (word !== '') out[word] = n;
    return out;
  }

  private change(tick: number, word: string, d: number): void {
    const m = this.changes.get(tick) ?? new Map<string, number>();
    m.set(word, (m.get(word) ?? 0) + d);
    this.changes.set(tick, m);
  }
}
