import { Code } from '@chamber/errors';
import { Policy } from '@chamber/protos';
import {
  AckRecord,
  ParticipantRecord,
  PendingRecord,
  TickIndexRecord,
  TickRecord,
} from '@chamber/protos';
import { op } from '@chamber/store';
import { InputWriter, Participant, submitInput, type InputToSubmit } from '@chamber/participant';
import { keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { harness, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('stepper: policies', () => {
  it('starts paused at tick 0 and steps on demand; Step returns once the last tick is settled', async () => {
    h = await harness('manual');
    const a = await h.join('a');
    const b = await h.join('b');
    const { client } = await h.startStepper();
    await client.waitForTick(0);
    const initial = await client.getStatus();
    expect(initial.policy).toBe(Policy.POLICY_PAUSED);
    expect(initial.tick).toBe(0);

    await client.setPolicy(Policy.POLICY_MANUAL);
    const status = await client.step(5);
    expect(status.tick).toBe(5);
    expect(status.settled).toBe(true);
    expect(status.participants).toEqual(['a', 'b']);
    // Every participant acknowledged tick 5 and its effect is in the store.
    expect(a.lastAckedTick()).toBe(5);
    expect(b.lastAckedTick()).toBe(5);
    expect(JSON.parse((await h.store.getRaw('toy/b'))!.value)).toEqual({ tick: 5 });
  });

  it('waits for a slow participant before settling', async () => {
    h = await harness('slow');
    let acks = 0;
    await h.join('slow', async (ctx) => {
      await new Promise((r) => setTimeout(r, 150));
      acks++;
      return { ops: [], nextWakeup: ctx.tick + 1 };
    });
    const { client } = await h.startStepper();
    await client.waitForTick(0);
    await client.setPolicy(Policy.POLICY_MANUAL);
    const before = acks;
    const status = await client.step(3);
    expect(status.tick).toBe(3);
    expect(acks - before).toBe(3);
  });

  it('runs as fast as settlement allows under no_wait, bounded by RunUntil', async () => {
    h = await harness('nowait');
    await h.join('a');
    const { client } = await h.startStepper();
    await client.waitForTick(0);
    await client.setPolicy(Policy.POLICY_NO_WAIT);
    const status = await client.runUntil(200);
    expect(status.tick).toBe(200);
    expect(status.settled).toBe(true);
    // It rests at the bound.
    await new Promise((r) => setTimeout(r, 100));
    expect((await client.getStatus()).tick).toBe(200);
    // Every tick was published (the participant wants every tick).
    const index = await h.store.list(TickIndexRecord, keys.tickIndexPrefix);
    expect(index.entries).toHaveLength(201);
  });

  it('advances one tick per 1/rate seconds under measured', async () => {
    h = await harness('measured');
    await h.join('a');
    const { client } = await h.startStepper();
    await client.waitForTick(0);
    const start = Date.now();
    const set = await client.setPolicy(Policy.POLICY_MEASURED, { rate: 20 });
    expect(set.rate).toBe(20);
    const status = await client.waitForTick(10);
    const elapsed = Date.now() - start;
    // Ten ticks at 20 per second take about half a second, never less (a
    // loaded machine may take longer: that is lag, which the status reports).
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(status.policy).toBe(Policy.POLICY_MEASURED);
    await client.setPolicy(Policy.POLICY_PAUSED);
    const paused = (await client.getStatus()).tick;
    await new Promise((r) => setTimeout(r, 200));
    expect((await client.getStatus()).tick).toBeLessThanOrEqual(paused + 1);
  });

  it('waits for a tick under the slowest measured rate without a timer overflow (which fires at once)', async () => {
    h = await harness('measured-slow');
    await h.join('a');
    const { client } = await h.startStepper();
    await client.waitForTick(0);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      // One tick every 115 days: the first at once, the next due past what a timer counts.
      await client.setPolicy(Policy.POLICY_MEASURED, { rate: 1e-7 });
      await client.waitForTick(1);
      // The leader handles the store's changes in order: once it has paused,
      // it has armed (and, with the bug, overflowed) the wait for tick 2.
      await client.setPolicy(Policy.POLICY_PAUSED);
      expect((await client.getStatus()).tick).toBe(1);
      expect(warnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('refuses Step under no_wait and a measured policy without a rate', async () => {
    h = await harness('refuse');
    const { client } = await h.startStepper();
    await client.waitForTick(0);
    await client.setPolicy(Policy.POLICY_NO_WAIT);
    await expect(client.step(1)).rejects.toMatchObject({ code: Code.FailedPrecondition });
    await expect(client.setPolicy(Policy.POLICY_MEASURED, { rate: 0 })).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });
    await expect(client.step(0)).rejects.toMatchObject({ code: Code.InvalidArgument });
  });
});

describe('stepper: epoch guard', () => {
  it('rejects SetPolicy with a stale epoch and changes nothing', async () => {
    h = await harness('epoch');
    const { client } = await h.startStepper();
    await client.waitForTick(0);
    const s1 = await client.setPolicy(Policy.POLICY_MANUAL);
    const s2 = await client.setPolicy(Policy.POLICY_MANUAL, { matchEpoch: s1.epoch });
    expect(s2.epoch).toBe(s1.epoch + 1);
    await expect(
      client.setPolicy(Policy.POLICY_NO_WAIT, { matchEpoch: s1.epoch }),
    ).rejects.toMatchObject({
      code: Code.Aborted,
    });
    const after = await client.getStatus();
    expect(after.policy).toBe(Policy.POLICY_MANUAL);
    expect(after.epoch).toBe(s2.epoch);
  });
});

describe('stepper: idle skip', () => {
  it('jumps straight to the earliest wake-up, and over a million idle ticks in one publish', async () => {
    h = await harness('idle');
    const seen: number[] = [];
    await h.join('sparse', (ctx) => {
      seen.push(ctx.tick);
      return { nextWakeup: ctx.tick < 1000 ? ctx.tick + 250 : null };
    });
    const { client } = await h.startStepper();
    await client.waitForTick(0);
    await client.setPolicy(Policy.POLICY_NO_WAIT);
    const status = await client.runUntil(1_000_000);
    expect(status.tick).toBe(1_000_000);
    // The bound is published for nobody: the participant is handed only its wake-ups.
    expect(seen).toEqual([0, 250, 500, 750, 1000]);
    // Resting with nothing due and no bound.
    await client.setPolicy(Policy.POLICY_NO_WAIT);
    await new Promise((r) => setTimeout(r, 100));
    expect((await client.getStatus()).tick).toBe(1_000_000);
  });
});

describe('stepper: reset and determinism', () => {
  it('resets to tick 0 of a fresh run, clearing the world but not the registrations', async () => {
    h = await harness('reset');
    await h.join('a');
    const { client } = await h.startStepper();
    await client.waitForTick(0);
    await client.setPolicy(Policy.POLICY_MANUAL);
    const before = await client.step(4);
    const after = await client.reset({ seed: 7 });
    expect(after.tick).toBe(0);
    expect(after.settled).toBe(true);
    expect(after.run).toBe(before.run + 1);
    expect(after.seed).toBe(7);
    expect(after.policy).toBe(Policy.POLICY_PAUSED);
    expect(after.epoch).toBeGreaterThan(before.epoch);
    expect(after.participants).toEqual(['a']);
    expect(
      (await h.store.list(TickIndexRecord, keys.tickIndexPrefix)).entries.map((e) => e.value.tick),
    ).toEqual([0]);
    expect(JSON.parse((await h.store.getRaw('toy/a'))!.value)).toEqual({ tick: 0 });
  });
});

describe('stepper: external inputs', () => {
  it('wakes a resting clock for an input, which takes effect at exactly the next tick', async () => {
    h = await harness('input');
    const applied: number[] = [];
    const p = await Participant.join(h.store, {
      name: 'owner',
      views: [keys.pendingPrefix],
      leaseTtlSeconds: 2,
      // Nothing due by itself; applies the inputs due at this tick and removes their markers.
      onTick: (ctx) => {
        const due = ctx.view
          .list(PendingRecord, keys.pendingPrefix)
          .filter((e) => e.value.effectiveTick === ctx.tick);
        applied.push(...due.map(() => ctx.tick));
        return {
          ops: due.flatMap((e) => [op.delete(e.key), op.putRaw('toy/applied', String(ctx.tick))]),
          nextWakeup: null,
        };
      },
    });
    const { client } = await h.startStepper();
    await client.waitForTick(0);
    await client.setPolicy(Policy.POLICY_NO_WAIT);
    // Resting at tick 0: nothing due, nothing pending.
    await new Promise((r) => setTimeout(r, 200));
    const resting = (await client.getStatus()).tick;
    expect(resting).toBe(0);

    const { effectiveTick } = await submitInput(h.store, { id: 'in-1', owner: 'owner' });
    expect(effectiveTick).toBe(resting + 1);
    await client.waitForTick(effectiveTick);
    expect(applied).toEqual([effectiveTick]);
    expect((await h.store.getRaw('toy/applied'))?.value).toBe(String(effectiveTick));
    expect(await h.store.getRaw(keys.pending('in-1'))).toBeUndefined();
    // It runs one tick more (a tick that wrote asks for the next, so the
    // others see its effects at once), then rests again.
    await new Promise((r) => setTimeout(r, 200));
    expect((await client.getStatus()).tick).toBe(effectiveTick + 1);
    await p.stop();
  });
});

describe('stepper: tick 0 of a new simulation', () => {
  it('waits until every expected participant is registered, so each of them handles tick 0', async () => {
    h = await harness('first-wait');
    // Started before any participant, as the launcher may start it.
    const { client } = await h.startStepper({ participants: ['a', 'b'], startWaitSeconds: 60 });
    const a = await h.join('a');
    const b = await h.join('b');
    const status = await client.waitForTick(0);
    expect(status.participants).toEqual(['a', 'b']);
    expect(status.deterministic).toBe(true);
    expect(a.lastAckedTick()).toBe(0);
    expect(b.lastAckedTick()).toBe(0);
    expect(JSON.parse((await h.store.getRaw('toy/b'))!.value)).toEqual({ tick: 0 });
  });

  it('publishes without a missing participant once the wait is over, and says the run is not deterministic', async () => {
    h = await harness('first-missing');
    await h.join('a');
    const { client } = await h.startStepper({ participants: ['a', 'ghost'], startWaitSeconds: 1 });
    const status = await client.waitForTick(0);
    expect(status.participants).toEqual(['a']);
    expect(status.deterministic).toBe(false);
    expect(status.notes).toEqual([
      'tick 0: published without participant(s) "ghost", not registered after 1 s',
    ]);
  });
});

describe('stepper: a dropped participant that comes back', () => {
  it('acks the tick in flight again when the drop deleted its ack, so the tick settles', async () => {
    h = await harness('dropped-back');
    await h.join('quick', (ctx) => ({ nextWakeup: ctx.tick + 1 }));
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    await h.join('held', async (ctx) => {
      if (ctx.tick === 1) await held;
      return { nextWakeup: ctx.tick + 1 };
    });
    const { client } = await h.startStepper();
    await client.waitForTick(0);
    await client.setPolicy(Policy.POLICY_MANUAL);
    const stepped = client.step(1);
    const tick = async () => (await h.store.get(TickRecord, keys.clockTick))!;
    await expect.poll(async () => (await tick()).value.tick).toBe(1);
    const r1 = (await tick()).modRevision;
    await expect
      .poll(async () => (await h.store.get(AckRecord, keys.ack('quick')))?.value.revision)
      .toBe(r1);
    // What the leader's drop writes, then the participant registering again
    // (as after a lost lease), while tick 1 still waits for `held`.
    await h.store.txn([], [op.delete(keys.participant('quick')), op.delete(keys.ack('quick'))]);
    await h.store.put(ParticipantRecord, keys.participant('quick'), {
      name: 'quick',
      reactsTo: ['toy/'],
    });
    release();
    expect((await stepped).tick).toBe(1);
    expect((await h.store.get(AckRecord, keys.ack('quick')))?.value.revision).toBe(r1);
  });
});

describe('stepper: a burst of inputs', () => {
  // How services submit an injection or a command: `submit`, or `submitAll`
  // with one input; both are grouped alike.
  it.each([
    ['single inputs', 'input-burst', (w: InputWriter, i: InputToSubmit) => w.submit(i)],
    [
      'one-input submitAll calls',
      'input-burst-all',
      async (w: InputWriter, i: InputToSubmit) => (await w.submitAll([i]))[0]!,
    ],
  ] as const)(
    'writes a burst of %s in a few transactions, in arrival order, all for the next tick',
    async (_, name, submit) => {
      h = await harness(name);
      await h.join('owner', () => ({ nextWakeup: null }));
      const { client } = await h.startStepper();
      const start = await client.waitForTick(0);
      const writer = new InputWriter(h.store);
      const submitted = await Promise.all(
        Array.from({ length: 100 }, () =>
          submit(writer, { id: { sequence: 'burst/b' }, owner: 'owner' }),
        ),
      );
      expect(submitted.map((s) => s.id)).toEqual(
        Array.from({ length: 100 }, (_, i) => `burst/b${start.tick + 1}-${i + 1}`),
      );
      expect(new Set(submitted.map((s) => s.effectiveTick))).toEqual(new Set([start.tick + 1]));
      // One transaction per write: the first input alone, then groups of what
      // arrived meanwhile. (Each input's own revision: the etcd, and so its
      // revision counter, is shared with the tests running beside this one.)
      expect(new Set(submitted.map((s) => s.revision)).size).toBeLessThanOrEqual(10);
    },
  );
});
