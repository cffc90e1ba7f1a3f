import { ClockClient } from '@chamber/clock-client';
import { isChamberError } from '@chamber/errors';
import { FaultsClient } from '@chamber/faults-client';
import { InventoryClient } from '@chamber/inventory-client';
import {
  CommandAction,
  CommandStatus,
  FaultKind,
  FaultRecord,
  FaultStatus,
  PendingRecord,
  View,
} from '@chamber/protos';
import { Store } from '@chamber/store';
import { budgets, etcdEndpoints, freePortRun, uniqueSimulation } from '@chamber/testing';
import { keys } from '@chamber/world';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFrontendWorld } from './frontend-world.js';
import { twoRacks } from './inventory-world.js';
import {
  patientStepperEnv,
  repo,
  startServiceProcess,
  startStepperProcess,
  type Child,
} from './processes.js';

// External inputs (issue 15): any number of them in one tick, with ids a
// replay reproduces; bulk calls written as one transaction where they fit;
// and a reset that keeps the definition in force. Real etcd, real processes
// (the REST bulk calls: real services in this process behind a frontend).
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** The `small` sample's blades: one zone, two racks of four. */
const smallBlades = Array.from(
  { length: 8 },
  (_, i) => `small/z1/rack${1 + (i % 2)}/blade/${Math.floor(i / 2)}`,
);

/**
 * A stepper and the `participants` as processes, the way the launcher starts
 * them, the inventory with the `small` sample. With `waitFor`, tick 0 waits
 * for those participants (as the launcher has it); without, the stepper
 * publishes tick 0 at once, before any of them joined.
 */
async function startProcesses(
  label: string,
  participants: readonly string[],
  waitFor: readonly string[] = participants,
) {
  const simulation = uniqueSimulation(label);
  const endpoints = etcdEndpoints();
  const port = await freePortRun(1);
  const stepper = startStepperProcess({
    endpoints,
    simulation,
    port,
    instance: label,
    extraEnv: {
      CHAMBER_STEPPER_PARTICIPANTS: waitFor.join(','),
      ...patientStepperEnv,
    },
  });
  cleanup.push(() => stepper.kill('SIGKILL'));
  await stepper.waitForLine(/stepper serving/);
  const clock = ClockClient.connect(`127.0.0.1:${port}`);
  cleanup.push(() => clock.close());
  if (waitFor.length === 0) await clock.waitForTick(0);
  const children: Record<string, { child: Child; address: string }> = {};
  await Promise.all(
    participants.map(async (name) => {
      const started = await startServiceProcess({
        name,
        endpoints,
        simulation,
        env: name === 'inventory' ? { CHAMBER_INVENTORY_DEFINITION: 'small' } : {},
      });
      cleanup.push(() => started.child.kill('SIGKILL'));
      children[name] = started;
    }),
  );
  const store = await Store.connect({ endpoints, simulation });
  cleanup.push(() => store.close());
  return { clock, children, store };
}

