import {
  BladeActual,
  BladeState,
  CableState,
  FaultKind,
  PduActual,
  PduState,
  TorActual,
  TorState,
} from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import { evaluateBlade, evaluatePdu, type SimContext } from './hardware.js';
import type { BladeInfo } from './topology.js';

const timings = {
  propagationTicks: [1, 3],
  postTicks: [1, 1],
  stopTicks: [2, 2],
  cycleTicks: [2, 2],
  reimageTicks: [3, 3],
  replaceTicks: [5, 5],
} as const satisfies SimContext['timings'];
const at = (tick: number): SimContext => ({
  tick,
  seed: 1,
  timings: timings,
});
const info: BladeInfo = {
  path: 'r/z/k/blade/0',
  rack: 'r/z/k',
  pdu: 'r/z/k/pdu/0',
  tor: 'r/z/k/tor/0',
  definition: {
    index: 0,
    boot: { image: 'img', bootTicksMin: 2, bootTicksMax: 2 },
  } as BladeInfo['definition'],
};
const cable = {
  state: CableState.CABLE_STATE_ON,
  connected: true,
  sinceTick: 1,
  reason: 'connected',
};
const working: BladeActual = {
  ...BladeActual.fromPartial({}),
  state: BladeState.BLADE_STATE_WORKING,
  sinceTick: 4,
  reason: 'booted img',
  switchedOn: true,
  powerCable: cable,
  networkCable: cable,
  image: 'img',
};
const pduOn: PduActual = {
  ...PduActual.fromPartial({}),
  state: PduState.PDU_STATE_ON,
  sinceTick: 1,
  reason: 'on',
  switchedOn: true,
};
const torUp: TorActual = {
  ...TorActual.fromPartial({}),
  state: TorState.TOR_STATE_WORKING,
  sinceTick: 1,
  reason: 'working',
};

describe('the simulated hardware', () => {
  it('changes nothing when nothing is new (so a full pass after a restart writes what an incremental one did)', () => {
    const again = evaluateBlade(at(50), info, working, { pdu: pduOn, tor: torUp }, [], undefined);
    expect(again).toEqual({ next: working });
    const pdu = evaluatePdu(at(50), pduOn, [], undefined);
    expect(pdu.next).toEqual(pduOn);
  });

  it("feels a PDU's change after its propagation delay, seeing the previous state until then", () => {
    const off = evaluatePdu(
      at(10),
      pduOn,
      [{ faultId: 'f9-1', kind: FaultKind.FAULT_KIND_POWER_LOSS, since: 10 }],
      undefined,
    ).next;
    expect(off).toMatchObject({
      state: PduState.PDU_STATE_OFF,
      previousState: PduState.PDU_STATE_ON,
      sinceTick: 10,
    });
    const early = evaluateBlade(at(10), info, working, { pdu: off, tor: torUp }, [], undefined);
    expect(early.next.state).toBe(BladeState.BLADE_STATE_WORKING);
    expect(early.wake).toBeGreaterThan(10);
    const late = evaluateBlade(
      at(early.wake!),
      info,
      working,
      { pdu: off, tor: torUp },
      [],
      undefined,
    );
    expect(late.next).toMatchObject({
      state: BladeState.BLADE_STATE_OFF,
      reason: 'no power: pdu r/z/k/pdu/0 is off',
    });
  });

  it('latches a crash once per occurrence, and drops it when the fault is cleared', () => {
    const crash = [{ faultId: 'f3-1', kind: FaultKind.FAULT_KIND_CRASH, since: 20 }];
    const crashed = evaluateBlade(
      at(20),
      info,
      working,
      { pdu: pduOn, tor: torUp },
      crash,
      undefined,
    ).next;
    expect(crashed).toMatchObject({
      state: BladeState.BLADE_STATE_CRASHED,
      latchedBy: 'f3-1',
      faults: { 'f3-1': 20 },
    });
    // Rebooted (latch gone) while the fault is still active: the same occurrence does not crash it again.
    const rebooted = { ...working, faults: { 'f3-1': 20 } };
    expect(
      evaluateBlade(at(23), info, rebooted, { pdu: pduOn, tor: torUp }, crash, undefined).next
        .state,
    ).toBe(BladeState.BLADE_STATE_WORKING);
    // Cleared while crashed: it restarts.
    const restarted = evaluateBlade(
      at(25),
      info,
      crashed,
      { pdu: pduOn, tor: torUp },
      [],
      undefined,
    ).next;
    expect(restarted).toMatchObject({
      state: BladeState.BLADE_STATE_POWERED,
      latchedBy: '',
      faults: {},
    });
  });
});
