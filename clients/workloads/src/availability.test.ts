import type { AvailabilitySample } from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import { summarizeAvailability } from './availability.js';

/** Samples of `web` from `[tick, desired, running, observedRunning]` rows. */
const samples = (...rows: [number, number, number, number][]): AvailabilitySample[] =>
  rows.map(([tick, desired, running, observedRunning]) => ({
    workload: 'web',
    tick,
    desired,
    running,
    observedRunning,
  }));

// Created at 2, at strength (3 running) from 5; one instance down exactly
// ticks 10-14, noticed at 11; back at 14.
const story = samples(
  [2, 3, 0, 0],
  [4, 3, 1, 0],
  [5, 3, 3, 2],
  [6, 3, 3, 3],
  [10, 3, 2, 3],
  [11, 3, 2, 2],
  [14, 3, 3, 2],
  [15, 3, 3, 3],
);

describe('summarizeAvailability', () => {
  it('counts an outage known by construction: lost 4, worst 4, detected after 1, recovered in 3', () => {
    const s = summarizeAvailability(story, 0, 19);
    expect(s.outages).toEqual([
      { startTick: 10, detectedTick: 11, endTick: 14, ticks: 4, instanceTicksLost: 4 },
    ]);
    expect(s.instanceTicksLost).toBe(4);
    expect(s.worstOutageTicks).toBe(4);
    expect(s.meanDetectionTicks).toBe(1);
    expect(s.meanRecoveryTicks).toBe(3);
    // The ramp (ticks 2-4) is neither desired nor lost.
    expect(s.rampTicks).toBe(3);
    expect(s.instanceTicksDesired).toBe(3 * 15); // ticks 5-19
    expect(s.availability).toBeCloseTo(1 - 4 / 45, 12);
    expect([s.desired, s.running, s.observedRunning]).toEqual([3, 3, 3]);
    expect(s.samples.map((x) => x.tick)).toEqual([2, 4, 5, 6, 10, 11, 14, 15]);
  });

  it('reads the samples in any order', () => {
    expect(summarizeAvailability([...story].reverse(), 0, 19)).toEqual(
      summarizeAvailability(story, 0, 19),
    );
  });

  it('counts nothing lost while the workload ramps up', () => {
    const s = summarizeAvailability(samples([0, 4, 0, 0], [3, 4, 2, 0], [7, 4, 4, 4]), 0, 9);
    expect(s.rampTicks).toBe(7);
    expect(s.instanceTicksLost).toBe(0);
    expect(s.outages).toEqual([]);
    expect(s.availability).toBe(1);
    expect(s.instanceTicksDesired).toBe(4 * 3);
  });

  it('keeps an outage open at the end of the range, through toTick', () => {
    const s = summarizeAvailability(story, 0, 12);
    expect(s.outages).toEqual([
      { startTick: 10, detectedTick: 11, endTick: undefined, ticks: 3, instanceTicksLost: 3 },
    ]);
    expect(s.instanceTicksLost).toBe(3);
    expect(s.worstOutageTicks).toBe(3);
    expect(s.meanDetectionTicks).toBe(1);
    expect(s.meanRecoveryTicks).toBeUndefined();
    expect([s.desired, s.running, s.observedRunning]).toEqual([3, 2, 2]);
  });

  it('leaves an outage nobody noticed undetected', () => {
    const s = summarizeAvailability(samples([0, 2, 2, 2], [5, 2, 1, 2], [7, 2, 2, 2]), 0, 9);
    expect(s.outages).toEqual([
      { startTick: 5, detectedTick: undefined, endTick: 7, ticks: 2, instanceTicksLost: 2 },
    ]);
    expect(s.meanDetectionTicks).toBeUndefined();
    expect(s.meanRecoveryTicks).toBeUndefined();
  });

  it('ramps again after a scale-up, and a scale-down can end an outage', () => {
    const s = summarizeAvailability(
      samples(
        [0, 2, 2, 2],
        // scaled up to 4: ramps until 4 run
        [10, 4, 2, 2],
        [13, 4, 4, 4],
        // two lost, noticed at once; scaled down to 2 at 20
        [16, 4, 2, 2],
        [20, 2, 2, 2],
      ),
      0,
      24,
    );
    expect(s.rampTicks).toBe(3);
    expect(s.outages).toEqual([
      { startTick: 16, detectedTick: 16, endTick: 20, ticks: 4, instanceTicksLost: 8 },
    ]);
    expect(s.meanRecoveryTicks).toBe(4);
    expect(s.instanceTicksDesired).toBe(2 * 10 + 4 * 7 + 2 * 5);
    expect(s.availability).toBeCloseTo(1 - 8 / 58, 12);
  });

  it('ends a scaled-up outage where the ramp begins', () => {
    const s = summarizeAvailability(samples([0, 3, 3, 3], [4, 3, 2, 2], [6, 5, 2, 2]), 0, 9);
    expect(s.outages).toEqual([
      { startTick: 4, detectedTick: 4, endTick: 6, ticks: 2, instanceTicksLost: 2 },
    ]);
    expect(s.rampTicks).toBe(4);
  });

  it('counts only the ticks in the range, from the state the range starts in', () => {
    const s = summarizeAvailability(story, 12, 13);
    expect(s.instanceTicksLost).toBe(2);
    expect(s.instanceTicksDesired).toBe(6);
    expect(s.outages).toEqual([
      { startTick: 10, detectedTick: 11, endTick: undefined, ticks: 4, instanceTicksLost: 2 },
    ]);
    expect(s.samples).toEqual([]);
    expect([s.desired, s.running, s.observedRunning]).toEqual([3, 2, 2]);
  });

  it('answers 1 when nothing was desired, after a delete too', () => {
    expect(summarizeAvailability([], 0, 5).availability).toBe(1);
    const deleted = summarizeAvailability(samples([0, 2, 2, 2], [4, 0, 2, 2], [6, 0, 0, 0]), 5, 9);
    expect(deleted.availability).toBe(1);
    expect(deleted.instanceTicksDesired).toBe(0);
    expect(deleted.desired).toBe(0);
  });

  it('refuses a range that ends before it starts', () => {
    expect(() => summarizeAvailability(story, 5, 4)).toThrow(RangeError);
  });
});
