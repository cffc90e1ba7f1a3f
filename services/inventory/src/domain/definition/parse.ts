import {
  quote,
  readYaml,
  show,
  type Path,
  type SourceError,
  type Wording,
  type YamlSource,
} from '@chamber/yaml-source';
import type {
  Blade,
  BootInfo,
  Capacity,
  Definition,
  Device,
  PortRef,
  Rack,
  Region,
  Zone,
} from './model.js';
import {
  definitionSchema,
  limits,
  namePattern,
  type RawBlade,
  type RawBladeTemplate,
  type RawDefinition,
  type RawDevices,
  type RawRack,
} from './schema.js';

/** One broken rule of a definition, at a place in its file (`inventory.yaml:41:7: …`). */
export { SourceError as DefinitionError } from '@chamber/yaml-source';

export type ParseResult =
  | { readonly ok: true; readonly definition: Definition }
  | { readonly ok: false; readonly errors: readonly SourceError[] };

const defaultCapacity: Capacity = {
  cores: 16,
  memoryGiB: 64,
  diskGiB: 512,
  networkGbps: 10,
  arch: 'x86_64',
  accelerators: [],
};
const defaultBoot: BootInfo = { image: 'default', bootTicks: [2, 5] };

/** How a definition's schema problems are said. */
const wording: Wording = {
  describePath,
  union: (what, value) =>
    `${what} must be a count or a map with "count" and "ports", got ${show(value)}`,
  format: (what, value) =>
    `${what} ${show(value)} must be 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit`,
  key: (what) => `${what}: template name must be 1-63 lower-case letters, digits, "-" or "_"`,
};

/**
 * Parses and validates a definition, expanding templates and generators and
 * applying defaults. Every error found is reported, each with its position;
 * nothing is returned unless there are none.
 */
export function parseDefinition(text: string, file: string): ParseResult {
  const { source, value } = readYaml(text, file, definitionSchema, wording, {
    document: 'definition',
    aliasedNodes: limits.aliasedNodes,
    aliasAdvice: 'repeat racks and blades with templates and generators instead',
  });
  if (value === undefined) return { ok: false, errors: source.errors() };
  const report: Report = (offset, rule, message) => source.report(offset, rule, message);
  const definition = expand(value, source, report);
  return source.hasErrors ? { ok: false, errors: source.errors() } : { ok: true, definition };
}

type Report = (offset: number, rule: string, message: string) => void;

/** Where `path` points, for people: `rack "r1", blades item 2`. */
function describePath(path: Path, raw: unknown): { context: string; field: string } {
  const parts: string[] = [];
  let node: unknown = raw;
  let i = 0;
  const nameOf = (v: unknown): string | undefined =>
    typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string'
      ? (v as { name: string }).name
      : undefined;
  const at = (v: unknown, k: string | number): unknown =>
    typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[k] : undefined;
  const kinds: Record<string, string> = {
    regions: 'region',
    zones: 'zone',
    racks: 'rack',
    blades: 'blade',
  };
  for (; i < path.length; i++) {
    const key = path[i]!;
    const next = path[i + 1];
    if (key === 'templates' && (next === 'blades' || next === 'racks') && i + 2 < path.length) {
      parts.push(`${next === 'blades' ? 'blade' : 'rack'} template ${quote(String(path[i + 2]))}`);
      node = at(at(at(node, key), next), path[i + 2]!);
      i += 2;
      continue;
    }
    if (typeof key === 'string' && key in kinds && typeof next === 'number') {
      const item = at(at(node, key), next);
      const name = nameOf(item);
      const index = at(item, 'index');
      parts.push(
        name !== undefined
          ? `${kinds[key]} ${quote(name)}`
          : typeof index === 'number'
            ? `${kinds[key]} index ${index}`
            : `${key} item ${next + 1}`,
      );
      node = item;
      i += 1;
      continue;
    }
    break;
  }
  return {
    context: parts.length > 0 ? parts.join(', ') : 'the definition',
    field: path.slice(i).join('.'),
  };
}

