import { ClockClient } from '@chamber/clock-client';
import { freePort } from '@chamber/etcd-process';
import { Policy } from '@chamber/protos';
import { Store } from '@chamber/store';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import type { Participant } from '@chamber/participant';
import { afterEach, describe, expect, it } from 'vitest';
import { joinToy } from '../fixtures/toy-participant.js';
import { startStepperProcess, startToyProcess, type Child } from './processes.js';

// Real processes, started as the launcher starts them, against the run's etcd.
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function world(label: string) {
  const simulation = uniqueSimulation(label);
  const endpoints = etcdEndpoints();
  const store = await Store.connect({ endpoints, simulation });
  cleanup.push(() => store.close());
  const stepper = async (
    instance: string,
  ): Promise<{ child: Child; client: ClockClient; port: number }> => {
    const port = await freePort();
    const child = startStepperProcess({ endpoints, simulation, port, instance });
    cleanup.push(() => child.kill('SIGKILL'));
    await child.waitForLine(/stepper serving/);
    const client = ClockClient.connect(`127.0.0.1:${port}`);
    cleanup.push(() => client.close());
    return { child, client, port };
  };
  const toy = async (name: string, mode: 'every' | 'random' = 'every'): Promise<Participant> => {
    const p = await joinToy(store, { name, mode });
    cleanup.push(() => p.stop());
    return p;
  };
  return { simulation, endpoints, store, stepper, toy };
}

describe('clock across processes', () => {
  it('does not stay blocked by a participant killed mid-tick: it is dropped when its lease expires', async () => {
    const w = await world('killed');
    await w.toy('steady');
    const stuck = startToyProcess({
      endpoints: w.endpoints,
      simulation: w.simulation,
      name: 'stuck',
      hangAt: 3,
    });
    cleanup.push(() => stuck.kill('SIGKILL'));
    await stuck.waitForLine(/joined/);
    const { client } = await w.stepper('s1');
    await client.waitForTick(0);
    await client.setPolicy(Policy.POLICY_MANUAL);
    await client.step(2);
    const stepping = client.step(3);
    // Tick 3 waits for the stuck participant, once the steady one has acked...
    await expect
      .poll(() => client.getStatus())
      .toMatchObject({ tick: 3, settled: false, waitingFor: ['stuck'] });
    // ...until its process dies and its lease runs out.
    await stuck.kill('SIGKILL');
    const status = await stepping;
    expect(status.tick).toBe(5);
    expect(status.participants).toEqual(['steady']);
    expect(status.deterministic).toBe(false);
    expect(status.notes.join('\n')).toMatch(/participant "stuck" dropped/);
  });

  it('resumes at the stored tick and epoch after the stepper is killed, even mid-tick, with the same digest', async () => {
    // Reference: an uninterrupted run of the same participants and seed.
    const ref = await world('ref');
    await ref.toy('a', 'random');
    await ref.toy('b', 'random');
    const r = await ref.stepper('ref');
    await r.client.waitForTick(0);
    await r.client.setPolicy(Policy.POLICY_MANUAL);
    const expected = await r.client.step(40);

    const w = await world('restart');
    await w.toy('a', 'random');
    await w.toy('b', 'random');
    const first = await w.stepper('first');
    await first.client.waitForTick(0);
    await first.client.setPolicy(Policy.POLICY_MANUAL);
    await first.client.step(15);
    const stepping = first.client.step(25).catch(() => undefined);
    // Killed once the step has begun (its target is stored with its first
    // tick), not after a fixed time: on a loaded machine the call may not
    // have arrived yet, and then nothing would finish the step.
    await expect.poll(async () => (await first.client.getStatus()).tick).toBeGreaterThan(15);
    await first.child.kill('SIGKILL');
    await stepping;
    const second = await w.stepper('second');
    const resumed = await second.client.getStatus();
    expect(resumed.tick).toBeGreaterThanOrEqual(15);
    expect(resumed.epoch).toBe(expected.epoch);
    // The pending step target is stored, so the new leader finishes it.
    const done = await second.client.waitForTick(40);
    expect(done.tick).toBe(40);
    expect(done.digest).toBe(expected.digest);
  });

  it('fails over to a standby replica when the leader dies', async () => {
    const w = await world('standby');
    await w.toy('a');
    const one = await w.stepper('one');
    await one.child.waitForLine(/leading the clock/);
    const two = await w.stepper('two');
    await one.client.waitForTick(0);
    await two.client.setPolicy(Policy.POLICY_MANUAL);
    expect((await two.client.step(2)).tick).toBe(2);
    await one.child.kill('SIGKILL');
    // The standby answers at once and leads once the old lease expires.
    const status = await two.client.step(3);
    expect(status.tick).toBe(5);
    await two.child.waitForLine(/leading the clock/);
  });

  it('gives the same digest for the same seed and a different one for another seed', async () => {
    const w = await world('digest');
    await w.toy('a', 'random');
    await w.toy('b', 'random');
    await w.toy('c', 'every');
    const { client } = await w.stepper('s');
    await client.waitForTick(0);
    const run = async (seed: number): Promise<string> => {
      await client.reset({ seed });
      await client.setPolicy(Policy.POLICY_NO_WAIT);
      const status = await client.runUntil(300);
      expect(status.tick).toBe(300);
      expect(status.deterministic).toBe(true);
      return status.digest;
    };
    const first = await run(42);
    const again = await run(42);
    const other = await run(43);
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });
});
