// A run's input journal as a scenario (exportScenario), and a scenario as its
// file (formatScenario): the file parses back to the same scenario.
import type { ListInputsResponse } from '@chamber/protos';
import {
  CommandAction,
  FaultKind,
  JournalRecord,
  PlacementLevel,
  PlacementRule,
  TargetState,
  WorkloadInput_Action,
  type WorkloadSpec as WireSpec,
} from '@chamber/protos';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportScenario, formatScenario, parseScenario, type Scenario } from './index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const small = readFileSync(path.join(root, 'services/inventory/definitions/small.yaml'), 'utf8');

/** A scenario without the positions `where` (a file's own, not the scenario's). */
const placeless = (s: Scenario) => ({
  ...s,
  timeline: s.timeline.map(({ at, input }) => ({ at, input })),
  expect: s.expect.map(({ at, check }) => ({ at, check })),
});

const web: WireSpec = {
  name: 'web',
  instances: 4,
  demand: { cores: 2, memoryGib: 8, diskGib: 0, networkGbps: 0 },
  image: 'web-1',
  placement: {
    rule: PlacementRule.PLACEMENT_RULE_WEAK_ANTI_AFFINITY,
    level: PlacementLevel.PLACEMENT_LEVEL_BLADE,
  },
  maxUnavailable: 1,
};

const entry = (tick: number, id: string, input: Partial<JournalRecord>): JournalRecord => ({
  ...JournalRecord.fromPartial({}),
  ...input,
  inputId: id,
  effectiveTick: tick,
});

/** A run of every kind of input, as ListInputs answers it. */
const run: ListInputsResponse = {
  seed: 7,
  tick: 40,
  digest: 'ab'.repeat(32),
  deterministic: true,
  definition: { fileName: 'small.yaml', source: small, loadId: 'load-1', sample: '' },
  inputs: [
    entry(3, 'fault/f3-1', {
      injectFault: {
        kind: FaultKind.FAULT_KIND_POWER_LOSS,
        targets: ['small/z1/rack1/pdu/0'],
        schedule: { duration: 5 },
        requestedBy: 'admin',
      },
    }),
    entry(3, 'fault/f3-2', {
      injectFault: {
        kind: FaultKind.FAULT_KIND_CRASH,
        targets: ['small/z1/rack2/blade/1'],
        schedule: { every: 10, duration: 2, at: 4 },
        requestedBy: 'sdk',
      },
    }),
    entry(5, 'workload/w5-1', {
      workload: { action: WorkloadInput_Action.ACTION_CREATE, spec: web },
    }),
    entry(9, 'fault-clear/f3-2', { clearFault: { id: 'f3-2', requestedBy: 'admin' } }),
    entry(9, 'set-target/rack1-blade-0', {
      setTarget: {
        path: 'small/z1/rack1/blade/0',
        state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
        powered: false,
        matchRevision: undefined,
        reason: 'set by request',
        drain: true,
      },
    }),
    entry(12, 'workload/w12-1', {
      workload: { action: WorkloadInput_Action.ACTION_UPDATE, spec: { ...web, instances: 6 } },
    }),
    entry(14, 'workload/w14-1', {
      workload: {
        action: WorkloadInput_Action.ACTION_UPDATE,
        spec: { ...web, instances: 6, image: 'web-2', demand: { ...web.demand!, memoryGib: 0 } },
      },
    }),
    entry(15, 'command/c15-1', {
      issueCommand: {
        target: 'small/z1/rack2/blade/3',
        action: CommandAction.COMMAND_ACTION_REIMAGE,
        requestedBy: 'admin',
        image: 'ubuntu-22.04',
      },
    }),
    entry(20, 'workload/w20-1', {
      workload: { action: WorkloadInput_Action.ACTION_DELETE, spec: { ...web, instances: 6 } },
    }),
    entry(22, 'fault-clear-all/0', { clearFaults: { requestedBy: 'admin' } }),
  ],
};

