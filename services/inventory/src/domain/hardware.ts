import type { TickRange } from '@chamber/config';
import {
  BladeState,
  CableState,
  FaultKind,
  PduState,
  TorState,
  type BladeActual,
  type CableActual,
  type PduActual,
  type TorActual,
} from '@chamber/protos';
import { randomStream } from '@chamber/sim';
import type { Effect } from './fault-effects.js';
import type { BladeInfo } from './topology.js';

/** The delays of the simulated hardware, each drawn (seeded) from a range of ticks. */
export interface Timings {
  /** From a PDU or TOR changing to a blade feeling it (at least 1). */
  readonly propagationTicks: TickRange;
  /** From power arriving to booting (firmware start). */
  readonly postTicks: TickRange;
  /** A graceful shutdown after a power-off command. */
  readonly stopTicks: TickRange;
  /** How long a power-cycle keeps the power off. */
  readonly cycleTicks: TickRange;
  /** Installing an image, before the boot. */
  readonly reimageTicks: TickRange;
  /** Replacing a blade, PDU or TOR. */
  readonly replaceTicks: TickRange;
}

/** The tick being decided, the run's seed and the delays. */
export interface SimContext {
  readonly tick: number;
  readonly seed: number;
  readonly timings: Timings;
}

/** A delay for `entity`, drawn from `range` with the run's seed (at least `floor`). */
export function draw(
  c: SimContext,
  entity: string,
  tick: number,
  purpose: string,
  range: readonly [number, number],
  floor = 1,
): number {
  const min = Math.max(floor, range[0]);
  return randomStream(c.seed, entity, tick, purpose).int(min, Math.max(min, range[1]));
}

/** The result of evaluating one element at a tick. */
export interface Evaluated<T> {
  readonly next: T;
  /** The earliest later tick at which it must be evaluated again, if any. */
  readonly wake?: number;
}

const faultMap = (effects: readonly Effect[]): Record<string, number> =>
  Object.fromEntries(effects.map((e) => [e.faultId, e.since]));

/**
 * The fault that latches a failure now: a hardware failure (or, for blades,
 * a crash or hang) whose occurrence was not applied before. `undefined` when
 * none.
 */
function newOccurrence(
  effects: readonly Effect[],
  applied: Record<string, number>,
  kinds: readonly FaultKind[],
): Effect | undefined {
  return effects.find((e) => kinds.includes(e.kind) && applied[e.faultId] !== e.since);
}

/** Keeps `since_tick` and `previous_state` when the state did not change. */
function settle<T extends { state: number; sinceTick: number }>(
  current: T,
  next: T,
  tick: number,
  previous: (state: T['state']) => Partial<T>,
): T {
  return next.state === current.state
    ? { ...next, sinceTick: current.sinceTick }
    : { ...next, sinceTick: tick, ...previous(current.state) };
}

/** A PDU at tick `c.tick`: failed by hardware, off (switch, power loss, replacement) or on. */
export function evaluatePdu(
  c: SimContext,
  current: PduActual,
  effects: readonly Effect[],
  replacing: string | undefined,
): Evaluated<PduActual> {
  const latchedBy = latch(current, effects);
  const power = effects.find((e) => e.kind === FaultKind.FAULT_KIND_POWER_LOSS);
  const [state, reason] =
    latchedBy !== ''
      ? [PduState.PDU_STATE_FAILED, `hardware failure (fault ${latchedBy})`]
      : replacing !== undefined
        ? [PduState.PDU_STATE_OFF, `being replaced (command ${replacing})`]
        : !current.switchedOn
          ? [PduState.PDU_STATE_OFF, 'switched off']
          : power !== undefined
            ? [PduState.PDU_STATE_OFF, `power loss (fault ${power.faultId})`]
            : [PduState.PDU_STATE_ON, 'on'];
  const next = settle(
    current,
    { ...current, state, reason, latchedBy, faults: faultMap(effects) },
    c.tick,
    (previousState) => ({ previousState }),
  );
  return { next };
}

