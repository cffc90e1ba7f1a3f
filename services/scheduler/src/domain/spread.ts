import type { PlacementLevelWord } from '@chamber/world';
import { rackOf, zoneOf } from '@chamber/world';

/** The element a blade belongs to at `level`: itself, its rack or its zone. */
export function domainOf(blade: string, level: PlacementLevelWord): string {
  if (level === 'rack') return rackOf(blade);
  if (level === 'zone') return zoneOf(blade);
  return blade;
}

/**
 * Per workload, how many of its wanted, placed instances each blade, rack and
 * zone holds: what the affinity and anti-affinity rules read, in O(1) per
 * blade. Unwanted instances (stopping) do not count: they are going away, and
 * their replacements must not be kept from their place by them.
 */
export class WorkloadSpread {
  private readonly counts = new Map<string, Map<string, number>>();

  /** Counts one instance of `workload` on `blade` (`delta` 1) or forgets one (-1). */
  add(workload: string, blade: string, delta: 1 | -1): void {
    let byDomain = this.counts.get(workload);
    if (byDomain === undefined) this.counts.set(workload, (byDomain = new Map<string, number>()));
    for (const level of ['blade', 'rack', 'zone'] as const) {
      const key = `${level}\u0000${domainOf(blade, level)}`;
      const next = (byDomain.get(key) ?? 0) + delta;
      if (next <= 0) byDomain.delete(key);
      else byDomain.set(key, next);
    }
    if (byDomain.size === 0) this.counts.delete(workload);
  }

  /** How many of the workload's counted instances are in `blade`'s domain at `level`. */
  count(workload: string, blade: string, level: PlacementLevelWord): number {
    return this.counts.get(workload)?.get(`${level}\u0000${domainOf(blade, level)}`) ?? 0;
  }

  /** The blades, racks or zones (by `level`) that hold the workload's counted instances, sorted. */
  domains(workload: string, level: PlacementLevelWord): string[] {
    const prefix = `${level}\u0000`;
    const out: string[] = [];
    for (const key of this.counts.get(workload)?.keys() ?? [])
      if (key.startsWith(prefix)) out.push(key.slice(prefix.length));
    return out.sort();
  }

  /** Whether the workload has any counted instance. */
  hasAny(workload: string): boolean {
    return this.counts.has(workload);
  }
}
