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
  /**
   * Ticks a new blade may take to come up (powered, booting) without a first
   * heartbeat before it is failed; one that is down before its first
   * heartbeat is failed after `failedAfter` ticks down.
   */
  readonly installGrace: number;
}

/** What the monitor decides for one element at a tick. */
export interface Observation {
  /** The record to write; `undefined`: keep what is stored; `null`: delete it. */
  readonly next?: ObservedRecord | null;
  /** The next tick at which the observation may change with nothing else happening. */
  readonly wake?: number;
}

const bladeWord = (state: BladeState): string =>
  (BladeState[state] ?? '').replace('BLADE_STATE_', '').toLowerCase();

const record = (
  state: ObservedState,
  sinceTick: number,
  reason: string,
  lastHeartbeatTick = 0,
): ObservedRecord => ({ state, sinceTick, reason, lastHeartbeatTick });

/** Blade states on the way to a first heartbeat: powered (firmware) and booting. */
const comingUp: readonly BladeState[] = [
  BladeState.BLADE_STATE_POWERED,
  BladeState.BLADE_STATE_BOOTING,
];

/** Whether `record` is a blade's record from before its first heartbeat. */
function isNeverHeard(record: ObservedRecord | undefined): boolean {
  return (
    record === undefined ||
    record.state === ObservedState.OBSERVED_STATE_UNKNOWN ||
    (record.state === ObservedState.OBSERVED_STATE_FAILED && record.lastHeartbeatTick === 0)
  );
}

/**
 * A blade as the control plane sees it at `tick`, from its actual record as
 * of the snapshot (the state at `tick - 1`). A working blade sends a
 * heartbeat every tick; one that is off, booting, isolated, crashed, hung or
 * failed sends none. Counting from the last heartbeat it becomes suspect after
 * `suspectAfter` missed ones, failed after `failedAfter`, and healthy again
 * with the next heartbeat. A new blade is unknown until its first heartbeat
 * ({@link observeNewBlade}). Only transitions are written: while heartbeats
 * arrive nothing changes.
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
    const reason = isNeverHeard(current)
      ? `first heartbeat at tick ${heard}`
      : `heartbeats again since tick ${heard}`;
    return { next: record(ObservedState.OBSERVED_STATE_HEALTHY, tick, reason) };
  }
  if (isNeverHeard(current)) return observeNewBlade(tick, actual, current, t);
  return observeSilentBlade(tick, actual, current!, t);
}

/**
 * A blade never heard from, not working at `tick - 1`. It is expected to send
 * its first heartbeat from the tick it was installed (first observed): it is
 * `unknown` while it comes up (powered, booting) for at most `installGrace`
 * ticks, and while it is down (off, isolated, crashed, hung, failed) for
 * fewer than `failedAfter` ticks — the missed heartbeats that fail a blade
 * heard from before. Past either it is `failed`, a finding like any other,
 * and stays failed until its first heartbeat.
 */
function observeNewBlade(
  tick: number,
  actual: BladeActual,
  current: ObservedRecord | undefined,
  t: Thresholds,
): Observation {
  if (current?.state === ObservedState.OBSERVED_STATE_FAILED) return {};
  const installed = current?.sinceTick ?? tick;
  const doing = bladeWord(actual.state);
  const graceEnds = installed + t.installGrace;
  // Down since the later of its state's start and its installation.
  const downSince = Math.max(actual.sinceTick, installed);
  const downEnds = comingUp.includes(actual.state) ? undefined : downSince + t.failedAfter;
  const failedAt = Math.min(graceEnds, downEnds ?? graceEnds);
  if (tick < failedAt) {
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
      wake: failedAt,
    };
  }
  const reason =
    failedAt === downEnds
      ? `no first heartbeat since it was installed at tick ${installed}; the blade reports nothing (${doing}) since tick ${downSince}, ${tick - downSince} ticks`
      : `no first heartbeat in the ${t.installGrace} ticks since it was installed at tick ${installed}; the blade reports nothing (${doing})`;
  return { next: record(ObservedState.OBSERVED_STATE_FAILED, tick, reason) };
}

/** A blade heard from before whose heartbeats stopped. */
function observeSilentBlade(
  tick: number,
  actual: BladeActual,
  current: ObservedRecord,
  t: Thresholds,
): Observation {
  const heard = tick - 1;
  const doing = bladeWord(actual.state);
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