describe('inputs in one tick', () => {
  it(
    'accepts 500 faults and 500 commands in one tick of a paused clock, all taking effect at the next tick',
    async () => {
      const { clock, children, store } = await startProcesses('inputs-500', [
        'inventory',
        'faults',
      ]);
      // A burst of 1,000 calls: each may wait behind the others far longer
      // than an interactive call's default deadline on a loaded machine;
      // what is asserted is the tick they take effect at, not their latency.
      const burst = { timeoutMs: budgets.testMs };
      const faults = FaultsClient.connect(children['faults']!.address, burst);
      const inventory = InventoryClient.connect(children['inventory']!.address, burst);
      cleanup.push(
        () => faults.close(),
        () => inventory.close(),
      );
      const start = await clock.waitForTick(0);
      expect((await inventory.getSummary()).blades).toBe(8);

      // All at once, as a chaos tool sends them: the order they are written in is theirs.
      const [injected, issued] = await Promise.all([
        Promise.all(
          Array.from({ length: 500 }, (_, i) =>
            faults.inject(FaultKind.FAULT_KIND_CRASH, [smallBlades[i % 8]!], { duration: 2 }),
          ),
        ),
        Promise.all(
          Array.from({ length: 500 }, (_, i) =>
            inventory.issueCommand(smallBlades[i % 8]!, CommandAction.COMMAND_ACTION_POWER_CYCLE),
          ),
        ),
      ]);
      const range = (prefix: string) =>
        new Set(Array.from({ length: 500 }, (_, i) => `${prefix}1-${i + 1}`));
      expect(new Set(injected.map((f) => f.id))).toEqual(range('f'));
      expect(new Set(issued.map((c) => c.id))).toEqual(range('c'));
      expect(new Set(injected.map((f) => f.createdTick))).toEqual(new Set([1]));
      expect(new Set(issued.map((c) => c.effectiveTick))).toEqual(new Set([1]));
      // Nothing moved the clock meanwhile.
      expect((await clock.getStatus()).tick).toBe(start.tick);
      expect((await store.list(PendingRecord, keys.pendingPrefix)).entries).toHaveLength(1000);

      await clock.step(1);
      // Each fault active from tick 1, each command executed there, no input left waiting.
      const after = await faults.list();
      expect(after).toHaveLength(500);
      for (const f of after) {
        expect(f.status).toBe(FaultStatus.FAULT_STATUS_ACTIVE);
        expect(f.sinceTick).toBe(1);
      }
      const commands = await inventory.listCommands();
      expect(commands).toHaveLength(500);
      for (const c of commands) {
        expect(c.status).not.toBe(CommandStatus.COMMAND_STATUS_PENDING);
        expect(c.effectiveTick).toBe(1);
      }
      expect((await store.list(PendingRecord, keys.pendingPrefix)).entries).toHaveLength(0);
    },
    budgets.longTestMs,
  );

  it(
    'gives the same inputs in the same order the same ids in every run',
    async () => {
      const { clock, children } = await startProcesses('inputs-replay', ['inventory', 'faults']);
      const faults = FaultsClient.connect(children['faults']!.address);
      const inventory = InventoryClient.connect(children['inventory']!.address);
      cleanup.push(
        () => faults.close(),
        () => inventory.close(),
      );
      await clock.waitForTick(0);

      /** A fresh run: 60 inputs of each kind over two ticks, one after the other. */
      const run = async () => {
        await clock.reset({ seed: 3 });
        const ids: string[] = [];
        for (let tick = 0; tick < 2; tick++) {
          for (let i = 0; i < 30; i++) {
            const blade = smallBlades[(i * 3 + tick) % 8]!;
            ids.push((await faults.inject(FaultKind.FAULT_KIND_HANG, [blade], { duration: 1 })).id);
            ids.push((await inventory.issueCommand(blade, CommandAction.COMMAND_ACTION_REBOOT)).id);
          }
          await clock.step(1);
        }
        return { ids, digest: (await clock.step(3)).digest };
      };
      const first = await run();
      expect(first.ids.slice(0, 4)).toEqual(['f1-1', 'c1-1', 'f1-2', 'c1-2']);
      expect(first.ids.slice(-2)).toEqual(['f2-30', 'c2-30']);
      const second = await run();
      expect(second).toEqual(first);
    },
    budgets.longTestMs,
  );
});

describe('a reset keeps the definition in force', () => {
  it(
    'builds the definition at tick 0 of the new run when the reset came before the load took effect',
    async () => {
      // The clock ran before the inventory joined: the inventory's configured
      // definition is a load due at tick 1, and the reset comes at tick 0.
      const { clock, children } = await startProcesses('reset-tick0', ['inventory'], []);
      await children['inventory']!.child.waitForLine(/loading the configured one/);
      const inventory = InventoryClient.connect(children['inventory']!.address);
      cleanup.push(() => inventory.close());
      expect((await clock.getStatus()).tick).toBe(0);

      const reset = await clock.reset();
      expect(reset.tick).toBe(0);
      const atZero = await inventory.getSummary();
      expect(atZero).toMatchObject({ tick: 0, blades: 8, definition: 'small.yaml' });
      await clock.step(30);
      const summary = await inventory.getSummary({ view: View.VIEW_ACTUAL });
      expect(summary).toMatchObject({ tick: 30, blades: 8 });
      expect(summary.bladeStates['BLADE_STATE_WORKING']).toBe(8);

      // A definition loaded later, and a reset before its tick: the new run builds it.
      const load = await inventory.loadDefinition(twoRacks, 'tiny.yaml');
      expect(load.effectiveTick).toBe(31);
      await clock.reset();
      expect(await inventory.getSummary()).toMatchObject({
        tick: 0,
        regions: 1,
        blades: 8,
        definition: 'tiny.yaml',
      });
      expect((await inventory.listElements('')).map((e) => e.path)).toEqual(['r1']);
    },
    budgets.longTestMs,
  );
});

