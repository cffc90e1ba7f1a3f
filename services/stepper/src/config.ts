import { commonSchema, loadConfig, type CommonConfig, type Schema } from '@chamber/config';
import { ChamberError, Code } from '@chamber/errors';
import { isValidParticipantName, defaultPorts } from '@chamber/world';

/** The stepper's configuration. */
export interface StepperConfig extends CommonConfig {
  stepper: {
    /** How long a registered participant may be without its lease before it is dropped (s). */
    dropGraceSeconds: number;
    /** The leader's lease TTL (s): how long a dead leader blocks the standby. */
    leaderTtlSeconds: number;
    /** This replica's name in the election and the service registry; host-pid when empty. */
    instance: string;
    /** The participants tick 0 of a new simulation waits for (the deployment's set); empty: none. */
    participants: string[];
    /** How long tick 0 waits for them (s) before it is published without the missing ones. */
    startWaitSeconds: number;
    /** The ticks of history kept for time travel; older ones are compacted away. 0: all. */
    retentionTicks: number;
  };
}

/** The stepper's convict schema: the common keys plus its own (CHAMBER_STEPPER_*). */
export function stepperSchema(): Schema<StepperConfig> {
  return {
    ...commonSchema('stepper', defaultPorts.stepper),
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
      participants: {
        doc: 'The participants the deployment runs (comma-separated): tick 0 of a simulation that never ran is published once all of them are registered, so a fresh start replays like a reset. Empty: publish at once.',
        format: 'list',
        default: [],
        env: 'CHAMBER_STEPPER_PARTICIPANTS',
      },
      startWaitSeconds: {
        doc: 'Seconds tick 0 of a new simulation waits for the expected participants before it is published without the missing ones (the run is then not deterministic).',
        format: 'nat',
        default: 60,
        env: 'CHAMBER_STEPPER_START_WAIT_SECONDS',
      },
      retentionTicks: {
        doc: "Ticks of history kept for time travel: older ticks' index entries are deleted and etcd is compacted past them (in steps of a tenth of this), and defragmented when much space is free. 0 keeps everything (etcd then grows without bound).",
        format: 'nat',
        default: 10_000,
        env: 'CHAMBER_STEPPER_RETENTION_TICKS',
      },
    },
  };
}

/**
 * Loads and validates the stepper's configuration (env `CHAMBER_*`); see
 * {@link loadConfig}. Also fails with `InvalidArgument` when
 * `stepper.participants` names a participant that cannot exist.
 */
export function loadStepperConfig(
  options?: Parameters<typeof loadConfig<StepperConfig>>[1],
): StepperConfig {
  const config = loadConfig(stepperSchema(), options);
  const bad = config.stepper.participants.find((name) => !isValidParticipantName(name));
  if (bad !== undefined) {
    throw new ChamberError(
      Code.InvalidArgument,
      `config "stepper.participants" (CHAMBER_STEPPER_PARTICIPANTS): participant name "${bad}" must be 1-63 lower-case letters, digits, ".", "_" or "-"`,
    );
  }
  return config;
}
