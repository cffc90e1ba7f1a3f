import { ChamberError, Code } from '@chamber/errors';
import { commonSchema, loadConfig, type CommonConfig, type Schema } from '@chamber/config';
import { defaultPorts } from '@chamber/world';

/** The tracesink's configuration. */
export interface TraceSinkConfig extends CommonConfig {
  tracesink: {
    /** How many entries the log holds; the oldest are dropped beyond it. */
    capacity: number;
  };
}

/** The most entries a log may be configured to hold (about 1 GB of spans at worst). */
export const maxCapacity = 1_000_000;

/**
 * The tracesink's convict schema: the common keys (its etcd settings are for
 * registration only) plus its own (CHAMBER_TRACESINK_*). It sends its own
 * spans to no tracesink unless `CHAMBER_TRACESINK_TRACESINK` names one.
 */
export function traceSinkSchema(): Schema<TraceSinkConfig> {
  return {
    ...commonSchema('tracesink', defaultPorts.tracesink, { tracesink: '' }),
    tracesink: {
      capacity: {
        doc: `Entries the log holds (1 to ${maxCapacity}); the oldest are dropped beyond it.`,
        format: 'nat',
        default: 100_000,
        env: 'CHAMBER_TRACESINK_CAPACITY',
      },
    },
  };
}

/**
 * Loads and validates the tracesink's configuration (env `CHAMBER_*`);
 * fails with `InvalidArgument` for a capacity out of range.
 */
export function loadTraceSinkConfig(
  options?: Parameters<typeof loadConfig<TraceSinkConfig>>[1],
): TraceSinkConfig {
  const config = loadConfig(traceSinkSchema(), options);
  const { capacity } = config.tracesink;
  if (capacity < 1 || capacity > maxCapacity) {
    throw new ChamberError(
      Code.InvalidArgument,
      `config "tracesink.capacity" (CHAMBER_TRACESINK_CAPACITY): must be 1 to ${maxCapacity}, got ${capacity}`,
    );
  }
  return config;
}
