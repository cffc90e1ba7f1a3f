import { Code } from '@chamber/errors';
import {
  ParticipantRecord,
  PendingRecord,
  Policy,
  SettledRecord,
  TickRecord,
} from '@chamber/protos';
import { op, type WatchEvent } from '@chamber/store';
import { Participant, submitInput, type TickContext } from '@chamber/participant';
import { keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { etcdEndpoints, etcdProxy } from '@chamber/testing';
import { harness, type Harness } from './helpers.js';

let h: Harness;
/** Cut after the harness closed, so the stepper behind it stops cleanly. */
let proxy: { cut(): Promise<void> } | undefined;
afterEach(async () => {
  await h?.close();
  await proxy?.cut();
  proxy = undefined;
});

/** The expected set of the published tick, as stored. */
async function expectedNow(): Promise<string[]> {
  return (await h.store.get(TickRecord, keys.clockTick))!.value.expected;
}

/** A participant that records the ticks it is handled and has nothing due by itself. */
function recorder(seen: number[], firstWakeup: number | null = null) {
  return (ctx: TickContext) => {
    seen.push(ctx.tick);
    return { nextWakeup: ctx.tick === 0 ? firstWakeup : null };
  };
}

/**
 * The owner of the inputs: applies those due (recording, in `applied`, the
 * tick each was applied at, negative when later than its effective tick) and
 * removes their markers; nothing due by itself.
 */
function joinOwner(seen: number[], applied: number[] = []) {
  return Participant.join(h.store, {
    name: 'owner',
    views: [keys.pendingPrefix],
    reactsTo: [],
    leaseTtlSeconds: 2,
    onTick: (ctx) => {
      seen.push(ctx.tick);
      const due = ctx.view
        .list(PendingRecord, keys.pendingPrefix)
        .filter((e) => e.value.effectiveTick <= ctx.tick);
      for (const e of due) applied.push(e.value.effectiveTick === ctx.tick ? ctx.tick : -ctx.tick);
      return { ops: due.map((e) => op.delete(e.key)), nextWakeup: null };
    },
  });
}

describe('stepper: who is expected at a tick', () => {
  it('expects nobody at an idle tick, which settles as it is published: an idle Step(1) is one write', async () => {
    h = await harness('wake-idle');
    const seen: number[] = [];
    await h.join('a', recorder(seen));
    await h.join('b', recorder(seen));
    const { client } = await h.startStepper();
    await client.waitForTick(0);
    await client.setPolicy(Policy.POLICY_MANUAL);

    const from = (await h.store.currentRevision()) + 1;
    const events: WatchEvent[] = [];
    const watch = await h.store.watch('', { fromRevision: from }, (e) => events.push(...e));
    const status = await client.step(1);
    expect(status).toMatchObject({
      tick: 1,
      settled: true,
      waitingFor: [],
      participants: ['a', 'b'],
    });
    expect(await expectedNow()).toEqual([]);
    await expect
      .poll(() =>
        events.some(
          (e) =>
            e.key === keys.clockSettled && SettledRecord.fromJSON(JSON.parse(e.value!)).tick === 1,
        ),
      )
      .toBe(true);
    await watch.cancel();
    // The leader served the step: the request, the publish and the settle
    // are one transaction; nobody acked.
    expect(new Set(events.map((e) => e.modRevision)).size).toBe(1);
    expect(new Set(events.map((e) => e.key))).toEqual(
      new Set([keys.clockControl, keys.clockTick, keys.clockSettled]),
    );
    expect(events.filter((e) => e.key.startsWith(keys.acksPrefix))).toEqual([]);
    expect(seen).toEqual([0, 0]);
    // An idle tick changes nothing, so the digest stays; it has no index entry.
    expect(status.digest).toBe((await client.getStatus()).digest);
    expect(await h.store.getRaw(keys.tickIndex(1))).toBeUndefined();
  });

  it("steps through a standby replica too (the request, then the leader publishes) and answers the leader's own step from what it wrote", async () => {
    h = await harness('wake-replicas');
    await h.join('a', recorder([]));
    const first = await h.startStepper();
    await first.client.waitForTick(0);
    await expect.poll(() => first.service.isLeader()).toBe(true);
    const standby = await h.startStepper();
    expect(standby.service.isLeader()).toBe(false);
    await first.client.setPolicy(Policy.POLICY_MANUAL);

    // Revisions under this simulation only: the etcd is shared with other tests.
    const revisionsOf = async (step: () => Promise<{ tick: number }>): Promise<number> => {
      const from = (await h.store.currentRevision()) + 1;
      const events: WatchEvent[] = [];
      const watch = await h.store.watch('', { fromRevision: from }, (e) => events.push(...e));
      const { tick } = await step();
      await expect
        .poll(() =>
          events.some(
            (e) =>
              e.key === keys.clockSettled &&
              SettledRecord.fromJSON(JSON.parse(e.value!)).tick === tick,
          ),
        )
        .toBe(true);
      await watch.cancel();
      return new Set(events.map((e) => e.modRevision)).size;
    };
    for (let t = 1; t <= 5; t++) {
      // The leader's own step: one transaction, and its status says so at once.
      expect(await revisionsOf(() => first.client.step(1))).toBe(1);
      expect(await first.client.getStatus()).toMatchObject({ tick: 2 * t - 1, settled: true });
      // Through the standby: its request, then the leader's publish.
      const status = await standby.client.step(1);
      expect(status).toMatchObject({ tick: 2 * t, settled: true, settledTick: 2 * t });
    }
    expect(await revisionsOf(() => standby.client.step(1))).toBe(2);
    expect(await first.client.getStatus()).toMatchObject({ tick: 11, settled: true });
  });

  it('expects a participant at its wake-up and not at the ticks before it', async () => {
    h = await harness('wake-at');
    const seen: number[] = [];
    await h.join('sleeper', recorder(seen, 10));
    const { client } = await h.startStepper();
    await client.waitForTick(0);
    await client.setPolicy(Policy.POLICY_MANUAL);
    for (let t = 1; t < 10; t++) {
      await client.step(1);
      expect(await expectedNow()).toEqual([]);
    }
    await client.step(1);
    expect(await expectedNow()).toEqual(['sleeper']);
    expect(seen).toEqual([0, 10]);
  });

  it('wakes at T+1 the readers of a prefix a tick wrote under, and not the others', async () => {
    h = await harness('wake-readers');
    const changes: Record<string, Array<string[] | undefined>> = { a: [], b: [] };
    const reader = (name: 'a' | 'b') => (ctx: TickContext) => {
      changes[name]!.push(ctx.changes === undefined ? undefined : [...ctx.changes]);
      return { nextWakeup: null };
    };
    // The writer writes toy/a/x at tick 1 and reacts to nothing.
    await h.join(
      'writer',
      (ctx) => ({
        ops: ctx.tick === 1 ? [op.putRaw('toy/a/x', '1')] : [],
        nextWakeup: ctx.tick === 0 ? 1 : null,
      }),
      2,
      [],
    );
    await h.join('a', reader('a'), 2, ['toy/a/']);
    await h.join('b', reader('b'), 2, ['toy/b/']);
    const registered = await h.store.get(ParticipantRecord, keys.participant('a'));
    expect(registered?.value.reactsTo).toEqual(['toy/a/']);
    const { client } = await h.startStepper();
    await client.waitForTick(0);
    await client.setPolicy(Policy.POLICY_MANUAL);

    await client.step(1);
    expect(await expectedNow()).toEqual(['writer']);
    await client.step(1);
    // The reader of toy/a/ sees the write at once, with it in its changes;
    // the writer looks again at its own effects (a tick that writes asks for the next).
    expect(await expectedNow()).toEqual(['a', 'writer']);
    expect(changes.a).toEqual([undefined, ['toy/a/x']]);
    expect(changes.b).toEqual([undefined]);
    await client.step(1);
    expect(await expectedNow()).toEqual([]);
  });

  it('wakes the owner of a pending input at its tick, and only the owner', async () => {
    h = await harness('wake-owner');
    const seen: number[] = [];
    const owner = await joinOwner(seen);
    const other: number[] = [];
    await h.join('other', recorder(other), 2, ['toy/']);
    const { client } = await h.startStepper();
    await client.waitForTick(0);
    await client.setPolicy(Policy.POLICY_MANUAL);
    await client.step(2);
    const { effectiveTick } = await submitInput(h.store, { id: 'in-1', owner: 'owner' });
    expect(effectiveTick).toBe(3);
    await client.step(1);
    expect(await expectedNow()).toEqual(['owner']);
    expect(seen).toEqual([0, 3]);
    expect(other).toEqual([0]);
    expect(await h.store.getRaw(keys.pending('in-1'))).toBeUndefined();
    await owner.stop();
  });

  it('wakes the owner of an input submitted just before a step, every time (the publish is guarded on the pending markers it decided from)', async () => {
    h = await harness('wake-race');
    const seen: number[] = [];
    const applied: number[] = [];
    const owner = await joinOwner(seen, applied);
    // The stepper hears etcd late, as on a loaded machine: its view lags
    // the store by the time a step request takes to reach it.
    const lagging = await etcdProxy(new URL(etcdEndpoints()[0]!), { lagToClientMs: 30 });
    proxy = lagging;
    const { client } = await h.startStepper({}, [lagging.endpoint]);
    await client.waitForTick(0);
    await client.setPolicy(Policy.POLICY_MANUAL);
    const rounds = 10;
    const effective: number[] = [];
    for (let i = 0; i < rounds; i++) {
      // The step goes out as soon as the input is written: the leader's
      // view may not have its marker yet, and must not publish without it.
      const { effectiveTick } = await submitInput(h.store, { id: `in-${i}`, owner: 'owner' });
      effective.push(effectiveTick);
      await client.step(1);
    }
    // Each input was applied at its effective tick, never later.
    expect(applied).toEqual(effective);
    expect(seen).toEqual([0, ...effective]);
    await owner.stop();
  });

  it('expects a participant that just joined at the next tick', async () => {
    h = await harness('wake-joined');
    await h.join('first', recorder([]));
    const { client } = await h.startStepper();
    await client.waitForTick(0);
    await client.setPolicy(Policy.POLICY_MANUAL);
    await client.step(3);
    const seen: number[] = [];
    await h.join('late', recorder(seen));
    await client.step(1);
    expect(await expectedNow()).toEqual(['late']);
    expect(seen).toEqual([4]);
    await client.step(1);
    expect(await expectedNow()).toEqual([]);
  });

  it('computes the same expected set after the stepper restarts (crash-only)', async () => {
    h = await harness('wake-restart');
    await h.join(
      'writer',
      (ctx) => ({
        ops: ctx.tick === 1 ? [op.putRaw('toy/a/x', '1')] : [],
        nextWakeup: ctx.tick === 0 ? 1 : null,
      }),
      2,
      [],
    );
    await h.join('a', recorder([]), 2, ['toy/a/']);
    await h.join('b', recorder([]), 2, ['toy/b/']);
    const first = await h.startStepper();
    await first.client.waitForTick(0);
    await first.client.setPolicy(Policy.POLICY_MANUAL);
    await first.client.step(1);
    // The leader that saw tick 1's write goes; its successor rebuilds the
    // tick's changes from the store and wakes the same readers.
    await first.service.stop();
    const second = await h.startStepper();
    const status = await second.client.step(1);
    expect(status.tick).toBe(2);
    expect(await expectedNow()).toEqual(['a', 'writer']);
  });

  it('refuses a participant that says it reacts to the clock records, registering nothing', async () => {
    h = await harness('wake-bad');
    await expect(
      Participant.join(h.store, {
        name: 'odd',
        views: ['toy/'],
        reactsTo: [keys.acksPrefix],
        onTick: () => ({}),
      }),
    ).rejects.toMatchObject({
      code: Code.InvalidArgument,
      message:
        'participant "odd": reactsTo "acks/" is the clock\'s own bookkeeping, which wakes nobody; name the prefixes it reads',
    });
    expect(await h.store.getRaw(keys.participant('odd'))).toBeUndefined();
  });
});
