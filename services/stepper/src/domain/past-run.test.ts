import { keys } from '@chamber/world';
import { describe, expect, it } from 'vitest';
import { pastRunOf } from './past-run.js';

const run = { run: 4, seed: 9, deterministic: true, notes: [] };
const settled = (tick: number, ofRun: number) => ({
  key: keys.clockSettled,
  value: { tick, digest: 'd', run: ofRun, lagSeconds: 0 },
  modRevision: 812,
  createRevision: 10,
  version: 3,
});

describe('the run a reset ends', () => {
  it('is kept as its last settled tick and the revision it settled at', () => {
    expect(pastRunOf(run, settled(130, 4))).toEqual({
      run: 4,
      seed: 9,
      lastTick: 130,
      settledRevision: 812,
      deterministic: true,
    });
  });

  it('is not kept when no tick of it settled', () => {
    expect(pastRunOf(run, undefined)).toBeUndefined();
    expect(pastRunOf(run, settled(130, 3))).toBeUndefined();
    expect(pastRunOf(undefined, settled(130, 4))).toBeUndefined();
  });
});
