import { PendingRecord } from '@chamber/protos';
import { keys, viewKey } from '@chamber/world';
import { describe, expect, it } from 'vitest';
import { ChangedKeys, PendingInputs, type KeyEvent } from './wake-index.js';

function put(key: string, owner: string, effectiveTick: number): KeyEvent {
  return {
    type: 'put',
    key,
    value: JSON.stringify(PendingRecord.toJSON({ owner, effectiveTick })),
  };
}
function del(key: string): KeyEvent {
  return { type: 'delete', key };
}

describe('PendingInputs', () => {
  it('summarises the markers by owner and effective tick, following puts, rewrites and deletes', () => {
    const pending = new PendingInputs();
    for (let i = 0; i < 500; i++) pending.apply(put(keys.pending(`fault/f1-${i}`), 'faults', 1));
    for (let i = 0; i < 500; i++)
      pending.apply(put(keys.pending(`command/c1-${i}`), 'inventory', 1));
    pending.apply(put(keys.pending('command/c1-0'), 'inventory', 2));
    pending.apply(put(viewKey('actual', 'r1'), 'inventory', 9));
    expect(pending.summary()).toEqual([
      { owner: 'faults', effectiveTick: 1 },
      { owner: 'inventory', effectiveTick: 1 },
      { owner: 'inventory', effectiveTick: 2 },
    ]);
    for (let i = 0; i < 500; i++) pending.apply(del(keys.pending(`fault/f1-${i}`)));
    pending.apply(del(keys.pending('command/c1-0')));
    pending.apply(del(keys.pending('nothing')));
    expect(pending.summary()).toEqual([{ owner: 'inventory', effectiveTick: 1 }]);
    for (let i = 1; i < 500; i++) pending.apply(del(keys.pending(`command/c1-${i}`)));
    expect(pending.summary()).toEqual([]);
  });
});

describe('ChangedKeys', () => {
  it('gives one changed key per participant it wakes, whether the key came before or after it was asked', () => {
    const changed = new ChangedKeys();
    const inventory = {
      reactsTo: [keys.commandsPrefix, keys.faultsPrefix, keys.inputsOf('faults')],
    };
    const faults = { reactsTo: [keys.fixesPrefix] };
    const idle = { reactsTo: [] };
    changed.add(keys.pending('fault/f1-1'));
    changed.add(keys.input('faults', 'f1-1'));
    changed.add(keys.input('faults', 'f1-2'));
    expect(changed.wakersOf([inventory, faults, idle])).toEqual([keys.input('faults', 'f1-1')]);
    changed.add(keys.fix('f1-1', 'r1'));
    expect(changed.wakersOf([inventory, faults, idle])).toEqual([
      keys.input('faults', 'f1-1'),
      keys.fix('f1-1', 'r1'),
    ]);
    // A participant registered since: matched against every key once.
    expect(changed.wakersOf([{ reactsTo: [keys.pendingPrefix] }])).toEqual([
      keys.pending('fault/f1-1'),
    ]);
    expect(new ChangedKeys().wakersOf([inventory, faults])).toEqual([]);
  });
});
