import { Code, isChamberError } from '@chamber/errors';
import { startEtcd } from '@chamber/etcd-process';
import {
  BladeState,
  CableState,
  CommandAction,
  CommandStatus,
  FaultKind,
  FaultStatus,
  TargetState,
  View,
} from '@chamber/protos';
import { afterEach, describe, expect, it } from 'vitest';
import { sample, startInventoryWorld, twoRacks, type InventoryWorld } from './inventory-world.js';

const worlds: InventoryWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close();
});

async function world(label: string, seed = 1): Promise<InventoryWorld> {
  const w = await startInventoryWorld(label, { seed });
  worlds.push(w);
  return w;
}

async function failure(p: Promise<unknown>): Promise<{ code: Code; message: string }> {
  try {
    await p;
  } catch (error) {
    if (isChamberError(error)) return { code: error.code, message: error.message };
  }
  throw new Error('expected a ChamberError');
}

const rack = (name: string, blades: number[]) => blades.map((b) => `r1/z1/${name}/blade/${b}`);

describe('the inventory service', () => {
  it('installs a definition and brings its blades up: off, powered, booting, working', async () => {
    const w = await world('inv-boot');
    const { effectiveTick: e } = await w.load(twoRacks);
    const blade = 'r1/z1/rack1/blade/0';
    expect((await w.blade(blade)).state).toBe(BladeState.BLADE_STATE_OFF);
    const target = await w.inventory.getElement(blade, { view: View.VIEW_TARGET });
    expect(target.target).toMatchObject({
      state: TargetState.TARGET_STATE_IN_SERVICE,
      powered: true,
    });
    await w.clock.step(1);
    const all = [...rack('rack1', [0, 1, 2, 3]), ...rack('rack2', [0, 1, 2, 3])];
    expect(await w.bladeStates()).toEqual(Object.fromEntries(all.map((b) => [b, 'POWERED'])));
    await w.clock.step(1);
    expect((await w.blade(blade)).state).toBe(BladeState.BLADE_STATE_BOOTING);
    await w.clock.step(2);
    expect(await w.bladeStates()).toEqual(Object.fromEntries(all.map((b) => [b, 'WORKING'])));
    expect((await w.blade(blade)).sinceTick).toBe(e + 4);
    const summary = await w.inventory.getSummary({ view: View.VIEW_ACTUAL });
    expect(summary).toMatchObject({
      racks: 2,
      pdus: 2,
      tors: 2,
      blades: 8,
      bladeStates: { BLADE_STATE_WORKING: 8 },
    });
  });

  it('reconciles a changed definition: adds and removes, leaving unchanged records alone', async () => {
    const w = await world('inv-reconcile');
    await w.load(twoRacks);
    await w.clock.runUntil(5);
    const kept = await w.inventory.getElement('r1/z1/rack2/blade/0', { view: View.VIEW_ACTUAL });
    const changed = twoRacks.replace(
      /racks:[\s\S]*$/,
      `racks:
          - name: rack2
            blades:
              - { template: b, count: 4 }
          - name: rack3
            blades:
              - { template: b, count: 2 }
`,
    );
    // In the same tick: a fault and a target change on elements the load removes.
    await w.faults.inject(FaultKind.FAULT_KIND_POWER_LOSS, ['r1/z1/rack1/pdu/0']);
    await w.inventory.setTarget('r1/z1/rack1/blade/1', {
      state: TargetState.TARGET_STATE_RETIRED,
      powered: false,
    });
    const { effectiveTick } = await w.load(changed, 'changed.yaml');
    expect(
      await failure(w.inventory.getElement('r1/z1/rack1/blade/0', { view: View.VIEW_ACTUAL })),
    ).toEqual({
      code: Code.NotFound,
      message: 'no blade "r1/z1/rack1/blade/0" is defined',
    });
    const added = await w.blade('r1/z1/rack3/blade/1');
    expect(added).toMatchObject({
      state: BladeState.BLADE_STATE_OFF,
      sinceTick: effectiveTick,
      reason: 'installed',
    });
    expect(
      (await w.inventory.getElement('r1/z1/rack2/blade/0', { view: View.VIEW_ACTUAL })).revision,
    ).toBe(kept.revision);
    await w.clock.runUntil(effectiveTick + 4);
    expect(await w.bladeStates('r1/z1/rack3')).toEqual(
      Object.fromEntries(rack('rack3', [0, 1]).map((b) => [b, 'WORKING'])),
    );
    expect((await w.inventory.getSummary()).blades).toBe(6);
    expect((await w.inventory.listElements('r1/z1')).map((e) => e.path)).toEqual([
      'r1/z1/rack2',
      'r1/z1/rack3',
    ]);
  });

  it('plans a load without writing anything: what it adds, changes and removes; a sample by name', async () => {
    const w = await world('inv-plan');
    await w.load(twoRacks);
    const before = await w.clock.getStatus();
    const fewer = twoRacks.replace('count: 2', 'count: 1');
    const plan = await w.inventory.planDefinition({ source: fewer, fileName: 'fewer.yaml' });
    expect(plan).toMatchObject({ fileName: 'fewer.yaml', blades: 4, added: 0 });
    expect(plan.updatedPaths).toEqual(['r1/z1']); // it lists one rack fewer
    // rack2, its PDU, TOR and 4 blades, and their cables.
    expect(plan.removed).toBeGreaterThanOrEqual(7);
    expect(plan.removedPaths).toContain('r1/z1/rack2/blade/3');
    expect(
      (await w.inventory.planDefinition({ source: twoRacks, fileName: 'same.yaml' })).unchanged,
    ).toBe(plan.unchanged + plan.updated + plan.removed);
    const sample = await w.inventory.planDefinition({ sample: 'small' });
    expect(sample).toMatchObject({ fileName: 'small.yaml', updated: 0 });
    expect(sample.added).toBeGreaterThan(0);
    expect(sample.removedPaths[0]).toBe('r1');
    await expect(w.inventory.planDefinition({ sample: 'huge' })).rejects.toThrow(
      'no sample definition "huge"; the samples are small, standard, large',
    );
    await expect(
      w.inventory.planDefinition({ source: 'version: 1\nregions: 7\n', fileName: 'bad.yaml' }),
    ).rejects.toThrow(/^bad\.yaml has 1 error\(s\); nothing was loaded:\nbad\.yaml:2:\d+: /);
    // Nothing was written: the same tick and digest, the same definition.
    const after = await w.clock.getStatus();
    expect([after.tick, after.digest]).toEqual([before.tick, before.digest]);
    expect((await w.inventory.getSummary()).blades).toBe(8);
  });

  it('answers the definition in force, now and at a past tick, as it was loaded', async () => {
    const w = await world('inv-source');
    expect(await w.inventory.getDefinitionSource()).toBeUndefined();
    const first = await w.load(twoRacks, 'two.yaml');
    const changed = twoRacks.replace('count: 4', 'count: 3');
    expect(changed).not.toBe(twoRacks);
    await w.load(changed, 'changed.yaml');
    expect(await w.inventory.getDefinitionSource()).toMatchObject({
      fileName: 'changed.yaml',
      source: changed,
    });
    expect(await w.inventory.getDefinitionSource({ asOfTick: first.effectiveTick })).toMatchObject({
      fileName: 'two.yaml',
      source: twoRacks,
    });
  });

  it('reads the state at a past tick, and says so clearly once etcd has compacted it', async () => {
    // Compaction is etcd-wide: this test gets an etcd of its own.
    const etcd = await startEtcd();
    const w = await startInventoryWorld('inv-travel', { endpoints: [...etcd.endpoints] });
    worlds.push({
      ...w,
      close: async () => {
        await w.close();
        await etcd.stop();
      },
    });
    await w.load(twoRacks);
    await w.clock.runUntil(8);
    const b = 'r1/z1/rack1/blade/2';
    const at = async (tick: number) =>
      BladeState[
        (await w.inventory.getElement(b, { view: View.VIEW_ACTUAL, asOfTick: tick })).bladeActual!
          .state
      ];
    expect([await at(1), await at(2), await at(3), await at(4), await at(5), await at(8)]).toEqual([
      'BLADE_STATE_OFF',
      'BLADE_STATE_POWERED',
      'BLADE_STATE_BOOTING',
      'BLADE_STATE_BOOTING',
      'BLADE_STATE_WORKING',
      'BLADE_STATE_WORKING',
    ]);
    expect(await failure(w.inventory.getElement(b, { asOfTick: 0 }))).toEqual({
      code: Code.NotFound,
      message: 'no blade "r1/z1/rack1/blade/2" is defined at tick 0',
    });
    expect((await failure(w.inventory.getSummary({ asOfTick: 99 }))).message).toBe(
      'as_of_tick 99 is after the current tick 8',
    );
    await w.store.compact(await w.store.currentRevision());
    const compacted = await failure(
      w.inventory.getElement(b, { view: View.VIEW_ACTUAL, asOfTick: 3 }),
    );
    expect(compacted.code).toBe(Code.OutOfRange);
    expect(compacted.message).toMatch(
      /^as_of_tick 3 is no longer available: etcd has compacted its history/,
    );
  });

  it('makes intermittent and MTBF faults fire at the same ticks with the same seed', async () => {
    const run = async (seed: number) => {
      const w = await world(`inv-seed-${seed}`, seed);
      await w.load(twoRacks);
      await w.clock.runUntil(5);
      const flaky = await w.faults.inject(
        FaultKind.FAULT_KIND_POWER_LOSS,
        ['r1/z1/rack1/blade/0'],
        {
          probability: 0.2,
        },
      );
      const mtbf = await w.faults.inject(FaultKind.FAULT_KIND_CRASH, rack('rack2', [0, 1, 2, 3]), {
        mtbf: 10,
        mttr: 3,
      });
      await w.clock.runUntil(80);
      const history = async (id: string) =>
        (await w.faults.get(id)).history.map(
          (t) => `${t.tick}:${FaultStatus[t.status]}:${t.reason}`,
        );
      return {
        flaky: await history(flaky.id),
        mtbf: await history(mtbf.id),
        digest: (await w.clock.getStatus()).digest,
      };
    };
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    expect(a.flaky.filter((h) => h.includes('ACTIVE')).length).toBeGreaterThan(3);
    expect(a.mtbf.some((h) => h.includes('failed'))).toBe(true);
    expect(b).toEqual(a);
    expect(c.flaky).not.toEqual(a.flaky);
    expect(c.mtbf).not.toEqual(a.mtbf);
    expect(c.digest).not.toBe(a.digest);
  });

  it('a restarted inventory continues exactly where it was: the same digest as an uninterrupted run', async () => {
    const run = async (restartAt: number | undefined) => {
      const w = await world(`inv-restart-${restartAt ?? 'none'}`, 3);
      await w.load(twoRacks);
      await w.faults.inject(FaultKind.FAULT_KIND_CRASH, ['r1/z1/rack1'], { at: 4, every: 6 });
      await w.faults.inject(FaultKind.FAULT_KIND_POWER_LOSS, ['r1/z1/rack2/pdu/0'], {
        at: 7,
        duration: 3,
      });
      for (let t = 2; t <= 20; t++) {
        if (t === restartAt) await w.restartInventory();
        await w.clock.runUntil(t);
      }
      return { digest: (await w.clock.getStatus()).digest, states: await w.bladeStates() };
    };
    const uninterrupted = await run(undefined);
    expect(await run(9)).toEqual(uninterrupted);
  });

  it("sets a target at the next tick, guarded by the record's revision", async () => {
    const w = await world('inv-target');
    await w.load(twoRacks);
    const blade = 'r1/z1/rack1/blade/2';
    const before = await w.inventory.getElement(blade, { view: View.VIEW_TARGET });
    const effective = await w.inventory.setTarget(blade, {
      state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
      powered: false,
      reason: 'disk swap',
      matchRevision: before.revision,
    });
    // A second change guarded by the same revision is refused while the first is pending.
    expect(
      await failure(
        w.inventory.setTarget(blade, {
          state: TargetState.TARGET_STATE_RETIRED,
          powered: false,
          matchRevision: before.revision,
        }),
      ),
    ).toEqual({
      code: Code.FailedPrecondition,
      message: `the target of ${blade} changed since revision ${before.revision} (or a change is pending); read it again`,
    });
    await w.clock.runUntil(effective);
    const after = await w.inventory.getElement(blade, { view: View.VIEW_TARGET });
    expect(after.target).toEqual({
      state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
      powered: false,
      sinceTick: effective,
      reason: 'disk swap',
      drain: false,
    });
    expect(
      (
        await failure(
          w.inventory.setTarget(blade, {
            state: TargetState.TARGET_STATE_IN_SERVICE,
            powered: true,
            matchRevision: before.revision,
          }),
        )
      ).code,
    ).toBe(Code.FailedPrecondition);
    expect(
      (
        await failure(
          w.inventory.setTarget('r1', {
            state: TargetState.TARGET_STATE_RETIRED,
            powered: false,
          }),
        )
      ).message,
    ).toBe(
      'targets are set on PDUs, TORs, blades, and racks or zones (meaning all their blades), not on a region ("r1")',
    );
  });

  it("sets a rack's target on every blade of it in one call, at one tick, its PDU and TOR untouched", async () => {
    const w = await world('inv-rack-target');
    await w.load(twoRacks);
    const rack = 'r1/z1/rack2';
    const blade = `${rack}/blade/0`;
    const before = await w.inventory.getElement(blade, { view: View.VIEW_TARGET });
    // No one revision guards a rack: refused, and nothing is written.
    expect(
      await failure(
        w.inventory.setTarget(rack, {
          state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
          powered: false,
          matchRevision: before.revision,
        }),
      ),
    ).toEqual({
      code: Code.InvalidArgument,
      message: `match_revision (If-Match): ${rack} is a rack, whose target is set on each of its blades, each with its own revision; match a revision on a PDU, TOR or blade only`,
    });
    const effective = await w.inventory.setTarget(rack, {
      state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
      powered: false,
      reason: 'rack maintenance',
      drain: true,
    });
    await w.clock.runUntil(effective);
    const changed: string[] = [];
    for (const r of ['r1/z1/rack1', rack])
      for (let i = 0; i < 4; i++) {
        const e = await w.inventory.getElement(`${r}/blade/${i}`, { view: View.VIEW_TARGET });
        if (e.target?.sinceTick === effective) changed.push(e.path);
      }
    expect(changed).toEqual([0, 1, 2, 3].map((i) => `${rack}/blade/${i}`));
    expect((await w.inventory.getElement(blade, { view: View.VIEW_TARGET })).target).toEqual({
      state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
      powered: false,
      sinceTick: effective,
      reason: 'rack maintenance',
      drain: true,
    });
    const pdu = await w.inventory.getElement(`${rack}/pdu/0`, { view: View.VIEW_TARGET });
    expect(pdu.target?.state).toBe(TargetState.TARGET_STATE_IN_SERVICE);
    expect(pdu.target?.sinceTick).toBeLessThan(effective);
  });

  it('drains only a target taken out of service, and keeps the drain it is asked for', async () => {
    const w = await world('inv-drain');
    await w.load(twoRacks);
    const blade = 'r1/z1/rack1/blade/3';
    expect(
      await failure(
        w.inventory.setTarget(blade, {
          state: TargetState.TARGET_STATE_IN_SERVICE,
          powered: true,
          drain: true,
        }),
      ),
    ).toEqual({
      code: Code.InvalidArgument,
      message: `drain: only a target out_for_repair or retired drains ${blade} (asked: in_service)`,
    });
    const effective = await w.inventory.setTarget(blade, {
      state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
      powered: false,
      reason: 'firmware update',
      drain: true,
    });
    await w.clock.runUntil(effective);
    expect((await w.inventory.getElement(blade, { view: View.VIEW_TARGET })).target).toEqual({
      state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
      powered: false,
      sinceTick: effective,
      reason: 'firmware update',
      drain: true,
    });
  });

  it('reports the progress of a load written in chunks, and its outcome', async () => {
    const w = await world('inv-progress');
    const load = await w.inventory.loadDefinition(sample('standard'), 'standard.yaml');
    const seen: number[] = [];
    const watching = w.inventory.watchLoad(load.loadId, (p) => seen.push(p.written));
    await w.clock.runUntil(load.effectiveTick);
    const done = await watching;
    expect(done).toMatchObject({
      added: 90,
      updated: 0,
      removed: 0,
      unchanged: 0,
      effectiveTick: load.effectiveTick,
    });
    expect(done.written).toBe(done.total);
    expect(done.total).toBeGreaterThan(128);
    expect(seen.filter((n) => n > 0 && n < done.total).length).toBeGreaterThan(0);
  });

  it('a reset rebuilds the world at tick 0 from the definition in force, without the old faults', async () => {
    const w = await world('inv-reset');
    await w.load(twoRacks);
    await w.faults.inject(FaultKind.FAULT_KIND_HARDWARE_FAILURE, ['r1/z1/rack1/blade/0']);
    await w.clock.runUntil(6);
    const before = await w.bladeStates();
    expect(before['r1/z1/rack1/blade/0']).toBe('FAILED');
    await w.clock.reset();
    expect(await w.faults.list()).toEqual([]);
    expect((await w.blade('r1/z1/rack1/blade/0')).sinceTick).toBe(0);
    await w.clock.runUntil(4);
    expect(Object.values(await w.bladeStates())).toEqual(Array(8).fill('WORKING'));
  });

  it('executes commands over simulated time: reimage, PDU power off and on, cable disconnect and connect', async () => {
    const w = await world('inv-commands');
    await w.load(twoRacks);
    await w.clock.runUntil(5);
    const run = async (target: string, action: CommandAction, image?: string) => {
      const issued = await w.inventory.issueCommand(
        target,
        action,
        image === undefined ? {} : { image },
      );
      expect(issued).toMatchObject({
        status: CommandStatus.COMMAND_STATUS_PENDING,
        effectiveTick: (await w.now()) + 1,
      });
      await w.clock.runUntil(issued.effectiveTick);
      return w.inventory.getCommand(issued.id);
    };
    const b = 'r1/z1/rack2/blade/1';
    const reimage = await run(b, CommandAction.COMMAND_ACTION_REIMAGE, 'img-2'); // at 6: 3 ticks of install, 2 of boot
    expect(reimage).toMatchObject({ status: CommandStatus.COMMAND_STATUS_RUNNING, dueTick: 11 });
    expect(await w.blade(b)).toMatchObject({
      state: BladeState.BLADE_STATE_BOOTING,
      image: 'img-2',
      command: reimage.id,
    });
    await w.clock.runUntil(11);
    expect(await w.inventory.getCommand(reimage.id)).toMatchObject({
      status: CommandStatus.COMMAND_STATUS_SUCCEEDED,
      finishedTick: 11,
    });
    expect(await w.blade(b)).toMatchObject({
      state: BladeState.BLADE_STATE_WORKING,
      reason: 'booted img-2',
      command: '',
    });

    const off = await run('r1/z1/rack2/pdu/0', CommandAction.COMMAND_ACTION_POWER_OFF); // at 12
    expect(off).toMatchObject({
      status: CommandStatus.COMMAND_STATUS_SUCCEEDED,
      reason: 'switched off',
    });
    await w.clock.step(1);
    expect(Object.values(await w.bladeStates('r1/z1/rack2'))).toEqual(Array(4).fill('OFF'));
    await run('r1/z1/rack2/pdu/0', CommandAction.COMMAND_ACTION_POWER_ON); // at 14: blades powered 15, booting 16, working 18
    await w.clock.runUntil(18);
    expect(Object.values(await w.bladeStates('r1/z1/rack2'))).toEqual(Array(4).fill('WORKING'));

    const unplug = await run(`${b}/power-cable`, CommandAction.COMMAND_ACTION_DISCONNECT);
    expect(unplug.status).toBe(CommandStatus.COMMAND_STATUS_SUCCEEDED);
    expect(await w.blade(b)).toMatchObject({
      state: BladeState.BLADE_STATE_OFF,
      reason: 'no power: its power cable is disconnected',
    });
    await run(`${b}/power-cable`, CommandAction.COMMAND_ACTION_CONNECT);
    expect((await w.blade(b)).powerCable?.state).toBe(CableState.CABLE_STATE_ON);
    expect((await w.inventory.listCommands({ target: b })).map((c) => c.action)).toEqual([
      CommandAction.COMMAND_ACTION_REIMAGE,
      CommandAction.COMMAND_ACTION_DISCONNECT,
      CommandAction.COMMAND_ACTION_CONNECT,
    ]);
  });
});