/** A TOR at tick `c.tick`: failed (hardware, network loss, replacement) or working. */
export function evaluateTor(
  c: SimContext,
  current: TorActual,
  effects: readonly Effect[],
  replacing: string | undefined,
): Evaluated<TorActual> {
  const latchedBy = latch(current, effects);
  const loss = effects.find((e) => e.kind === FaultKind.FAULT_KIND_NETWORK_LOSS);
  const [state, reason] =
    latchedBy !== ''
      ? [TorState.TOR_STATE_FAILED, `hardware failure (fault ${latchedBy})`]
      : replacing !== undefined
        ? [TorState.TOR_STATE_FAILED, `being replaced (command ${replacing})`]
        : loss !== undefined
          ? [TorState.TOR_STATE_FAILED, `network loss (fault ${loss.faultId})`]
          : [TorState.TOR_STATE_WORKING, 'working'];
  const next = settle(
    current,
    { ...current, state, reason, latchedBy, faults: faultMap(effects) },
    c.tick,
    (previousState) => ({ previousState }),
  );
  return { next };
}

/**
 * The hardware failure a PDU or TOR is latched in now: a new occurrence
 * latches; a latched one holds until its fault is no longer in effect or a
 * replacement unlatches it (its occurrence stays applied, so it does not
 * latch again).
 */
function latch(
  current: { latchedBy: string; faults: Record<string, number> },
  effects: readonly Effect[],
): string {
  const fresh = newOccurrence(effects, current.faults, [FaultKind.FAULT_KIND_HARDWARE_FAILURE]);
  if (fresh !== undefined) return fresh.faultId;
  return effects.some((e) => e.faultId === current.latchedBy) ? current.latchedBy : '';
}

/** What a blade sees of its PDU or TOR: changes reach it after its propagation delay. */
function seen<S extends number>(
  c: SimContext,
  blade: string,
  upstream: { state: S; sinceTick: number; previousState: S } | undefined,
): { state: S | undefined; wake?: number } {
  if (upstream === undefined) return { state: undefined };
  if (upstream.previousState === 0) return { state: upstream.state };
  const at =
    upstream.sinceTick +
    draw(c, blade, upstream.sinceTick, 'propagation', c.timings.propagationTicks);
  return c.tick >= at ? { state: upstream.state } : { state: upstream.previousState, wake: at };
}

const running: readonly BladeState[] = [
  BladeState.BLADE_STATE_POWERED,
  BladeState.BLADE_STATE_BOOTING,
  BladeState.BLADE_STATE_WORKING,
  BladeState.BLADE_STATE_ISOLATED,
];

function cable(
  current: CableActual | undefined,
  stuck: Effect | undefined,
  tick: number,
): CableActual {
  const connected = current?.connected ?? true;
  const state =
    stuck !== undefined
      ? CableState.CABLE_STATE_STUCK
      : connected
        ? CableState.CABLE_STATE_ON
        : CableState.CABLE_STATE_OFF;
  const reason =
    stuck !== undefined
      ? `stuck ${connected ? 'in' : 'out of'} its port (fault ${stuck.faultId})`
      : connected
        ? 'connected'
        : 'disconnected';
  return state === current?.state
    ? { ...current, reason }
    : { state, connected, sinceTick: tick, reason };
}

/**
 * A blade at tick `c.tick`, one transition at a time: off → powered →
 * booting → working, isolated while its network path is down, crashed, hung
 * or failed by faults, stopping after a power-off, off without power.
 * `replacing` names a replacement in progress. A blade whose state changes
 * asks to be evaluated again at the next tick.
 */
