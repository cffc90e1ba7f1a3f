import { ClockClient } from '@chamber/clock-client';
import { FaultsClient } from '@chamber/faults-client';
import { FaultKind, Policy, type ClockStatus } from '@chamber/protos';
import { budgets, startEtcdCluster, type EtcdCluster } from '@chamber/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { participantServices, startSimulationProcesses } from './processes.js';

// Issue 20 (5a): a world on a 3-member etcd cluster, every service given all
// three endpoints as the launcher gives them (CHAMBER_LOCAL_ETCD_MEMBERS=3).
// One member is SIGKILLed mid-run and restarted; later two are down at once
// for `outageMs` (no quorum: the run stalls), then back. The run resumes,
// no participant is dropped, and the digest at the last tick equals that of
// an undisturbed run of the same inputs on the same cluster.

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/**
 * How long two members stay down. A wall time on purpose: the length of the
 * outage is what is tested (past the stepper's and the participants' lease
 * TTLs, so they must all come back through their lease recovery).
 */
const outageMs = 10_000;
const seed = 11;
/** The tick the clock rests at while the faults are injected. */
const restTick = 5;
/** One member is killed past this tick, restarted past the next, two killed past the third. */
const killOneTick = 20;
const restartOneTick = 30;
const killTwoTick = 45;
const lastTick = 80;
/** Ticks per second: slow enough that the clock still steps when the members die. */
const rate = 5;
const rack = (n: number): string => `standard/z1/rack${n}`;

/** When each tick was first seen (ms, `performance.now()`), from the stepper's clock watch. */
function tickTimes(clock: ClockClient): { seen: Array<{ tick: number; at: number }> } {
  const seen: Array<{ tick: number; at: number }> = [];
  const watch = clock.watch((status: ClockStatus) => {
    const last = seen[seen.length - 1];
    if (last === undefined || status.tick > last.tick) {
      seen.push({ tick: status.tick, at: performance.now() });
    }
  });
  cleanup.push(() => watch.cancel());
  return { seen };
}

/** What the loss of members did to the clock, in ms. */
interface Stall {
  /** The longest wait for a tick while the killed leader was down (at `rate`, 200 ms is none). */
  readonly leaderKillGapMs: number;
  /** From the kill of the two members to the first tick after they came back. */
  readonly stoodStillMs: number;
  /** From their restart (both spawned again) to the first of them serving (a quorum again). */
  readonly quorumAfterMs: number;
  /**
   * From their restart to the first tick after it. A member logs that it
   * serves a little after the cluster does, so this may be shorter than
   * `quorumAfterMs`.
   */
  readonly resumedAfterMs: number;
  /** The tick the clock stood at. */
  readonly tick: number;
}

/**
 * One run of the fixed inputs: to `restTick`, faults injected there, then
 * measured to `lastTick`. With `cluster`, one member dies and comes back
 * mid-run, and later two for `outageMs`. Resolves with the status at
 * `lastTick` and, when disturbed, the stall.
 */