/** A rack's devices and blades, before it has a name. */
interface Layout {
  readonly pdus: { count: number; ports: number };
  readonly tors: { count: number; ports: number };
  readonly blades: ReadonlyArray<{
    index: number;
    capacity: Capacity;
    boot: BootInfo;
    power: PortRef;
    network: PortRef;
  }>;
}

function expand(raw: RawDefinition, positions: YamlSource, report: Report): Definition {
  const bladeTemplates = raw.templates?.blades ?? {};
  const rackTemplates = raw.templates?.racks ?? {};
  let bladeCount = 0;
  let isTooBig = false;
  const regions: Region[] = [];
  const unique = (
    seen: Map<string, true>,
    name: string,
    path: Path,
    what: string,
    where: string,
  ): void => {
    if (seen.has(name))
      report(positions.of(path), 'duplicate-name', `${what} "${name}" appears twice in ${where}`);
    seen.set(name, true);
  };

  const regionNames = new Map<string, true>();
  raw.regions.forEach((region, ri) => {
    const regionPath: Path = ['regions', ri];
    unique(regionNames, region.name, [...regionPath, 'name'], 'region', 'the definition');
    const zones: Zone[] = [];
    const zoneNames = new Map<string, true>();
    region.zones.forEach((zone, zi) => {
      const zonePath: Path = [...regionPath, 'zones', zi];
      unique(zoneNames, zone.name, [...zonePath, 'name'], 'zone', `region "${region.name}"`);
      const racks: Rack[] = [];
      const rackNames = new Map<string, true>();
      const zoneKey = `${region.name}/${zone.name}`;
      zone.racks.forEach((item, ki) => {
        const itemPath: Path = [...zonePath, 'racks', ki];
        const names = rackNamesOf(item, itemPath, positions, report);
        const template = item.template === undefined ? undefined : rackTemplates[item.template];
        if (item.template !== undefined && template === undefined) {
          report(
            positions.of([...itemPath, 'template']),
            'unknown-template',
            `rack template "${item.template}" is not defined (templates.racks)`,
          );
          return;
        }
        const bladesPath: Path =
          item.blades !== undefined || template === undefined
            ? [...itemPath, 'blades']
            : ['templates', 'racks', item.template!, 'blades'];
        const label = names.length === 1 ? `rack "${names[0]}"` : `racks "${names[0]}"…`;
        const layout = layoutOf(
          {
            pdus: item.pdus ?? template?.pdus ?? 1,
            tors: item.tors ?? template?.tors ?? 1,
            blades: item.blades ?? template?.blades ?? [],
          },
          { item: itemPath, blades: bladesPath, label },
          raw,
          bladeTemplates,
          positions,
          report,
        );
        if (layout === undefined) return;
        bladeCount += layout.blades.length * names.length;
        if (bladeCount > limits.blades) {
          if (!isTooBig) {
            report(
              positions.of(itemPath),
              'too-many-blades',
              `the definition has more than ${limits.blades.toLocaleString('en')} blades (reached at ${label} in zone "${zone.name}")`,
            );
          }
          isTooBig = true;
          return;
        }
        for (const name of names) {
          unique(
            rackNames,
            name,
            item.name === undefined ? itemPath : [...itemPath, 'name'],
            'rack',
            `zone "${zone.name}"`,
          );
          racks.push(instantiate(`${zoneKey}/${name}`, name, layout));
        }
      });
      zones.push({ path: zoneKey, name: zone.name, racks });
    });
    regions.push({ path: region.name, name: region.name, zones });
  });
  return { name: raw.name ?? raw.regions[0]!.name, regions, bladeCount };
}

