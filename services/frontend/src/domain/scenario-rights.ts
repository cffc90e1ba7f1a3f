import type { Right } from '@chamber/api';
import type { Scenario } from '@chamber/scenario';

/**
 * The rights a run of `scenario` on the running simulation needs: `step_time`
 * (it resets the clock and drives it), and those its inputs need —
 * `inject_faults` for faults and clears, `modify_inventory` for targets,
 * `modify_workloads` for its workloads and their changes, `perform_repairs`
 * for commands. In the order of the rights' list; each once.
 */
export function scenarioRights(scenario: Scenario): Right[] {
  const needed = new Set<Right>(['step_time']);
  if (scenario.workloads.length > 0) needed.add('modify_workloads');
  for (const { input } of scenario.timeline) {
    switch (input.kind) {
      case 'fault':
      case 'clear':
      case 'clearAll':
        needed.add('inject_faults');
        break;
      case 'command':
        needed.add('perform_repairs');
        break;
      case 'target':
        needed.add('modify_inventory');
        break;
      case 'create':
      case 'scale':
      case 'update':
      case 'delete':
        needed.add('modify_workloads');
        break;
      case 'policy':
        break;
    }
  }
  const order: readonly Right[] = [
    'step_time',
    'modify_workloads',
    'modify_inventory',
    'inject_faults',
    'perform_repairs',
  ];
  return order.filter((r) => needed.has(r));
}
