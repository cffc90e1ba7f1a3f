import { AckRecord, TickRecord } from '@chamber/protos';
import { op, type Reaction } from '@chamber/reactor';
import { decode, Store, type CachedView } from '@chamber/store';
import { budgets, etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { configOf, grpc, logger } from './fixtures.js';
import { hostParticipantService, type ReactionTick } from '../src/index.js';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Resolves with the participant's ack once it acknowledges `tick` (a watch, not a timer). */
async function acked(store: Store, name: string, tick: number): Promise<AckRecord> {
  const from = (await store.currentRevision()) + 1;
  const current = await store.get(AckRecord, keys.ack(name));
  if (current !== undefined && current.value.tick === tick) return current.value;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ack of tick ${tick} from ${name}`)),
      budgets.waitMs,
    );
    void store
      .watch(keys.ack(name), { fromRevision: from }, (events) => {
        for (const e of events) {
          if (e.type !== 'put') continue;
          const ack = decode(AckRecord, e.key, e.value!);
          if (ack.tick !== tick) continue;
          clearTimeout(timer);
          resolve(ack);
        }
      })
      .then((handle) => closers.push(() => handle.cancel()));
  });
}

/** A reaction with more writes than one transaction holds, so they go in chunks. */
interface ProbeReaction extends Reaction {
  readonly count: number;
}
const count = 300;

describe('hostParticipantService, the chassis of a participant', () => {
  it("hands its reactor each tick, writes the reaction with the ack, and lets the service hear the reaction and the chunked write's progress", async () => {
    const simulation = uniqueSimulation('host-participant');
    const store = await Store.connect({ endpoints: etcdEndpoints(), simulation });
    closers.push(() => store.close());
    await store.txn([], [op.putRaw('toy/seen', '"before tick 0"')]);

    const heard: Array<{ count: number; tick: number }> = [];
    const progress: Array<[number, number]> = [];
    const seen: string[] = [];
    let view: (() => CachedView | undefined) | undefined;
    const service = hostParticipantService<ProbeReaction>({
      name: 'probe',
      config: configOf(simulation),
      logger,
      store,
      grpc: (_, participantView) => {
        view = participantView;
        return grpc();
      },
      participant: {
        views: ['toy/'],
        reactor: {
          react: ({ tick, snapshot }) => {
            seen.push(snapshot.getRaw('toy/seen')?.value ?? 'nothing');
            return {
              writes: Array.from({ length: count }, (_, i) =>
                op.putRaw(`out/${String(i).padStart(3, '0')}`, String(tick)),
              ),
              decisions: [],
              nextWakeup: null,
              count,
            };
          },
        },
        onReaction: (reaction, tick: ReactionTick) => {
          heard.push({ count: reaction.count, tick: tick.tick });
          return (written, total) => {
            progress.push([written, total]);
          };
        },
      },
    });
    closers.push(() => service.stop());
    await service.start();
    expect(view?.()).toBeUndefined();

    // Tick 0, published as the stepper would: the probe is expected.
    const ack = acked(store, 'probe', 0);
    await store.put(TickRecord, keys.clockTick, {
      tick: 0,
      expected: ['probe'],
      seed: 7,
      run: 1,
      resetting: false,
    });
    expect(await ack).toMatchObject({ tick: 0 });

    expect(seen).toEqual(['"before tick 0"']);
    expect(heard).toEqual([{ count, tick: 0 }]);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual([count, count]);
    expect((await store.listRaw('out/')).entries).toHaveLength(count);
    // The service's reads of the present see the participant's view.
    expect(view?.()?.getRaw('toy/seen')?.value).toBe('"before tick 0"');
  });
});
