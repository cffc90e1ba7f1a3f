import { shardEnv, envPrefix } from '@chamber/config';
import { freePort } from '@chamber/etcd-process';
import { Store } from '@chamber/store';
import { budgets, etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { keys, shardParticipant, shardsOf, wholeShard, type Shard } from '@chamber/world';
import {
  participantServices,
  patientStepperEnv,
  spawnServiceProcess,
  startStepperProcess,
  type Child,
} from './processes.js';

/** The seconds of every leader's election lease in a replicated test run: a takeover's floor. */
export const testLeaderTtlSeconds = 2;

/** One replica process of a role, restarted on its port when it dies (as the launcher's supervisor does). */
interface Replica {
  readonly instance: string;
  readonly port: number;
  child: Child;
}

/** What {@link ReplicatedSimulation.killLeader} measured. */
export interface Takeover {
  readonly role: string;
  /** The instance killed, and the one that leads after it. */
  readonly killed: string;
  readonly leader: string;
  /** From the signal to another replica's key in `election/<role>` (ms). */
  readonly electedMs: number;
  /** From the signal to the new leader's first ack (ms); the stepper acks nothing. */
  readonly firstAckMs: () => number | undefined;
  /** Resolves once the killed replica, started again, serves (standing by). */
  readonly restarted: Promise<void>;
}

/** A simulation whose every service runs as several replica processes. */
export interface ReplicatedSimulation {
  readonly simulation: string;
  /** Every singleton role: the stepper and each participant (a shard's `inventory.0`, …). */
  readonly roles: readonly string[];
  readonly endpoints: string[];
  /** A store of the simulation, for the test's own reads. */
  readonly store: Store;
  /** The gRPC address of replica `i` (default 0) of role `role` (`stepper` too). */
  address(role: string, i?: number): string;
  /** The instance that leads `role` now (from `election/<role>`). */
  leaderOf(role: string): Promise<string | undefined>;
  /**
   * SIGKILLs (or `signal`s) the replica that leads `role`, waits until a standby holds its
   * election key, then starts the killed one again on its port (it stands
   * by; `restarted` says when it serves). `whileDown` runs right after the
   * kill, while the takeover is under way.
   */
  killLeader(role: string, whileDown?: () => void, signal?: NodeJS.Signals): Promise<Takeover>;
}

/**
 * Starts the stepper and every participant service as `replicas` processes
 * each, as the launcher does with `CHAMBER_LOCAL_REPLICAS` (each its own
 * port and instance name `<role>-<i>`), the stepper patient (no
 * participant dropped, so a run through takeovers stays deterministic), the
 * inventory on `definition`, the inventory and the monitor in `shards`
 * shards (1 by default), each shard a role with replicas of its own. Every kill goes on `cleanup`. Resolves once
 * every replica serves.
 */
export async function startReplicatedSimulation(options: {
  label: string;
  seed: number;
  replicas: number;
  definition: string;
  shards?: number;
  cleanup: Array<() => Promise<void> | void>;
}): Promise<ReplicatedSimulation> {
  const count = options.shards ?? 1;
  // Each participant role: its service, and its shard when the service is sharded.
  const participants = participantServices.flatMap((name) =>
    shardsOf(name, count).map((shard) => ({ name, shard })),
  );
  const roleOf = ({ name, shard }: { name: string; shard: Shard }): string =>
    shardParticipant(name, shard);
  const simulation = uniqueSimulation(options.label);
  const endpoints = etcdEndpoints();
  const store = await Store.connect({ endpoints, simulation });
  options.cleanup.push(() => store.close());
  const common = {
    CHAMBER_SEED: String(options.seed),
    CHAMBER_LEADER_TTL_SECONDS: String(testLeaderTtlSeconds),
  };
  const spawn = (name: string, shard: Shard, instance: string, port: number): Child => {
    if (name === 'stepper') {
      return startStepperProcess({
        endpoints,
        simulation,
        port,
        instance,
        extraEnv: {
          ...common,
          CHAMBER_STEPPER_PARTICIPANTS: participants.map(roleOf).join(','),
          CHAMBER_STEPPER_LEADER_TTL_SECONDS: String(testLeaderTtlSeconds),
          ...patientStepperEnv,
        },
      });
    }
    const prefix = envPrefix(name);
    return spawnServiceProcess({
      name,
      endpoints,
      simulation,
      env: {
        ...common,
        [`${prefix}_PORT`]: String(port),
        [`${prefix}_INSTANCE`]: instance,
        ...shardEnv(name, shard),
        ...(name === 'inventory' ? { CHAMBER_INVENTORY_DEFINITION: options.definition } : {}),
      },
    });
  };
  const serving = (role: string, child: Child): Promise<string> =>
    child.waitForLine(new RegExp(`"${role.replaceAll('.', '\\.')} serving"`), budgets.startMs);
  // By role, with the service and shard each runs as.
  const replicas = new Map<string, Replica[]>();
  const services = new Map<string, { name: string; shard: Shard }>();
  options.cleanup.push(async () => {
    await Promise.all([...replicas.values()].flat().map((r) => r.child.kill('SIGKILL')));
  });
  const startRole = async (service: { name: string; shard: Shard }): Promise<void> => {
    const role = roleOf(service);
    const list: Replica[] = [];
    replicas.set(role, list);
    services.set(role, service);
    for (let i = 0; i < options.replicas; i++) {
      const port = await freePort();
      const instance = `${role}-${i}`;
      list.push({ instance, port, child: spawn(service.name, service.shard, instance, port) });
    }
    await Promise.all(list.map((r) => serving(role, r.child)));
  };
  // The stepper first, as the launcher's start order has it; then the participants at once.
  await startRole({ name: 'stepper', shard: wholeShard });
  await Promise.all(participants.map(startRole));

  const leaderOf = async (role: string): Promise<string | undefined> => {
    const raw = await store.getRaw(keys.election(role));
    return raw === undefined ? undefined : (JSON.parse(raw.value) as { instance: string }).instance;
  };

  return {
    simulation,
    endpoints,
    store,
    roles: ['stepper', ...participants.map(roleOf)],
    address: (role, i = 0) => `127.0.0.1:${replicas.get(role)![i]!.port}`,
    leaderOf,
    async killLeader(role, whileDown, signal = 'SIGKILL') {
      const { name, shard } = services.get(role)!;
      const list = replicas.get(role)!;
      const revision = await store.currentRevision();
      const held = await store.getRaw(keys.election(role), { revision });
      if (held === undefined) throw new Error(`nobody leads ${role}`);
      const killed = (JSON.parse(held.value) as { instance: string }).instance;
      const victim = list.find((r) => r.instance === killed)!;
      let electedAt: number | undefined;
      let leader: string | undefined;
      let firstAckAt: number | undefined;
      let elected: () => void = () => undefined;
      const isElected = new Promise<void>((resolve) => (elected = resolve));
      const watch = await store.watch(
        [keys.election(role), keys.ack(role)],
        { fromRevision: revision + 1 },
        (events) => {
          for (const e of events) {
            // Prefixes: `election/inventory` also matches `election/inventory-repair`.
            if (e.type !== 'put') continue;
            if (e.key === keys.ack(role) && electedAt !== undefined)
              firstAckAt ??= performance.now();
            if (e.key !== keys.election(role)) continue;
            const instance = (JSON.parse(e.value!) as { instance: string }).instance;
            if (e.value === held.value || electedAt !== undefined) continue;
            electedAt = performance.now();
            leader = instance;
            elected();
          }
        },
      );
      options.cleanup.push(() => watch.cancel());
      const killedAt = performance.now();
      await victim.child.kill(signal);
      whileDown?.();
      const timeout = setTimeout(() => elected(), budgets.waitMs);
      await isElected;
      clearTimeout(timeout);
      if (electedAt === undefined) throw new Error(`nobody took ${role} over from ${killed}`);
      // Started again on its port once the standby leads, as a supervisor
      // would after its restart delay: it stands by in turn.
      victim.child = spawn(name, shard, victim.instance, victim.port);
      const restarted = serving(role, victim.child).then(() => undefined);
      // Awaited by the test later; a failure meanwhile is not unhandled.
      restarted.catch(() => undefined);
      return {
        restarted,
        role,
        killed,
        leader: leader!,
        electedMs: Math.round(electedAt - killedAt),
        firstAckMs: () =>
          firstAckAt === undefined ? undefined : Math.round(firstAckAt - killedAt),
      };
    },
  };
}
