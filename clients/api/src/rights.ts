/**
 * The six rights a user may hold. Each governs the routes (and CLI commands)
 * that name it; a route without one needs only a logged-in user.
 */
export const rights = [
  'manage_accounts',
  'step_time',
  'modify_workloads',
  'modify_inventory',
  'inject_faults',
  'perform_repairs',
] as const;

/** One of {@link rights}. */
export type Right = (typeof rights)[number];

/** What each right allows, for help, the OpenAPI document and the dashboard. */
export const rightDescriptions: Readonly<Record<Right, string>> = {
  manage_accounts: 'create, change and delete users; list and end sessions and tokens of others',
  step_time: 'change the clock: its policy, steps, run-until and reset',
  modify_workloads: 'create, change and delete workloads',
  modify_inventory: 'change targets and load inventory definitions',
  inject_faults: 'inject and clear faults',
  perform_repairs: 'issue commands to the simulated hardware (power, reimage, replace)',
};

/** Whether `value` names a right. */
export function isRight(value: unknown): value is Right {
  return typeof value === 'string' && (rights as readonly string[]).includes(value);
}
