import {
  BladeState,
  ObservedState,
  PduState,
  TorState,
  type BladeActual,
  type ObservedRecord,
  type PduActual,
  type TorActual,
} from '@chamber/protos';

/** When silence turns into suspicion and failure. */
export interface Thresholds {
  /** Missed heartbeats after which a blade is suspect (at least 1). */
  readonly suspectAfter: number;
  /** Missed heartbeats after which it is failed (more than `suspectAfter`). */
  readonly failedAfter: number;
  /** Ticks a new blade may go without a first heartbeat before it is failed. */
  readonly installGrace: number;
}

/** What the monitor decides for one element at a tick. */
export interface Observation {
  /** The record to write; `undefined`: keep what is stored; `null`: delete it. */
  readonly next?: ObservedRecord | null;
  /** The next tick at which the observation may change with nothing else happening. */
  readonly wake?: number;
}

const record = (
  state: ObservedState,
  sinceTick: number,
  reason: string,
  lastHeartbeatTick = 0,
): ObservedRecord => ({ state, sinceTick, reason, lastHeartbeatTick });

/**
 * A blade as the control plane sees it at `tick`, from its actual record as
 * of the snapshot (the state at `tick - 1`). A working blade sends a
 * heartbeat every tick; one that is off, booting, isolated, crashed, hung or
 * failed sends none. Counting from the last heartbeat it becomes suspect after
 * `suspectAfter` missed ones, failed after `failedAfter`, and healthy again
 * with the next heartbeat. A new blade is unknown until its first heartbeat,
 * and failed after `installGrace` ticks without one. Only transitions are
 * written: while heartbeats arrive nothing changes.
 */
export function observeBlade(
  tick: number,
  actual: BladeActual | undefined,
  current: ObservedRecord | undefined,
  t: Thresholds,
): Observation {
  if (actual === undefined) return current === undefined ? {} : { next: null };
  const heard = tick - 1; // the snapshot shows the blade as it was at tick - 1
  if (actual.state === BladeState.BLADE_STATE_WORKING) {
    if (current?.state === ObservedState.OBSERVED_STATE_HEALTHY && current.lastHeartbeatTick === 0)
      return {};
    const reason =
      current === undefined || current.state === ObservedState.OBSERVED_STATE_UNKNOWN
        ? `first heartbeat at tick ${heard}`
        : `heartbeats again since tick ${heard}`;
    return { next: record(ObservedState.OBSERVED_STATE_HEALTHY, tick, reason) };
  }
  const doing = (BladeState[actual.state] ?? '').replace('BLADE_STATE_', '').toLowerCase();
  if (current === undefined || current.state === ObservedState.OBSERVED_STATE_UNKNOWN) {
    const since = current?.sinceTick ?? tick;
    const deadline = since + t.installGrace;
    if (tick < deadline) {
      return {
        ...(current === undefined
          ? {
              next: record(
                ObservedState.OBSERVED_STATE_UNKNOWN,
                tick,
                'installed; waiting for a first heartbeat',
              ),
            }
          : {}),
        wake: deadline,
      };
    }
    return {
      next: record(
        ObservedState.OBSERVED_STATE_FAILED,
        tick,
        `no heartbeat in the ${t.installGrace} ticks since it was installed`,
      ),
    };
  }
  // Heartbeats stopped: the last one came the tick before the blade left working.
  const last =
    current.lastHeartbeatTick !== 0 ? current.lastHeartbeatTick : Math.max(0, actual.sinceTick - 1);
  const missed = heard - last;
  const suspectAt = last + 1 + t.suspectAfter;
  const failedAt = last + 1 + t.failedAfter;
  const [state, wake] =
    missed >= t.failedAfter
      ? [ObservedState.OBSERVED_STATE_FAILED, undefined]
      : missed >= t.suspectAfter
        ? [ObservedState.OBSERVED_STATE_SUSPECT, failedAt]
        : [
            current.state === ObservedState.OBSERVED_STATE_FAILED
              ? current.state
              : ObservedState.OBSERVED_STATE_HEALTHY,
            suspectAt,
          ];
  const reason =
    state === ObservedState.OBSERVED_STATE_HEALTHY
      ? `no heartbeat since tick ${last}`
      : `no heartbeat since tick ${last} (${missed} missed); the blade reports nothing (${doing})`;
  const next = record(
    state,
    state === current.state ? current.sinceTick : tick,
    state === current.state && current.lastHeartbeatTick === last ? current.reason : reason,
    last,
  );
  const unchanged =
    next.state === current.state && next.lastHeartbeatTick === current.lastHeartbeatTick;
  return { ...(unchanged ? {} : { next }), ...(wake === undefined ? {} : { wake }) };
}

/** A PDU or TOR as the control plane sees it: it reports its own health over its management port. */
export function observeDevice(
  tick: number,
  actual: PduActual | TorActual | undefined,
  isPdu: boolean,
  current: ObservedRecord | undefined,
): Observation {
  if (actual === undefined) return current === undefined ? {} : { next: null };
  const isHealthy = isPdu
    ? actual.state === PduState.PDU_STATE_ON
    : actual.state === TorState.TOR_STATE_WORKING;
  const state = isHealthy
    ? ObservedState.OBSERVED_STATE_HEALTHY
    : ObservedState.OBSERVED_STATE_FAILED;
  const word = isPdu
    ? (PduState[actual.state] ?? '').replace('PDU_STATE_', '').toLowerCase()
    : (TorState[actual.state] ?? '').replace('TOR_STATE_', '').toLowerCase();
  const reason = isHealthy ? `reports ${word}` : `reports ${word}: ${actual.reason}`;
  if (current?.state === state && current.reason === reason) return {};
  return { next: record(state, current?.state === state ? current.sinceTick : tick, reason) };
}