function rackNamesOf(item: RawRack, path: Path, positions: YamlSource, report: Report): string[] {
  if (item.count === undefined) {
    if (item.name === undefined) {
      report(
        positions.of(path),
        'missing-key',
        `rack: missing required key "name" (or "count" with a name pattern)`,
      );
      return [];
    }
    if (!namePattern.test(item.name)) {
      report(
        positions.of([...path, 'name']),
        'bad-name',
        `rack name ${quote(item.name)} must be 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit`,
      );
      return [];
    }
    return [item.name];
  }
  const pattern = item.name ?? 'rack{n}';
  if (!pattern.includes('{n}')) {
    report(
      positions.of([...path, 'name']),
      'bad-generator',
      `rack generator name ${quote(pattern)} must contain {n}, or the ${item.count} racks would share one name`,
    );
    return [];
  }
  const first = item.first ?? 1;
  const names = Array.from({ length: item.count }, (_, n) =>
    pattern.replaceAll('{n}', String(first + n)),
  );
  const bad = names.find((n) => !namePattern.test(n));
  if (bad !== undefined) {
    report(
      positions.of([...path, 'name']),
      'bad-name',
      `rack name ${quote(bad)} (from ${quote(pattern)}) must be 1-63 lower-case letters, digits, "-" or "_"`,
    );
    return [];
  }
  return names;
}

function devicesOf(raw: RawDevices): { count: number; ports: number | undefined } {
  return typeof raw === 'number'
    ? { count: raw, ports: undefined }
    : { count: raw.count, ports: raw.ports };
}

