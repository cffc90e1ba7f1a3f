import { depthOf, rackOf } from './paths.js';

/**
 * One shard of a sharded participant service (the inventory, the monitor):
 * shard `index` of `count`. Each owns a set of racks and is its own
 * participant of the clock; together they write what one process would.
 */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * The services that can run as several shards, the two whose work grows with
 * the inventory (`CHAMBER_<SERVICE>_SHARD_COUNT`, `CHAMBER_<SERVICE>_SHARD_INDEX`).
 */
export const shardedServices = ['inventory', 'monitor'] as const;

/**
 * The shards `service` runs as when sharded services run as `count`: `count`
 * of them for a sharded service, the whole service (one of one) otherwise.
 */
export function shardsOf(service: string, count: number): Shard[] {
  if (count === 1 || !(shardedServices as readonly string[]).includes(service)) return [wholeShard];
  return Array.from({ length: count }, (_, index) => ({ index, count }));
}

/** A service that is not sharded: one shard owning every rack. */
export const wholeShard: Shard = { index: 0, count: 1 };

/**
 * The participant name of `shard` of `service`: the service's own name when
 * it is not sharded, `<service>.<index>` otherwise (`inventory.2`).
 */
export function shardParticipant(service: string, shard: Shard): string {
  return shard.count === 1 ? service : `${service}.${shard.index}`;
}

/**
 * The service a participant name belongs to: `inventory.2` → `inventory`;
 * a name without a shard suffix is its own. The clock wakes a service's
 * shards together, and an input owned by the service wakes them all.
 */
export function participantService(name: string): string {
  return name.replace(/\.\d+$/, '');
}

/**
 * The shard (of `count`) that owns the element at `path`: the one its rack
 * hashes to (FNV-1a), so a rack's PDU, TOR, blades and cables stay together
 * and adding racks moves no other. Paths above a rack (a zone, a region)
 * belong to shard 0.
 */
export function shardOfPath(path: string, count: number): number {
  if (count <= 1 || depthOf(path) < 3) return 0;
  const rack = rackOf(path);
  let hash = 0x811c9dc5;
  for (let i = 0; i < rack.length; i++) {
    hash ^= rack.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}

/** Whether `shard` owns the element at `path` (see {@link shardOfPath}). */
export function ownsPath(shard: Shard, path: string): boolean {
  return shardOfPath(path, shard.count) === shard.index;
}

/**
 * Whether `shard` does its service's work that belongs to no rack (a
 * definition load, a workload's availability): shard 0.
 */
export function isLeadShard(shard: Shard): boolean {
  return shard.index === 0;
}
