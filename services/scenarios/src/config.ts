import {
  commonSchema,
  loadConfig,
  serviceAddress,
  type CommonConfig,
  type Schema,
} from '@chamber/config';
import { defaultPorts } from '@chamber/world';
/** The scenarios service's configuration. */
export interface ScenariosConfig extends CommonConfig {
  scenarios: {
    progressMs: number;
  };
  services: {
    stepper: string;
    inventory: string;
    faults: string;
    repair: string;
    workloads: string;
    monitor: string;
  };
}

/** The scenarios service's convict schema: the common keys plus CHAMBER_SCENARIOS_*. */
export function scenariosSchema(): Schema<ScenariosConfig> {
  return {
    ...commonSchema('scenarios', defaultPorts.scenarios),
    scenarios: {
      progressMs: {
        doc: "The least wall time between two writes of a run's progress, in ms.",
        format: 'nat',
        default: 250,
        env: 'CHAMBER_SCENARIOS_PROGRESS_MS',
      },
    },
    services: {
      stepper: serviceAddress('stepper', defaultPorts.stepper, 'CHAMBER_SCENARIOS_STEPPER'),
      inventory: serviceAddress('inventory', defaultPorts.inventory, 'CHAMBER_SCENARIOS_INVENTORY'),
      faults: serviceAddress('fault injector', defaultPorts.faults, 'CHAMBER_SCENARIOS_FAULTS'),
      repair: serviceAddress(
        'inventory repair manager',
        defaultPorts['inventory-repair'],
        'CHAMBER_SCENARIOS_REPAIR',
      ),
      workloads: serviceAddress(
        'workload repair manager',
        defaultPorts['workload-repair'],
        'CHAMBER_SCENARIOS_WORKLOADS',
      ),
      monitor: serviceAddress(
        'monitor (its reports)',
        defaultPorts.monitor,
        'CHAMBER_SCENARIOS_MONITOR',
      ),
    },
  };
}

/** Loads and validates the service's configuration (env `CHAMBER_*`); see {@link loadConfig}. */
export function loadScenariosConfig(
  options?: Parameters<typeof loadConfig<ScenariosConfig>>[1],
): ScenariosConfig {
  return loadConfig(scenariosSchema(), options);
}
