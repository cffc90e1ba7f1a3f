import { Code, isChamberError } from '@chamber/errors';
import {
  BladeState,
  CableState,
  CommandAction,
  CommandStatus,
  FaultKind,
  FaultStatus,
  PduState,
  TorState,
  View,
  type CommandRecord,
} from '@chamber/protos';
import { afterEach, describe, expect, it } from 'vitest';
import { startInventoryWorld, twoRacks, type InventoryWorld } from './inventory-world.js';

// Each fault kind through the real clock, stepper, inventory and fault
// injector: which actual states appear at which ticks. Delays are fixed
// (inventory-world.ts): propagation 1, power-on 1, boot 2, cycle 2,
// replace 5. A fault injected while the clock is at T takes effect at T+1.

const worlds: InventoryWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close();
});

const rack1 = [
  'r1/z1/rack1/blade/0',
  'r1/z1/rack1/blade/1',
  'r1/z1/rack1/blade/2',
  'r1/z1/rack1/blade/3',
];
const rack2 = rack1.map((b) => b.replace('rack1', 'rack2'));
const b0 = rack1[0]!;

/** A world with `twoRacks` loaded at tick 1 and every blade working at tick 5. */
async function up(label: string, seed = 1): Promise<InventoryWorld> {
  const w = await startInventoryWorld(label, { seed });
  worlds.push(w);
  await w.load(twoRacks);
  await w.clock.runUntil(5);
  return w;
}

const name = (s: BladeState): string => BladeState[s].replace('BLADE_STATE_', '');

async function states(w: InventoryWorld, blades: readonly string[]): Promise<string[]> {
  return Promise.all(blades.map(async (b) => name((await w.blade(b)).state)));
}

async function command(
  w: InventoryWorld,
  target: string,
  action: CommandAction,
): Promise<CommandRecord> {
  const issued = await w.inventory.issueCommand(target, action, { requestedBy: 'test' });
  await w.clock.runUntil(issued.effectiveTick);
  return w.inventory.getCommand(issued.id);
}

