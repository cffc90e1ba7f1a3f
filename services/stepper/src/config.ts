import { commonSchema, loadConfig, type CommonConfig, type Schema } from '@chamber/config';

/** The stepper's configuration. */
export interface StepperConfig extends CommonConfig {
  stepper: {
    /** How long a registered participant may be without its lease before it is dropped (s). */
    dropGraceSeconds: number;
    /** The leader's lease TTL (s): how long a dead leader blocks the standby. */
    leaderTtlSeconds: number;
    /** This replica's name in the election and the service registry; host-pid when empty. */
    instance: string;
  };
}

/** The stepper's convict schema: the common keys plus its own (CHAMBER_STEPPER_*). */
export function stepperSchema(): Schema<StepperConfig> {
  return {
    ...commonSchema('stepper', 50051),
    stepper: {
      dropGraceSeconds: {
        doc: 'Seconds a registered participant may be without its lease before the stepper drops it (the run then stops being deterministic).',
        format: 'nat',
        default: 10,
        env: 'CHAMBER_STEPPER_DROP_GRACE_SECONDS',
      },
      leaderTtlSeconds: {
        doc: "Seconds of the leader's lease: how long a dead leader keeps a standby replica waiting.",
        format: 'nat',
        default: 5,
        env: 'CHAMBER_STEPPER_LEADER_TTL_SECONDS',
      },
      instance: {
        doc: "This replica's name in the election and in the service registry; <host>-<pid> when empty.",
        format: String,
        default: '',
        env: 'CHAMBER_STEPPER_INSTANCE',
      },
    },
  };
}

/** Loads and validates the stepper's configuration (env `CHAMBER_*`); see {@link loadConfig}. */
export function loadStepperConfig(
  options?: Parameters<typeof loadConfig<StepperConfig>>[1],
): StepperConfig {
  return loadConfig(stepperSchema(), options);
}
