import { ClockClient } from '@chamber/clock-client';
import { freePort } from '@chamber/etcd-process';
import { FaultsClient } from '@chamber/faults-client';
import { FaultKind } from '@chamber/protos';
import { RepairsClient } from '@chamber/repair-client';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startServiceProcess, startStepperProcess } from './processes.js';

// The determinism promise held across refactors: one fixed run — the
// `standard` sample, seed 7, faults of every kind with fixed, recurring and
// MTBF/MTTR schedules, the monitor observing and the repair manager
// repairing — must end at the same world digest as it did when this test
// was written. A change that alters what the simulation does (not only how
// it is computed) changes the digest, and has to say so by updating it here.
const golden = {
  tick: 120,
  digest: 'd7b26cfd38576646007cc0698430233ff1c96c2ceee12fc0a3d21fe0f36a0e21',
};

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const participants = ['inventory', 'faults', 'monitor', 'inventory-repair'];
const rack = (n: number): string => `standard/z1/rack${n}`;

describe('the golden run', () => {
  it(`ends at the recorded digest at tick ${golden.tick}`, async () => {
    const simulation = uniqueSimulation('golden');
    const endpoints = etcdEndpoints();
    const env = { CHAMBER_SEED: '7' };
    const port = await freePort();
    const stepper = startStepperProcess({
      endpoints,
      simulation,
      port,
      instance: 'golden',
      extraEnv: {
        ...env,
        CHAMBER_STEPPER_PARTICIPANTS: participants.join(','),
        CHAMBER_STEPPER_DROP_GRACE_SECONDS: '600',
        CHAMBER_STEPPER_START_WAIT_SECONDS: '600',
      },
    });
    cleanup.push(() => stepper.kill('SIGKILL'));
    await stepper.waitForLine(/stepper serving/);
    const children = await Promise.all(
      participants.map((name) =>
        startServiceProcess({
          name,
          endpoints,
          simulation,
          env: {
            ...env,
            ...(name === 'inventory' ? { CHAMBER_INVENTORY_DEFINITION: 'standard' } : {}),
          },
        }),
      ),
    );
    for (const { child } of children) cleanup.push(() => child.kill('SIGKILL'));
    const address = (name: string): string => children[participants.indexOf(name)]!.address;
    const clock = ClockClient.connect(`127.0.0.1:${port}`);
    const faults = FaultsClient.connect(address('faults'));
    const repairs = RepairsClient.connect(address('inventory-repair'));
    cleanup.push(() => {
      clock.close();
      faults.close();
      repairs.close();
    });

    await clock.waitForTick(0);
    await clock.runUntil(5);
    await faults.inject(FaultKind.FAULT_KIND_POWER_LOSS, [`${rack(1)}/pdu/0`], { duration: 6 });
    await faults.inject(FaultKind.FAULT_KIND_CRASH, [`${rack(2)}/blade/3`]);
    await faults.inject(FaultKind.FAULT_KIND_HARDWARE_FAILURE, [`${rack(3)}/blade/5`], { at: 12 });
    await faults.inject(FaultKind.FAULT_KIND_NETWORK_LOSS, [`${rack(4)}/tor/0`], {
      at: 20,
      duration: 3,
      every: 30,
    });
    await faults.inject(FaultKind.FAULT_KIND_HANG, [rack(5)], { mtbf: 60, mttr: 8 });
    await faults.inject(FaultKind.FAULT_KIND_STUCK_CABLE, [`${rack(6)}/blade/1/power-cable`], {
      at: 30,
    });
    const end = await clock.runUntil(golden.tick);
    expect(end.tick).toBe(golden.tick);
    expect(end.deterministic).toBe(true);
    // The run exercises the control plane, not only the hardware.
    expect((await repairs.list()).length).toBeGreaterThan(0);
    expect(end.digest).toBe(golden.digest);
  });
});
