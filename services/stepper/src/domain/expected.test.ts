import { Policy } from '@chamber/protos';
import { keys, viewKey } from '@chamber/world';
import { describe, expect, it } from 'vitest';
import { expectedAt, wakeTicks, type RegisteredParticipant, type WakeInput } from './expected.js';
import { nextTick } from './next-tick.js';

const monitor: RegisteredParticipant = {
  name: 'monitor',
  reactsTo: [keys.actualPrefix],
  ack: { nextWakeup: undefined },
};
const inventory: RegisteredParticipant = {
  name: 'inventory',
  reactsTo: [keys.commandsPrefix, keys.faultsPrefix],
  ack: { nextWakeup: undefined },
};
const base: WakeInput = { tick: 4, participants: [monitor, inventory], pending: [], changed: [] };

/** Who is expected at `publishing` after settled tick `input.tick`. */
function expected(input: WakeInput, publishing: number): string[] {
  return expectedAt(wakeTicks(input), publishing);
}

describe('wakeTicks and expectedAt', () => {
  it('expects nobody at an idle tick', () => {
    expect(expected(base, 5)).toEqual([]);
    expect([...wakeTicks(base).values()]).toEqual([undefined, undefined]);
  });

  it('expects a participant at its wake-up and not before', () => {
    const input = { ...base, participants: [{ ...monitor, ack: { nextWakeup: 10 } }, inventory] };
    for (let t = 5; t < 10; t++) expect(expected(input, t)).toEqual([]);
    expect(expected(input, 10)).toEqual(['monitor']);
    expect(wakeTicks(input).get('monitor')).toBe(10);
  });

  it('wakes at T+1 the readers of a key changed since R(T), and not the others', () => {
    const input = { ...base, changed: [viewKey('observed', 'r1/b1'), viewKey('actual', 'r1/b1')] };
    expect(expected(input, 5)).toEqual(['monitor']);
    expect(expected({ ...base, changed: [keys.fault('f1-1')] }, 5)).toEqual(['inventory']);
    // A key nobody reacts to wakes nobody.
    expect(expected({ ...base, changed: [keys.repair('x')] }, 5)).toEqual([]);
  });

  it('wakes the owner of a pending input at its tick, and only the owner', () => {
    const input = { ...base, pending: [{ owner: 'inventory', effectiveTick: 7 }] };
    expect(expected(input, 6)).toEqual([]);
    expect(expected(input, 7)).toEqual(['inventory']);
    // One already due (written while a later tick was being published) wakes it at T+1.
    const late = { ...base, pending: [{ owner: 'inventory', effectiveTick: 3 }] };
    expect(wakeTicks(late).get('inventory')).toBe(5);
  });

  it("wakes a service's shards together, and each for an input the service owns", () => {
    const shard = (i: number, nextWakeup: number | undefined): RegisteredParticipant => ({
      ...inventory,
      name: `inventory.${i}`,
      ack: { nextWakeup },
    });
    const input: WakeInput = { ...base, participants: [monitor, shard(0, undefined), shard(1, 9)] };
    expect(expected(input, 8)).toEqual([]);
    expect(expected(input, 9)).toEqual(['inventory.0', 'inventory.1']);
    const owned = { ...input, pending: [{ owner: 'inventory', effectiveTick: 6 }] };
    expect(expected(owned, 6)).toEqual(['inventory.0', 'inventory.1']);
    // A change one of them reacts to wakes them all.
    expect(expected({ ...input, changed: [keys.fault('f1-1')] }, 5)).toEqual([
      'inventory.0',
      'inventory.1',
    ]);
  });

  it('expects at once a participant with no ack in this run (it joined, or the run is new)', () => {
    const input = { ...base, participants: [{ ...monitor, ack: undefined }, inventory] };
    expect(expected(input, 5)).toEqual(['monitor']);
  });

  it('takes the earliest of its reasons, and lists the expected sorted', () => {
    const input: WakeInput = {
      tick: 4,
      participants: [
        { ...monitor, ack: { nextWakeup: 9 } },
        { ...inventory, ack: { nextWakeup: 8 } },
      ],
      pending: [{ owner: 'monitor', effectiveTick: 6 }],
      changed: [],
    };
    expect(Object.fromEntries(wakeTicks(input))).toEqual({ monitor: 6, inventory: 8 });
    expect(expected(input, 8)).toEqual(['inventory', 'monitor']);
  });

  it('makes no_wait publish T+1 only when a change wakes someone, else jump to the earliest wake-up', () => {
    const decide = (input: WakeInput) =>
      nextTick({
        policy: Policy.POLICY_NO_WAIT,
        rate: 1,
        until: undefined,
        tick: input.tick,
        wakeups: [...wakeTicks(input).values()],
        pendingInputs: input.pending.map((p) => p.effectiveTick),
        lastPublishMs: undefined,
      });
    const sleepy = { ...base, participants: [{ ...monitor, ack: { nextWakeup: 20 } }, inventory] };
    expect(decide(sleepy)).toEqual({ kind: 'publish', tick: 20 });
    expect(decide({ ...sleepy, changed: [keys.command('c1')] })).toEqual({
      kind: 'publish',
      tick: 5,
    });
    expect(decide(base)).toEqual({ kind: 'rest' });
  });
});
