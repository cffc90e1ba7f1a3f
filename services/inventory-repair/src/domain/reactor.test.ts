import {
  ObservedRecord,
  ObservedState,
  RepairRecord,
  RepairStatus,
  TargetRecord,
  TargetState,
} from '@chamber/protos';
import {
  cmp,
  type Codec,
  decode,
  encode,
  memorySnapshot,
  op,
  type Snapshot,
  type TickInput,
} from '@chamber/reactor';
import { keys, viewKey } from '@chamber/world';
import { describe, expect, it } from 'vitest';
import { defaultPolicy } from './policy.js';
import { RepairReactor } from './reactor.js';

// The repair manager's tick with no store: a snapshot held in memory, the
// reaction compared with what the store would be asked to write.

/** A snapshot of `records` (key → JSON text), each at its given mod revision. */
function snapshotOf(
  records: Readonly<Record<string, { value: string; revision: number }>>,
): Snapshot {
  return memorySnapshot(
    Object.entries(records).map(([key, r]) => ({
      key,
      value: r.value,
      modRevision: r.revision,
      createRevision: r.revision,
      version: 1,
    })),
  );
}

const at = <T>(codec: Codec<T>, value: T, revision = 1) => ({
  value: encode(codec, value),
  revision,
});

const blade = 'r/z1/rack1/blade/0';
const target = at(TargetRecord, {
  state: TargetState.TARGET_STATE_IN_SERVICE,
  powered: true,
  drain: false,
  sinceTick: 0,
  reason: 'defined',
});
const observed = (state: ObservedState, sinceTick: number) =>
  at(ObservedRecord, { state, sinceTick, reason: 'no heartbeat', lastHeartbeatTick: 4 });

const reactor = (retentionTicks = 0) =>
  new RepairReactor({
    policy: defaultPolicy({ powerCycles: 2, technicianTicks: 10 }),
    rackBudget: 2,
    verifyTicks: { powerCycle: 5, reimage: 10, replace: 20 },
    backoffCapTicks: 8,
    humanRecheckTicks: 20,
    retentionTicks,
  });

const tick = (n: number, snapshot: Snapshot, changes?: readonly string[]): TickInput => ({
  tick: n,
  run: 1,
  seed: 7,
  snapshot,
  changes: changes === undefined ? undefined : new Set(changes),
});