function layoutOf(
  spec: { pdus: RawDevices; tors: RawDevices; blades: readonly RawBlade[] },
  paths: { item: Path; blades: Path; label: string },
  raw: RawDefinition,
  bladeTemplates: Readonly<Record<string, RawBladeTemplate>>,
  positions: YamlSource,
  report: Report,
): Layout | undefined {
  let ok = true;
  const fail = (path: Path, rule: string, message: string): void => {
    ok = false;
    report(positions.of(path), rule, message);
  };
  interface Planned {
    index: number;
    capacity: Capacity;
    boot: BootInfo;
    power: PortRef | undefined;
    network: PortRef | undefined;
    path: Path;
  }
  const planned: Planned[] = [];
  const byIndex = new Map<number, Path>();
  let next = 0;
  spec.blades.forEach((b, bi) => {
    const path: Path = [...paths.blades, bi];
    const template = b.template === undefined ? undefined : bladeTemplates[b.template];
    if (b.template !== undefined && template === undefined) {
      fail(
        [...path, 'template'],
        'unknown-template',
        `blade template "${b.template}" is not defined (templates.blades)`,
      );
      return;
    }
    const capacity: Capacity = {
      ...defaultCapacity,
      ...raw.defaults?.blade?.capacity,
      ...template?.capacity,
      ...b.capacity,
    } as Capacity;
    const boot: BootInfo = {
      ...defaultBoot,
      ...raw.defaults?.blade?.boot,
      ...template?.boot,
      ...b.boot,
    } as BootInfo;
    if (boot.bootTicks[0] > boot.bootTicks[1]) {
      fail(
        [...path, 'boot', 'bootTicks'],
        'bad-range',
        `${paths.label}: bootTicks [${boot.bootTicks.join(', ')}] has its minimum above its maximum`,
      );
    }
    if (b.count !== undefined && (b.power !== undefined || b.network !== undefined)) {
      fail(
        [...path, b.power !== undefined ? 'power' : 'network'],
        'bad-generator',
        `${paths.label}: a blade generator (count ${b.count}) cannot wire its blades to one port; wire them one by one or leave the default wiring`,
      );
      return;
    }
    const first = b.index ?? next;
    for (let n = 0; n < (b.count ?? 1); n++) {
      const index = first + n;
      if (byIndex.has(index)) {
        fail(
          b.index !== undefined ? [...path, 'index'] : path,
          'duplicate-index',
          `blade index ${index} appears twice in ${paths.label}`,
        );
        return;
      }
      byIndex.set(index, path);
      planned.push({
        index,
        capacity,
        boot,
        power: b.power === undefined ? undefined : { device: b.power.pdu, port: b.power.port },
        network:
          b.network === undefined ? undefined : { device: b.network.tor, port: b.network.port },
        path,
      });
    }
    next = Math.max(next, first + (b.count ?? 1));
  });
  planned.sort((a, b) => a.index - b.index);

  const wire = (
    kind: 'power' | 'network',
    rawDevices: RawDevices,
    devicePath: Path,
  ): { count: number; ports: number } => {
    const device = kind === 'power' ? 'PDU' : 'TOR';
    const key = kind === 'power' ? 'pdu' : 'tor';
    const { count, ports: explicitPorts } = devicesOf(rawDevices);
    if (count === 0 && planned.length > 0) {
      fail(
        devicePath,
        kind === 'power' ? 'no-power-path' : 'no-network-path',
        `${paths.label} has ${planned.length} blade(s) but no ${device}: every blade needs a ${kind} path`,
      );
      return { count, ports: 0 };
    }
    const highest = Math.max(-1, ...planned.map((p) => p[kind]?.port ?? -1));
    const ports =
      explicitPorts ?? Math.max(Math.ceil(planned.length / Math.max(count, 1)), highest + 1, 1);
    const taken = new Map<string, number>();
    for (const p of planned) {
      const w = p[kind];
      if (w === undefined) continue;
      if (w.device >= count) {
        fail(
          [...p.path, kind, key],
          'dangling-wiring',
          `${paths.label}: blade ${p.index} is wired to ${device} ${w.device}, which does not exist (the rack has ${count} ${device}(s))`,
        );
      } else if (w.port >= ports) {
        fail(
          [...p.path, kind, 'port'],
          'dangling-wiring',
          `${paths.label}: blade ${p.index} is wired to ${device} ${w.device} port ${w.port}, which does not exist (${ports} ports)`,
        );
      } else {
        const id = `${w.device}/${w.port}`;
        const other = taken.get(id);
        if (other !== undefined) {
          fail(
            [...p.path, kind],
            'port-conflict',
            `${paths.label}: blades ${other} and ${p.index} are both wired to ${device} ${w.device} port ${w.port}`,
          );
        }
        taken.set(id, p.index);
      }
    }
    // Default wiring: round-robin over the devices, each blade on the next free port.
    let cursor = 0;
    for (const p of planned) {
      if (p[kind] !== undefined) continue;
      let assigned: PortRef | undefined;
      for (; cursor < count * ports; cursor++) {
        const candidate = { device: cursor % count, port: Math.floor(cursor / count) };
        if (!taken.has(`${candidate.device}/${candidate.port}`)) {
          assigned = candidate;
          cursor++;
          break;
        }
      }
      if (assigned === undefined) {
        fail(
          devicePath,
          kind === 'power' ? 'no-power-path' : 'no-network-path',
          `${paths.label}: blade ${p.index} has no ${kind} path: all ${count * ports} ${device} ports are taken`,
        );
        continue;
      }
      taken.set(`${assigned.device}/${assigned.port}`, p.index);
      p[kind] = assigned;
    }
    return { count, ports };
  };
  const pdus = wire('power', spec.pdus, [...paths.item, 'pdus']);
  const tors = wire('network', spec.tors, [...paths.item, 'tors']);
  if (!ok) return undefined;
  return {
    pdus,
    tors,
    blades: planned.map((p) => ({
      index: p.index,
      capacity: p.capacity,
      boot: p.boot,
      power: p.power!,
      network: p.network!,
    })),
  };
}

function instantiate(path: string, name: string, layout: Layout): Rack {
  const devices = (kind: 'pdu' | 'tor', d: { count: number; ports: number }): Device[] =>
    Array.from({ length: d.count }, (_, index) => ({
      path: `${path}/${kind}/${index}`,
      index,
      ports: d.ports,
    }));
  const blades: Blade[] = layout.blades.map((b) => ({ path: `${path}/blade/${b.index}`, ...b }));
  return {
    path,
    name,
    pdus: devices('pdu', layout.pdus),
    tors: devices('tor', layout.tors),
    blades,
  };
}