describe('exportScenario', () => {
  it('writes every input at its tick in the scenario’s words, the run’s bound and its digest', () => {
    const s = exportScenario(run);
    expect(s.seed).toBe(7);
    expect(s.inventory).toMatchObject({ kind: 'inline', definition: { name: 'small' } });
    expect(s.timeline.map((t) => [t.at, t.input])).toEqual([
      [
        3,
        {
          kind: 'fault',
          id: 'f3-1',
          fault: 'power_loss',
          targets: ['small/z1/rack1/pdu/0'],
          schedule: { duration: 5 },
          by: 'admin',
        },
      ],
      [
        3,
        {
          kind: 'fault',
          id: 'f3-2',
          fault: 'crash',
          targets: ['small/z1/rack2/blade/1'],
          schedule: { at: 4, duration: 2, every: 10 },
        },
      ],
      [
        5,
        {
          kind: 'create',
          workload: {
            name: 'web',
            instances: 4,
            demand: { cores: 2, memoryGib: 8 },
            image: 'web-1',
            placement: { rule: 'weak_anti_affinity', level: 'blade' },
          },
        },
      ],
      [9, { kind: 'clear', id: 'f3-2', by: 'admin' }],
      [
        9,
        {
          kind: 'target',
          path: 'small/z1/rack1/blade/0',
          state: 'out_for_repair',
          powered: false,
          drain: true,
          reason: 'set by request',
        },
      ],
      [12, { kind: 'scale', name: 'web', instances: 6 }],
      [
        14,
        {
          kind: 'update',
          name: 'web',
          change: {
            image: 'web-2',
            demand: { cores: 2, memoryGib: 0, diskGib: 0, networkGbps: 0 },
          },
        },
      ],
      [
        15,
        {
          kind: 'command',
          target: 'small/z1/rack2/blade/3',
          action: 'reimage',
          image: 'ubuntu-22.04',
          by: 'admin',
        },
      ],
      [20, { kind: 'delete', name: 'web' }],
      [22, { kind: 'clearAll', by: 'admin' }],
    ]);
    expect(s.run).toEqual({ kind: 'tick', until: 40 });
    expect(s.expect.map((e) => [e.at, e.check])).toEqual([
      ['end', { kind: 'digest', digest: run.digest }],
    ]);
  });

  it('names a shipped sample instead of writing it out', () => {
    const sampled = exportScenario({ ...run, definition: { ...run.definition!, sample: 'small' } });
    expect(sampled.inventory).toEqual({ kind: 'sample', sample: 'small' });
  });

  it('refuses a run that a file cannot replay, saying why', () => {
    expect(() => exportScenario({ ...run, deterministic: false })).toThrow(
      /no longer deterministic/,
    );
    expect(() => exportScenario({ ...run, definition: undefined })).toThrow(/no definition/);
    const load = entry(30, 'load/x', {
      loadDefinition: { fileName: 'big.yaml', source: '', sample: '' },
    });
    expect(() => exportScenario({ ...run, inputs: [...run.inputs, load] })).toThrow(
      /a definition \(big\.yaml\) was loaded at tick 30/,
    );
  });
});

describe('formatScenario', () => {
  it('writes an exported run as a file that parses back to it', () => {
    const exported = exportScenario(run, { name: 'exported' });
    const text = formatScenario(exported);
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./scenario.schema.json');
    expect(placeless(parseScenario(text, 'exported.yaml'))).toEqual(placeless(exported));
  });

  const folder = path.join(root, 'scenarios');
  const files = readdirSync(folder).filter((f) => f.endsWith('.yaml'));
  it.each(files)('writes %s as a file that parses back to the same scenario', (file) => {
    const scenario = parseScenario(readFileSync(path.join(folder, file), 'utf8'), file);
    expect(placeless(parseScenario(formatScenario(scenario), file))).toEqual(placeless(scenario));
  });

  it('writes the README’s example, every input and check in it, back to itself', () => {
    const readme = readFileSync(path.join(root, 'clients/scenario/README.md'), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const scenario = parseScenario(example, 'README.md');
    expect(placeless(parseScenario(formatScenario(scenario), 'README.md'))).toEqual(
      placeless(scenario),
    );
  });
});
