import type { BladeDefinition } from '@chamber/protos';
import { depthOf, deviceOf, devicePath, isUnder } from '@chamber/world';

/** A defined blade and what it is wired to. */
export interface BladeInfo {
  readonly path: string;
  readonly rack: string;
  readonly definition: BladeDefinition;
  /** The PDU feeding it, and the TOR connecting it (paths). */
  readonly pdu: string;
  readonly tor: string;
}

/** What a rack holds (paths, in index order). */
export interface RackContents {
  readonly pdus: string[];
  readonly tors: string[];
  readonly blades: string[];
}

/**
 * The defined hardware and its wiring, indexed for the simulator: which
 * blades a PDU feeds and a TOR connects, and what lies under a path. Built
 * from the `definition` view (paths without the `definition/` prefix).
 */
export class Topology {
  readonly regions = new Set<string>();
  readonly zones = new Set<string>();
  readonly racks = new Map<string, RackContents>();
  readonly pdus = new Set<string>();
  readonly tors = new Set<string>();
  readonly blades = new Map<string, BladeInfo>();
  /** Every PDU, TOR and blade, in key order (the order the paths were added in). */
  readonly elements: string[] = [];
  private readonly fed = new Map<string, string[]>();
  private readonly linked = new Map<string, string[]>();

  /**
   * Indexes the definition's paths; `blade(path)` gives a blade's record.
   * `paths` must be sorted (key order), so lists come out in key order.
   */
  static build(
    paths: Iterable<string>,
    blade: (path: string) => BladeDefinition | undefined,
  ): Topology {
    const building = Topology.builder();
    for (const path of paths) building.add(path, blade);
    return building.done();
  }

  /**
   * {@link build} one path at a time, so a caller can let the event loop run
   * between paths: `add` each path in key order, then `done`.
   */
  static builder(): {
    add(path: string, blade: (path: string) => BladeDefinition | undefined): void;
    done(): Topology;
  } {
    const t = new Topology();
    return {
      add: (path, blade) => t.add(path, blade),
      done: () => t,
    };
  }

  private add(path: string, blade: (path: string) => BladeDefinition | undefined): void {
    const device = deviceOf(path);
    if (device === undefined) {
      const depth = depthOf(path);
      if (depth === 1) this.regions.add(path);
      else if (depth === 2) this.zones.add(path);
      else if (depth === 3) this.rack(path);
      return;
    }
    const { rack } = device;
    const contents = this.rack(rack);
    if (device.kind === 'pdu') {
      this.pdus.add(path);
      contents.pdus.push(path);
      this.elements.push(path);
    } else if (device.kind === 'tor') {
      this.tors.add(path);
      contents.tors.push(path);
      this.elements.push(path);
    } else {
      const definition = blade(path);
      if (definition === undefined) return;
      this.elements.push(path);
      const info: BladeInfo = {
        path,
        rack,
        definition,
        pdu: devicePath(rack, 'pdu', definition.power?.device ?? 0),
        tor: devicePath(rack, 'tor', definition.network?.device ?? 0),
      };
      this.blades.set(path, info);
      contents.blades.push(path);
      push(this.fed, info.pdu, path);
      push(this.linked, info.tor, path);
    }
  }

  /** The blades a PDU feeds. */
  fedBy(pdu: string): readonly string[] {
    return this.fed.get(pdu) ?? [];
  }

  /** The blades a TOR connects. */
  linkedTo(tor: string): readonly string[] {
    return this.linked.get(tor) ?? [];
  }

  /** Whether `path` names a defined region, zone, rack, PDU, TOR or blade. */
  has(path: string): boolean {
    return (
      this.blades.has(path) ||
      this.pdus.has(path) ||
      this.tors.has(path) ||
      this.racks.has(path) ||
      this.zones.has(path) ||
      this.regions.has(path)
    );
  }

  /** The PDUs, TORs and blades at or under `path`, in key order. */
  under(path: string): RackContents {
    const out: RackContents = { pdus: [], tors: [], blades: [] };
    if (this.pdus.has(path)) out.pdus.push(path);
    else if (this.tors.has(path)) out.tors.push(path);
    else if (this.blades.has(path)) out.blades.push(path);
    else {
      for (const [rack, contents] of this.racks) {
        if (!isUnder(rack, path)) continue;
        out.pdus.push(...contents.pdus);
        out.tors.push(...contents.tors);
        out.blades.push(...contents.blades);
      }
    }
    return out;
  }

  private rack(path: string): RackContents {
    let contents = this.racks.get(path);
    if (contents === undefined) {
      contents = { pdus: [], tors: [], blades: [] };
      this.racks.set(path, contents);
    }
    return contents;
  }
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
