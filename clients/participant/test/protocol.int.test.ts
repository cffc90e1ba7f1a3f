// The participant protocol against a real etcd and a real stepper (DESIGN §1,
// "The tick protocol"): what a service built on Participant relies on.
import { Code, isChamberError } from '@chamber/errors';
import { AckRecord, Policy, TickRecord } from '@chamber/protos';
import { cmp, maxTxnOps, op, type Op } from '@chamber/store';
import { keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import {
  submitInput,
  type SubmittedInput,
  type TickContext,
  type TickResult,
} from '../src/index.js';
import { harness, writesEveryTick, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** `count` keys under `toy/<name>/`, each holding the tick: more than one transaction holds. */
function manyWrites(name: string, count: number) {
  return (ctx: TickContext): Op[] =>
    Array.from({ length: count }, (_, i) =>
      op.putRaw(`toy/${name}/${String(i).padStart(5, '0')}`, JSON.stringify({ tick: ctx.tick, i })),
    );
}

async function ackOf(name: string) {
  return h.store.get(AckRecord, keys.ack(name));
}

describe('participant protocol', () => {
  it('hands a participant that joins while its tick is in flight that tick, with the view as of R(T)', async () => {
    h = await harness('join-mid-tick');
    const first = await h.join('b', writesEveryTick('b'));
    const client = await h.startStepper();
    await client.step(1);
    // The process dies (its lease is revoked); the stepper waits for it.
    await first.stop();
    const stepping = client.step(1);
    const published = await h.published(2);
    expect(published.expected).toEqual(['b']);
    const r2 = (await h.store.get(TickRecord, keys.clockTick))!.modRevision;
    // Written after R(2): not part of tick 2's snapshot.
    await h.store.txn([], [op.putRaw('toy/later', '{}')]);
    // What it was handed, as it was handed it (the view moves on afterwards).
    const handed: Array<{ tick: number; revision: number; hasLater: boolean; changes: unknown }> =
      [];
    await h.join('b', (ctx) => {
      handed.push({
        tick: ctx.tick,
        revision: ctx.revision,
        hasLater: ctx.view.getRaw('toy/later') !== undefined,
        changes: ctx.changes,
      });
      return writesEveryTick('b')(ctx);
    });
    const status = await stepping;
    expect(status.tick).toBe(2);
    expect(status.settled).toBe(true);
    expect(handed).toEqual([{ tick: 2, revision: r2, hasLater: false, changes: undefined }]);
    expect(JSON.parse((await h.store.getRaw('toy/b'))!.value)).toEqual({ tick: 2 });
    expect((await ackOf('b'))?.value.tick).toBe(2);
  });

  it('redoes a tick after a crash that left its writes half done and no ack; the store ends as if nothing happened', async () => {
    const count = maxTxnOps * 3;
    // The run without a crash.
    h = await harness('crash-reference');
    await h.join('big', (ctx) => ({ ops: manyWrites('big', count)(ctx) }));
    const reference = await h.startStepper();
    const expected = await reference.step(3);
    const expectedKeys = (await h.store.listRaw('toy/')).entries.map((e) => [e.key, e.value]);
    await h.close();

    h = await harness('crash');
    let crashed = false;
    const first = await h.join(
      'big',
      (ctx) => ({
        ops: manyWrites('big', count)(ctx),
        onProgress: (written) => {
          if (ctx.tick === 3 && written > 0 && !crashed) {
            // Dies after its first chunk landed: no more writes, no ack.
            crashed = true;
            void first.stop();
            throw new Error('killed');
          }
        },
      }),
      { retryDelayMs: 1 },
    );
    const client = await h.startStepper();
    await client.step(2);
    const stepping = client.step(1);
    await expect.poll(() => crashed).toBe(true);
    await first.stop();
    const written = (await h.store.listRaw('toy/big/')).entries.filter(
      (e) => (JSON.parse(e.value) as { tick: number }).tick === 3,
    );
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(count);
    expect((await ackOf('big'))?.value.tick).toBe(2);

    await h.join('big', (ctx) => ({ ops: manyWrites('big', count)(ctx) }));
    const status = await stepping;
    expect(status.tick).toBe(3);
    expect(status.digest).toBe(expected.digest);
    expect((await h.store.listRaw('toy/')).entries.map((e) => [e.key, e.value])).toEqual(
      expectedKeys,
    );
  });

  it('writes every chunk of a large tick before the ack', async () => {
    h = await harness('chunks');
    const count = maxTxnOps * 4 + 7;
    const progress: number[] = [];
    await h.join('big', (ctx) => ({
      ops: manyWrites('big', count)(ctx),
      onProgress: (written) => void progress.push(written),
    }));
    const client = await h.startStepper();
    await client.step(2);
    const ack = await ackOf('big');
    expect(ack?.value.tick).toBe(2);
    // As of the ack's revision every write of tick 2 is in the store, and
    // none of them came with the ack (chunks first, the ack last).
    const atAck = await h.store.listRaw('toy/big/', { revision: ack!.modRevision });
    expect(atAck.entries).toHaveLength(count);
    expect(atAck.entries.every((e) => (JSON.parse(e.value) as { tick: number }).tick === 2)).toBe(
      true,
    );
    expect(Math.max(...atAck.entries.map((e) => e.modRevision))).toBeLessThan(ack!.modRevision);
    expect(progress.at(-1)).toBe(count);
  });

  it('writes no chunk of a tick once the clock has moved on (a reset), and no ack for it', async () => {
    h = await harness('stale-chunk');
    const count = maxTxnOps * 3;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstChunk!: () => void;
    const hasFirstChunk = new Promise<void>((resolve) => (firstChunk = resolve));
    let firstRun: number | undefined;
    await h.join('big', (ctx) => {
      firstRun ??= ctx.run;
      // The next run writes elsewhere, so whatever is left under toy/big/ came from the first.
      if (ctx.run !== firstRun) return { ops: [op.putRaw('toy/next', JSON.stringify(ctx.tick))] };
      return {
        ops: manyWrites('big', count)(ctx),
        onProgress: async () => {
          if (ctx.tick !== 2) return;
          firstChunk();
          // Held here, mid-write, while the clock moves on.
          await gate;
        },
      };
    });
    const client = await h.startStepper();
    await client.step(1);
    const stepping = client.step(1).catch(() => undefined);
    await hasFirstChunk;
    const resetting = client.reset();
    // Tick 0 of the next run is published (the world cleared): tick 2 is stale.
    await h.published((r) => r.run > 1 && !r.resetting);
    release();
    const status = await resetting;
    await stepping;
    expect(status.tick).toBe(0);
    // The reset cleared the first chunk; the rest of stale tick 2 never landed.
    expect((await h.store.listRaw('toy/big/')).entries).toEqual([]);
    expect((await h.store.getRaw('toy/next'))?.value).toBe('0');
    expect((await ackOf('big'))?.value.tick).toBe(0);
  });

  it('writes nothing of a tick whose compares fail, and redoes the tick from the store', async () => {
    h = await harness('compares');
    const counter = 'toy/cas/counter';
    let attempts = 0;
    const errors: unknown[] = [];
    const changes: Array<ReadonlySet<string> | undefined> = [];
    await h.join(
      'cas',
      async (ctx): Promise<TickResult> => {
        if (ctx.tick === 0) return { ops: [op.putRaw(counter, JSON.stringify({ n: 0 }))] };
        attempts++;
        changes.push(ctx.changes);
        // Its own record, read from the store: the tick is redone from what is there.
        const stored = (await ctx.store.getRaw(counter))!;
        const n = (JSON.parse(stored.value) as { n: number }).n;
        // Someone else changes the record between the read and the write, once.
        if (attempts === 1) await h.store.txn([], [op.putRaw(counter, JSON.stringify({ n: 100 }))]);
        return {
          ops: [
            op.putRaw(counter, JSON.stringify({ n: n + 1 })),
            op.putRaw(`toy/cas/attempt-${attempts}`, JSON.stringify({ tick: ctx.tick })),
          ],
          compares: [cmp.modRevision(counter, '==', stored.modRevision)],
        };
      },
      { onError: (error) => errors.push(error), retryDelayMs: 1 },
    );
    const client = await h.startStepper();
    const status = await client.step(1);
    expect(status.settled).toBe(true);
    expect(attempts).toBe(2);
    expect(errors).toHaveLength(1);
    expect(isChamberError(errors[0]) && errors[0].code === Code.Aborted).toBe(true);
    // The failed attempt wrote nothing; the redo started from nothing known.
    expect(await h.store.getRaw('toy/cas/attempt-1')).toBeUndefined();
    expect(JSON.parse((await h.store.getRaw('toy/cas/attempt-2'))!.value)).toEqual({ tick: 1 });
    expect(JSON.parse((await h.store.getRaw(counter))!.value)).toEqual({ n: 101 });
    expect(changes[1]).toBeUndefined();
    expect((await ackOf('cas'))?.value.tick).toBe(1);
  });

  it('lands an input submitted while the stepper publishes at exactly the tick it was given: never lost, never early', async () => {
    h = await harness('inputs-race');
    const firstSeen = new Map<string, number>();
    await h.join(
      'owner',
      (ctx): TickResult => {
        const ops: Op[] = [op.putRaw('toy/owner', JSON.stringify({ tick: ctx.tick }))];
        for (const e of ctx.view.listRaw(keys.inputsOf('owner'))) {
          const id = e.key.slice(keys.inputsOf('owner').length);
          if (!firstSeen.has(id)) firstSeen.set(id, ctx.tick);
          // Applied: its marker goes, as an owner's does.
          ops.push(op.delete(e.key), op.delete(keys.pending(id)));
        }
        return { ops };
      },
      { views: ['toy/', keys.inputsOf('owner')], reactsTo: ['toy/'] },
    );
    const client = await h.startStepper();
    await client.setPolicy(Policy.POLICY_NO_WAIT);
    // Stopped by the switch back to manual below.
    const running = client.runUntil(1_000_000).catch(() => undefined);
    const submitted: SubmittedInput[] = [];
    // Inputs written one after another while the clock publishes as fast as it can.
    for (let i = 0; submitted.length < 60; i++) {
      submitted.push(
        await submitInput(h.store, {
          id: `in-${i}`,
          owner: 'owner',
          ops: (effectiveTick, id) => [
            op.putRaw(keys.input('owner', id), JSON.stringify({ effectiveTick })),
          ],
        }),
      );
    }
    await client.setPolicy(Policy.POLICY_MANUAL);
    await running;
    const last = Math.max(...submitted.map((s) => s.effectiveTick));
    if ((await client.getStatus()).tick < last) await client.runUntil(last);
    const ticks = new Set(submitted.map((s) => s.effectiveTick));
    // They raced a moving clock: they took effect at many different ticks.
    expect(ticks.size).toBeGreaterThan(5);
    for (const s of submitted) expect([s.id, firstSeen.get(s.id)]).toEqual([s.id, s.effectiveTick]);
  });
});
