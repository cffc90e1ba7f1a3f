import { commonSchema, loadConfig, type CommonConfig, type Schema } from '@chamber/config';
import { scoringStrategies, type ScoringStrategyWord, defaultPorts } from '@chamber/world';

/** The scheduler's configuration. */
export interface SchedulerConfig extends CommonConfig {
  scheduler: {
    strategy: ScoringStrategyWord;
    candidatesShown: number;
    weakWeight: number;
  };
}

/** The scheduler's convict schema: the common keys plus its own (CHAMBER_SCHEDULER_*). */
export function schedulerSchema(): Schema<SchedulerConfig> {
  return {
    ...commonSchema('scheduler', defaultPorts.scheduler),
    scheduler: {
      strategy: {
        doc: 'How blades that fit are scored: spread (most free cores after placing) or bin_pack (fewest that still fit). Part of the world: runs compared by digest need the same value.',
        format: [...scoringStrategies],
        default: 'spread',
        env: 'CHAMBER_SCHEDULER_STRATEGY',
      },
      candidatesShown: {
        doc: 'How many of the best candidates a placement explanation lists (at least 1).',
        format: 'nat',
        default: 5,
        env: 'CHAMBER_SCHEDULER_CANDIDATES_SHOWN',
      },
      weakWeight: {
        doc: 'The score a weak affinity adds to a blade near the workload, or a weak anti-affinity takes away, in free cores.',
        format: 'nat',
        default: 8,
        env: 'CHAMBER_SCHEDULER_WEAK_WEIGHT',
      },
    },
  };
}

/** Loads and validates the scheduler's configuration (env `CHAMBER_*`). */
export function loadSchedulerConfig(
  options?: Parameters<typeof loadConfig<SchedulerConfig>>[1],
): SchedulerConfig {
  return loadConfig(schedulerSchema(), options);
}
