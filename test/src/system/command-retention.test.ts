import { Code, isChamberError } from '@chamber/errors';
import { CommandAction, CommandRecord, CommandStatus } from '@chamber/protos';
import { budgets } from '@chamber/testing';
import { keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { startInventoryWorld, twoRacks } from './inventory-world.js';

// Issue 16: the inventory's finished commands do not pile up. A command that
// succeeded or failed is deleted in the inventory's own tick
// `inventory.retentionTicks` after it finished, the same with or without a
// restart of the inventory in between (the digest proves it).
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const retentionTicks = 6;
const blade = (n: number) => `r1/z1/rack${1 + (n % 2)}/blade/${Math.floor(n / 2) % 4}`;

describe('finished commands', () => {
  it(
    'are deleted retentionTicks after they finished, in the inventory tick, the same across a restart',
    async () => {
      const world = await startInventoryWorld('command-retention', {
        seed: 4,
        inventory: { retentionTicks },
      });
      cleanup.push(() => world.close());
      const load = await world.load(twoRacks, 'tiny.yaml');
      const start = load.effectiveTick + 5;

      /**
       * A fresh run from `start`: commands issued at a few ticks (some fail:
       * a blade already busy), then step by step to `start + 40`; after each
       * settled tick, every finished command seen is stored exactly while
       * the tick is before `finishedTick + retentionTicks`. With
       * `restartAt`, the inventory is killed and started again after that
       * tick. Resolves with the digest and the finished commands seen.
       */
      const run = async (restartAt?: number) => {
        await world.clock.reset({ seed: 4 });
        await world.clock.runUntil(start);
        const finished = new Map<string, number>();
        for (let tick = start; tick < start + 40; tick++) {
          if (tick % 7 === 0) {
            for (let n = 0; n < 3; n++) {
              const action =
                n === 2
                  ? CommandAction.COMMAND_ACTION_REBOOT
                  : CommandAction.COMMAND_ACTION_POWER_CYCLE;
              await world.inventory.issueCommand(blade(tick + (n === 2 ? 0 : n)), action);
            }
          }
          const settled = (await world.clock.step(1)).tick;
          const stored = new Map(
            (await world.store.list(CommandRecord, keys.commandsPrefix)).entries.map((e) => [
              e.value.id,
              e.value,
            ]),
          );
          for (const c of stored.values()) {
            if (c.status === CommandStatus.COMMAND_STATUS_SUCCEEDED)
              finished.set(c.id, c.finishedTick);
            if (c.status === CommandStatus.COMMAND_STATUS_FAILED)
              finished.set(c.id, c.finishedTick);
          }
          for (const [id, finishedTick] of finished) {
            const isKept = settled < finishedTick + retentionTicks;
            expect({ id, finishedTick, settled, stored: stored.has(id) }).toEqual({
              id,
              finishedTick,
              settled,
              stored: isKept,
            });
          }
          if (settled === restartAt) await world.restartInventory();
        }
        return { digest: (await world.clock.getStatus()).digest, finished };
      };

      const plain = await run();
      // Commands finished, and most of them went before the end.
      const gone = [...plain.finished].filter(([, f]) => f + retentionTicks <= start + 40);
      expect(gone.length).toBeGreaterThanOrEqual(6);
      const left = (await world.store.list(CommandRecord, keys.commandsPrefix)).entries.length;
      expect(left).toBeLessThan(plain.finished.size);

      // What users see: a pruned command is neither listed nor found.
      const [id] = gone[0]!;
      expect((await world.inventory.listCommands()).map((c) => c.id)).not.toContain(id);
      const missing = await world.inventory.getCommand(id).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isChamberError(missing) && missing.code).toBe(Code.NotFound);

      // A restart while finished commands wait for their deletion: the same world.
      const restarted = await run(start + 10);
      expect(restarted.finished).toEqual(plain.finished);
      expect(restarted.digest).toBe(plain.digest);
    },
    budgets.longTestMs,
  );
});