describe('bulk calls', () => {
  it(
    'writes many faults or commands in one call as one transaction, and refuses the whole call for one bad entry',
    async () => {
      const f = await startFrontendWorld('inputs-bulk');
      cleanup.push(() => f.close());
      await f.world.load(twoRacks, 'tiny.yaml');
      const now = await f.world.now();
      const blades = Array.from({ length: 8 }, (_, i) => `r1/z1/rack${1 + (i % 2)}/blade/${i % 4}`);
      const inputsOf = async () =>
        (await f.world.store.list(FaultRecord, keys.inputsOf('faults'))).entries;
      const pending = async () => (await f.world.store.listKeys(keys.pendingPrefix)).length;

      // 40 faults: one transaction, in the order asked.
      const asked = Array.from({ length: 40 }, (_, i) => ({
        kind: i % 2 === 0 ? 'crash' : 'hang',
        targets: [blades[i % 8]],
        duration: 1 + i,
      }));
      const res = await f.admin.call<{ faults: Array<{ id: string; kind: string }> }>(
        'injectFault',
        { body: { faults: asked } },
      );
      expect(res.status).toBe(201);
      expect(res.body.faults.map((x) => x.id)).toEqual(asked.map((_, i) => `f${now + 1}-${i + 1}`));
      expect(res.body.faults[1]!.kind).toBe('FAULT_KIND_HANG');
      const written = await inputsOf();
      expect(written).toHaveLength(40);
      expect(new Set(written.map((e) => e.modRevision)).size).toBe(1);

      // One bad entry: nothing written, the entry and its field named.
      const refuse = async (body: unknown, id = 'injectFault') => {
        try {
          await f.admin.call(id, { body });
        } catch (error) {
          if (!isChamberError(error)) throw error;
          return { field: error.details?.['field'], message: error.message };
        }
        throw new Error('the call was not refused');
      };
      const before = await pending();
      expect(
        await refuse({
          faults: [asked[0], { kind: 'crash', targets: [blades[1], 'r1/z1/rack9/blade/0'] }],
        }),
      ).toMatchObject({ field: 'faults[1].targets[1]', message: /rack9/ });
      expect(
        await refuse({ faults: [asked[0], asked[1], { ...asked[2], at: now }] }),
      ).toMatchObject({ field: 'faults[2].at' });
      expect(await refuse({ faults: [asked[0], { kind: 'crash', targets: [] }] })).toMatchObject({
        field: 'faults[1].targets',
      });
      expect(
        await refuse({ kind: 'crash', targets: [blades[0]], faults: [asked[0]] }),
      ).toMatchObject({ field: 'faults' });
      expect(await refuse({ duration: 3, faults: [asked[0]] })).toMatchObject({
        field: 'duration',
      });
      expect(await pending()).toBe(before);
      expect(await inputsOf()).toHaveLength(40);

      // More than one transaction holds: written in order, in consecutive transactions.
      const many = Array.from({ length: 150 }, (_, i) => ({
        kind: 'crash',
        targets: [blades[i % 8]],
      }));
      const big = await f.admin.call<{ faults: Array<{ id: string }> }>('injectFault', {
        body: { faults: many },
      });
      expect(big.body.faults.map((x) => x.id)).toEqual(many.map((_, i) => `f${now + 1}-${41 + i}`));
      const revisions = new Set((await inputsOf()).map((e) => e.modRevision));
      // Three writes a fault (its input, its pending marker, its journal entry): 42 a transaction.
      expect(revisions.size).toBe(1 + Math.ceil(150 / 42));

      // Commands: one to each of many targets, one transaction.
      const commands = await f.admin.call<{ commands: Array<{ id: string; target: string }> }>(
        'issueCommand',
        { body: { targets: blades, action: 'power_cycle' } },
      );
      expect(commands.status).toBe(201);
      expect(commands.body.commands.map((c) => c.target)).toEqual(blades);
      expect(commands.body.commands.map((c) => c.id)).toEqual(
        blades.map((_, i) => `c${now + 1}-${i + 1}`),
      );
      const commandInputs = await f.world.store.listRaw(keys.input('inventory', 'command/'));
      expect(new Set(commandInputs.entries.map((e) => e.modRevision)).size).toBe(1);
      const beforeCommands = await pending();
      expect(
        await refuse(
          { targets: [blades[0], blades[1], 'r1/z1/rack1/blade/9'], action: 'reboot' },
          'issueCommand',
        ),
      ).toMatchObject({ field: 'targets[2]', message: /^targets\[2\]: no blade/ });
      expect(await pending()).toBe(beforeCommands);

      // The CLI: several targets of one command, one call of the bulk form.
      const token = await f.admin.call<{ token: string }>('createToken', {
        body: { name: 'inputs' },
      });
      const cli = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          [
            path.join(repo, 'clients/cli/bin/chamber.js'),
            ...['inventory', 'command', `${blades[0]},${blades[5]}`, 'reboot', '--json'],
          ],
          { env: { ...process.env, CHAMBER_API: f.url, CHAMBER_TOKEN: token.body.token } },
          (error, stdout, stderr) => (error === null ? resolve(stdout) : reject(new Error(stderr))),
        );
      });
      const fromCli = JSON.parse(cli) as { commands: Array<{ id: string; target: string }> };
      expect(fromCli.commands.map((c) => [c.id, c.target])).toEqual([
        [`c${now + 1}-9`, blades[0]],
        [`c${now + 1}-10`, blades[5]],
      ]);

      // All of it takes effect at the next tick.
      await f.world.clock.step(1);
      const faults = await f.world.faults.list();
      expect(faults).toHaveLength(190);
      for (const fault of faults) expect(fault.createdTick).toBe(now + 1);
      expect(await pending()).toBe(0);
    },
    budgets.longTestMs,
  );
});
