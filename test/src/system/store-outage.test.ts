import { ApiClient } from '@chamber/api';
import { ClockClient } from '@chamber/clock-client';
import { freePort, startEtcd, type EtcdProcess } from '@chamber/etcd-process';
import { Policy } from '@chamber/protos';
import { loadStepperConfig } from '@chamber/stepper';
import { keepLease, op, Store, type Codec } from '@chamber/store';
import { budgets, freePortRun, uniqueSimulation } from '@chamber/testing';
import { keys } from '@chamber/world';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  participantServices,
  startFrontendProcess,
  startServiceProcess,
  startStepperProcess,
  startToyProcess,
  startTraceSinkProcess,
} from './processes.js';

// Issue 15: the store goes away (etcd SIGKILLed) and comes back on the same
// data dir and ports, once while the clock rests and once while it steps.
// Every service, run as its own process as the launcher runs it, must be
// registered again afterwards, no participant dropped, and the run's digest
// must equal that of an undisturbed run of the same inputs.

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/**
 * How long etcd stays dead. A fixed wall time is the point here: it is more
 * than twice the longest lease TTL of a service (5 s: the stepper's
 * leadership and every service registration), past which the etcd client
 * gives a kept-alive lease up as lost, so every process must grant a new
 * lease and register again once etcd is back (etcd restores the old leases
 * for one more TTL, then they expire).
 */
const outageMs = 12_000;

const participants = participantServices;
const everyService = ['frontend', 'stepper', 'tracesink', ...participants].sort();
const seed = 7;
const password = 'an outage password';
const pdu = 'standard/z1/rack3/pdu/0';
/** The tick at which the clock rests (and the store dies, in the disturbed run). */
const restTick = 5;
/** The tick past which the store dies while the clock steps. */
const midTick = 15;
const lastTick = 40;
/** The measured rate (ticks/s): slow enough that the clock is still stepping at `midTick`. */
const rate = 4;

/**
 * An etcd of the test's own, since the test kills it: on ports below the
 * ephemeral range (nothing else takes them while it is dead) and a data dir
 * of its own, both kept across restarts.
 */
async function privateEtcd() {
  const clientPort = await freePortRun(2);
  const peerPort = clientPort + 1;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-outage-'));
  cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const options = { dataDir, clientPort, peerPort };
  let etcd: EtcdProcess = await startEtcd(options);
  cleanup.push(() => etcd.stop());
  return {
    endpoints: [...etcd.endpoints],
    /** SIGKILLs etcd, leaves it dead for `ms`, and starts it again on the same data dir and ports. */
    async outage(ms = outageMs): Promise<void> {
      process.kill(etcd.pid, 'SIGKILL');
      await etcd.exited;
      await new Promise((resolve) => setTimeout(resolve, ms));
      etcd = await startEtcd(options);
    },
  };
}

const Text: Codec<string> = { fromJSON: (o) => String(o), toJSON: (t) => t };