export function evaluateBlade(
  c: SimContext,
  info: BladeInfo,
  current: BladeActual,
  upstream: { pdu: PduActual | undefined; tor: TorActual | undefined },
  effects: readonly Effect[],
  replacing: string | undefined,
): Evaluated<BladeActual> {
  const { tick } = c;
  const of = (kind: FaultKind, cableName?: 'power' | 'network'): Effect | undefined =>
    effects.find((e) => e.kind === kind && e.cable === cableName);
  const powerCable = cable(current.powerCable, of(FaultKind.FAULT_KIND_STUCK_CABLE, 'power'), tick);
  const networkCable = cable(
    current.networkCable,
    of(FaultKind.FAULT_KIND_STUCK_CABLE, 'network'),
    tick,
  );
  let next: BladeActual = {
    ...current,
    powerCable,
    networkCable,
    faults: faultMap(effects),
  };
  const to = (state: BladeState, reason: string, due = 0): Evaluated<BladeActual> => {
    next = { ...next, state, reason, dueTick: due };
    if (state === current.state) next.sinceTick = current.sinceTick;
    else next.sinceTick = tick;
    const wakes = [due > tick ? due : undefined, state !== current.state ? tick + 1 : undefined];
    const wake = Math.min(...wakes.filter((w): w is number => w !== undefined));
    return Number.isFinite(wake) ? { next, wake } : { next };
  };

  // A latched fault that is no longer in effect (cleared) leaves no trace.
  let state = current.state;
  if (current.latchedBy !== '' && !effects.some((e) => e.faultId === current.latchedBy)) {
    next = { ...next, latchedBy: '' };
    if (state === BladeState.BLADE_STATE_FAILED) {
      return to(BladeState.BLADE_STATE_OFF, `fault ${current.latchedBy} cleared; hardware works`);
    }
    if (state === BladeState.BLADE_STATE_CRASHED || state === BladeState.BLADE_STATE_HUNG) {
      state = BladeState.BLADE_STATE_OFF;
      next = { ...next, state };
    }
  }
  const failure = newOccurrence(effects, current.faults, [FaultKind.FAULT_KIND_HARDWARE_FAILURE]);
  if (failure !== undefined) {
    next = { ...next, latchedBy: failure.faultId, command: '' };
    return to(BladeState.BLADE_STATE_FAILED, `hardware failure (fault ${failure.faultId})`);
  }
  if (state === BladeState.BLADE_STATE_FAILED) return to(state, current.reason);
  if (running.includes(state)) {
    const stop = newOccurrence(effects, current.faults, [
      FaultKind.FAULT_KIND_CRASH,
      FaultKind.FAULT_KIND_HANG,
    ]);
    if (stop !== undefined) {
      next = { ...next, latchedBy: stop.faultId };
      return stop.kind === FaultKind.FAULT_KIND_CRASH
        ? to(BladeState.BLADE_STATE_CRASHED, `crashed (fault ${stop.faultId})`)
        : to(BladeState.BLADE_STATE_HUNG, `hung (fault ${stop.faultId})`);
    }
  }

  const pdu = seen(c, info.path, upstream.pdu);
  const tor = seen(c, info.path, upstream.tor);
  const upstreamWake = [pdu.wake, tor.wake].filter((w): w is number => w !== undefined);
  const withUpstream = (e: Evaluated<BladeActual>): Evaluated<BladeActual> => {
    const wake = Math.min(e.wake ?? Infinity, ...upstreamWake);
    return Number.isFinite(wake) ? { next: e.next, wake } : { next: e.next };
  };
  const supply = effects.find(
    (e) => e.kind === FaultKind.FAULT_KIND_POWER_LOSS && e.cable !== 'network',
  );
  const noPower =
    replacing !== undefined
      ? `being replaced (command ${replacing})`
      : pdu.state !== PduState.PDU_STATE_ON
        ? `no power: pdu ${info.pdu} is ${pdu.state === undefined ? 'not defined' : pduWord(pdu.state)}`
        : !powerCable.connected
          ? 'no power: its power cable is disconnected'
          : supply !== undefined
            ? `no power: power loss (fault ${supply.faultId})`
            : undefined;
  const netLoss = of(FaultKind.FAULT_KIND_NETWORK_LOSS, 'network');
  const netDown =
    tor.state !== TorState.TOR_STATE_WORKING
      ? `network path down: tor ${info.tor} is ${tor.state === undefined ? 'not defined' : 'failed'}`
      : !networkCable.connected
        ? 'network path down: its network cable is disconnected'
        : netLoss !== undefined
          ? `network path down: network loss (fault ${netLoss.faultId})`
          : undefined;
  const due = current.dueTick !== 0 && current.dueTick <= tick;

  if (state === BladeState.BLADE_STATE_CRASHED || state === BladeState.BLADE_STATE_HUNG) {
    return withUpstream(
      noPower === undefined ? to(state, current.reason) : to(BladeState.BLADE_STATE_OFF, noPower),
    );
  }
  if (noPower !== undefined) {
    return withUpstream(
      state === BladeState.BLADE_STATE_OFF
        ? to(state, noPower)
        : to(BladeState.BLADE_STATE_OFF, noPower),
    );
  }
  if (!current.switchedOn) {
    if (state === BladeState.BLADE_STATE_STOPPING && !due)
      return withUpstream(to(state, current.reason, current.dueTick));
    if (state === BladeState.BLADE_STATE_WORKING || state === BladeState.BLADE_STATE_ISOLATED) {
      const stop = tick + draw(c, info.path, tick, 'stop', c.timings.stopTicks);
      return withUpstream(to(BladeState.BLADE_STATE_STOPPING, 'switched off; shutting down', stop));
    }
    return withUpstream(
      to(
        BladeState.BLADE_STATE_OFF,
        state === BladeState.BLADE_STATE_STOPPING ? 'shut down' : 'switched off',
      ),
    );
  }
  switch (state) {
    case BladeState.BLADE_STATE_OFF:
    case BladeState.BLADE_STATE_UNSPECIFIED: {
      const post = tick + draw(c, info.path, tick, 'post', c.timings.postTicks);
      return withUpstream(to(BladeState.BLADE_STATE_POWERED, 'power on; firmware starting', post));
    }
    case BladeState.BLADE_STATE_STOPPING:
      return withUpstream(
        due
          ? to(BladeState.BLADE_STATE_OFF, 'shut down')
          : to(state, current.reason, current.dueTick),
      );
    case BladeState.BLADE_STATE_POWERED:
      return withUpstream(
        due ? boot(c, info, next.image, to) : to(state, current.reason, current.dueTick),
      );
    case BladeState.BLADE_STATE_BOOTING:
      if (!due) return withUpstream(to(state, current.reason, current.dueTick));
      return withUpstream(
        netDown === undefined
          ? to(BladeState.BLADE_STATE_WORKING, `booted ${next.image}`)
          : to(BladeState.BLADE_STATE_ISOLATED, `booted, but ${netDown}`),
      );
    case BladeState.BLADE_STATE_WORKING:
      return withUpstream(
        netDown === undefined
          ? to(state, current.reason)
          : to(BladeState.BLADE_STATE_ISOLATED, netDown),
      );
    case BladeState.BLADE_STATE_ISOLATED:
      return withUpstream(
        netDown === undefined
          ? to(BladeState.BLADE_STATE_WORKING, 'network path restored')
          : to(state, netDown),
      );
    default:
      return withUpstream(to(state, current.reason, current.dueTick));
  }
}

/** Starts booting `image`: booting until a tick drawn from the blade's boot range. */
export function boot(
  c: SimContext,
  info: BladeInfo,
  image: string,
  to: (state: BladeState, reason: string, due: number) => Evaluated<BladeActual>,
  extraTicks = 0,
): Evaluated<BladeActual> {
  const range = [
    info.definition.boot?.bootTicksMin ?? 1,
    info.definition.boot?.bootTicksMax ?? 1,
  ] as const;
  const ticks = draw(c, info.path, c.tick, 'boot', range);
  return to(BladeState.BLADE_STATE_BOOTING, `booting ${image}`, c.tick + extraTicks + ticks);
}

function pduWord(state: PduState): string {
  return state === PduState.PDU_STATE_FAILED ? 'failed' : 'off';
}
