import { describe, expect, it } from 'vitest';
import { seriesOf } from './series.js';

describe('seriesOf', () => {
  it('counts elements by state, repairs open and workloads, tick by tick, from the changes', () => {
    const points = seriesOf(
      {
        elements: [
          {
            actual: [
              { tick: 0, word: 'working' },
              { tick: 12, word: 'isolated' },
              { tick: 12, word: 'isolated' }, // a re-write
              { tick: 14, word: 'working' },
            ],
            observed: [
              { tick: 1, word: 'healthy' },
              { tick: 13, word: 'failed' },
            ],
          },
          { actual: [{ tick: 3, word: 'working' }], observed: [] },
        ],
        repairs: [
          { openedTick: 13, closedTick: 15 },
          { openedTick: 2, closedTick: 0 },
        ],
        samples: [
          { workload: 'web', tick: 0, desired: 2, running: 2, observedRunning: 2 },
          { workload: 'web', tick: 12, desired: 2, running: 1, observedRunning: 2 },
        ],
      },
      10,
      15,
    );
    expect(points.map((p) => p.tick)).toEqual([10, 11, 12, 13, 14, 15]);
    expect(points.map((p) => p.actual)).toEqual([
      { working: 2 },
      { working: 2 },
      { working: 1, isolated: 1 },
      { working: 1, isolated: 1 },
      { working: 2 },
      { working: 2 },
    ]);
    expect(points.map((p) => p.observed)).toEqual([
      { healthy: 1 },
      { healthy: 1 },
      { healthy: 1 },
      { failed: 1 },
      { failed: 1 },
      { failed: 1 },
    ]);
    expect(points.map((p) => p.repairsOpen)).toEqual([1, 1, 1, 2, 2, 1]);
    expect(points[1]!.workloads).toEqual([
      { workload: 'web', desired: 2, running: 2, observedRunning: 2 },
    ]);
    expect(points[2]!.workloads[0]!.running).toBe(1);
  });
});
