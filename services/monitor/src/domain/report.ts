// Reports of a run (issue 21 §1): what failures and repairs did over a range
// of ticks, folded from the records' states and since-ticks. Pure: the store
// layer (src/reports/) hands in what it read and replayed.
import { rackOf, zoneOf } from '@chamber/world';

/**
 * One state an element's record took: from `tick` (the record's
 * `since_tick`) until the next. `isOn` is "working" for an actual record and
 * "observed failed" for an observed one.
 */
export interface Fact {
  readonly tick: number;
  readonly isOn: boolean;
}

/**
 * What the store held of one element over the range: its actual and observed
 * states in the order they were written, the first being the one standing
 * when the range began. Re-writes of an unchanged state (a restarted
 * service redoing a tick) may appear any number of times: they count once.
 */
export interface ElementHistory {
  /** The element's path (`region/zone/rack/blade/3`). */
  readonly path: string;
  readonly actual: readonly Fact[];
  readonly observed: readonly Fact[];
}

/** One outage of one element; see {@link foldElement}. */
export interface ElementOutage {
  readonly path: string;
  readonly startTick: number;
  readonly detectedTick: number | undefined;
  readonly endTick: number | undefined;
  /** endTick − startTick; open: toTick + 1 − startTick. */
  readonly ticks: number;
}

/** Sums of one element or of a group, from which its figures are made. */
export interface Tally {
  elements: number;
  elementTicks: number;
  workingTicks: number;
  failures: number;
  openOutages: number;
  repairedOutages: number;
  outageTicksRepaired: number;
  longestOutageTicks: number;
  detected: number;
  detectionTicks: number;
  detectedAndRepaired: number;
  repairTicks: number;
}

/** A tally of nothing. */
export function emptyTally(): Tally {
  return {
    elements: 0,
    elementTicks: 0,
    workingTicks: 0,
    failures: 0,
    openOutages: 0,
    repairedOutages: 0,
    outageTicksRepaired: 0,
    longestOutageTicks: 0,
    detected: 0,
    detectionTicks: 0,
    detectedAndRepaired: 0,
    repairTicks: 0,
  };
}

/** Adds `b` into `a`. */
export function addTally(a: Tally, b: Tally): void {
  a.elements += b.elements;
  a.elementTicks += b.elementTicks;
  a.workingTicks += b.workingTicks;
  a.failures += b.failures;
  a.openOutages += b.openOutages;
  a.repairedOutages += b.repairedOutages;
  a.outageTicksRepaired += b.outageTicksRepaired;
  a.longestOutageTicks = Math.max(a.longestOutageTicks, b.longestOutageTicks);
  a.detected += b.detected;
  a.detectionTicks += b.detectionTicks;
  a.detectedAndRepaired += b.detectedAndRepaired;
  a.repairTicks += b.repairTicks;
}

/** The figures people read, as `chamber.reports.v1.ReportFigures` carries them. */
export interface Figures {
  readonly elements: number;
  readonly elementTicks: number;
  readonly workingTicks: number;
  /** workingTicks / elementTicks; 1 when nothing was counted. */
  readonly availability: number;
  readonly failures: number;
  readonly openOutages: number;
  /** workingTicks / failures; absent without a failure. */
  readonly mtbfTicks: number | undefined;
  /** Mean outage (actual down → actual working) over the outages that ended in the range. */
  readonly mttrTicks: number | undefined;
  readonly longestOutageTicks: number;
  /** Mean observed-failed − down, over the outages the monitor observed. */
  readonly meanDetectionTicks: number | undefined;
  /** Mean working-again − observed-failed, over the outages observed and ended. */
  readonly meanRepairTicks: number | undefined;
}

/** The figures of a tally. */
export function figuresOf(t: Tally): Figures {
  const mean = (sum: number, n: number): number | undefined => (n === 0 ? undefined : sum / n);
  return {
    elements: t.elements,
    elementTicks: t.elementTicks,
    workingTicks: t.workingTicks,
    availability: t.elementTicks === 0 ? 1 : t.workingTicks / t.elementTicks,
    failures: t.failures,
    openOutages: t.openOutages,
    mtbfTicks: mean(t.workingTicks, t.failures),
    mttrTicks: mean(t.outageTicksRepaired, t.repairedOutages),
    longestOutageTicks: t.longestOutageTicks,
    meanDetectionTicks: mean(t.detectionTicks, t.detected),
    meanRepairTicks: mean(t.repairTicks, t.detectedAndRepaired),
  };
}

/**
 * The facts as the states they made, in tick order: a fact that does not
 * change the state (a re-write) is dropped, and of several facts at one
 * tick the last written stands.
 */
export function changesOf(facts: readonly Fact[]): Fact[] {
  return latestChanges(facts, (f) => f.isOn);
}

/**
 * Facts in tick order as the states they made, their state told by `stateOf`:
 * of several facts at one tick the last written stands, and a fact that
 * does not change the state (a re-write) is dropped.
 */
export function latestChanges<F extends { readonly tick: number }, S>(
  facts: readonly F[],
  stateOf: (fact: F) => S,
): F[] {
  // Stable: facts of one tick keep their written order.
  const sorted = facts.map((f, i) => ({ f, i })).sort((a, b) => a.f.tick - b.f.tick || a.i - b.i);
  const out: F[] = [];
  for (const { f } of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.tick === f.tick) out.pop();
    const before = out[out.length - 1];
    if (before === undefined || stateOf(before) !== stateOf(f)) out.push(f);
  }
  return out;
}

