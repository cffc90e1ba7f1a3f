import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDefinitionFile } from './definitions.js';
import type { Definition } from './domain/definition/model.js';
import { parseDefinition } from './domain/definition/parse.js';

const samples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../definitions');

async function sample(name: string): Promise<Definition> {
  const result = await loadDefinitionFile(path.join(samples, `${name}.yaml`));
  if (!result.ok) throw new Error(result.errors.map(String).join('\n'));
  return result.definition;
}

const racksOf = (d: Definition) => d.regions.flatMap((r) => r.zones.flatMap((z) => z.racks));

describe('sample definitions', () => {
  it('small: 1 zone, 2 racks of 4 blades', async () => {
    const d = await sample('small');
    expect(d.regions.flatMap((r) => r.zones)).toHaveLength(1);
    expect(racksOf(d).map((r) => [r.path, r.blades.length])).toEqual([
      ['small/z1/rack1', 4],
      ['small/z1/rack2', 4],
    ]);
    expect(d.bladeCount).toBe(8);
  });

  it('standard: 8 racks, each 1 PDU, 1 TOR and 8 blades, wired blade i to port i', async () => {
    const d = await sample('standard');
    const racks = racksOf(d);
    expect(racks).toHaveLength(8);
    for (const rack of racks) {
      expect(rack.pdus.map((p) => p.path)).toEqual([`${rack.path}/pdu/0`]);
      expect(rack.tors.map((t) => t.path)).toEqual([`${rack.path}/tor/0`]);
      expect(rack.blades.map((b) => [b.index, b.power.port, b.network.port])).toEqual(
        Array.from({ length: 8 }, (_, i) => [i, i, i]),
      );
    }
    expect(racks[2]!.blades[7]).toEqual({
      path: 'standard/z1/rack3/blade/7',
      index: 7,
      capacity: {
        cores: 32,
        memoryGiB: 256,
        diskGiB: 2048,
        networkGbps: 25,
        arch: 'x86_64',
        accelerators: [],
      },
      boot: { image: 'ubuntu-24.04', bootTicks: [3, 6] },
      power: { device: 0, port: 7 },
      network: { device: 0, port: 7 },
    });
  });

  it('large: 100,000 blades in 2,500 racks of 40', async () => {
    const d = await sample('large');
    expect(d.bladeCount).toBe(100_000);
    const racks = racksOf(d);
    expect(racks).toHaveLength(2_500);
    expect(new Set(racks.map((r) => r.blades.length))).toEqual(new Set([40]));
    expect(new Set(racks.map((r) => r.path)).size).toBe(2_500);
  });

  it('names the file when it does not exist', async () => {
    await expect(loadDefinitionFile(path.join(samples, 'nope.yaml'))).rejects.toThrow(
      /definition file .*nope\.yaml does not exist/,
    );
  });
});

describe('templates, defaults and wiring', () => {
  const yaml = `version: 1
defaults:
  blade:
    boot: { image: base }
templates:
  blades:
    small: { capacity: { cores: 8, memoryGiB: 32 } }
regions:
  - name: r
    zones:
      - name: z
        racks:
          - name: a
            pdus: 2
            tors: { count: 1, ports: 8 }
            blades:
              - { template: small, count: 3 }
              - { index: 3, template: small, capacity: { cores: 12 }, power: { pdu: 0, port: 0 } }
              - { index: 9 }
`;

  it('applies template, overrides and defaults field by field', () => {
    const r = parseDefinition(yaml, 'x.yaml');
    if (!r.ok) throw new Error(r.errors.map(String).join('\n'));
    const blades = r.definition.regions[0]!.zones[0]!.racks[0]!.blades;
    expect(blades.map((b) => b.index)).toEqual([0, 1, 2, 3, 9]);
    expect(blades[0]!.capacity).toMatchObject({ cores: 8, memoryGiB: 32, diskGiB: 512 });
    expect(blades[3]!.capacity).toMatchObject({ cores: 12, memoryGiB: 32 });
    expect(blades[4]!.capacity.cores).toBe(16);
    expect(blades.every((b) => b.boot.image === 'base')).toBe(true);
  });

  it('wires round-robin over the PDUs, on free ports, around explicit wiring', () => {
    const r = parseDefinition(yaml, 'x.yaml');
    if (!r.ok) throw new Error(r.errors.map(String).join('\n'));
    const rack = r.definition.regions[0]!.zones[0]!.racks[0]!;
    // Blade 3 took PDU 0 port 0, so the others go round the free ports.
    expect(rack.blades.map((b) => `${b.index}:${b.power.device}/${b.power.port}`)).toEqual([
      '0:1/0',
      '1:0/1',
      '2:1/1',
      '3:0/0',
      '9:0/2',
    ]);
    expect(rack.blades.map((b) => b.network.port)).toEqual([0, 1, 2, 3, 4]);
    expect(rack.tors[0]!.ports).toBe(8);
  });
});
