import { commonSchema, loadConfig, type CommonConfig, type Schema } from '@chamber/config';
import { defaultPorts } from '@chamber/world';

/** The workload repair manager's configuration. */
export interface WorkloadRepairConfig extends CommonConfig {
  workloadRepair: {
    maxInstances: number;
  };
}

/** The manager's convict schema: the common keys plus its own (CHAMBER_WORKLOAD_REPAIR_*). */
export function workloadRepairSchema(): Schema<WorkloadRepairConfig> {
  return {
    ...commonSchema('workload-repair', defaultPorts['workload-repair']),
    workloadRepair: {
      maxInstances: {
        doc: 'The most instances one workload may ask for (a create or update asking for more is refused).',
        format: 'nat',
        default: 10_000,
        env: 'CHAMBER_WORKLOAD_REPAIR_MAX_INSTANCES',
      },
    },
  };
}

/** Loads and validates the manager's configuration (env `CHAMBER_*`); see {@link loadConfig}. */
export function loadWorkloadRepairConfig(
  options?: Parameters<typeof loadConfig<WorkloadRepairConfig>>[1],
): WorkloadRepairConfig {
  return loadConfig(workloadRepairSchema(), options);
}
