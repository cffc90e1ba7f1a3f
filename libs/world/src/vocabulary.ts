// The values people type and read, in the API's spelling (`power_loss`,
// `in_service`, `no_wait`): one list per enum, declared once. Each value is
// the proto enum value's name without its type (`FAULT_KIND_POWER_LOSS` →
// `power_loss`); {@link toWire} and {@link fromWire} convert, and
// `wordOf` (words.ts) says a wire name in the words of a sentence
// (`power loss`).

/** What breaks: the kinds of fault (FaultKind). */
export const faultKinds = [
  'power_loss',
  'network_loss',
  'crash',
  'hang',
  'stuck_cable',
  'hardware_failure',
] as const;
/** Where a fault is in its life (FaultStatus). */
export const faultStatuses = ['scheduled', 'active', 'cleared'] as const;
/** Where a repair is in its life (RepairStatus). */
export const repairStatuses = [
  'pending',
  'running',
  'succeeded',
  'recovered',
  'failed',
  'escalated',
] as const;
/** What an element should be (TargetState). */
export const targetStates = ['in_service', 'out_for_repair', 'retired'] as const;
/** What a command asks the hardware to do (CommandAction). */
export const commandActions = [
  'power_on',
  'power_off',
  'power_cycle',
  'connect',
  'disconnect',
  'reboot',
  'reimage',
  'replace',
] as const;
/** Where a command is in its life (CommandStatus). */
export const commandStatuses = ['pending', 'running', 'succeeded', 'failed'] as const;
/** How the clock advances (Policy). */
export const policies = ['paused', 'manual', 'measured', 'no_wait'] as const;
/** How a workload's instances are placed relative to each other (PlacementRule). */
export const placementRules = [
  'none',
  'strong_affinity',
  'weak_affinity',
  'strong_anti_affinity',
  'weak_anti_affinity',
] as const;
/** The level of the hierarchy a placement rule applies at (PlacementLevel). */
export const placementLevels = ['blade', 'rack', 'zone'] as const;
/** Where a workload is as a whole (WorkloadPhase). */
export const workloadPhases = ['ready', 'progressing', 'updating', 'degraded', 'deleting'] as const;
/** Where an instance is in its life (InstanceState). */
export const instanceStates = [
  'pending',
  'placed',
  'starting',
  'running',
  'lost',
  'stopping',
  'stopped',
] as const;
/** What the control plane believes of an instance (InstanceHealth). */
export const instanceHealths = ['starting', 'running', 'failed', 'stopped'] as const;
/** What a blade actually is (BladeState, the `actual` view). */
export const bladeStates = [
  'off',
  'powered',
  'booting',
  'working',
  'isolated',
  'crashed',
  'hung',
  'failed',
  'stopping',
] as const;
/** What a PDU actually is (PduState, the `actual` view). */
export const pduStates = ['on', 'off', 'failed'] as const;
/** What a TOR actually is (TorState, the `actual` view). */
export const torStates = ['working', 'failed'] as const;
/** What a blade's power or network cable actually is (CableState, the `actual` view). */
export const cableStates = ['on', 'off', 'stuck'] as const;
/** What the control plane believes of an element (ObservedState, the `observed` view). */
export const observedStates = ['healthy', 'suspect', 'failed', 'unknown'] as const;
/** How the scheduler scores the blades that fit: spread the load, or pack it. */
export const scoringStrategies = ['spread', 'bin_pack'] as const;
/** Where a scenario run against the running simulation stands (services/scenarios). */
export const scenarioRunStates = [
  'running',
  'passed',
  'failed',
  'error',
  'interrupted',
  'applied',
] as const;
/** What a scenario run does with the running simulation: a fresh run, or an apply into it. */
export const scenarioRunModes = ['run', 'apply'] as const;
/** How a run's report groups its figures (ReportLevel): per element, rack, zone, or workloads only. */
export const reportLevels = ['element', 'rack', 'zone', 'workload'] as const;
/** How much a logged decision matters. */
export const severities = ['debug', 'info', 'warn', 'error'] as const;

export type FaultKindWord = (typeof faultKinds)[number];
export type FaultStatusWord = (typeof faultStatuses)[number];
export type RepairStatusWord = (typeof repairStatuses)[number];
export type TargetStateWord = (typeof targetStates)[number];
export type CommandActionWord = (typeof commandActions)[number];
export type CommandStatusWord = (typeof commandStatuses)[number];
export type PolicyWord = (typeof policies)[number];
export type Severity = (typeof severities)[number];
export type PlacementRuleWord = (typeof placementRules)[number];
export type PlacementLevelWord = (typeof placementLevels)[number];
export type WorkloadPhaseWord = (typeof workloadPhases)[number];
export type InstanceStateWord = (typeof instanceStates)[number];
export type InstanceHealthWord = (typeof instanceHealths)[number];
export type BladeStateWord = (typeof bladeStates)[number];
export type PduStateWord = (typeof pduStates)[number];
export type TorStateWord = (typeof torStates)[number];
export type CableStateWord = (typeof cableStates)[number];
export type ObservedStateWord = (typeof observedStates)[number];
export type ScoringStrategyWord = (typeof scoringStrategies)[number];
export type ScenarioRunStateWord = (typeof scenarioRunStates)[number];
export type ScenarioRunModeWord = (typeof scenarioRunModes)[number];
export type ReportLevelWord = (typeof reportLevels)[number];

/** The enum type of each list, as its wire names begin (`FAULT_KIND_`). */
export const enumTypes = {
  faultKind: 'FAULT_KIND',
  faultStatus: 'FAULT_STATUS',
  repairStatus: 'REPAIR_STATUS',
  targetState: 'TARGET_STATE',
  commandAction: 'COMMAND_ACTION',
  commandStatus: 'COMMAND_STATUS',
  policy: 'POLICY',
  placementRule: 'PLACEMENT_RULE',
  placementLevel: 'PLACEMENT_LEVEL',
  workloadPhase: 'WORKLOAD_PHASE',
  instanceState: 'INSTANCE_STATE',
  instanceHealth: 'INSTANCE_HEALTH',
  bladeState: 'BLADE_STATE',
  pduState: 'PDU_STATE',
  torState: 'TOR_STATE',
  cableState: 'CABLE_STATE',
  observedState: 'OBSERVED_STATE',
  scenarioRunState: 'RUN_STATE',
  scenarioRunMode: 'RUN_MODE',
  reportLevel: 'REPORT_LEVEL',
} as const;
export type EnumType = (typeof enumTypes)[keyof typeof enumTypes];

/** The wire name of `word` in the enum `type`: `('FAULT_KIND', 'power_loss')` → `FAULT_KIND_POWER_LOSS`. */
export function toWire(type: EnumType, word: string): string {
  return `${type}_${word.toUpperCase()}`;
}

/**
 * The API's word for a wire name of the enum `type`
 * (`FAULT_KIND_POWER_LOSS` → `power_loss`), or `undefined` when `wire` is
 * not of that type or is its zero value (`…_UNSPECIFIED`).
 */
export function fromWire(type: EnumType, wire: string): string | undefined {
  if (!wire.startsWith(`${type}_`)) return undefined;
  const word = wire.slice(type.length + 1).toLowerCase();
  return word === 'unspecified' || word === '' ? undefined : word;
}

/** Whether `value` is one of `list` (narrows it to the list's type). */
export function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value);
}
