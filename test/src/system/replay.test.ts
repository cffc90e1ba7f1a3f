import { ClockClient } from '@chamber/clock-client';
import { freePort } from '@chamber/etcd-process';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { initialDigest } from '@chamber/timestamp';
import { afterEach, describe, expect, it } from 'vitest';
import { startServiceProcess, startStepperProcess } from './processes.js';

// A fresh start and a Reset must build the same world: real processes,
// configured as the launcher configures them (the stepper told the set of
// participants it runs, the inventory its start-up definition).
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const participants = ['inventory', 'faults', 'monitor', 'inventory-repair'];
const ticks = [0, 1, 5, 20];
const seed = 7;

/**
 * Starts a simulation the way `npm start` does on an empty store — the
 * stepper first, here, which is the worst case for it — and returns its clock.
 */
async function freshStart(label: string): Promise<ClockClient> {
  const simulation = uniqueSimulation(label);
  const endpoints = etcdEndpoints();
  const env = { CHAMBER_SEED: String(seed) };
  const port = await freePort();
  const stepper = startStepperProcess({
    endpoints,
    simulation,
    port,
    instance: label,
    extraEnv: {
      ...env,
      CHAMBER_STEPPER_PARTICIPANTS: participants.join(','),
      // No drops and no giving up at start: on a loaded machine a participant
      // may be slow to start or to answer a tick; it is waited for.
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
          // The default, spelled out: the world this test replays.
          ...(name === 'inventory' ? { CHAMBER_INVENTORY_DEFINITION: 'standard' } : {}),
        },
      }),
    ),
  );
  for (const { child } of children) cleanup.push(() => child.kill('SIGKILL'));
  const clock = ClockClient.connect(`127.0.0.1:${port}`);
  cleanup.push(() => clock.close());
  return clock;
}

/** The world digest at each of `ticks`, stepping a paused clock of a fresh run from tick 0. */
async function digests(clock: ClockClient): Promise<Record<number, string>> {
  const first = await clock.waitForTick(0);
  expect(first.participants).toEqual([...participants].sort());
  const out: Record<number, string> = { 0: first.digest };
  for (const tick of ticks.slice(1)) {
    const status = await clock.runUntil(tick);
    expect(status.tick).toBe(tick);
    expect(status.deterministic).toBe(true);
    out[tick] = status.digest;
  }
  return out;
}

describe('a first run replays', () => {
  it('gives, from a fresh start, the same digest at every tick as a reset with the same seed', async () => {
    const clock = await freshStart('replay-fresh');
    const fresh = await digests(clock);
    // The world is built at tick 0, not later: the digest moved there.
    expect(fresh[0]).not.toBe(initialDigest);
    expect(new Set(Object.values(fresh)).size).toBeGreaterThan(1);

    const reset = await clock.reset({ seed });
    expect(reset.run).toBe(2);
    expect(await digests(clock)).toEqual(fresh);
    // And again: a reset from a reset, the case that always held.
    await clock.reset({ seed });
    expect(await digests(clock)).toEqual(fresh);
  }, 180_000);

  it('gives two fresh starts with the same seed the same digests', async () => {
    const one = await freshStart('replay-one');
    const two = await freshStart('replay-two');
    const [a, b] = await Promise.all([digests(one), digests(two)]);
    expect(b).toEqual(a);
  }, 180_000);
});
