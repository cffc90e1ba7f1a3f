import {
  BladeDefinition,
  DeviceDefinition,
  DeviceKind,
  RackDefinition,
  RegionDefinition,
  ZoneDefinition,
} from '@chamber/protos';
import { viewKey } from '@chamber/world';
import type { Blade, Definition, Device } from './model.js';

/**
 * The `definition` view of a parsed definition: the proto3 JSON text of each
 * record by key (`definition/<region>/<zone>/<rack>/blade/<n>`, …), in key
 * order. Equal definitions give equal texts, so comparing texts finds what
 * changed.
 */
export function definitionRecords(definition: Definition): Map<string, string> {
  const out = new Map<string, string>();
  const put = <T>(codec: { toJSON(m: T): unknown }, path: string, value: T): void => {
    out.set(viewKey('definition', path), JSON.stringify(codec.toJSON(value)));
  };
  const device = (kind: DeviceKind, d: Device): void =>
    put(DeviceDefinition, d.path, { kind, index: d.index, ports: d.ports });
  const blade = (b: Blade): void =>
    put(BladeDefinition, b.path, {
      index: b.index,
      capacity: {
        cores: b.capacity.cores,
        memoryGib: b.capacity.memoryGiB,
        diskGib: b.capacity.diskGiB,
        networkGbps: b.capacity.networkGbps,
        arch: b.capacity.arch,
        accelerators: [...b.capacity.accelerators],
      },
      boot: {
        image: b.boot.image,
        bootTicksMin: b.boot.bootTicks[0],
        bootTicksMax: b.boot.bootTicks[1],
      },
      power: b.power,
      network: b.network,
    });
  for (const region of definition.regions) {
    put(RegionDefinition, region.path, {
      name: region.name,
      zones: region.zones.map((z) => z.name),
    });
    for (const zone of region.zones) {
      put(ZoneDefinition, zone.path, { name: zone.name, racks: zone.racks.map((r) => r.name) });
      for (const rack of zone.racks) {
        put(RackDefinition, rack.path, {
          name: rack.name,
          pdus: rack.pdus.length,
          tors: rack.tors.length,
          blades: rack.blades.map((b) => b.index),
        });
        for (const p of rack.pdus) device(DeviceKind.DEVICE_KIND_PDU, p);
        for (const t of rack.tors) device(DeviceKind.DEVICE_KIND_TOR, t);
        for (const b of rack.blades) blade(b);
      }
    }
  }
  return out;
}

/** What loading a definition over the stored one must write. */
export interface DefinitionChanges {
  /** New keys and changed ones, with their new texts. */
  readonly puts: ReadonlyArray<readonly [key: string, text: string]>;
  /** Keys no longer defined. */
  readonly deletes: readonly string[];
  readonly added: number;
  readonly updated: number;
  readonly unchanged: number;
}

/** The difference between the wanted records and the stored ones; unchanged keys are left alone. */
export function diffDefinition(
  wanted: ReadonlyMap<string, string>,
  stored: ReadonlyMap<string, string>,
): DefinitionChanges {
  const puts: Array<readonly [string, string]> = [];
  let added = 0;
  let updated = 0;
  for (const [key, text] of wanted) {
    const current = stored.get(key);
    if (current === text) continue;
    if (current === undefined) added++;
    else updated++;
    puts.push([key, text]);
  }
  const deletes = [...stored.keys()].filter((k) => !wanted.has(k));
  return { puts, deletes, added, updated, unchanged: wanted.size - added - updated };
}
