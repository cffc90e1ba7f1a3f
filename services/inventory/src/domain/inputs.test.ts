import {
  BladeDefinition,
  PendingRecord,
  TargetInput,
  TargetRecord,
  TargetState,
} from '@chamber/protos';
import { decode, encode, memorySnapshot, type Op } from '@chamber/reactor';
import { keys } from '@chamber/world';
import { describe, expect, it } from 'vitest';
import { applyInputs, inventoryInbox, inventoryInputs, inventoryParticipant } from './inputs.js';
import { Topology } from './topology.js';

// Target changes applied at their tick, with no store: a rack's or a zone's
// is one input, expanded into its blades' targets when it applies.

const racks = ['r/z1/rack1', 'r/z1/rack2', 'r/z2/rack1'];
const paths = ['r', 'r/z1', 'r/z2', ...racks].flatMap((p) =>
  racks.includes(p) ? [p, `${p}/blade/0`, `${p}/blade/1`, `${p}/pdu/0`, `${p}/tor/0`] : [p],
);
const topology = Topology.build([...paths].sort(), (p) =>
  p.includes('/blade/') ? BladeDefinition.fromPartial({}) : undefined,
);

const drainForRepair: TargetInput = {
  state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
  powered: false,
  reason: 'rack maintenance',
  drain: true,
};

/** A snapshot holding a target input for each of `inputs` (path → input), due at `tick`. */
function inputsAt(tick: number, inputs: ReadonlyArray<readonly [string, TargetInput]>) {
  const entries = inputs.flatMap(([path, input]) => {
    const id = inventoryInputs.target(path);
    return [
      [
        keys.pending(id),
        encode(PendingRecord, { effectiveTick: tick, owner: inventoryParticipant }),
      ],
      [inventoryInbox + id, encode(TargetInput, input)],
    ] as const;
  });
  return memorySnapshot(
    entries.map(([key, value]) => ({ key, value, modRevision: 1, createRevision: 1, version: 1 })),
  );
}

/** The targets `ops` write, by path. */
function targetsWritten(ops: readonly Op[]): Map<string, TargetRecord> {
  const out = new Map<string, TargetRecord>();
  for (const o of ops) {
    if (o.type !== 'put' || !o.key.startsWith(keys.targetPrefix)) continue;
    out.set(o.key.slice(keys.targetPrefix.length), decode(TargetRecord, o.key, o.value));
  }
  return out;
}

describe('a target change on a rack or a zone', () => {
  it('sets the same target on every blade of the rack, at its tick, and leaves its PDU and TOR alone', () => {
    const { ops } = applyInputs(
      7,
      inputsAt(7, [['r/z1/rack1', drainForRepair]]),
      topology,
      new Set(),
    );
    const written = targetsWritten(ops);
    expect([...written.keys()]).toEqual(['r/z1/rack1/blade/0', 'r/z1/rack1/blade/1']);
    for (const target of written.values())
      expect(target).toEqual({ ...drainForRepair, sinceTick: 7 });
    // The one input and its marker are gone.
    const id = inventoryInputs.target('r/z1/rack1');
    expect(ops.filter((o) => o.type === 'delete').map((o) => o.key)).toEqual([
      keys.pending(id),
      inventoryInbox + id,
    ]);
  });

  it('sets every blade of a zone and none of another zone', () => {
    const { ops } = applyInputs(3, inputsAt(3, [['r/z1', drainForRepair]]), topology, new Set());
    expect([...targetsWritten(ops).keys()].sort()).toEqual([
      'r/z1/rack1/blade/0',
      'r/z1/rack1/blade/1',
      'r/z1/rack2/blade/0',
      'r/z1/rack2/blade/1',
    ]);
  });

  it("lets a blade's own change at the same tick win over its rack's, writing each blade once", () => {
    const inService: TargetInput = {
      state: TargetState.TARGET_STATE_IN_SERVICE,
      powered: true,
      reason: 'keep this one',
      drain: false,
    };
    const { ops } = applyInputs(
      5,
      inputsAt(5, [
        ['r/z1/rack1', drainForRepair],
        ['r/z1/rack1/blade/1', inService],
      ]),
      topology,
      new Set(),
    );
    const puts = ops.filter((o) => o.type === 'put').map((o) => o.key);
    expect(new Set(puts).size).toBe(puts.length);
    const written = targetsWritten(ops);
    expect(written.get('r/z1/rack1/blade/0')?.state).toBe(TargetState.TARGET_STATE_OUT_FOR_REPAIR);
    expect(written.get('r/z1/rack1/blade/1')).toEqual({ ...inService, sinceTick: 5 });
  });

  it('waits for its tick, and skips blades a load removes at the same tick', () => {
    const snapshot = inputsAt(9, [['r/z1/rack1', drainForRepair]]);
    expect(applyInputs(8, snapshot, topology, new Set()).ops).toEqual([]);
    const { ops } = applyInputs(9, snapshot, topology, new Set(['r/z1/rack1/blade/0']));
    expect([...targetsWritten(ops).keys()]).toEqual(['r/z1/rack1/blade/1']);
  });
});
