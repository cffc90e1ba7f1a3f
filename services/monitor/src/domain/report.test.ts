import { describe, expect, it } from 'vitest';
import {
  addTally,
  changesOf,
  countRepair,
  emptyRepairCounts,
  emptyTally,
  figuresOf,
  foldElement,
  groupOf,
  type Fact,
} from './report.js';

const up = (tick: number): Fact => ({ tick, isOn: true });
const down = (tick: number): Fact => ({ tick, isOn: false });
const healthy = (tick: number): Fact => ({ tick, isOn: false });
const failed = (tick: number): Fact => ({ tick, isOn: true });
const path = 'r/z1/rack1/blade/3';

describe('foldElement', () => {
  it('counts a blade down exactly 10 ticks twice: 2 failures, MTTR 10, availability (T − 20) / T', () => {
    const { tally, outages } = foldElement(
      {
        path,
        actual: [down(0), up(5), down(20), up(30), down(60), up(70)],
        // Observed failed 4 ticks after each failure, healthy again 2 after it ended.
        observed: [healthy(0), failed(24), healthy(32), failed(64), healthy(72)],
      },
      10,
      99,
    );
    const figures = figuresOf(tally);
    expect(figures.failures).toBe(2);
    expect(figures.mttrTicks).toBe(10);
    expect(figures.elementTicks).toBe(90);
    expect(figures.availability).toBeCloseTo(70 / 90);
    expect(figures.mtbfTicks).toBe(35);
    expect(figures.longestOutageTicks).toBe(10);
    expect(figures.meanDetectionTicks).toBe(4);
    expect(figures.meanRepairTicks).toBe(6);
    expect(figures.openOutages).toBe(0);
    expect(outages).toEqual([
      { path, startTick: 20, detectedTick: 24, endTick: 30, ticks: 10 },
      { path, startTick: 60, detectedTick: 64, endTick: 70, ticks: 10 },
    ]);
  });

  it('does not count a re-write of the same state (a restarted service) as a failure', () => {
    const once = foldElement({ path, actual: [up(0), down(20), up(30)], observed: [] }, 0, 49);
    const twice = foldElement(
      { path, actual: [up(0), up(0), down(20), down(20), down(20), up(30), up(30)], observed: [] },
      0,
      49,
    );
    expect(twice).toEqual(once);
    expect(figuresOf(twice.tally).failures).toBe(1);
  });

  it('keeps an outage open at the range end: down ticks through to, no MTTR', () => {
    const { tally, outages } = foldElement(
      { path, actual: [up(0), down(40)], observed: [healthy(0), failed(44)] },
      0,
      49,
    );
    const figures = figuresOf(tally);
    expect(figures).toMatchObject({
      failures: 1,
      openOutages: 1,
      mttrTicks: undefined,
      longestOutageTicks: 10,
      workingTicks: 40,
      elementTicks: 50,
      meanDetectionTicks: 4,
      meanRepairTicks: undefined,
    });
    expect(outages).toEqual([
      { path, startTick: 40, detectedTick: 44, endTick: undefined, ticks: 10 },
    ]);
  });

  it('keeps the start of an outage begun before the range, but not as a failure of it', () => {
    const { tally, outages } = foldElement(
      { path, actual: [up(0), down(5), up(25)], observed: [] },
      10,
      49,
    );
    const figures = figuresOf(tally);
    expect(figures.failures).toBe(0);
    expect(figures.mttrTicks).toBe(20);
    expect(figures.workingTicks).toBe(25);
    expect(figures.elementTicks).toBe(40);
    expect(outages[0]).toMatchObject({ startTick: 5, endTick: 25, ticks: 20 });
  });

  it('counts an element only from its first working tick (booting is not down time)', () => {
    const figures = figuresOf(
      foldElement({ path, actual: [down(0), up(6)], observed: [] }, 0, 9).tally,
    );
    expect(figures).toMatchObject({ elements: 1, elementTicks: 4, availability: 1, failures: 0 });
    const never = figuresOf(foldElement({ path, actual: [down(0)], observed: [] }, 0, 9).tally);
    expect(never).toMatchObject({ elements: 0, elementTicks: 0, availability: 1 });
  });

  it('ignores what happened after the range', () => {
    const { tally } = foldElement({ path, actual: [up(0), down(50), up(60)], observed: [] }, 0, 49);
    expect(figuresOf(tally)).toMatchObject({ failures: 0, workingTicks: 50 });
  });
});

describe('changesOf', () => {
  it('keeps the last state written at a tick and drops unchanged ones', () => {
    expect(changesOf([up(0), down(3), up(3), down(5), down(5), up(2)])).toEqual([up(0), down(5)]);
  });
});

describe('groups', () => {
  it('adds elements into racks and zones: availability over element-ticks', () => {
    const total = emptyTally();
    addTally(
      total,
      foldElement({ path, actual: [up(0), down(10), up(20)], observed: [] }, 0, 99).tally,
    );
    addTally(
      total,
      foldElement({ path: 'r/z1/rack1/blade/4', actual: [up(0)], observed: [] }, 0, 99).tally,
    );
    expect(figuresOf(total)).toMatchObject({
      elements: 2,
      elementTicks: 200,
      workingTicks: 190,
      availability: 0.95,
      failures: 1,
      mtbfTicks: 190,
      mttrTicks: 10,
    });
    expect(groupOf(path, 'rack')).toBe('r/z1/rack1');
    expect(groupOf(path, 'zone')).toBe('r/z1');
    expect(groupOf(path, 'element')).toBe(path);
  });
});

describe('countRepair', () => {
  it('counts the repairs opened in the range by outcome and step, and escalations', () => {
    const counts = emptyRepairCounts();
    const repair = (openedTick: number, status: string, steps: string[]) => ({
      target: path,
      openedTick,
      status,
      issued: steps.map((step, i) => ({ tick: openedTick + i, step })),
    });
    countRepair(counts, repair(12, 'succeeded', ['power_cycle']), 10, 99);
    countRepair(counts, repair(40, 'escalated', ['power_cycle', 'power_cycle', 'reimage']), 10, 99);
    expect(countRepair(counts, repair(5, 'succeeded', ['power_cycle']), 10, 99)).toBe(false);
    expect(counts).toEqual({
      opened: 2,
      byOutcome: { succeeded: 1, escalated: 1 },
      byStep: { power_cycle: 3, reimage: 1 },
      escalations: 1,
    });
  });
});
