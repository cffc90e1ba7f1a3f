import type { ClockStatus } from '@chamber/protos';
import {
  AckRecord,
  ControlRecord,
  HistoryRecord,
  ParticipantRecord,
  Policy,
  RunRecord,
  SettledRecord,
  TickRecord,
} from '@chamber/protos';
import { type CachedView, type Entry } from '@chamber/store';
import { keys } from '@chamber/world';
import { oldestReadableTick } from './history.js';

/** The digest before any tick settled. */
export const initialDigest = '0'.repeat(64);

/** The control record of a simulation that has never been started. */
export function defaultControl(): ControlRecord {
  return { policy: Policy.POLICY_PAUSED, rate: 1, epoch: 1 };
}

/** The clock records as one value, as read from a view of `clock/`, `acks/` and `participants/`. */
export interface ClockRecords {
  readonly control: ControlRecord;
  readonly tick: Entry<TickRecord> | undefined;
  readonly settled: Entry<SettledRecord> | undefined;
  readonly run: Entry<RunRecord> | undefined;
  /** The history kept (`clock/history`), when the view holds it and the stepper has compacted. */
  readonly history: Entry<HistoryRecord> | undefined;
  /** Acks by participant name. */
  readonly acks: ReadonlyMap<string, AckRecord>;
  /** Registered participant names. */
  readonly registered: ReadonlySet<string>;
}

/** Reads the clock records from a view holding `clock/`, `acks/` and `participants/`. */
export function readClockRecords(view: CachedView): ClockRecords {
  const acks = new Map<string, AckRecord>();
  for (const e of view.list(AckRecord, keys.acksPrefix))
    acks.set(e.key.slice(keys.acksPrefix.length), e.value);
  const registered = new Set<string>();
  for (const e of view.list(ParticipantRecord, keys.participantsPrefix))
    registered.add(e.value.name);
  return {
    control: view.value(ControlRecord, keys.clockControl) ?? defaultControl(),
    tick: view.get(TickRecord, keys.clockTick),
    settled: view.get(SettledRecord, keys.clockSettled),
    run: view.get(RunRecord, keys.clockRun),
    history: view.get(HistoryRecord, keys.clockHistory),
    acks,
    registered,
  };
}

/**
 * The participants that still owe an ack for the published tick: expected at
 * it, still registered (not dropped, not left), and not acked at its
 * snapshot revision.
 */
export function waitingFor(records: ClockRecords): string[] {
  const tick = records.tick;
  if (tick === undefined || tick.value.resetting) return [];
  return tick.value.expected.filter(
    (name) => records.registered.has(name) && records.acks.get(name)?.revision !== tick.modRevision,
  );
}

/** Whether the settled record belongs to the published tick's run. */
export function isSameRun(records: ClockRecords): boolean {
  return (
    records.settled !== undefined &&
    records.tick !== undefined &&
    records.settled.value.run === records.tick.value.run
  );
}

/** Whether the published tick is settled. */
export function isTickSettled(records: ClockRecords): boolean {
  const { tick, settled } = records;
  return (
    tick !== undefined &&
    !tick.value.resetting &&
    isSameRun(records) &&
    settled!.value.tick === tick.value.tick
  );
}

/** The status clients see, derived from the stored records only. */
export function deriveStatus(records: ClockRecords): ClockStatus {
  const { control, tick, run } = records;
  const settled = isSameRun(records) ? records.settled?.value : undefined;
  const published = tick?.value.tick ?? 0;
  const settledTick = settled?.tick ?? 0;
  const isSettled = isTickSettled(records);
  return {
    tick: published,
    settled: isSettled,
    settledTick,
    epoch: control.epoch,
    policy: control.policy,
    rate: control.rate,
    digest: settled?.digest ?? initialDigest,
    until: control.until,
    participants: [...records.registered].sort(),
    waitingFor: isSettled ? [] : waitingFor(records),
    deterministic: run?.value.deterministic ?? true,
    notes: [...(run?.value.notes ?? [])],
    lagSeconds: settled?.lagSeconds ?? 0,
    seed: tick?.value.seed ?? 0,
    run: tick?.value.run ?? 0,
    oldestTick: oldestReadableTick(records.history?.value, tick?.value.run ?? 0),
  };
}