describe('the repair reactor', () => {
  it('claims each repair it writes by compare-and-set, with its command, and threads its decisions', async () => {
    const r = reactor();
    const records = {
      [viewKey('target', blade)]: target,
      [viewKey('observed', blade)]: observed(ObservedState.OBSERVED_STATE_FAILED, 8),
    };
    const opened = await r.react(tick(10, snapshotOf(records)));
    const written = opened.writes[1];
    const repair = decode(
      RepairRecord,
      keys.repair('r10-1'),
      written?.type === 'put' ? written.value : '',
    );
    expect(opened.writes.map((w) => [w.type, 'key' in w ? w.key : ''])).toEqual([
      ['put', keys.command('r10-1-1')],
      ['put', keys.repair('r10-1')],
    ]);
    // A new record: claimed only if nobody wrote it meanwhile.
    expect(opened.compares).toEqual([cmp.absent(keys.repair('r10-1'))]);
    expect(opened.nextWakeup).toBe(16);
    expect(opened.decisions).toEqual([
      {
        name: 'repair.decision',
        tick: 10,
        target: blade,
        reason: repair.reason,
        severity: 'info',
        attributes: { 'chamber.repair': 'r10-1', 'chamber.status': 'running' },
        thread: { id: 'r10-1', ends: false },
      },
    ]);

    // The repair is stored (at revision 42); the blade is seen healthy again.
    const healed = snapshotOf({
      ...records,
      [keys.repair('r10-1')]: at(RepairRecord, repair, 42),
      [viewKey('observed', blade)]: observed(ObservedState.OBSERVED_STATE_HEALTHY, 13),
    });
    const closed = await r.react(tick(14, healed, [viewKey('observed', blade)]));
    expect(closed.compares).toEqual([cmp.modRevision(keys.repair('r10-1'), '==', 42)]);
    expect(closed.decisions).toMatchObject([
      { thread: { id: 'r10-1', ends: true }, attributes: { 'chamber.status': 'succeeded' } },
    ]);
    expect(closed.nextWakeup).toBeNull();
  });

  it('prunes closed repairs after their retention, never the latest of an element', async () => {
    const closed = (id: string, openedTick: number, closedTick: number, path = blade) =>
      at(RepairRecord, {
        ...RepairRecord.fromPartial({}),
        id,
        target: path,
        status: RepairStatus.REPAIR_STATUS_SUCCEEDED,
        openedTick,
        closedTick,
        purpose: 'repair',
      });
    const other = 'r/z1/rack2/pdu/0';
    const snapshot = snapshotOf({
      [keys.repair('r1-1')]: closed('r1-1', 1, 3),
      [keys.repair('r8-1')]: closed('r8-1', 8, 9),
      [keys.repair('r2-1')]: closed('r2-1', 2, 4, other),
    });
    // Retention 5: r1-1 may go at 8, but not before its successor opened (9).
    const r = reactor(5);
    const first = await r.react(tick(8, snapshot));
    expect(first.writes).toEqual([]);
    expect(first.nextWakeup).toBe(9);
    const due = await r.react(tick(9, snapshot, []));
    expect(due.writes).toEqual([op.delete(keys.repair('r1-1'))]);
    expect(due.compares).toEqual([]);
    expect(due.nextWakeup).toBeNull();
    // With no retention every repair is kept.
    expect((await reactor(0).react(tick(9, snapshot))).writes).toEqual([]);
  });

  it('powers a drained blade down the tick after its last placement goes, carried on as after a restart', async () => {
    const placement = (n: number) => keys.placement(blade, 'web', n);
    const records: Record<string, { value: string; revision: number }> = {
      [viewKey('target', blade)]: at(TargetRecord, {
        state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
        powered: true,
        drain: true,
        sinceTick: 10,
        reason: 'maintenance',
      }),
      [viewKey('observed', blade)]: observed(ObservedState.OBSERVED_STATE_HEALTHY, 3),
      [placement(1)]: { value: '{}', revision: 1 },
      [placement(2)]: { value: '{}', revision: 1 },
    };
    const r = reactor();
    const opened = await r.react(tick(11, snapshotOf(records)));
    expect(opened.writes).toHaveLength(1);
    const repair = decode(RepairRecord, 'x', (opened.writes[0] as { value: string }).value);
    expect(repair.reason).toBe(`draining: 2 instances still on ${blade}`);
    records[keys.repair(repair.id)] = { value: encode(RepairRecord, repair), revision: 2 };

    // One placement goes, then the other: the carried-on reactor and a fresh one agree.
    delete records[placement(1)];
    const one = await r.react(tick(12, snapshotOf(records), [placement(1)]));
    expect(await reactor().react(tick(12, snapshotOf(records)))).toEqual(one);
    const next = decode(RepairRecord, 'x', (one.writes[0] as { value: string }).value);
    expect(next.reason).toBe(`draining: 1 instance still on ${blade}`);
    records[keys.repair(repair.id)] = { value: encode(RepairRecord, next), revision: 3 };
    delete records[placement(2)];
    const empty = await r.react(tick(13, snapshotOf(records), [placement(2)]));
    expect(await reactor().react(tick(13, snapshotOf(records)))).toEqual(empty);
    expect(empty.writes.map((w) => (w.type === 'put' ? w.key : ''))).toEqual([
      keys.command(`${repair.id}-1`),
      keys.repair(repair.id),
    ]);
  });

  it('keeps an empty drained blade up while another drained blade of its rack holds instances, not for one in service', async () => {
    const other = 'r/z1/rack1/blade/1';
    const busy = 'r/z1/rack1/blade/2';
    const drained = at(TargetRecord, {
      state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
      powered: false,
      drain: true,
      sinceTick: 10,
      reason: 'rack maintenance',
    });
    const placed = keys.placement(other, 'web', 1);
    const records: Record<string, { value: string; revision: number }> = {
      [viewKey('target', blade)]: drained,
      [viewKey('target', other)]: drained,
      [viewKey('target', busy)]: target,
      [viewKey('observed', blade)]: observed(ObservedState.OBSERVED_STATE_HEALTHY, 3),
      [placed]: { value: '{}', revision: 1 },
      [keys.placement(busy, 'db', 1)]: { value: '{}', revision: 1 },
    };
    const r = reactor();
    const opened = await r.react(tick(11, snapshotOf(records)));
    expect(opened.writes).toHaveLength(1);
    const repair = decode(RepairRecord, 'x', (opened.writes[0] as { value: string }).value);
    expect(repair.reason).toBe(
      'draining: 1 instance still on other drained blades of rack r/z1/rack1',
    );
    records[keys.repair(repair.id)] = { value: encode(RepairRecord, repair), revision: 2 };

    // The neighbour's last instance goes (the blade in service keeps its own):
    // the waiting blade is looked at again and powered off.
    delete records[placed];
    const empty = await r.react(tick(12, snapshotOf(records), [placed]));
    expect(await reactor().react(tick(12, snapshotOf(records)))).toEqual(empty);
    expect(empty.writes.map((w) => (w.type === 'put' ? w.key : ''))).toEqual([
      keys.command(`${repair.id}-1`),
      keys.repair(repair.id),
    ]);
  });
});
