import { describe, expect, it } from 'vitest';
import { loadStepperConfig } from '../config.js';
import { firstTick, missingAtStartNote } from './first-tick.js';

const set = (...names: string[]): Set<string> => new Set(names);

describe('firstTick', () => {
  it('publishes at once, with whoever is registered, when nothing is expected', () => {
    expect(
      firstTick({ expected: [], registered: set('b', 'a'), alive: set('a'), isTimedOut: false }),
    ).toEqual({ kind: 'publish', expected: ['a', 'b'], missing: [] });
  });

  it('waits for every expected participant to be registered and alive', () => {
    const expected = ['inventory', 'faults', 'monitor'];
    expect(
      firstTick({
        expected,
        registered: set('faults', 'monitor'),
        alive: set('faults'),
        isTimedOut: false,
      }),
    ).toEqual({ kind: 'wait', missing: ['inventory', 'monitor'] });
    expect(
      firstTick({
        expected,
        registered: set('inventory', 'faults', 'monitor', 'toy'),
        alive: set('inventory', 'faults', 'monitor', 'toy'),
        isTimedOut: false,
      }),
    ).toEqual({
      kind: 'publish',
      expected: ['faults', 'inventory', 'monitor', 'toy'],
      missing: [],
    });
  });

  it('publishes without the missing ones once the wait is over, naming them', () => {
    expect(
      firstTick({
        expected: ['inventory', 'faults'],
        registered: set('faults'),
        alive: set('faults'),
        isTimedOut: true,
      }),
    ).toEqual({ kind: 'publish', expected: ['faults'], missing: ['inventory'] });
    expect(missingAtStartNote(['inventory'], 60)).toBe(
      'tick 0: published without participant(s) "inventory", not registered after 60 s',
    );
  });
});

describe('stepper config', () => {
  it('reads the expected participants from CHAMBER_STEPPER_PARTICIPANTS and refuses a bad name', () => {
    const config = loadStepperConfig({
      env: { CHAMBER_STEPPER_PARTICIPANTS: 'inventory, faults,inventory-repair' },
    });
    expect(config.stepper.participants).toEqual(['inventory', 'faults', 'inventory-repair']);
    expect(loadStepperConfig({ env: {} }).stepper.participants).toEqual([]);
    expect(() =>
      loadStepperConfig({ env: { CHAMBER_STEPPER_PARTICIPANTS: 'inventory,Faults' } }),
    ).toThrow(
      'config "stepper.participants" (CHAMBER_STEPPER_PARTICIPANTS): participant name "Faults" must be 1-63 lower-case letters, digits, ".", "_" or "-"',
    );
  });
});
