import { ApiClient } from '@chamber/api';
import { ClockClient } from '@chamber/clock-client';
import { freePort, type EtcdProcess } from '@chamber/etcd-process';
import { InventoryClient } from '@chamber/inventory-client';
import { Policy } from '@chamber/protos';
import { Store } from '@chamber/store';
import { budgets } from '@chamber/testing';
import { shardEnv } from '@chamber/config';
import { shardParticipant, shardsOf } from '@chamber/world';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sample } from '../system/inventory-world.js';
import {
  probeEnv,
  repo,
  startFrontendProcess,
  startServiceProcess,
  startStepperProcess,
  type Child,
} from '../system/processes.js';
import { adminPassword } from './bench-world.js';

/** The participants the launcher runs beside the stepper, in the order it starts them. */
const participants = ['inventory', 'faults', 'monitor', 'inventory-repair'] as const;

/**
 * The environment of a benchmark's service processes: the probe
 * ({@link probeEnv}), and with `profileDir` (created if missing) the
 * profiler (cpu-profile.ts) in the services named in `services`
 * (comma-separated), which write their CPU profiles there at exit.
 */
export function profiledServiceEnv(
  profileDir: string | undefined,
  services: string,
): Record<string, string> {
  if (profileDir === undefined || profileDir === '') return probeEnv;
  mkdirSync(profileDir, { recursive: true });
  const profiler = pathToFileURL(path.join(repo, 'test/dist/src/bench/cpu-profile.js')).href;
  return {
    NODE_OPTIONS: `${probeEnv.NODE_OPTIONS} --import=${profiler}`,
    CHAMBER_BENCH_CPU_PROFILE_DIR: path.resolve(profileDir),
    CHAMBER_BENCH_CPU_PROFILE_SERVICES: services,
  };
}

/**
 * The CPU time (ms, user + system, every thread) process `pid` has used so
 * far, from each thread's `/proc/<pid>/task/<tid>/schedstat` (nanoseconds:
 * `/proc/<pid>/stat` counts 10 ms clock ticks, too coarse for one tick's
 * work). A thread that has exited is no longer counted, so compare readings
 * of long-lived processes only; throws when the process is gone.
 */
export function processCpuMs(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread exited between the listing and the read.
    }
  }
  return ns / 1e6;
}

/** A service process the bench started, by name. */
export interface NamedChild {
  readonly name: string;
  readonly child: Child;
}

/**
 * Starts the stepper (with the launcher's drop grace and leader lease, not
 * the tests' shorter ones) and the participants `names` (by default the
 * inventory, fault injector, monitor and repair manager) as processes of
 * `simulation`, as the launcher does, each with `env` added; the inventory
 * with no definition of its own; the inventory and the monitor as `shards`
 * shards (their children named `inventory.0`, …; `addresses` has the
 * first's under the service's name). Each is pushed onto `children` as it
 * starts, so a caller stops those started even when a later one fails.
 */
export async function startServiceProcesses(
  endpoints: string[],
  simulation: string,
  children: NamedChild[],
  env: Record<string, string> = {},
  names: readonly string[] = participants,
  shards = 1,
): Promise<{ stepperPort: number; addresses: Record<string, string> }> {
  const processes = names.flatMap((name) =>
    shardsOf(name, shards).map((shard) => ({ name, shard })),
  );
  const stepperPort = await freePort();
  const stepper = startStepperProcess({
    endpoints,
    simulation,
    port: stepperPort,
    instance: 'bench',
    extraEnv: {
      ...env,
      CHAMBER_STEPPER_DROP_GRACE_SECONDS: '10',
      CHAMBER_STEPPER_LEADER_TTL_SECONDS: '5',
      CHAMBER_STEPPER_PARTICIPANTS: processes
        .map((p) => shardParticipant(p.name, p.shard))
        .join(','),
    },
  });
  children.push({ name: 'stepper', child: stepper });
  await stepper.waitForLine(/stepper serving/);
  const addresses: Record<string, string> = {};
  for (const { name, shard } of processes) {
    const participant = shardParticipant(name, shard);
    const started = await startServiceProcess({
      endpoints,
      simulation,
      name,
      servingAs: participant,
      env: {
        ...env,
        ...(name === 'inventory' ? { CHAMBER_INVENTORY_DEFINITION: '' } : {}),
        ...shardEnv(name, shard),
      },
    });
    children.push({ name: participant, child: started.child });
    addresses[name] ??= started.address;
  }
  return { stepperPort, addresses };
}

/**
 * The world of {@link startBenchWorld} with every service its own process,
 * as the launcher starts them (stepper, inventory, fault injector, monitor,
 * repair manager, and the frontend serving `webRoot`), for a region too
 * large to share one event loop with the benchmark: at 100,000 blades the
 * services' stretches of work, added up in one process, outlast their
 * participant leases. Loads `definition`, runs the clock (no-wait) `ticks`
 * past the load's tick and leaves it manual. If the clock does not get there
 * within the long test budget, it throws with each process's last lines.
 */
export async function startProcessWorld(
  label: string,
  etcd: EtcdProcess,
  options: { definition: string; ticks: number; webRoot: string },
) {
  const endpoints = [...etcd.endpoints];
  const simulation = `${label}-${randomBytes(3).toString('hex')}`;
  const children: NamedChild[] = [];
  const store = await Store.connect({ endpoints, simulation });
  let clock: ClockClient | undefined;
  let inventory: InventoryClient | undefined;
  const close = async (): Promise<void> => {
    clock?.close();
    inventory?.close();
    for (const { child } of [...children].reverse()) await child.kill('SIGTERM');
    store.close();
  };
  try {
    const { stepperPort, addresses } = await startServiceProcesses(endpoints, simulation, children);
    clock = ClockClient.connect(`127.0.0.1:${stepperPort}`);
    inventory = InventoryClient.connect(addresses['inventory']!);
    await clock.waitForTick(0);
    const load = await inventory.loadDefinition(
      sample(options.definition),
      `${options.definition}.yaml`,
    );
    await clock.setPolicy(Policy.POLICY_NO_WAIT);
    const tick = load.effectiveTick + options.ticks;
    await clock.runUntil(tick, { timeoutMs: budgets.longTestMs });
    await clock.setPolicy(Policy.POLICY_MANUAL);

    const port = await freePort();
    const frontend = startFrontendProcess({
      endpoints,
      simulation,
      port,
      adminPassword,
      services: {
        stepper: `127.0.0.1:${stepperPort}`,
        inventory: addresses['inventory']!,
        faults: addresses['faults']!,
        repair: addresses['inventory-repair']!,
      },
      webRoot: options.webRoot,
    });
    children.push({ name: 'frontend', child: frontend });
    await frontend.waitForLine(/frontend serving/);
    const baseUrl = `http://127.0.0.1:${port}`;
    const login = await new ApiClient({ baseUrl }).call('logIn', {
      body: { user: 'admin', password: adminPassword },
    });
    const cookie = login.headers.get('set-cookie')?.split(';')[0];
    if (cookie === undefined) throw new Error('no session cookie from the log-in');
    const stepClock = clock;
    return {
      store,
      clock: stepClock,
      baseUrl,
      cookie,
      tick,
      /** The frontend process (its output, for its own timings). */
      frontend,
      close,
    };
  } catch (error) {
    // Say what the services said: their last lines.
    for (const { name, child } of children) {
      console.log(`--- ${name}, last lines:\n${child.output().split('\n').slice(-15).join('\n')}`);
    }
    await close();
    throw error;
  }
}