/** Its own etcd, and every service of the launcher as a process. */
async function startWorld() {
  const etcd = await privateEtcd();
  const { endpoints } = etcd;
  const httpPort = await freePortRun(1);
  const simulation = uniqueSimulation('outage');
  const store = await Store.connect({ endpoints, simulation });
  cleanup.push(() => store.close());

  const tracesink = await startTraceSinkProcess({ endpoints, simulation });
  cleanup.push(() => tracesink.child.kill('SIGKILL'));
  // The stepper as the launcher configures it: its defaults for the drop
  // grace and the leader's TTL (the test helper's are made for other tests).
  const defaults = loadStepperConfig({ env: {} }).stepper;
  const stepperPort = await freePort();
  const stepper = startStepperProcess({
    endpoints,
    simulation,
    port: stepperPort,
    instance: 'outage',
    extraEnv: {
      CHAMBER_SEED: String(seed),
      CHAMBER_STEPPER_PARTICIPANTS: participants.join(','),
      CHAMBER_STEPPER_DROP_GRACE_SECONDS: String(defaults.dropGraceSeconds),
      CHAMBER_STEPPER_LEADER_TTL_SECONDS: String(defaults.leaderTtlSeconds),
      // A loaded machine may be slow to start them all: tick 0 waits for every one.
      CHAMBER_STEPPER_START_WAIT_SECONDS: '600',
    },
  });
  cleanup.push(() => stepper.kill('SIGKILL'));
  await stepper.waitForLine(/stepper serving/);
  const started = await Promise.all(
    participants.map((name) =>
      startServiceProcess({ name, endpoints, simulation, env: { CHAMBER_SEED: String(seed) } }),
    ),
  );
  for (const { child } of started) cleanup.push(() => child.kill('SIGKILL'));
  const address = (name: string): string => started[participants.indexOf(name)]!.address;
  const frontend = startFrontendProcess({
    endpoints,
    simulation,
    port: httpPort,
    adminPassword: password,
    services: {
      stepper: `127.0.0.1:${stepperPort}`,
      inventory: address('inventory'),
      faults: address('faults'),
      repair: address('inventory-repair'),
    },
  });
  cleanup.push(() => frontend.kill('SIGKILL'));
  await frontend.waitForLine(/frontend serving/);
  const baseUrl = `http://127.0.0.1:${httpPort}`;
  const login = await new ApiClient({ baseUrl }).call('logIn', {
    body: { user: 'admin', password },
  });
  const api = new ApiClient({
    baseUrl,
    cookie: login.headers.get('set-cookie')?.split(';')[0] ?? '',
  });
  const clock = ClockClient.connect(`127.0.0.1:${stepperPort}`);
  cleanup.push(() => clock.close());

  return {
    api,
    clock,
    /**
     * Has etcd die and come back (see `privateEtcd`), and waits until every
     * service has registered again (written its registration after the
     * kill: its old lease was given up during the outage), is listed as
     * serving, and every participant is alive and still expected by the
     * stepper.
     */
    async outage(): Promise<void> {
      const before = await store.currentRevision();
      await etcd.outage();
      const rewritten = async (prefix: string): Promise<string[]> =>
        (await store.listRaw(prefix)).entries
          .filter((e) => e.modRevision > before)
          .map((e) => e.key.slice(prefix.length).replace(/\/.*$/, ''))
          .sort();
      await expect.poll(() => rewritten(keys.servicesPrefix)).toEqual(everyService);
      await expect.poll(() => rewritten(keys.alivePrefix)).toEqual([...participants].sort());
      await expect
        .poll(async () => {
          const res = await api.call<{ services: Array<{ name: string; health: string }> }>(
            'listServices',
          );
          return res.body.services.map((s) => `${s.name}: ${s.health}`);
        })
        .toEqual(everyService.map((name) => `${name}: serving`));
      await expect
        .poll(() => clock.getStatus())
        .toMatchObject({ participants: [...participants].sort(), deterministic: true });
    },
  };
}

type World = Awaited<ReturnType<typeof startWorld>>;

/**
 * One run of the same inputs: to `restTick` and rest there with a fault
 * injected for the next tick, then measured to `lastTick`. With `isDisturbed`
 * the store dies while the clock rests and again while it steps. Resolves
 * with the status at `lastTick`.
 */
async function scenario(w: World, isDisturbed: boolean) {
  await w.clock.runUntil(restTick);
  const fault = await w.api.call<{ id: string }>('injectFault', {
    body: { kind: 'power_loss', targets: [pdu], duration: 10 },
  });
  expect(fault.body.id).toBe(`f${restTick + 1}-1`);
  if (isDisturbed) await w.outage();
  await w.clock.setPolicy(Policy.POLICY_MEASURED, { rate });
  // Its answer may be lost with the store; the tick is waited for below.
  const running = w.clock.runUntil(lastTick).catch(() => undefined);
  if (isDisturbed) {
    const status = await w.clock.waitForTick(midTick);
    expect(status.tick, 'the clock is still stepping when etcd dies').toBeLessThan(lastTick);
    await w.outage();
  }
  const status = await w.clock.waitForTick(lastTick);
  await running;
  return status;
}

