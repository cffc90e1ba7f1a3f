import { envPrefix, shardEnv } from '@chamber/config';
import { ChamberError, Code } from '@chamber/errors';
import { shardParticipant, shardsOf as shardsOfService, type Shard } from '@chamber/world';
import type { LauncherConfig } from './config.js';
import { portOf } from './hints.js';
import type { ServiceSpec } from './services.js';

/**
 * How far apart (in ports) the replicas of one service are: replica `i`
 * (from 0) listens on the service's port + `i` × this. The services' own
 * ports are within 10 of each other, so no replica can take another
 * service's port or another service's replica's.
 */
export const replicaPortStride = 100;

/** The most replicas per service `CHAMBER_LOCAL_REPLICAS` may ask for. */
export const maxReplicas = 9;

/**
 * How far apart (in ports) the shards of a sharded service are: shard `i`'s
 * replicas listen on the service's port + `i` × this (+ their replica's
 * stride), clear of every replica of every service.
 */
export const shardPortStride = 1_000;

/** The most shards `CHAMBER_LOCAL_SHARDS` may ask for. */
export const maxShards = 8;

/** One process of a service the launcher runs. */
export interface ReplicaProcess {
  readonly spec: ServiceSpec;
  /** From 0; the first keeps the service's (or its shard's) name, port and log. */
  readonly index: number;
  /** The shard it runs as: the whole service unless the service is sharded. */
  readonly shard: Shard;
  /**
   * Its name in status lines, its log file (`<name>.log`) and, when there
   * are several, its instance name (`CHAMBER_<SERVICE>_INSTANCE`): the
   * service's (a shard's: `inventory.1`) for the first, `<that>-r<i+1>`
   * for the others.
   */
  readonly name: string;
  readonly port: number;
}

/**
 * Whether the launcher runs `spec` as `CHAMBER_LOCAL_REPLICAS` processes:
 * the singleton roles, which elect a leader among their replicas (the
 * stepper, which tells the others the participants, and every participant).
 */
export function isReplicated(spec: ServiceSpec): boolean {
  return spec.isParticipant === true || spec.participantsEnv !== undefined;
}

/**
 * The processes the launcher runs for `spec`: one, or `local.replicas` for
 * a replicated one (see {@link isReplicated}). Fails with `InvalidArgument`
 * for a count out of 1..{@link maxReplicas}, or several with the `single`
 * layout (one process holds every service once).
 */
export function replicasOf(config: LauncherConfig, spec: ServiceSpec): ReplicaProcess[] {
  const count = replicaCount(config);
  const n = isReplicated(spec) ? count : 1;
  return shardsOf(config, spec).flatMap((shard) => {
    const base = shardParticipant(spec.name, shard);
    return Array.from({ length: n }, (_, index) => ({
      spec,
      index,
      shard,
      name: index === 0 ? base : `${base}-r${index + 1}`,
      port: portOf(config, spec) + shard.index * shardPortStride + index * replicaPortStride,
    }));
  });
}

/**
 * The shards the launcher runs `spec` as: `local.shards` of them for the
 * services that can be sharded (the inventory and the monitor), the whole
 * service otherwise.
 */
export function shardsOf(config: LauncherConfig, spec: ServiceSpec): Shard[] {
  return shardsOfService(spec.name, shardCount(config));
}

/** `local.shards`, checked like {@link replicaCount}. */
export function shardCount(config: LauncherConfig): number {
  return processCount(config, 'shards', 'CHAMBER_LOCAL_SHARDS', maxShards);
}

/** `local.replicas`, checked: see {@link replicasOf}. */
export function replicaCount(config: LauncherConfig): number {
  return processCount(config, 'replicas', 'CHAMBER_LOCAL_REPLICAS', maxReplicas);
}

/**
 * A count of processes per service (`local.<key>`), checked: a whole number
 * from 1 to `max`, and 1 in the single layout (one process holds every
 * service once); fails with `InvalidArgument` naming `env`.
 */
function processCount(
  config: LauncherConfig,
  key: 'replicas' | 'shards',
  env: string,
  max: number,
): number {
  const count = config.local[key];
  const setting = `config "local.${key}" (${env})`;
  if (!Number.isInteger(count) || count < 1 || count > max)
    throw new ChamberError(
      Code.InvalidArgument,
      `${setting}: must be a whole number from 1 to ${max}, got ${count}`,
    );
  if (count > 1 && config.local.layout === 'single')
    throw new ChamberError(
      Code.InvalidArgument,
      `${setting}: ${key} are processes of their own; the single layout (CHAMBER_LOCAL_LAYOUT=single) runs each service once`,
    );
  return count;
}

/**
 * What a replica is told besides what every process of its service is:
 * its shard, and its instance name when there are several replicas (the
 * first as its service's, or shard's, name).
 */
export function replicaEnv(replica: ReplicaProcess, count: number): Record<string, string> {
  const sharded = shardEnv(replica.spec.name, replica.shard);
  if (count === 1 || !isReplicated(replica.spec)) return sharded;
  return { ...sharded, [`${envPrefix(replica.spec.name)}_INSTANCE`]: replica.name };
}
