import { PendingRecord } from '@chamber/protos';
import type { WatchEvent } from '@chamber/store';
import { describe, expect, it } from 'vitest';
import { ChangedKeys, PendingInputs } from './wake-index.js';

let revision = 0;
function put(key: string, owner: string, effectiveTick: number): WatchEvent {
  return {
    type: 'put',
    key,
    value: JSON.stringify(PendingRecord.toJSON({ owner, effectiveTick })),
    modRevision: ++revision,
    createRevision: revision,
  };
}
function del(key: string): WatchEvent {
  return { type: 'delete', key, value: undefined, modRevision: ++revision, createRevision: 0 };
}

describe('PendingInputs', () => {
  it('summarises the markers by owner and effective tick, following puts, rewrites and deletes', () => {
    const pending = new PendingInputs();
    for (let i = 0; i < 500; i++) pending.apply(put(`pending/fault/f1-${i}`, 'faults', 1));
    for (let i = 0; i < 500; i++) pending.apply(put(`pending/command/c1-${i}`, 'inventory', 1));
    pending.apply(put('pending/command/c1-0', 'inventory', 2));
    pending.apply(put('actual/r1', 'inventory', 9));
    expect(pending.summary()).toEqual([
      { owner: 'faults', effectiveTick: 1 },
      { owner: 'inventory', effectiveTick: 1 },
      { owner: 'inventory', effectiveTick: 2 },
    ]);
    for (let i = 0; i < 500; i++) pending.apply(del(`pending/fault/f1-${i}`));
    pending.apply(del('pending/command/c1-0'));
    pending.apply(del('pending/nothing'));
    expect(pending.summary()).toEqual([{ owner: 'inventory', effectiveTick: 1 }]);
    for (let i = 1; i < 500; i++) pending.apply(del(`pending/command/c1-${i}`));
    expect(pending.summary()).toEqual([]);
  });
});

describe('ChangedKeys', () => {
  it('gives one changed key per participant it wakes, whether the key came before or after it was asked', () => {
    const changed = new ChangedKeys();
    const inventory = { reactsTo: ['commands/', 'faults/', 'inputs/faults/'] };
    const faults = { reactsTo: ['fixes/'] };
    const idle = { reactsTo: [] };
    changed.add('pending/fault/f1-1');
    changed.add('inputs/faults/f1-1');
    changed.add('inputs/faults/f1-2');
    expect(changed.wakersOf([inventory, faults, idle])).toEqual(['inputs/faults/f1-1']);
    changed.add('fixes/f1-1/r1');
    expect(changed.wakersOf([inventory, faults, idle])).toEqual([
      'inputs/faults/f1-1',
      'fixes/f1-1/r1',
    ]);
    // A participant registered since: matched against every key once.
    expect(changed.wakersOf([{ reactsTo: ['pending/'] }])).toEqual(['pending/fault/f1-1']);
    expect(new ChangedKeys().wakersOf([inventory, faults])).toEqual([]);
  });
});
