import { ClockClient } from '@chamber/clock-client';
import { FaultsClient } from '@chamber/faults-client';
import { FaultKind } from '@chamber/protos';
import { randomStream } from '@chamber/sim';
import { WorkloadsClient, type WorkloadSpecWords } from '@chamber/workloads-client';
import { budgets } from '@chamber/testing';
import { keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulationProcesses } from './processes.js';
import { startReplicatedSimulation, testLeaderTtlSeconds, type Takeover } from './replicas.js';

// Every singleton role elected (issue 20, point 5b): the stepper and every
// participant run as 2 replica processes (the inventory and the monitor in
// 2 shards, each its own participant and role); the leader of each is
// SIGKILLed in turn, at a tick drawn from a seeded stream, while the run
// goes on; a standby takes over and redoes the tick in flight from the
// store. The run ends at the digest of an undisturbed run with one process
// per service and no shards (same seed, definition and inputs), still
// deterministic: the same world whatever the process layout.

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const seed = 7;
const definition = 'small';
const endTick = 60;
const rack = (n: number): string => `small/z1/rack${n}`;
const web: WorkloadSpecWords = {
  name: 'web',
  instances: 3,
  demand: { cores: 4, memoryGib: 8, diskGib: 20 },
  image: 'web-1',
  placement: { rule: 'strong_anti_affinity', level: 'blade' },
  maxUnavailable: 1,
};

/** Where in the run each role's leader is killed: distinct ticks in 8..55, from a seeded stream. */
function killTicks(roles: readonly string[]): Array<{ role: string; tick: number }> {
  const random = randomStream(seed, 'replicas-test', 0, 'kill-ticks');
  const taken = new Set<number>();
  return roles
    .map((role) => {
      let tick = random.int(8, 55);
      while (taken.has(tick)) tick = random.int(8, 55);
      taken.add(tick);
      return { role, tick };
    })
    .sort((a, b) => a.tick - b.tick);
}

/** The scenario's inputs, at tick 5: faults of several kinds and a workload. */
async function inputs(faultsAt: string, workloadsAt: string): Promise<void> {
  const faults = FaultsClient.connect(faultsAt);
  const workloads = WorkloadsClient.connect(workloadsAt);
  try {
    await faults.inject(FaultKind.FAULT_KIND_POWER_LOSS, [`${rack(1)}/pdu/0`], { duration: 6 });
    await faults.inject(FaultKind.FAULT_KIND_CRASH, [`${rack(2)}/blade/3`]);
    await faults.inject(FaultKind.FAULT_KIND_HARDWARE_FAILURE, [`${rack(2)}/blade/1`], { at: 20 });
    await faults.inject(FaultKind.FAULT_KIND_HANG, [rack(2)], { mtbf: 40, mttr: 6 });
    await workloads.create(web);
  } finally {
    faults.close();
    workloads.close();
  }
}

describe('replicas with leader election', () => {
  it(
    'goes on through the death of every leader in turn, to the digest of an undisturbed run',
    async () => {
      // The undisturbed run: one process per service.
      const one = await startSimulationProcesses({
        label: 'replicas-one',
        seed,
        cleanup,
        env: { inventory: { CHAMBER_INVENTORY_DEFINITION: definition } },
      });
      const oneClock = ClockClient.connect(`127.0.0.1:${one.stepperPort}`);
      cleanup.push(() => oneClock.close());
      await oneClock.waitForTick(0);
      await oneClock.runUntil(5);
      await inputs(one.address('faults'), one.address('workload-repair'));
      const undisturbed = await oneClock.runUntil(endTick);
      expect(undisturbed.deterministic).toBe(true);
      for (const c of cleanup.splice(0).reverse()) await c();

      // The same run with 2 replicas of each role, the inventory and the
      // monitor in 2 shards (each shard a role), every leader killed once.
      const sim = await startReplicatedSimulation({
        label: 'replicas-two',
        seed,
        replicas: 2,
        shards: 2,
        definition,
        cleanup,
      });
      const { roles } = sim;
      const clocks = [0, 1].map((i) => ClockClient.connect(sim.address('stepper', i)));
      cleanup.push(() => clocks.forEach((c) => c.close()));
      for (const role of roles)
        expect(await sim.leaderOf(role)).toMatch(
          new RegExp(`^${role.replaceAll('.', '\\.')}-[01]$`),
        );
      await clocks[0]!.waitForTick(0);
      await clocks[0]!.runUntil(5);
      await inputs(sim.address('faults'), sim.address('workload-repair'));

      // The stepper must never see a participant leave (participants/ deleted).
      const leaves: string[] = [];
      const watch = await sim.store.watch(keys.participantsPrefix, {}, (events) => {
        for (const e of events) if (e.type === 'delete') leaves.push(e.key);
      });
      cleanup.push(() => watch.cancel());
      const takeovers: Array<Takeover & { tick: number; how: string }> = [];
      for (const { role, tick } of killTicks(roles)) {
        await clocks[0]!.runUntil(tick);
        // Through a stepper replica that is not about to die, the run is asked
        // to go on at once: the next tick waits for the takeover.
        const leader = await sim.leaderOf('stepper');
        const clock = role === 'stepper' && leader === 'stepper-0' ? clocks[1]! : clocks[0]!;
        let going: Promise<unknown> | undefined;
        const takeover = await sim.killLeader(role, () => {
          going = clock.runUntil(tick + 1);
        });
        await going;
        // A stepper replica must be back before its clock client is used again.
        if (role === 'stepper') await takeover.restarted;
        takeovers.push({ ...takeover, tick, how: 'SIGKILL' });
      }
      // A leader stopped on purpose hands over (it resigns: printed, not
      // asserted, as a loaded machine may take its time to stop a process).
      const stopTick = endTick - 2;
      await clocks[0]!.runUntil(stopTick);
      let going: Promise<unknown> | undefined;
      const handover = await sim.killLeader(
        'monitor.0',
        () => {
          going = clocks[0]!.runUntil(stopTick + 1);
        },
        'SIGTERM',
      );
      await going;
      takeovers.push({ ...handover, tick: stopTick, how: 'SIGTERM' });
      const end = await clocks[0]!.runUntil(endTick);
      // Every killed replica came back (and stood by).
      await Promise.all(takeovers.map((t) => t.restarted));

      console.log(
        [
          `takeovers (leader lease ${testLeaderTtlSeconds} s):`,
          'role               tick  signal   killed               new leader           elected   first ack',
          ...takeovers.map(
            (t) =>
              `${t.role.padEnd(18)} ${String(t.tick).padStart(4)}  ${t.how.padEnd(8)} ${t.killed.padEnd(20)} ${t.leader.padEnd(20)} ${`${t.electedMs} ms`.padStart(8)}  ${t.firstAckMs() === undefined ? '-' : `${t.firstAckMs()} ms`}`,
          ),
        ].join('\n'),
      );
      expect(takeovers.map((t) => t.role).sort()).toEqual([...roles, 'monitor.0'].sort());
      expect(leaves).toEqual([]);
      expect(end.tick).toBe(endTick);
      expect(end.deterministic).toBe(true);
      expect(end.participants).toEqual(roles.filter((r) => r !== 'stepper').sort());
      expect(end.digest).toBe(undisturbed.digest);
    },
    budgets.longTestMs,
  );
});
