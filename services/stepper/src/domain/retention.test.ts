import { describe, expect, it } from 'vitest';
import {
  compactionRevision,
  decideRetention,
  isDefragWorthIt,
  retentionStep,
  sharedCompactionRevision,
} from './retention.js';

describe('decideRetention', () => {
  it('keeps everything with a window of 0, and until the window is a step past the oldest tick', () => {
    expect(decideRetention({ retentionTicks: 0, settledTick: 1e6, oldestTick: 0 })).toEqual({
      kind: 'keep',
    });
    expect(retentionStep(10_000)).toBe(1_000);
    expect(decideRetention({ retentionTicks: 10_000, settledTick: 10_998, oldestTick: 0 })).toEqual(
      { kind: 'keep' },
    );
    expect(decideRetention({ retentionTicks: 10_000, settledTick: 10_999, oldestTick: 0 })).toEqual(
      { kind: 'advance', oldestTick: 1_000 },
    );
    expect(
      decideRetention({ retentionTicks: 10_000, settledTick: 11_998, oldestTick: 1_000 }),
    ).toEqual({ kind: 'keep' });
    expect(
      decideRetention({ retentionTicks: 10_000, settledTick: 12_005, oldestTick: 1_000 }),
    ).toEqual({ kind: 'advance', oldestTick: 2_006 });
  });
});

describe('compactionRevision', () => {
  it("is the oldest tick's snapshot when indexed, else just before the next indexed tick's", () => {
    expect(compactionRevision(100, { tick: 100, snapshotRevision: 900 })).toBe(900);
    // Tick 100 was skipped: a read as of it reads just before tick 104's snapshot.
    expect(compactionRevision(100, { tick: 104, snapshotRevision: 900 })).toBe(899);
  });

  it('never passes what another simulation in the same etcd keeps', () => {
    expect(sharedCompactionRevision(900, [])).toBe(900);
    expect(sharedCompactionRevision(900, [1_200, 450])).toBe(450);
  });
});

describe('isDefragWorthIt', () => {
  const mib = 1024 * 1024;
  it('only when at least half the file and 64 MiB are free', () => {
    expect(isDefragWorthIt({ dbSize: 200 * mib, dbSizeInUse: 90 * mib })).toBe(true);
    expect(isDefragWorthIt({ dbSize: 200 * mib, dbSizeInUse: 150 * mib })).toBe(false);
    expect(isDefragWorthIt({ dbSize: 20 * mib, dbSizeInUse: 1 * mib })).toBe(false);
  });
});
