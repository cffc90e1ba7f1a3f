import {
  commonSchema,
  loadConfig,
  serviceAddress,
  type CommonConfig,
  type Schema,
} from '@chamber/config';
import { defaultPorts } from '@chamber/world';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The inventory's sample definitions in this repository
 * (`services/inventory/definitions`): the nearest such folder above this
 * file (it runs from `dist/src` or, in tests, from `src`).
 */
export const defaultSamplesDir: string = (() => {
  const samples = path.join('services', 'inventory', 'definitions');
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, samples)) && path.dirname(dir) !== dir) {
    dir = path.dirname(dir);
  }
  return path.join(dir, samples);
})();

/** The scenarios service's configuration. */
export interface ScenariosConfig extends CommonConfig {
  scenarios: {
    samplesDir: string;
    progressMs: number;
  };
  services: {
    stepper: string;
    inventory: string;
    faults: string;
    repair: string;
    workloads: string;
  };
}

/** The scenarios service's convict schema: the common keys plus CHAMBER_SCENARIOS_*. */
export function scenariosSchema(): Schema<ScenariosConfig> {
  return {
    ...commonSchema('scenarios', defaultPorts.scenarios),
    scenarios: {
      samplesDir: {
        doc: 'The folder of the sample definitions a scenario names (`inventory: standard`); empty: the inventory service folder of this repository.',
        format: String,
        default: '',
        env: 'CHAMBER_SCENARIOS_SAMPLES_DIR',
      },
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
    },
  };
}

/** Loads and validates the service's configuration (env `CHAMBER_*`); see {@link loadConfig}. */
export function loadScenariosConfig(
  options?: Parameters<typeof loadConfig<ScenariosConfig>>[1],
): ScenariosConfig {
  return loadConfig(scenariosSchema(), options);
}
