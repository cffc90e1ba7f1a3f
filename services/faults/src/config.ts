import { commonSchema, loadConfig, type CommonConfig, type Schema } from '@chamber/config';
import { defaultPorts } from '@chamber/world';

/** The fault injector's configuration: the common keys (CHAMBER_FAULTS_HOST, CHAMBER_FAULTS_PORT, …). */
export type FaultsConfig = CommonConfig;

/** The faults service's convict schema. */
export function faultsSchema(): Schema<FaultsConfig> {
  return commonSchema('faults', defaultPorts.faults);
}

/** Loads and validates the faults service's configuration (env `CHAMBER_*`); see {@link loadConfig}. */
export function loadFaultsConfig(
  options?: Parameters<typeof loadConfig<FaultsConfig>>[1],
): FaultsConfig {
  return loadConfig(faultsSchema(), options);
}