describe('the store client across an etcd restart', () => {
  it('resumes a watch after the last revision it delivered, and replaces a lost lease with its keys', async () => {
    const etcd = await privateEtcd();
    const store = await Store.connect({ endpoints: etcd.endpoints, simulation: 'outage' });
    cleanup.push(() => store.close());
    const start = (await store.currentRevision()) + 1;
    const seen: number[] = [];
    const connection: boolean[] = [];
    const watch = await store.watch(
      'k/',
      { fromRevision: start, onConnection: (isConnected) => connection.push(isConnected) },
      (events) => seen.push(...events.map((e) => e.modRevision)),
    );
    cleanup.push(() => watch.cancel());
    const leases: string[] = [];
    // Short enough that the outage is many times its TTL.
    const kept = await keepLease(store, {
      ttlSeconds: 1,
      install: async (lease) => {
        await store.txn([], [op.putRaw('held', '{}', { lease: lease.id })]);
        leases.push(lease.id);
      },
    });
    cleanup.push(() => kept.close().catch(() => undefined));
    const written: number[] = [];
    const write = async (): Promise<void> => {
      written.push(await store.put(Text, 'k/x', `${written.length}`), await store.delete('k/x'));
    };
    await write();
    await expect.poll(() => seen).toEqual(written);
    const before = await store.currentRevision();
    await etcd.outage();
    // Written as soon as etcd is back, most likely before the watch has
    // reconnected (it waits for its backoff): it must still see them, once.
    await write();
    await write();
    await expect.poll(() => seen).toEqual(written);
    expect(connection).toEqual([false, true]);
    await expect.poll(() => leases.length).toBe(2);
    expect((await store.getRaw('held'))?.modRevision).toBeGreaterThan(before);
    await kept.close();
    expect(await store.getRaw('held')).toBeUndefined();
  });
});

describe('a store outage', () => {
  it(
    'etcd SIGKILL + restart mid-run and at rest: every service registers again and the digest equals an undisturbed run',
    async () => {
      const w = await startWorld();
      await w.clock.waitForTick(0);
      const undisturbed = await scenario(w, false);
      expect(undisturbed).toMatchObject({ tick: lastTick, deterministic: true });

      await w.clock.reset({ seed });
      const disturbed = await scenario(w, true);
      expect(disturbed).toMatchObject({
        tick: lastTick,
        run: undisturbed.run + 1,
        deterministic: true,
        participants: [...participants].sort(),
        notes: [],
      });
      expect(disturbed.digest).toBe(undisturbed.digest);
    },
    budgets.longTestMs,
  );

  it('counts no grace period while etcd is away: a participant that died just before it is not dropped when it comes back after it', async () => {
    const etcd = await privateEtcd();
    const { endpoints } = etcd;
    const simulation = uniqueSimulation('grace');
    const store = await Store.connect({ endpoints, simulation });
    cleanup.push(() => store.close());
    const graceMs = loadStepperConfig({ env: {} }).stepper.dropGraceSeconds * 1000;
    /**
     * etcd dies as soon as a participant's lease has run out and stays away
     * until just before that participant's grace period would end, counted
     * in wall time: the one fixed duration that is the point of this test.
     */
    const outageUntilGraceMs = graceMs - 1_000;
    const port = await freePort();
    const stepper = startStepperProcess({
      endpoints,
      simulation,
      port,
      instance: 'grace',
      extraEnv: {
        CHAMBER_STEPPER_DROP_GRACE_SECONDS: String(graceMs / 1000),
        // The leader keeps its lease through the outage, and with it the
        // grace timers it had started before.
        CHAMBER_STEPPER_LEADER_TTL_SECONDS: String((4 * outageUntilGraceMs) / 1000),
      },
    });
    cleanup.push(() => stepper.kill('SIGKILL'));
    await stepper.waitForLine(/stepper serving/);
    const toy = () => {
      const child = startToyProcess({ endpoints, simulation, name: 'phoenix' });
      cleanup.push(() => child.kill('SIGKILL'));
      return child;
    };
    const first = toy();
    await first.waitForLine(/joined/);
    const clock = ClockClient.connect(`127.0.0.1:${port}`);
    cleanup.push(() => clock.close());
    await clock.step(2);
    await first.kill('SIGKILL');
    await expect.poll(() => store.getRaw(keys.alive('phoenix'))).toBeUndefined();
    await etcd.outage(outageUntilGraceMs);
    // Restarted once etcd is back, as the launcher's supervisor would.
    await toy().waitForLine(/joined/);
    const status = await clock.step(1);
    expect(status).toMatchObject({
      tick: 3,
      participants: ['phoenix'],
      deterministic: true,
      notes: [],
    });
  });
});