describe('faults on the simulated hardware', () => {
  it('a PDU power loss takes down every blade it feeds one tick later, and they boot again when it returns', async () => {
    const w = await up('f-pdu');
    expect(await states(w, [...rack1, ...rack2])).toEqual(Array(8).fill('WORKING'));
    const fault = await w.faults.inject(FaultKind.FAULT_KIND_POWER_LOSS, ['r1/z1/rack1/pdu/0']);
    expect(fault.id).toBe('f6-1');
    await w.clock.step(1); // tick 6: the fault takes effect
    const pdu = (await w.inventory.getElement('r1/z1/rack1/pdu/0', { view: View.VIEW_ACTUAL }))
      .pduActual!;
    expect(pdu).toMatchObject({
      state: PduState.PDU_STATE_OFF,
      sinceTick: 6,
      reason: 'power loss (fault f6-1)',
    });
    expect(await states(w, rack1)).toEqual(Array(4).fill('WORKING'));
    await w.clock.step(1); // tick 7: the blades feel it
    expect(await states(w, rack1)).toEqual(Array(4).fill('OFF'));
    expect(await states(w, rack2)).toEqual(Array(4).fill('WORKING'));
    expect((await w.blade(b0)).reason).toBe('no power: pdu r1/z1/rack1/pdu/0 is off');

    await w.faults.clear(fault.id, 'test');
    await w.clock.step(1); // tick 8: cleared, the PDU is on again
    const cleared = await w.faults.get(fault.id);
    expect(cleared.status).toBe(FaultStatus.FAULT_STATUS_CLEARED);
    expect(cleared.history.map((t) => [t.tick, FaultStatus[t.status]])).toEqual([
      [6, 'FAULT_STATUS_ACTIVE'],
      [8, 'FAULT_STATUS_CLEARED'],
    ]);
    expect(cleared.reason).toBe('cleared by test');
    await w.clock.step(1); // 9: powered
    expect(await states(w, rack1)).toEqual(Array(4).fill('POWERED'));
    await w.clock.runUntil(12); // 10: booting, 12: working
    expect(await states(w, rack1)).toEqual(Array(4).fill('WORKING'));
    expect((await w.blade(b0)).sinceTick).toBe(12);

    // Time travel: the blades as they were at ticks 5 and 7.
    expect(await w.bladeStates('r1/z1/rack1', 5)).toEqual(
      Object.fromEntries(rack1.map((b) => [b, 'WORKING'])),
    );
    expect(await w.bladeStates('r1/z1/rack1', 7)).toEqual(
      Object.fromEntries(rack1.map((b) => [b, 'OFF'])),
    );
    // A blade's own supply: off at once.
    await w.faults.inject(FaultKind.FAULT_KIND_POWER_LOSS, [rack2[1]!], { duration: 2 });
    await w.clock.step(1);
    expect(await states(w, [rack2[1]!])).toEqual(['OFF']);
  });

  it('a network loss isolates blades: a TOR for a while, or one cable', async () => {
    const w = await up('f-net');
    const tor = await w.faults.inject(FaultKind.FAULT_KIND_NETWORK_LOSS, ['r1/z1/rack2/tor/0'], {
      duration: 3,
    });
    const cable = await w.faults.inject(FaultKind.FAULT_KIND_NETWORK_LOSS, [`${b0}/network-cable`]);
    await w.clock.step(1); // 6
    expect(
      (await w.inventory.getElement('r1/z1/rack2/tor/0', { view: View.VIEW_ACTUAL })).torActual,
    ).toMatchObject({
      state: TorState.TOR_STATE_FAILED,
      sinceTick: 6,
    });
    expect(await states(w, [b0, rack1[1]!])).toEqual(['ISOLATED', 'WORKING']);
    expect((await w.blade(b0)).reason).toBe(`network path down: network loss (fault ${cable.id})`);
    await w.clock.step(1); // 7
    expect(await states(w, rack2)).toEqual(Array(4).fill('ISOLATED'));
    await w.clock.runUntil(9); // the TOR fault lasted 3 ticks: 6, 7, 8
    expect((await w.faults.get(tor.id)).history.at(-1)).toMatchObject({
      tick: 9,
      status: FaultStatus.FAULT_STATUS_CLEARED,
      reason: 'lasted 3 tick(s)',
    });
    expect(await states(w, rack2)).toEqual(Array(4).fill('ISOLATED'));
    await w.clock.step(1); // 10
    expect(await states(w, rack2)).toEqual(Array(4).fill('WORKING'));
    expect(await states(w, [b0])).toEqual(['ISOLATED']);
  });

  it('a crash is fixed by a reboot, which clears the fault', async () => {
    const w = await up('f-crash');
    const fault = await w.faults.inject(FaultKind.FAULT_KIND_CRASH, [b0]);
    await w.clock.step(1); // 6
    expect(await states(w, [b0])).toEqual(['CRASHED']);
    const reboot = await command(w, b0, CommandAction.COMMAND_ACTION_REBOOT); // starts at 7
    expect(reboot).toMatchObject({ status: CommandStatus.COMMAND_STATUS_RUNNING, dueTick: 9 });
    expect(await states(w, [b0])).toEqual(['BOOTING']);
    await w.clock.runUntil(9);
    expect(await w.inventory.getCommand(reboot.id)).toMatchObject({
      status: CommandStatus.COMMAND_STATUS_SUCCEEDED,
      finishedTick: 9,
      reason: `booted; ${b0} is working`,
    });
    expect(await states(w, [b0])).toEqual(['WORKING']);
    const after = await w.faults.get(fault.id);
    expect(after.status).toBe(FaultStatus.FAULT_STATUS_CLEARED);
    expect(after.reason).toContain(
      `reboot of ${b0} (command ${reboot.id}) ended its crashed state at tick 7`,
    );
  });

  it('a hang ignores a reboot and is fixed by a power-cycle', async () => {
    const w = await up('f-hang');
    const fault = await w.faults.inject(FaultKind.FAULT_KIND_HANG, [b0]);
    await w.clock.step(1);
    expect(await states(w, [b0])).toEqual(['HUNG']);
    const reboot = await command(w, b0, CommandAction.COMMAND_ACTION_REBOOT);
    expect(reboot).toMatchObject({
      status: CommandStatus.COMMAND_STATUS_FAILED,
      reason: `${b0} is hung and does not respond to a reboot; power-cycle it`,
    });
    const cycle = await command(w, b0, CommandAction.COMMAND_ACTION_POWER_CYCLE); // at 8, on again at 10
    expect(await states(w, [b0])).toEqual(['OFF']);
    await w.clock.runUntil(10);
    expect((await w.inventory.getCommand(cycle.id)).status).toBe(
      CommandStatus.COMMAND_STATUS_SUCCEEDED,
    );
    await w.clock.runUntil(13); // 11 powered, 12 booting, 14 working
    expect(await states(w, [b0])).toEqual(['BOOTING']);
    await w.clock.step(1);
    expect(await states(w, [b0])).toEqual(['WORKING']);
    expect((await w.faults.get(fault.id)).status).toBe(FaultStatus.FAULT_STATUS_CLEARED);
  });

  it('a stuck cable makes commands to its port fail, saying why', async () => {
    const w = await up('f-stuck');
    const fault = await w.faults.inject(FaultKind.FAULT_KIND_STUCK_CABLE, [`${b0}/power-cable`]);
    await w.clock.step(1);
    const blade = await w.blade(b0);
    expect(blade.powerCable).toMatchObject({
      state: CableState.CABLE_STATE_STUCK,
      connected: true,
    });
    expect(blade.state).toBe(BladeState.BLADE_STATE_WORKING);
    const off = await command(w, b0, CommandAction.COMMAND_ACTION_POWER_OFF);
    expect(off.status).toBe(CommandStatus.COMMAND_STATUS_FAILED);
    expect(off.reason).toBe(
      `the power cable of ${b0} is stuck in r1/z1/rack1/pdu/0 port 0 (stuck in its port (fault ${fault.id})); commands to that port fail`,
    );
    const unplug = await command(w, `${b0}/power-cable`, CommandAction.COMMAND_ACTION_DISCONNECT);
    expect(unplug.status).toBe(CommandStatus.COMMAND_STATUS_FAILED);
    // Its network cable is not stuck.
    const unplugNet = await command(
      w,
      `${b0}/network-cable`,
      CommandAction.COMMAND_ACTION_DISCONNECT,
    );
    expect(unplugNet.status).toBe(CommandStatus.COMMAND_STATUS_SUCCEEDED);
    await w.clock.step(1);
    expect(await states(w, [b0])).toEqual(['ISOLATED']);
    // Cleared: the cable is free, and a power-off works.
    await w.faults.clear(fault.id);
    await w.clock.step(1);
    expect((await w.blade(b0)).powerCable?.state).toBe(CableState.CABLE_STATE_ON);
    expect((await command(w, b0, CommandAction.COMMAND_ACTION_POWER_OFF)).status).toBe(
      CommandStatus.COMMAND_STATUS_SUCCEEDED,
    );
    expect(await states(w, [b0])).toEqual(['STOPPING']);
  });

  it('a hardware failure survives reboots; a replacement fixes it', async () => {
    const w = await up('f-hw');
    const fault = await w.faults.inject(FaultKind.FAULT_KIND_HARDWARE_FAILURE, [
      b0,
      'r1/z1/rack2/tor/0',
    ]);
    await w.clock.step(1);
    expect(await states(w, [b0])).toEqual(['FAILED']);
    expect(
      (await w.inventory.getElement('r1/z1/rack2/tor/0', { view: View.VIEW_ACTUAL })).torActual
        ?.state,
    ).toBe(TorState.TOR_STATE_FAILED);
    const reboot = await command(w, b0, CommandAction.COMMAND_ACTION_REBOOT);
    expect(reboot.reason).toBe(
      `${b0} has failed hardware (hardware failure (fault ${fault.id})); only a replacement fixes it`,
    );
    const replace = await command(w, b0, CommandAction.COMMAND_ACTION_REPLACE); // at 8, done at 13
    expect(replace.dueTick).toBe(13);
    await w.clock.runUntil(13);
    const replaced = await w.blade(b0);
    expect(replaced).toMatchObject({ state: BladeState.BLADE_STATE_OFF, hardware: 1 });
    await w.clock.runUntil(17); // 14 powered, 15 booting, 17 working
    expect(await states(w, [b0])).toEqual(['WORKING']);
    // The TOR is still failed, so the fault is still active there.
    const still = await w.faults.get(fault.id);
    expect(still.status).toBe(FaultStatus.FAULT_STATUS_ACTIVE);
    expect(still.affected.map((a) => a.target)).toEqual(['r1/z1/rack2/tor/0']);
    await command(w, 'r1/z1/rack2/tor/0', CommandAction.COMMAND_ACTION_REPLACE);
    await w.clock.runUntil(25);
    expect((await w.faults.get(fault.id)).status).toBe(FaultStatus.FAULT_STATUS_CLEARED);
  });

  it('a rack target means every element in it, and clear-all leaves nothing in actual', async () => {
    const w = await up('f-rack');
    await w.faults.inject(FaultKind.FAULT_KIND_CRASH, ['r1/z1/rack1']);
    await w.faults.inject(FaultKind.FAULT_KIND_NETWORK_LOSS, ['r1/z1/rack2']);
    await w.clock.step(2);
    expect(await states(w, [...rack1, ...rack2])).toEqual([
      ...rack1.map(() => 'CRASHED'),
      ...rack2.map(() => 'ISOLATED'),
    ]);
    const { ids, effectiveTick } = await w.faults.clearAll('test');
    expect(ids).toHaveLength(2);
    await w.clock.runUntil(effectiveTick + 4);
    expect(await states(w, [...rack1, ...rack2])).toEqual(Array(8).fill('WORKING'));
    for (const b of [...rack1, ...rack2]) expect((await w.blade(b)).faults).toEqual({});
  });

  it('rejects bad faults and commands with a clear error, writing nothing', async () => {
    const w = await up('f-bad');
    const failure = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (error) {
        if (isChamberError(error)) return { code: error.code, message: error.message };
      }
      throw new Error('expected a ChamberError');
    };
    expect(
      await failure(w.faults.inject(FaultKind.FAULT_KIND_CRASH, ['r1/z1/rack1/pdu/0'])),
    ).toEqual({
      code: Code.InvalidArgument,
      message:
        'targets: a crash fault cannot target pdu "r1/z1/rack1/pdu/0"; it acts on blade (or everything of those in a region, zone or rack)',
    });
    expect(
      await failure(w.faults.inject(FaultKind.FAULT_KIND_HANG, ['r1/z1/rack9/blade/0'])),
    ).toEqual({
      code: Code.InvalidArgument,
      message: 'targets: no blade "r1/z1/rack9/blade/0" is defined',
    });
    expect(
      (
        await failure(
          w.faults.inject(FaultKind.FAULT_KIND_CRASH, [b0], { every: 5, duration: 5, at: 2 }),
        )
      ).message,
    ).toBe(
      'schedule.at 2 is in the past: the earliest tick is 6; schedule.duration (5) must be shorter than schedule.every (5)',
    );
    expect(
      await failure(
        w.inventory.issueCommand('r1/z1/rack1/tor/0', CommandAction.COMMAND_ACTION_REBOOT),
      ),
    ).toEqual({
      code: Code.InvalidArgument,
      message: 'a tor cannot reboot; it accepts replace',
    });
    expect(await w.faults.list()).toEqual([]);
    expect(await w.inventory.listCommands()).toEqual([]);
  });
});
