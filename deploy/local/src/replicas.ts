import { ChamberError, Code } from '@chamber/errors';
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

/** One process of a service the launcher runs. */
export interface ReplicaProcess {
  readonly spec: ServiceSpec;
  /** From 0; the first keeps the service's name, port and log. */
  readonly index: number;
  /**
   * Its name in status lines, its log file (`<name>.log`) and, when there
   * are several, its instance name (`CHAMBER_<SERVICE>_INSTANCE`): the
   * service's for the first, `<service>-r<i+1>` for the others.
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
  return Array.from({ length: n }, (_, index) => ({
    spec,
    index,
    name: index === 0 ? spec.name : `${spec.name}-r${index + 1}`,
    port: portOf(config, spec) + index * replicaPortStride,
  }));
}

/** `local.replicas`, checked: see {@link replicasOf}. */
export function replicaCount(config: LauncherConfig): number {
  const count = config.local.replicas;
  if (!Number.isInteger(count) || count < 1 || count > maxReplicas)
    throw new ChamberError(
      Code.InvalidArgument,
      `config "local.replicas" (CHAMBER_LOCAL_REPLICAS): must be a whole number from 1 to ${maxReplicas}, got ${count}`,
    );
  if (count > 1 && config.local.layout === 'single')
    throw new ChamberError(
      Code.InvalidArgument,
      'config "local.replicas" (CHAMBER_LOCAL_REPLICAS): replicas are processes of their own; the single layout (CHAMBER_LOCAL_LAYOUT=single) runs each service once',
    );
  return count;
}

/**
 * What a replica is told besides what every process of its service is:
 * its instance name, when there are several (the first as its service's name).
 */
export function replicaEnv(replica: ReplicaProcess, count: number): Record<string, string> {
  if (count === 1 || !isReplicated(replica.spec)) return {};
  const prefix = `CHAMBER_${replica.spec.name.toUpperCase().replaceAll('-', '_')}`;
  return { [`${prefix}_INSTANCE`]: replica.name };
}
