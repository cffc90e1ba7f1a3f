// A participant's fence (its leadership's guard when replicas elect one):
// once it fails, the participant writes nothing.
import { AckRecord, TickRecord } from '@chamber/protos';
import { cmp, op, Store } from '@chamber/store';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { Participant, type TickContext } from '../src/index.js';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const lead = 'toy/lead';
const fence = cmp.exists(lead);

/** Publishes tick `tick` expecting `p`, as the stepper would. */
const publish = (store: Store, tick: number): Promise<number> =>
  store.put(TickRecord, keys.clockTick, {
    tick,
    expected: ['p'],
    seed: 1,
    run: 1,
    resetting: false,
  });

describe('a fenced participant', () => {
  it('does not register while its fence fails', async () => {
    const store = await Store.connect({
      endpoints: etcdEndpoints(),
      simulation: uniqueSimulation('fence-join'),
    });
    closers.push(() => store.close());
    await expect(Participant.join(store, { name: 'p', onTick: () => ({}), fence })).rejects.toThrow(
      /fence failed/,
    );
    expect(await store.getRaw(keys.participant('p'))).toBeUndefined();
    expect(await store.getRaw(keys.alive('p'))).toBeUndefined();
  });

  it('writes no effect and no ack once its fence fails', async () => {
    const store = await Store.connect({
      endpoints: etcdEndpoints(),
      simulation: uniqueSimulation('fence-ack'),
    });
    closers.push(() => store.close());
    await store.txn([], [op.putRaw(lead, '"a"')]);
    const handled: number[] = [];
    let onHandled: (tick: number) => void = () => undefined;
    const p = await Participant.join(store, {
      name: 'p',
      fence,
      onTick: (ctx: TickContext) => {
        handled.push(ctx.tick);
        onHandled(ctx.tick);
        return { ops: [op.putRaw('toy/out', String(ctx.tick))] };
      },
    });
    closers.push(() => p.stop());
    const acked = new Promise<number>((resolve) => p.onAck(resolve));
    await publish(store, 0);
    expect(await acked).toBe(0);

    // It loses its leadership: tick 1 is handled, and nothing of it is written.
    await store.delete(lead);
    const seen = new Promise<void>((resolve) => (onHandled = (t) => t === 1 && resolve()));
    await publish(store, 1);
    await seen;
    // Stopping waits for the tick in hand to end.
    await p.stop();
    expect(handled).toContain(1);
    expect((await store.get(AckRecord, keys.ack('p')))?.value.tick).toBe(0);
    expect((await store.getRaw('toy/out'))?.value).toBe('0');
    // Its registration stays for a successor; its alive/ key went with its lease.
    expect(await store.getRaw(keys.participant('p'))).toBeDefined();
    expect(await store.getRaw(keys.alive('p'))).toBeUndefined();
  });
});
