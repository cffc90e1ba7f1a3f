import { FaultKind, FaultStatus, type FaultRecord, type Schedule } from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import { advance, cleared, fixed, initialRecord, scheduleErrors } from './schedule.js';

const make = (
  kind: FaultKind,
  schedule: Schedule,
  targets = ['r/z/k/blade/0'],
  seed = 1,
): FaultRecord =>
  initialRecord({ id: 'f5-1', kind, targets, schedule, requestedBy: 'test' }, 5, seed);

/** Runs a record's own transitions through `until`; the ticks at which it became active. */
function activations(record: FaultRecord, until: number, seed = 1): number[] {
  let r = record;
  const out = r.status === FaultStatus.FAULT_STATUS_ACTIVE ? [r.sinceTick] : [];
  while (r.nextTick !== 0 && r.nextTick <= until) {
    const before = r.status;
    r = advance(r, r.nextTick, seed);
    if (
      r.status === FaultStatus.FAULT_STATUS_ACTIVE &&
      (before !== r.status || r.affected.length > 0)
    )
      if (out.at(-1) !== r.sinceTick) out.push(r.sinceTick);
  }
  return out;
}

describe('fault schedules', () => {
  it('a plain fault is active from its tick until cleared; with a duration it clears itself', () => {
    const now = make(FaultKind.FAULT_KIND_POWER_LOSS, {});
    expect(now).toMatchObject({
      status: FaultStatus.FAULT_STATUS_ACTIVE,
      sinceTick: 5,
      nextTick: 0,
      occurrences: 1,
    });
    expect(now.affected).toEqual([{ target: 'r/z/k/blade/0', sinceTick: 5 }]);
    const brief = make(FaultKind.FAULT_KIND_POWER_LOSS, { at: 8, duration: 3 });
    expect(brief).toMatchObject({ status: FaultStatus.FAULT_STATUS_SCHEDULED, nextTick: 8 });
    const on = advance(brief, 8, 1);
    expect(on).toMatchObject({
      status: FaultStatus.FAULT_STATUS_ACTIVE,
      sinceTick: 8,
      nextTick: 11,
    });
    const off = advance(on, 11, 1);
    expect(off).toMatchObject({
      status: FaultStatus.FAULT_STATUS_CLEARED,
      sinceTick: 11,
      reason: 'lasted 3 tick(s)',
    });
    expect(off.history.map((t) => t.tick)).toEqual([5, 8, 11]);
  });

  it('recurs every N ticks: conditions for one tick (or their duration), crashes until fixed', () => {
    expect(activations(make(FaultKind.FAULT_KIND_NETWORK_LOSS, { at: 10, every: 7 }), 40)).toEqual([
      10, 17, 24, 31, 38,
    ]);
    const crash = advance(make(FaultKind.FAULT_KIND_CRASH, { at: 10, every: 7 }), 10, 1);
    expect(crash.nextTick).toBe(17);
    const repaired = fixed(crash, 'r/z/k/blade/0', 12, 'rebooted', 1);
    expect(repaired).toMatchObject({ status: FaultStatus.FAULT_STATUS_SCHEDULED, nextTick: 17 });
    expect(repaired.reason).toBe('fixed: rebooted; next at tick 17');
  });

  it('draws intermittent and MTBF occurrences from the seed: the same seed, the same ticks', () => {
    const flaky = (seed: number) =>
      activations(
        make(FaultKind.FAULT_KIND_POWER_LOSS, { probability: 0.1 }, undefined, seed),
        500,
        seed,
      );
    expect(flaky(3)).toEqual(flaky(3));
    expect(flaky(3)).not.toEqual(flaky(4));
    // About one tick in ten.
    expect(flaky(3).length).toBeGreaterThan(25);
    expect(flaky(3).length).toBeLessThan(80);
    const targets = ['a/b/c/blade/0', 'a/b/c/blade/1'];
    const mtbf = (seed: number) => {
      let r = make(FaultKind.FAULT_KIND_CRASH, { mtbf: 20, mttr: 5 }, targets, seed);
      const failures: string[] = [];
      while (r.nextTick <= 300) {
        r = advance(r, r.nextTick, seed);
        failures.push(
          ...r.affected
            .filter((a) => a.sinceTick === r.sinceTick)
            .map((a) => `${a.sinceTick}:${a.target}`),
        );
      }
      return failures;
    };
    expect(mtbf(9)).toEqual(mtbf(9));
    expect(mtbf(9)).not.toEqual(mtbf(10));
    expect(mtbf(9).length).toBeGreaterThan(10);
  });

  it('a fix on one of several targets leaves the others affected; a clear ends everything', () => {
    const two = make(FaultKind.FAULT_KIND_HANG, {}, ['a/b/c/blade/0', 'a/b/c/blade/1']);
    const one = fixed(two, 'a/b/c/blade/0', 9, 'power-cycled', 1);
    expect(one).toMatchObject({ status: FaultStatus.FAULT_STATUS_ACTIVE, sinceTick: 5 });
    expect(one.affected.map((a) => a.target)).toEqual(['a/b/c/blade/1']);
    expect(fixed(one, 'a/b/c/blade/1', 10, 'power-cycled', 1).status).toBe(
      FaultStatus.FAULT_STATUS_CLEARED,
    );
    expect(cleared(two, 7, 'cleared by test')).toMatchObject({
      status: FaultStatus.FAULT_STATUS_CLEARED,
      affected: [],
      nextTick: 0,
    });
  });

  it('names every problem of a schedule', () => {
    expect(scheduleErrors({ at: 3, every: 0, probability: 1.5, mtbf: 10 }, 5)).toEqual([
      'schedule.at 3 is in the past: the earliest tick is 5',
      'schedule.every must be at least 1 tick',
      'schedule.probability must be above 0 and at most 1, got 1.5',
      'schedule.mtbf and schedule.mttr go together: give both',
      'give at most one of schedule.every, schedule.probability and schedule.mtbf',
    ]);
    expect(scheduleErrors({ mtbf: 5, mttr: 2, duration: 3 }, 1)).toEqual([
      'schedule.duration does not apply with mtbf (mttr sets how long each failure lasts)',
    ]);
    expect(scheduleErrors({ at: 9, duration: 2, every: 5 }, 5)).toEqual([]);
  });
});