/**
 * One element over ticks `fromTick`..`toTick` (both counted):
 *
 * - it is counted from its first working tick on (before it, it is being
 *   installed or boots: not down time, not a failure);
 * - an **outage** runs from a tick A it leaves working to the first tick R it
 *   works again (open while it has not by `toTick`); it is a **failure** of
 *   the range when A is in it. An outage begun before the range keeps its
 *   start; only its ticks in the range are down ticks;
 * - it is **detected** at O, the first tick in [A, R) at which the monitor
 *   observed it failed: detection delay O − A, repair time R − O;
 * - MTTR is over the outages that ended in the range (R − A each).
 *
 * Its cost follows the facts, not the ticks. Facts after `toTick` are ignored.
 */
export function foldElement(
  history: ElementHistory,
  fromTick: number,
  toTick: number,
): { tally: Tally; outages: ElementOutage[] } {
  const tally = emptyTally();
  const outages: ElementOutage[] = [];
  const actual = changesOf(history.actual.filter((f) => f.tick <= toTick));
  const observed = changesOf(history.observed.filter((f) => f.tick <= toTick));
  const firstWorking = actual.findIndex((f) => f.isOn);
  if (firstWorking < 0) return { tally, outages };
  const end = toTick + 1; // exclusive
  const counted = (a: number, b: number): number =>
    Math.max(0, Math.min(b, end) - Math.max(a, fromTick));

  tally.elements = 1;
  const start = actual[firstWorking]!.tick;
  tally.elementTicks = counted(start, end);
  for (let i = firstWorking; i < actual.length; i++) {
    const f = actual[i]!;
    const until = actual[i + 1]?.tick ?? end;
    if (f.isOn) {
      tally.workingTicks += counted(f.tick, until);
      continue;
    }
    // An outage [f.tick, until): ended when a working fact follows.
    const isOpen = i + 1 >= actual.length;
    if (until <= fromTick) continue;
    const ticks = (isOpen ? end : until) - f.tick;
    const detectedTick = firstFailed(observed, f.tick, isOpen ? end : until);
    outages.push({
      path: history.path,
      startTick: f.tick,
      detectedTick,
      endTick: isOpen ? undefined : until,
      ticks,
    });
    if (f.tick >= fromTick) tally.failures++;
    tally.longestOutageTicks = Math.max(tally.longestOutageTicks, ticks);
    if (isOpen) tally.openOutages++;
    else {
      tally.repairedOutages++;
      tally.outageTicksRepaired += ticks;
    }
    if (detectedTick !== undefined) {
      tally.detected++;
      tally.detectionTicks += detectedTick - f.tick;
      if (!isOpen) {
        tally.detectedAndRepaired++;
        tally.repairTicks += until - detectedTick;
      }
    }
  }
  return { tally, outages };
}

/** The first tick in [a, b) at which `observed` shows failed, if any. */
function firstFailed(observed: readonly Fact[], a: number, b: number): number | undefined {
  let standing: Fact | undefined;
  for (const f of observed) {
    if (f.tick >= b) break;
    if (f.tick <= a) {
      standing = f;
      continue;
    }
    if (standing?.isOn === true) return a;
    if (f.isOn) return f.tick;
    standing = f;
  }
  return standing?.isOn === true ? a : undefined;
}

/** A repair as a report reads it (from `repairs/<id>`, statuses and steps in words). */
export interface RepairFacts {
  readonly target: string;
  readonly openedTick: number;
  /** Its status word as it stands at the range's end (`succeeded`, `escalated`, …). */
  readonly status: string;
  /** The step word of each attempt it issued (`power_cycle`, …), with its tick. */
  readonly issued: ReadonlyArray<{ readonly tick: number; readonly step: string }>;
}

/** The repairs opened in a range, as `chamber.reports.v1.RepairCounts` carries them. */
export interface RepairCounts {
  opened: number;
  byOutcome: Record<string, number>;
  byStep: Record<string, number>;
  escalations: number;
}

/** Nothing repaired. */
export function emptyRepairCounts(): RepairCounts {
  return { opened: 0, byOutcome: {}, byStep: {}, escalations: 0 };
}

/**
 * Counts `repair` into `counts` when it was opened in [fromTick, toTick]:
 * its outcome, the steps it issued by then, and whether it escalated.
 * Returns whether it was counted.
 */
export function countRepair(
  counts: RepairCounts,
  repair: RepairFacts,
  fromTick: number,
  toTick: number,
): boolean {
  if (repair.openedTick < fromTick || repair.openedTick > toTick) return false;
  counts.opened++;
  counts.byOutcome[repair.status] = (counts.byOutcome[repair.status] ?? 0) + 1;
  for (const { tick, step } of repair.issued)
    if (tick <= toTick) counts.byStep[step] = (counts.byStep[step] ?? 0) + 1;
  if (repair.status === 'escalated') counts.escalations++;
  return true;
}

/** Adds `b` into `a`. */
export function addRepairCounts(a: RepairCounts, b: RepairCounts): void {
  a.opened += b.opened;
  a.escalations += b.escalations;
  for (const [k, v] of Object.entries(b.byOutcome)) a.byOutcome[k] = (a.byOutcome[k] ?? 0) + v;
  for (const [k, v] of Object.entries(b.byStep)) a.byStep[k] = (a.byStep[k] ?? 0) + v;
}

/** How a report groups elements. */
export type Grouping = 'element' | 'rack' | 'zone';

/**
 * The group of element `path` (`region/zone/rack/kind/n`): itself, its rack
 * (`region/zone/rack`) or its zone (`region/zone`).
 */
export function groupOf(path: string, by: Grouping): string {
  return by === 'element' ? path : by === 'rack' ? rackOf(path) : zoneOf(path);
}
