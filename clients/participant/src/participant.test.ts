import { TickRecord } from '@chamber/protos';
import { encode } from '@chamber/store';
import { describe, expect, it } from 'vitest';
import { mayExpect } from './participant.js';

/** The tick record's text as the stepper stores it. */
function stored(expected: string[], resetting = false): string {
  return encode(TickRecord, { tick: 12, expected, seed: 7, run: 2, resetting });
}

describe('mayExpect', () => {
  it('lets through every tick record that expects the participant', () => {
    expect(mayExpect(stored(['faults']), 'faults')).toBe(true);
    expect(mayExpect(stored(['faults', 'inventory', 'monitor']), 'inventory')).toBe(true);
    expect(mayExpect(stored(['a.b_c-1']), 'a.b_c-1')).toBe(true);
  });

  it('skips a record that expects nobody, or only others, even names that contain its own', () => {
    expect(mayExpect(stored([]), 'faults')).toBe(false);
    expect(mayExpect(stored(['inventory', 'monitor']), 'faults')).toBe(false);
    expect(mayExpect(stored(['faults-2', 'my-faults']), 'faults')).toBe(false);
    expect(mayExpect(stored([], true), 'faults')).toBe(false);
  });
});
