import { describe, expect, it } from 'vitest';
import {
  ownsPath,
  participantService,
  shardOfPath,
  shardParticipant,
  shardsOf,
  wholeShard,
} from './shards.js';

describe('shards', () => {
  it('names shard participants after their service, and finds the service again', () => {
    expect(shardParticipant('inventory', wholeShard)).toBe('inventory');
    expect(shardParticipant('inventory', { index: 2, count: 4 })).toBe('inventory.2');
    expect(participantService('inventory.2')).toBe('inventory');
    expect(participantService('inventory')).toBe('inventory');
    expect(participantService('inventory-repair')).toBe('inventory-repair');
    expect(shardsOf('inventory', 2)).toEqual([
      { index: 0, count: 2 },
      { index: 1, count: 2 },
    ]);
    expect(shardsOf('faults', 2)).toEqual([wholeShard]);
  });

  it('keeps a rack and everything in it on one shard, and spreads racks over the shards', () => {
    const rack = 'large/z3/rack17';
    const of = (p: string) => shardOfPath(p, 4);
    for (const p of [
      `${rack}/pdu/0`,
      `${rack}/tor/0`,
      `${rack}/blade/5`,
      `${rack}/blade/5/power-cable`,
    ])
      expect(of(p)).toBe(of(rack));
    expect(of('large/z3')).toBe(0);
    const counts = [0, 0, 0, 0];
    for (let z = 1; z <= 4; z++)
      for (let r = 1; r <= 25; r++) counts[of(`large/z${z}/rack${r}/blade/0`)]!++;
    for (const n of counts) expect(n).toBeGreaterThan(10);
    expect(ownsPath(wholeShard, `${rack}/blade/5`)).toBe(true);
  });
});
