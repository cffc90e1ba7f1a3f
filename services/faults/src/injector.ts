import { kindName } from '@chamber/faults-client';
import { FaultRecord, FaultStatus, FixRecord, PendingRecord } from '@chamber/protos';
import { TimerWheel } from '@chamber/sim';
import { op, type Op } from '@chamber/store';
import { recordDecision, type Tracer } from '@chamber/telemetry';
import type { TickContext } from '@chamber/participant';
import { keys } from '@chamber/world';
import { advance, fixed } from './domain/schedule.js';

/** The faults service's participant name and the owner of its inputs. */
export const faultsParticipant = 'faults';

/** Where fault records live. */
export const faultKeys = {
  faults: 'faults/',
  /** `inputs/faults/<id>`: a fault's record as it stands from its input's tick (inject, clear). */
  inputs: 'inputs/faults/',
  /** `fixes/<id>/<element>`: the inventory's reports of fixed effects. */
  fixes: 'fixes/',
} as const;

/** The prefixes the injector caches. */
export const injectorViews: readonly string[] = [
  faultKeys.faults,
  faultKeys.inputs,
  faultKeys.fixes,
  keys.pendingPrefix,
];

/**
 * What wakes the injector besides its timers and its pending inputs (fault
 * requests, clears): the inventory's reports of fixed effects. It alone
 * writes `faults/`.
 */
export const injectorReactsTo: readonly string[] = [faultKeys.fixes];

/**
 * The fault injector, one tick at a time. At tick T it moves the fault
 * inputs due at T into `faults/`, ends occurrences the inventory fixed, and
 * writes every transition due at T+1 (one tick ahead, so the inventory,
 * reading the snapshot of T+1, applies it at exactly T+1). Its only memory
 * is a timer per fault, rebuilt from the records after a restart.
 */
export class Injector {
  private wheel = new TimerWheel();
  private run = -1;

  /** `tracer`: where each fault's change goes as a `fault.transition` span. */
  constructor(private readonly tracer?: Tracer) {}

  tick(ctx: Pick<TickContext, 'tick' | 'seed' | 'run' | 'view' | 'changes'>): {
    ops: Op[];
    nextWakeup: number | null;
  } {
    const { tick, view, seed } = ctx;
    if (ctx.changes === undefined || ctx.run !== this.run) {
      this.wheel = new TimerWheel();
      for (const { value } of view.list(FaultRecord, faultKeys.faults)) this.track(value);
    }
    this.run = ctx.run;
    const ops: Op[] = [];
    const records = new Map<string, FaultRecord>();
    const current = (id: string): FaultRecord | undefined =>
      records.get(id) ?? view.value(FaultRecord, faultKeys.faults + id);

    for (const marker of view.list(PendingRecord, keys.pendingPrefix)) {
      if (marker.value.owner === faultsParticipant && marker.value.effectiveTick <= tick)
        ops.push(op.delete(marker.key));
    }
    for (const { key, value } of view.list(FaultRecord, faultKeys.inputs)) {
      if (value.sinceTick > tick) continue;
      records.set(value.id, value);
      ops.push(op.delete(key));
    }
    for (const { key, value: fix } of view.list(FixRecord, faultKeys.fixes)) {
      ops.push(op.delete(key));
      const record = current(fix.faultId);
      if (record === undefined) continue;
      const reason = `${fix.reason} at tick ${fix.tick}`;
      records.set(fix.faultId, fixed(record, fix.target, tick + 1, reason, seed));
    }
    for (const id of this.wheel.takeDue(tick + 1)) {
      const record = current(id);
      if (record !== undefined) records.set(id, record);
    }
    for (const [id, before] of [...records].sort(([a], [b]) => (a < b ? -1 : 1))) {
      let record = before;
      for (let n = 0; n < 1_000 && isDue(record, tick + 1); n++)
        record = advance(record, record.nextTick, seed);
      records.set(id, record);
      this.track(record);
      ops.push(op.put(FaultRecord, faultKeys.faults + id, record));
      this.explain(tick, record);
    }
    // The tick before each transition: it is written one tick ahead.
    const next = this.wheel.next();
    return { ops, nextWakeup: next === undefined ? null : Math.max(next - 1, tick + 1) };
  }

  /** The change's span: the fault's new status, when it takes effect, and why. */
  private explain(tick: number, record: FaultRecord): void {
    recordDecision(this.tracer, 'fault.transition', {
      tick,
      target: commonAncestor(record.targets),
      reason: record.reason,
      severity: record.status === FaultStatus.FAULT_STATUS_ACTIVE ? 'warn' : 'info',
      attributes: {
        'chamber.fault': record.id,
        'chamber.kind': kindName(record.kind),
        'chamber.status': (FaultStatus[record.status] ?? '')
          .replace('FAULT_STATUS_', '')
          .toLowerCase(),
        'chamber.effective_tick': record.sinceTick,
        'chamber.targets': record.targets.join(','),
      },
    });
  }

  private track(record: FaultRecord): void {
    if (record.status === FaultStatus.FAULT_STATUS_CLEARED || record.nextTick === 0) {
      this.wheel.cancel(record.id);
    } else {
      this.wheel.schedule(record.nextTick, record.id);
    }
  }
}

/** The deepest element path every one of `paths` is at or under ("" when they share none). */
function commonAncestor(paths: readonly string[]): string {
  const [first, ...rest] = paths.map((p) => p.split('/'));
  if (first === undefined) return '';
  let n = first.length;
  for (const parts of rest) {
    let i = 0;
    while (i < n && i < parts.length && parts[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join('/');
}

function isDue(record: FaultRecord, tick: number): boolean {
  return (
    record.status !== FaultStatus.FAULT_STATUS_CLEARED &&
    record.nextTick !== 0 &&
    record.nextTick <= tick
  );
}