async function scenario(
  clock: ClockClient,
  faults: FaultsClient,
  cluster?: EtcdCluster,
): Promise<{ status: ClockStatus; stall?: Stall }> {
  await clock.runUntil(restTick);
  await faults.inject(FaultKind.FAULT_KIND_POWER_LOSS, [`${rack(1)}/pdu/0`], { duration: 8 });
  await faults.inject(FaultKind.FAULT_KIND_CRASH, [`${rack(2)}/blade/3`]);
  await faults.inject(FaultKind.FAULT_KIND_HARDWARE_FAILURE, [`${rack(3)}/blade/5`], { at: 25 });
  await faults.inject(FaultKind.FAULT_KIND_HANG, [rack(5)], { mtbf: 40, mttr: 6 });
  await clock.setPolicy(Policy.POLICY_MEASURED, { rate });
  // Its answer may be lost while the store has no quorum; the tick is waited for below.
  const running = clock.runUntil(lastTick).catch(() => undefined);
  let stall: Stall | undefined;
  if (cluster !== undefined) {
    const { seen } = tickTimes(clock);
    const at = await clock.waitForTick(killOneTick);
    expect(at.tick, 'the clock still steps when a member dies').toBeLessThan(lastTick);
    const leader = await cluster.leader();
    expect(leader).toBeTypeOf('number');
    await cluster.kill(leader!);
    const leaderKilledAt = performance.now();
    // The run goes on with two members of three.
    await clock.waitForTick(restartOneTick);
    const whileDown = seen.filter((s) => s.at >= leaderKilledAt);
    const leaderKillGapMs = Math.max(
      whileDown[0]!.at - leaderKilledAt,
      ...whileDown.slice(1).map((s, i) => s.at - whileDown[i]!.at),
    );
    await cluster.restart(leader!);

    await clock.waitForTick(killTwoTick);
    const survivor = (leader! + 1) % 3;
    const down = [0, 1, 2].filter((i) => i !== survivor);
    await Promise.all(down.map((i) => cluster.kill(i)));
    const killedAt = performance.now();
    const atKill = seen[seen.length - 1]!.tick;
    expect(atKill, 'the clock still steps when the quorum goes').toBeLessThan(lastTick);
    await new Promise((resolve) => setTimeout(resolve, outageMs));
    const atEnd = seen[seen.length - 1]!.tick;
    // Without a quorum nothing is written: the clock stands still. (Ticks
    // settled before the kill may still be reported a little late.)
    expect(
      seen.filter((s) => s.at > killedAt + outageMs / 2),
      'ticks in the second half of the outage',
    ).toEqual([]);
    const restartedAt = performance.now();
    let quorumAt = Infinity;
    await Promise.all(
      down.map(async (i) => {
        await cluster.restart(i);
        quorumAt = Math.min(quorumAt, performance.now());
      }),
    );
    await clock.waitForTick(atEnd + 1);
    const moved = seen.find((s) => s.tick > atEnd)!;
    stall = {
      leaderKillGapMs: Math.round(leaderKillGapMs),
      stoodStillMs: Math.round(moved.at - killedAt),
      quorumAfterMs: Math.round(quorumAt - restartedAt),
      resumedAfterMs: Math.round(moved.at - restartedAt),
      tick: atEnd,
    };
  }
  const status = await clock.waitForTick(lastTick);
  await running;
  return { status, ...(stall === undefined ? {} : { stall }) };
}

describe('a world on a 3-member etcd cluster', () => {
  it(
    'rides out a member SIGKILLed mid-run and two members down for 10 s: the run resumes, stays deterministic and ends at the undisturbed digest',
    async () => {
      const cluster = await startEtcdCluster({ startTimeoutMs: budgets.startMs });
      cleanup.push(() => cluster.stop());
      const { stepperPort, address } = await startSimulationProcesses({
        label: 'etcd-cluster',
        seed,
        cleanup,
        endpoints: cluster.endpoints,
      });
      const clock = ClockClient.connect(`127.0.0.1:${stepperPort}`);
      const faults = FaultsClient.connect(address('faults'));
      cleanup.push(() => {
        clock.close();
        faults.close();
      });
      await clock.waitForTick(0);

      const undisturbed = (await scenario(clock, faults)).status;
      expect(undisturbed).toMatchObject({ tick: lastTick, deterministic: true });

      await clock.reset({ seed });
      const disturbed = await scenario(clock, faults, cluster);
      expect(disturbed.status).toMatchObject({
        tick: lastTick,
        run: undisturbed.run + 1,
        deterministic: true,
        participants: [...participantServices].sort(),
        notes: [],
      });
      expect(disturbed.status.digest).toBe(undisturbed.digest);
      const { stall } = disturbed;
      console.log(
        `etcd leader SIGKILLed: the longest wait for a tick while it was down was ${stall!.leaderKillGapMs} ms; ` +
          `two of three etcd members down ${outageMs} ms at tick ${stall!.tick}: the clock stood still ${stall!.stoodStillMs} ms and moved again ${stall!.resumedAfterMs} ms after their restart (the first served again after ${stall!.quorumAfterMs} ms)`,
      );
    },
    budgets.longTestMs,
  );
});
