import { parseScenario } from '@chamber/scenario';
import { describe, expect, it } from 'vitest';
import { scenarioRights } from './scenario-rights.js';

const scenario = (...lines: string[]) =>
  parseScenario(
    ['name: s', 'inventory:', '  sample: small', ...lines, 'run:', '  until: 20', ''].join('\n'),
    's.yaml',
  );

describe('the rights a scenario run needs', () => {
  it('is step_time alone for a scenario without inputs', () => {
    expect(scenarioRights(scenario())).toEqual(['step_time']);
  });

  it('adds the right of each kind of input it has', () => {
    const s = scenario(
      'workloads:',
      '  - { name: web, instances: 2, demand: { cores: 1 }, image: web-1 }',
      'timeline:',
      '  - at: 5',
      '    fault: { id: f, kind: crash, targets: [small/z1/rack1/blade/0] }',
      '  - at: 6',
      '    target: { path: small/z1/rack1/blade/1, state: out_for_repair }',
    );
    expect(scenarioRights(s)).toEqual([
      'step_time',
      'modify_workloads',
      'modify_inventory',
      'inject_faults',
    ]);
  });

  it('asks perform_repairs for a command, and inject_faults for a clear-all', () => {
    const s = scenario(
      'timeline:',
      '  - at: 5',
      '    command: { target: small/z1/rack1/blade/0, action: power_cycle }',
      '  - at: 6',
      '    clearAll: true',
    );
    expect(scenarioRights(s)).toEqual(['step_time', 'inject_faults', 'perform_repairs']);
  });
});
