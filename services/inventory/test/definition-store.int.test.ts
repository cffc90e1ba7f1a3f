import { BladeDefinition } from '@chamber/protos';
import { Store } from '@chamber/store';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  loadDefinitionFile,
  parseDefinition,
  writeDefinition,
  type Definition,
} from '../src/index.js';

const samples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../definitions');
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

async function store(label: string): Promise<Store> {
  const s = await Store.connect({
    endpoints: etcdEndpoints(),
    simulation: uniqueSimulation(label),
  });
  stores.push(s);
  return s;
}

async function standard(): Promise<Definition> {
  const r = await loadDefinitionFile(path.join(samples, 'standard.yaml'));
  if (!r.ok) throw new Error(r.errors.map(String).join('\n'));
  return r.definition;
}

function parse(yaml: string): Definition {
  const r = parseDefinition(yaml, 'x.yaml');
  if (!r.ok) throw new Error(r.errors.map(String).join('\n'));
  return r.definition;
}

describe('writing the definition view', () => {
  it('loads the standard inventory in batches, reporting progress', async () => {
    const s = await store('load');
    const progress: Array<[number, number]> = [];
    const summary = await writeDefinition(s, await standard(), {
      onProgress: (done, total) => progress.push([done, total]),
    });
    // 1 region + 1 zone + 8 racks × (1 rack + 1 PDU + 1 TOR + 8 blades).
    expect(summary).toMatchObject({ added: 90, updated: 0, removed: 0, unchanged: 0 });
    expect(progress).toEqual([[90, 90]]);
    const blade = await s.get(BladeDefinition, 'definition/standard/z1/rack3/blade/7');
    expect(blade!.value).toMatchObject({
      index: 7,
      capacity: { cores: 32, memoryGib: 256, arch: 'x86_64' },
      power: { device: 0, port: 7 },
    });
  });

  it('reconciles a changed definition without touching unchanged records', async () => {
    const s = await store('reconcile');
    await writeDefinition(s, await standard());
    const before = new Map(
      (await s.listRaw('definition/')).entries.map((e) => [e.key, e.modRevision]),
    );
    expect((await writeDefinition(s, await standard())).unchanged).toBe(90);

    const changed = parse(`version: 1
templates:
  blades:
    standard:
      capacity: { cores: 32, memoryGiB: 256, diskGiB: 2048, networkGbps: 25, arch: x86_64 }
      boot: { image: ubuntu-24.04, bootTicks: [3, 6] }
regions:
  - name: standard
    zones:
      - name: z1
        racks:
          - name: "rack{n}"
            count: 7
            blades: [{ template: standard, count: 8 }]
          - name: rack9
            blades:
              - { template: standard, count: 7 }
              - { template: standard, capacity: { cores: 64 } }
`);
    const summary = await writeDefinition(s, changed);
    // rack8 (11 records) gone; rack9 (11) new; the zone's rack list changed; 78 untouched.
    expect(summary).toMatchObject({ added: 11, updated: 1, removed: 11, unchanged: 78 });
    const after = new Map(
      (await s.listRaw('definition/')).entries.map((e) => [e.key, e.modRevision]),
    );
    expect(after.has('definition/standard/z1/rack8/blade/0')).toBe(false);
    expect(after.get('definition/standard/z1/rack1/blade/0')).toBe(
      before.get('definition/standard/z1/rack1/blade/0'),
    );
    expect(after.get('definition/standard/z1')).not.toBe(before.get('definition/standard/z1'));
  });
});
