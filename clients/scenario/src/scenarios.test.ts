// The shipped scenarios (scenarios/*.yaml) parse, and the published JSON
// Schema (scenarios/scenario.schema.json) accepts each of them, refuses a
// malformed one, and is what the zod schema generates (npm run gen).
import * as protos from '@chamber/protos';
import {
  bladeStates,
  cableStates,
  enumTypes,
  fromWire,
  observedStates,
  pduStates,
  torStates,
} from '@chamber/world';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { inventorySamples, parseScenario, scenarioJsonSchema } from './index.js';
import { inputKeys } from './schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const folder = path.join(root, 'scenarios');
const files = readdirSync(folder)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const read = (file: string): string => readFileSync(path.join(folder, file), 'utf8');
const committedSchema = JSON.parse(read('scenario.schema.json')) as Record<string, unknown>;

describe('the shipped scenarios', () => {
  it('are at least the five stories of issue 19', () => {
    expect(files).toEqual([
      'fault-storm-large.yaml',
      'flapping-tor.yaml',
      'mtbf-week-standard.yaml',
      'pdu-failure-spread.yaml',
      'rack-drain-rolling-update.yaml',
    ]);
  });

  it.each(files)('%s parses, names its schema and keeps its name', (file) => {
    const text = read(file);
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./scenario.schema.json');
    const scenario = parseScenario(text, file);
    expect(`${scenario.name}.yaml`).toBe(file);
    expect(scenario.expect.length).toBeGreaterThan(0);
    expect(scenario.expect.some((e) => e.check.kind === 'digest')).toBe(false);
  });

  it('reads the PDU story as the runner needs it', () => {
    const s = parseScenario(read('pdu-failure-spread.yaml'), 'pdu-failure-spread.yaml');
    expect(s.seed).toBe(1);
    expect(s.inventory).toEqual({ kind: 'sample', sample: 'standard' });
    expect(s.workloads.map((w) => [w.name, w.instances, w.placement])).toEqual([
      ['web', 8, { rule: 'weak_anti_affinity', level: 'rack' }],
    ]);
    expect(s.timeline).toEqual([
      {
        at: 30,
        input: {
          kind: 'fault',
          id: 'rack3-power',
          fault: 'power_loss',
          targets: ['standard/z1/rack3/pdu/0'],
          schedule: { duration: 20 },
        },
        where: 'pdu-failure-spread.yaml:23:5',
      },
    ]);
    expect(s.run).toEqual({ kind: 'tick', until: 150 });
    expect(s.expect[1]).toEqual({
      at: 33,
      check: { kind: 'state', path: 'standard/z1/rack3/pdu/0', view: 'actual', state: 'off' },
      where: 'pdu-failure-spread.yaml:34:5',
    });
    expect(s.expect.at(-1)).toMatchObject({ at: 'end', check: { kind: 'noEscalations' } });
  });

  it('sorts the timeline by tick and reads conditions and count bounds', () => {
    const s = parseScenario(read('rack-drain-rolling-update.yaml'), 'r.yaml');
    expect(s.seed).toBe(1);
    expect(s.timeline.map((t) => [t.at, t.input.kind])).toEqual([
      [40, 'update'],
      [45, 'target'],
    ]);
    expect(s.run).toEqual({
      kind: 'condition',
      condition: { kind: 'atStrength', workload: 'web' },
      within: 400,
    });
    expect(s.expect[1]!.check).toEqual({
      kind: 'running',
      workload: 'web',
      instances: { min: 10 },
    });
  });
});

describe('the JSON Schema', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(committedSchema);

  it('is what the zod schema generates (npm run gen)', () => {
    expect(committedSchema).toEqual(scenarioJsonSchema());
  });

  it.each(files)('accepts %s', (file) => {
    const ok = validate(parseYaml(read(file)));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('refuses a malformed scenario: an unknown key, two inputs in one item, a bad word', () => {
    const base = parseYaml(read('flapping-tor.yaml')) as Record<string, unknown>;
    const bad = (change: Record<string, unknown>): boolean => validate({ ...base, ...change });
    expect(bad({})).toBe(true);
    expect(bad({ colour: 'red' })).toBe(false);
    expect(bad({ timeline: [{ at: 5, clear: 'a', delete: { name: 'api' } }] })).toBe(false);
    expect(bad({ timeline: [{ at: 5 }] })).toBe(false);
    expect(bad({ inventory: { sample: 'huge' } })).toBe(false);
    expect(bad({ run: { until: -1 } })).toBe(false);
  });
});

describe('the words', () => {
  const wordsOf = (values: object, type: string): string[] =>
    Object.keys(values)
      .filter((k) => Number.isNaN(Number(k)))
      .map((k) => fromWire(type as never, k))
      .filter((w): w is string => w !== undefined);

  it('of element states are the protos’ values', () => {
    expect(bladeStates).toEqual(wordsOf(protos.BladeState, enumTypes.bladeState));
    expect(pduStates).toEqual(wordsOf(protos.PduState, enumTypes.pduState));
    expect(torStates).toEqual(wordsOf(protos.TorState, enumTypes.torState));
    expect(cableStates).toEqual(wordsOf(protos.CableState, enumTypes.cableState));
    expect(observedStates).toEqual(wordsOf(protos.ObservedState, enumTypes.observedState));
  });

  it('of inventory samples are the inventory’s sample files', () => {
    const samples = readdirSync(path.join(root, 'services', 'inventory', 'definitions'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''))
      .sort();
    expect([...inventorySamples].sort()).toEqual(samples);
  });
});

describe('the README', () => {
  it('shows a scenario that parses and the JSON Schema accepts, every input and check in it', () => {
    const readme = readFileSync(path.join(root, 'clients', 'scenario', 'README.md'), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const s = parseScenario(example, 'README.md');
    expect(s.timeline.map((t) => t.input.kind)).toEqual([...inputKeys]);
    expect(new Set(s.expect.map((e) => e.check.kind)).size).toBe(7);
    expect(s.clock).toEqual({ policy: 'measured', rate: 10 });
    const validate = new Ajv2020({ strict: false }).compile(committedSchema);
    expect(validate(parseYaml(example))).toBe(true);
  });
});
