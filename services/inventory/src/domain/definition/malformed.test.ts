import { describe, expect, it } from 'vitest';
import { parseDefinition } from './parse.js';

// Malformed definitions, each with the exact errors a person sees.
// A rack list inside region "r1", zone "z1".
const base = (racks: string): string => `version: 1
regions:
  - name: r1
    zones:
      - name: z1
        racks:
${racks}`;

const cases: Array<{ name: string; yaml: string; errors: string[] }> = [
  {
    name: 'syntax',
    yaml: `version: 1\nregions:\n  - name: r1\n    zones: [\n`,
    errors: [
      'inventory.yaml:5:1: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
  },
  {
    name: 'duplicateKey',
    yaml: `version: 1\nversion: 1\nregions: []\n`,
    errors: ['inventory.yaml:2:1: YAML: Map keys must be unique'],
  },
  {
    name: 'unknownKey',
    yaml: base(`          - name: a\n            colour: red\n`),
    errors: ['inventory.yaml:8:13: region "r1", zone "z1", rack "a": unknown key "colour"'],
  },
  {
    name: 'wrongType',
    yaml: base(
      `          - name: a\n            blades:\n              - capacity: { cores: many }\n`,
    ),
    errors: [
      'inventory.yaml:9:36: region "r1", zone "z1", rack "a", blades item 1: "capacity.cores" must be a number, got "many"',
    ],
  },
  {
    name: 'missingName',
    yaml: `version: 1\nregions:\n  - zones:\n      - name: z1\n        racks: []\n`,
    errors: ['inventory.yaml:3:5: regions item 1: missing required key "name"'],
  },
  {
    name: 'badVersion',
    yaml: `version: 2\nregions:\n  - name: r1\n    zones: [{ name: z1, racks: [] }]\n`,
    errors: ['inventory.yaml:1:10: the definition: "version" must be 1, got 2'],
  },
  {
    name: 'noRegions',
    yaml: `version: 1\nregions: []\n`,
    errors: ['inventory.yaml:2:10: the definition: "regions" must list at least 1 item(s)'],
  },
  {
    name: 'badName',
    yaml: base(`          - name: Rack/1\n`),
    errors: [
      'inventory.yaml:7:19: rack name "Rack/1" must be 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit',
    ],
  },
  {
    name: 'duplicateZone',
    yaml: `version: 1\nregions:\n  - name: r1\n    zones:\n      - { name: z1, racks: [] }\n      - { name: z1, racks: [] }\n`,
    errors: ['inventory.yaml:6:17: zone "z1" appears twice in region "r1"'],
  },
  {
    name: 'duplicateRack',
    yaml: base(
      `          - name: a\n          - name: "a{n}"\n            count: 2\n            first: 0\n          - name: a\n`,
    ),
    errors: ['inventory.yaml:11:19: rack "a" appears twice in zone "z1"'],
  },
  {
    name: 'duplicateIndex',
    yaml: base(
      `          - name: r1\n            blades:\n              - { index: 3 }\n              - { index: 3 }\n`,
    ),
    errors: ['inventory.yaml:10:26: blade index 3 appears twice in rack "r1"'],
  },
  {
    name: 'unknownTemplate',
    yaml: base(
      `          - name: a\n            blades:\n              - { template: nope, count: 2 }\n`,
    ),
    errors: ['inventory.yaml:9:29: blade template "nope" is not defined (templates.blades)'],
  },
  {
    name: 'unknownRackTemplate',
    yaml: base(`          - { name: "a{n}", count: 3, template: big }\n`),
    errors: ['inventory.yaml:7:49: rack template "big" is not defined (templates.racks)'],
  },
  {
    name: 'danglingPdu',
    yaml: base(
      `          - name: a\n            blades:\n              - { power: { pdu: 2, port: 0 } }\n`,
    ),
    errors: [
      'inventory.yaml:9:33: rack "a": blade 0 is wired to PDU 2, which does not exist (the rack has 1 PDU(s))',
    ],
  },
  {
    name: 'danglingPort',
    yaml: base(
      `          - name: a\n            pdus: { count: 1, ports: 4 }\n            blades:\n              - { power: { pdu: 0, port: 9 } }\n`,
    ),
    errors: [
      'inventory.yaml:10:42: rack "a": blade 0 is wired to PDU 0 port 9, which does not exist (4 ports)',
    ],
  },
  {
    name: 'portConflict',
    yaml: base(
      `          - name: a\n            blades:\n              - { index: 0, network: { tor: 0, port: 1 } }\n              - { index: 1, network: { tor: 0, port: 1 } }\n`,
    ),
    errors: ['inventory.yaml:10:38: rack "a": blades 0 and 1 are both wired to TOR 0 port 1'],
  },
  {
    name: 'noPower',
    yaml: base(
      `          - name: a\n            pdus: 0\n            blades:\n              - { count: 2 }\n`,
    ),
    errors: [
      'inventory.yaml:8:19: rack "a" has 2 blade(s) but no PDU: every blade needs a power path',
    ],
  },
  {
    name: 'noNetwork',
    yaml: base(
      `          - name: a\n            tors: 0\n            blades:\n              - { count: 2 }\n`,
    ),
    errors: [
      'inventory.yaml:8:19: rack "a" has 2 blade(s) but no TOR: every blade needs a network path',
    ],
  },
  {
    name: 'portsExhausted',
    yaml: base(
      `          - name: a\n            pdus: { count: 1, ports: 2 }\n            blades:\n              - { count: 3 }\n`,
    ),
    errors: ['inventory.yaml:8:19: rack "a": blade 2 has no power path: all 2 PDU ports are taken'],
  },
  {
    name: 'zeroCores',
    yaml: base(
      `          - name: a\n            blades:\n              - capacity: { cores: 0 }\n`,
    ),
    errors: [
      'inventory.yaml:9:36: region "r1", zone "z1", rack "a", blades item 1: "capacity.cores" must be at least 1, got 0',
    ],
  },
  {
    name: 'negativeMemory',
    yaml: base(
      `          - name: a\n            blades:\n              - capacity: { memoryGiB: -8 }\n`,
    ),
    errors: [
      'inventory.yaml:9:40: region "r1", zone "z1", rack "a", blades item 1: "capacity.memoryGiB" must be more than 0, got -8',
    ],
  },
  {
    name: 'absurdCores',
    yaml: `version: 1\ntemplates:\n  blades:\n    huge:\n      capacity: { cores: 5000 }\nregions:\n  - name: r1\n    zones: [{ name: z1, racks: [] }]\n`,
    errors: [
      'inventory.yaml:5:26: blade template "huge": "capacity.cores" must be at most 1024, got 5000',
    ],
  },
  {
    name: 'badArch',
    yaml: base(
      `          - name: a\n            blades:\n              - capacity: { arch: sparc }\n`,
    ),
    errors: [
      'inventory.yaml:9:35: region "r1", zone "z1", rack "a", blades item 1: "capacity.arch" must be "x86_64" or "arm64", got "sparc"',
    ],
  },
  {
    name: 'zeroCount',
    yaml: base(`          - name: a\n            blades:\n              - { count: 0 }\n`),
    errors: [
      'inventory.yaml:9:26: region "r1", zone "z1", rack "a", blades item 1: "count" must be at least 1, got 0',
    ],
  },
  {
    name: 'generatorWithoutN',
    yaml: base(`          - { name: rack, count: 3 }\n`),
    errors: [
      'inventory.yaml:7:21: rack generator name "rack" must contain {n}, or the 3 racks would share one name',
    ],
  },
  {
    name: 'generatorWiring',
    yaml: base(
      `          - name: a\n            blades:\n              - { count: 4, power: { pdu: 0, port: 0 } }\n`,
    ),
    errors: [
      'inventory.yaml:9:36: rack "a": a blade generator (count 4) cannot wire its blades to one port; wire them one by one or leave the default wiring',
    ],
  },
  {
    name: 'bootRange',
    yaml: base(
      `          - name: a\n            blades:\n              - boot: { bootTicks: [9, 3] }\n`,
    ),
    errors: ['inventory.yaml:9:36: rack "a": bootTicks [9, 3] has its minimum above its maximum'],
  },
  {
    name: 'tooMany',
    yaml: base(
      `          - name: "a{n}"\n            count: 30000\n            blades:\n              - { count: 40 }\n`,
    ),
    errors: [
      'inventory.yaml:7:13: the definition has more than 1,000,000 blades (reached at racks "a1"… in zone "z1")',
    ],
  },
  {
    name: 'several',
    yaml: base(
      `          - name: a\n            colour: red\n          - name: a\n            blades:\n              - capacity: { cores: 0 }\n`,
    ),
    errors: [
      'inventory.yaml:8:13: region "r1", zone "z1", rack "a": unknown key "colour"',
      'inventory.yaml:11:36: region "r1", zone "z1", rack "a", blades item 1: "capacity.cores" must be at least 1, got 0',
    ],
  },
  {
    name: 'hugeScalar',
    yaml: 'x'.repeat(100_000),
    errors: [
      `inventory.yaml:1:1: the definition must be a map, got "${'x'.repeat(60)}…" (100,000 characters)`,
    ],
  },
  {
    name: 'hugeName',
    yaml: base(`          - name: "${'A'.repeat(100_000)}"\n`),
    errors: [
      `inventory.yaml:7:19: rack name "${'A'.repeat(60)}…" (100,000 characters) must be 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit`,
    ],
  },
  {
    name: 'aliasBomb',
    yaml: [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `l${i + 1}: &l${i + 1} [${Array(9)
            .fill(i === 0 ? '*a' : `*l${i}`)
            .join(', ')}]`,
      ),
    ].join('\n'),
    errors: [
      'inventory.yaml:6:10: YAML: the aliases copy more than 100,000 nodes in all, past it at alias *l4 (66,430 nodes); repeat racks and blades with templates and generators instead',
    ],
  },
  {
    name: 'recursiveAlias',
    yaml: 'version: 1\nregions: &r\n  - name: r1\n    zones: *r\n',
    errors: [
      'inventory.yaml:4:12: YAML: alias *r is inside the node it names (&r), so the definition would never end',
    ],
  },
];

describe('malformed definitions', () => {
  it.each(cases)('$name', ({ yaml, errors }) => {
    const result = parseDefinition(yaml, 'inventory.yaml');
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors.map(String)).toEqual(errors);
  });

  it('reuses a node through aliases more than 100 times', () => {
    const blades = Array.from(
      { length: 150 },
      (_, i) => `              - { index: ${i}, capacity: *c }`,
    );
    const yaml = base(`          - name: a\n            blades:\n${blades.join('\n')}\n`).replace(
      'version: 1',
      'version: 1\ndefaults: { blade: { capacity: &c { cores: 8 } } }',
    );
    const result = parseDefinition(yaml, 'inventory.yaml');
    expect(result.ok ? result.definition.bladeCount : result.errors.map(String)).toBe(150);
  });

  it('has at least 15 of them, each breaking a different rule', () => {
    const rules = new Set(
      cases.flatMap((c) => {
        const r = parseDefinition(c.yaml, 'inventory.yaml');
        return r.ok ? [] : r.errors.map((e) => e.rule);
      }),
    );
    expect(rules.size).toBeGreaterThanOrEqual(15);
  });
});
