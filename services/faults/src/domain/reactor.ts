import {
  FaultRecord,
  FaultStatus,
  FixRecord,
  PendingRecord,
  faultKindToJSON,
  faultStatusToJSON,
} from '@chamber/protos';
import {
  op,
  type Decision,
  type Op,
  type Reaction,
  type Reactor,
  type TickInput,
} from '@chamber/reactor';
import { TimerWheel } from '@chamber/sim';
import { commonAncestor, enumTypes, fromWire, keys } from '@chamber/world';
import { advance, fixed } from './schedule.js';

/**
 * The fault injector, one tick at a time. At tick T it moves the fault
 * inputs due at T from its inbox (`inputs/<owner>/`) into `faults/`, ends
 * occurrences the inventory fixed (`fixes/`), and writes every transition
 * due at T+1 (one tick ahead, so the inventory, reading the snapshot of
 * T+1, applies it at exactly T+1). It reads `faults/`, its inbox, `fixes/`
 * and `pending/`. Its only memory is a timer per fault, rebuilt from the
 * records after a restart.
 */
export class FaultsReactor implements Reactor {
  private wheel = new TimerWheel();
  private run = -1;
  private readonly inbox: string;

  /** `owner`: its participant name, the owner of its inputs and their `pending/` markers. */
  constructor(private readonly owner: string) {
    this.inbox = keys.inputsOf(owner);
  }

  react({ tick, seed, run, snapshot, changes }: TickInput): Reaction {
    if (changes === undefined || run !== this.run) {
      this.wheel = new TimerWheel();
      for (const { value } of snapshot.list(FaultRecord, keys.faultsPrefix)) this.track(value);
    }
    this.run = run;
    const writes: Op[] = [];
    const decisions: Decision[] = [];
    const records = new Map<string, FaultRecord>();
    const current = (id: string): FaultRecord | undefined =>
      records.get(id) ?? snapshot.value(FaultRecord, keys.fault(id));

    for (const marker of snapshot.list(PendingRecord, keys.pendingPrefix)) {
      if (marker.value.owner === this.owner && marker.value.effectiveTick <= tick)
        writes.push(op.delete(marker.key));
    }
    for (const { key, value } of snapshot.list(FaultRecord, this.inbox)) {
      if (value.sinceTick > tick) continue;
      records.set(value.id, value);
      writes.push(op.delete(key));
    }
    for (const { key, value: fix } of snapshot.list(FixRecord, keys.fixesPrefix)) {
      writes.push(op.delete(key));
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
      writes.push(op.put(FaultRecord, keys.fault(id), record));
      decisions.push(transition(tick, record));
    }
    // The tick before each transition: it is written one tick ahead.
    const next = this.wheel.next();
    return {
      writes,
      decisions,
      nextWakeup: next === undefined ? null : Math.max(next - 1, tick + 1),
    };
  }

  private track(record: FaultRecord): void {
    if (record.status === FaultStatus.FAULT_STATUS_CLEARED || record.nextTick === 0) {
      this.wheel.cancel(record.id);
    } else {
      this.wheel.schedule(record.nextTick, record.id);
    }
  }
}

/** A fault's change: its new status, when it takes effect, and why. */
function transition(tick: number, record: FaultRecord): Decision {
  return {
    name: 'fault.transition',
    tick,
    target: commonAncestor(record.targets),
    reason: record.reason,
    severity: record.status === FaultStatus.FAULT_STATUS_ACTIVE ? 'warn' : 'info',
    attributes: {
      'chamber.fault': record.id,
      'chamber.kind': fromWire(enumTypes.faultKind, faultKindToJSON(record.kind)) ?? '',
      'chamber.status': fromWire(enumTypes.faultStatus, faultStatusToJSON(record.status)) ?? '',
      'chamber.effective_tick': record.sinceTick,
      'chamber.targets': record.targets.join(','),
    },
  };
}

function isDue(record: FaultRecord, tick: number): boolean {
  return (
    record.status !== FaultStatus.FAULT_STATUS_CLEARED &&
    record.nextTick !== 0 &&
    record.nextTick <= tick
  );
}
