import { FaultKind, FaultRecord, FaultStatus } from '@chamber/protos';
import {
  encode,
  memorySnapshot,
  type Reaction,
  type Snapshot,
  type TickInput,
} from '@chamber/reactor';
import { keys, viewKey } from '@chamber/world';
import { describe, expect, it } from 'vitest';
import { faultsAsOf, readingFaultsAsOf } from './as-of.js';

/** A snapshot of `records` (key → record), each at its own revision. */
function snapshotOf(records: Record<string, FaultRecord | string>): Snapshot {
  return memorySnapshot(
    Object.entries(records).map(([key, value], i) => ({
      key,
      value: typeof value === 'string' ? value : encode(FaultRecord, value),
      modRevision: i + 1,
      createRevision: i + 1,
      version: 1,
    })),
  );
}

function fault(id: string, status: FaultStatus, sinceTick: number): FaultRecord {
  return {
    ...FaultRecord.fromPartial({}),
    id,
    kind: FaultKind.FAULT_KIND_CRASH,
    targets: ['r/z1/rack1/blade/1'],
    status,
    sinceTick,
  };
}

const { FAULT_STATUS_ACTIVE: active, FAULT_STATUS_CLEARED: cleared } = FaultStatus;

describe('faultsAsOf', () => {
  const world = snapshotOf({
    [keys.fault('f1-1')]: fault('f1-1', active, 1),
    [keys.fault('f2-1')]: fault('f2-1', active, 2),
    // A clear of f1-1 and a new fault, both due at tick 5; a clear of f2-1 due at 9.
    [keys.input('faults', 'f1-1')]: fault('f1-1', cleared, 5),
    [keys.input('faults', 'f5-1')]: fault('f5-1', active, 5),
    [keys.input('faults', 'f2-1')]: fault('f2-1', cleared, 9),
    [viewKey('actual', 'r/z1/rack1/blade/1')]: '{"state":"BLADE_STATE_WORKING"}',
  });

  it('shows a due input in place of its record, under the record key, in key order', () => {
    const at5 = faultsAsOf(world, 5);
    expect(at5.list(FaultRecord, keys.faultsPrefix).map((e) => [e.key, e.value.status])).toEqual([
      [keys.fault('f1-1'), cleared],
      [keys.fault('f2-1'), active],
      [keys.fault('f5-1'), active],
    ]);
    expect(at5.listRaw(keys.fault('f5')).map((e) => e.key)).toEqual([keys.fault('f5-1')]);
    expect(at5.value(FaultRecord, keys.fault('f1-1'))?.status).toBe(cleared);
    expect(at5.getRaw(keys.fault('f5-1'))?.key).toBe(keys.fault('f5-1'));
    expect(at5.get(FaultRecord, keys.fault('f2-1'))?.value.status).toBe(active);
  });

  it('shows the records alone before the inputs are due, and hides the inbox', () => {
    const at4 = faultsAsOf(world, 4);
    expect(at4.list(FaultRecord, keys.faultsPrefix).map((e) => [e.key, e.value.status])).toEqual([
      [keys.fault('f1-1'), active],
      [keys.fault('f2-1'), active],
    ]);
    expect(at4.value(FaultRecord, keys.fault('f5-1'))).toBeUndefined();
    expect(at4.listRaw(keys.inputsOf('faults'))).toEqual([]);
    expect(at4.getRaw(keys.input('faults', 'f1-1'))).toBeUndefined();
  });

  it('reads every other key through', () => {
    const at5 = faultsAsOf(world, 5);
    expect(at5.getRaw(viewKey('actual', 'r/z1/rack1/blade/1'))?.value).toContain('WORKING');
    expect(at5.listRaw(keys.actualPrefix).map((e) => e.key)).toEqual([
      viewKey('actual', 'r/z1/rack1/blade/1'),
    ]);
  });
});

describe('readingFaultsAsOf', () => {
  const world = snapshotOf({
    [keys.fault('f1-1')]: fault('f1-1', active, 1),
    [keys.input('faults', 'f1-1')]: fault('f1-1', cleared, 5),
    [keys.input('faults', 'f6-1')]: fault('f6-1', active, 6),
  });
  /** What the wrapped reactor saw at `tick`, and the wake-up it asked for. */
  async function seen(
    tick: number,
    changes: ReadonlySet<string> | undefined,
    wakeup: number | null,
  ) {
    const saw: TickInput[] = [];
    const reactor = readingFaultsAsOf({
      react: (input): Reaction => {
        saw.push(input);
        return { writes: [], decisions: [], nextWakeup: wakeup };
      },
    });
    const reaction = await reactor.react({ tick, run: 1, seed: 7, snapshot: world, changes });
    return { input: saw[0]!, nextWakeup: reaction.nextWakeup };
  }

  it('reports a change of an input as a change of its record', async () => {
    const { input } = await seen(
      5,
      new Set([keys.input('faults', 'f1-1'), keys.command('c1')]),
      null,
    );
    expect([...input.changes!].sort()).toEqual([keys.command('c1'), keys.fault('f1-1')]);
    expect(input.snapshot.value(FaultRecord, keys.fault('f1-1'))?.status).toBe(cleared);
  });

  it('wakes the reactor when a waiting input falls due, and reports it changed then', async () => {
    expect((await seen(5, new Set(), null)).nextWakeup).toBe(6);
    expect((await seen(5, new Set(), 9)).nextWakeup).toBe(6);
    expect((await seen(5, new Set(), 3)).nextWakeup).toBe(3);
    const at6 = await seen(6, new Set(), null);
    expect([...at6.input.changes!]).toEqual([keys.fault('f6-1')]);
    expect(at6.nextWakeup).toBeNull();
    expect(at6.input.snapshot.value(FaultRecord, keys.fault('f6-1'))?.status).toBe(active);
  });

  it('leaves a full tick full', async () => {
    expect((await seen(5, undefined, null)).input.changes).toBeUndefined();
  });
});
