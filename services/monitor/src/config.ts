import { ChamberError, Code } from '@chamber/errors';
import {
  checkShard,
  commonSchema,
  loadConfig,
  shardSchema,
  type CommonConfig,
  type Schema,
  type ShardConfig,
} from '@chamber/config';
import { defaultPorts } from '@chamber/world';

/** The monitor's configuration. */
export interface MonitorConfig extends CommonConfig, ShardConfig {
  monitor: {
    suspectAfter: number;
    failedAfter: number;
    installGrace: number;
  };
}

/** The monitor's convict schema: the common keys plus its own (CHAMBER_MONITOR_*). */
export function monitorSchema(): Schema<MonitorConfig> {
  return {
    ...commonSchema('monitor', defaultPorts.monitor),
    ...shardSchema('monitor'),
    monitor: {
      suspectAfter: {
        doc: 'Missed heartbeats after which a blade is observed suspect (at least 1).',
        format: 'nat',
        default: 2,
        env: 'CHAMBER_MONITOR_SUSPECT_AFTER',
      },
      failedAfter: {
        doc: 'Missed heartbeats after which a blade is observed failed (more than suspectAfter).',
        format: 'nat',
        default: 4,
        env: 'CHAMBER_MONITOR_FAILED_AFTER',
      },
      installGrace: {
        doc: 'Ticks a newly installed blade may take to come up (powered, booting) without a first heartbeat before it is observed failed; one that is down before its first heartbeat is failed after failedAfter ticks.',
        format: 'nat',
        default: 30,
        env: 'CHAMBER_MONITOR_INSTALL_GRACE',
      },
    },
  };
}

/**
 * Loads and validates the monitor's configuration (env `CHAMBER_*`); fails
 * with `InvalidArgument` when the thresholds are out of order.
 */
export function loadMonitorConfig(
  options?: Parameters<typeof loadConfig<MonitorConfig>>[1],
): MonitorConfig {
  const config = loadConfig(monitorSchema(), options);
  checkShard('monitor', config);
  const { suspectAfter, failedAfter } = config.monitor;
  if (suspectAfter < 1 || failedAfter <= suspectAfter) {
    throw new ChamberError(
      Code.InvalidArgument,
      `config: monitor.suspectAfter (CHAMBER_MONITOR_SUSPECT_AFTER) must be at least 1 and below monitor.failedAfter (CHAMBER_MONITOR_FAILED_AFTER); got ${suspectAfter} and ${failedAfter}`,
    );
  }
  return config;
}
