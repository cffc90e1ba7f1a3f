import type { Snapshot } from './snapshot.js';
import type { Compare, Op } from './writes.js';

/** How much a decision matters, in the trace log. */
export type DecisionSeverity = 'debug' | 'info' | 'warn' | 'error';

/**
 * A decision a reactor made, with its reason (DESIGN §3: every decision
 * records why). The host records it as a span `name` in the tick's span;
 * the reactor never calls a tracer itself.
 */
export interface Decision {
  /** The span's name, `<area>.<what>`: `monitor.transition`, `repair.decision`. */
  readonly name: string;
  /** The simulated tick it was made at. */
  readonly tick: number;
  /** The element (or record) it is about. */
  readonly target: string;
  /** Why, in words. */
  readonly reason: string;
  /** Absent: `info`. */
  readonly severity?: DecisionSeverity;
  /** More attributes (`chamber.status`, …). */
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
  /**
   * The thread it belongs to (a repair's id): the host links each decision
   * of a thread to the thread's previous one, so the trace shows what led to
   * it. `ends: true` closes the thread (its next decision starts afresh).
   */
  readonly thread?: { readonly id: string; readonly ends?: boolean };
}

/** What a reactor is handed for one tick. */
export interface TickInput {
  readonly tick: number;
  /** Counts resets; tick numbers restart at 0 with each run. */
  readonly run: number;
  /** The run's seed: derive every random draw from it (with entity, tick and purpose). */
  readonly seed: number;
  /** The participant's cached prefixes, as of the tick's snapshot revision. */
  readonly snapshot: Snapshot;
  /**
   * The snapshot's keys written or deleted since the last tick this process
   * handled, so work can follow what changed; `undefined` when nothing is
   * known (the first tick a process handles, a retried tick): then the whole
   * snapshot must be considered.
   */
  readonly changes: ReadonlySet<string> | undefined;
}

/** A reactor's answer for one tick: what to write, why, and when to wake it next. */
export interface Reaction {
  /**
   * The tick's writes, idempotent (redoing the tick writes the same values).
   * The host writes them with the participant's ack.
   */
  readonly writes: readonly Op[];
  /** The decisions made, in order; recorded as spans by the host. */
  readonly decisions: readonly Decision[];
  /**
   * The earliest tick at which it has work due; `null`: nothing until an
   * input arrives or a key it reacts to changes; absent: the next tick.
   */
  readonly nextWakeup?: number | null;
  /**
   * Conditions on its own records (compare-and-set on their mod revisions),
   * checked in the transaction that writes `writes`: when one fails, nothing
   * is written and the tick is redone.
   */
  readonly compares?: readonly Compare[];
}

/**
 * A participant's decisions, as a pure function of the snapshot and what
 * changed (it may keep in-memory indexes rebuilt from the snapshot, never
 * anything the store does not hold). Lives in a service's `src/domain/`;
 * no store, gRPC, file system or tracer. `R`: its reaction, when it says
 * more than a {@link Reaction} (what its host reports of a tick).
 */
export interface Reactor<R extends Reaction = Reaction> {
  react(input: TickInput): R | Promise<R>;
}

/** A reaction with nothing to write and nothing decided. */
export function idle(nextWakeup: number | null = null): Reaction {
  return { writes: [], decisions: [], nextWakeup };
}
