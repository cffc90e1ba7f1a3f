import { describe, expect, it } from 'vitest';
import {
  enumTypes,
  serviceOfKey,
  faultKinds,
  faultTargetError,
  fromWire,
  instanceOfKey,
  isValidWorkloadName,
  isBookkeeping,
  isProtocolKey,
  isOneOf,
  isValidParticipantName,
  keys,
  parseElementPath,
  prefixOfKey,
  pathOfViewKey,
  toWire,
  viewKey,
  wordOf,
} from './index.js';

describe('the vocabulary', () => {
  it('converts each value between the API word and the wire name', () => {
    expect(toWire(enumTypes.faultKind, 'power_loss')).toBe('FAULT_KIND_POWER_LOSS');
    expect(fromWire(enumTypes.faultKind, 'FAULT_KIND_POWER_LOSS')).toBe('power_loss');
    expect(fromWire(enumTypes.policy, 'POLICY_NO_WAIT')).toBe('no_wait');
    expect(fromWire(enumTypes.policy, 'POLICY_UNSPECIFIED')).toBeUndefined();
    expect(fromWire(enumTypes.policy, 'FAULT_KIND_CRASH')).toBeUndefined();
    for (const kind of faultKinds) {
      const wire = toWire(enumTypes.faultKind, kind);
      expect(fromWire(enumTypes.faultKind, wire)).toBe(kind);
      expect(wordOf(wire)).toBe(kind.replace(/_/g, ' '));
    }
    expect(isOneOf(faultKinds, 'crash')).toBe(true);
    expect(isOneOf(faultKinds, 'CRASH')).toBe(false);
  });

  it('says what each fault kind may target', () => {
    const tor = parseElementPath('r/z1/rack1/tor/0');
    expect(faultTargetError('network_loss', tor)).toBeUndefined();
    expect(faultTargetError('crash', parseElementPath('r/z1'))).toBeUndefined();
    expect(faultTargetError('stuck_cable', parseElementPath('r/z1/rack1/blade/2'))).toBeUndefined();
    expect(faultTargetError('crash', tor)).toBe(
      'a crash fault cannot target tor "r/z1/rack1/tor/0"; it acts on blade (or everything of those in a region, zone or rack)',
    );
  });

  it('lays out the keys of a view and tells bookkeeping from the world', () => {
    expect(viewKey('actual', 'r/z1/rack1/blade/3')).toBe('actual/r/z1/rack1/blade/3');
    expect(pathOfViewKey('actual', 'actual/r/z1')).toBe('r/z1');
    expect(pathOfViewKey('observed', 'actual/r/z1')).toBeUndefined();
    expect(keys.tickIndex(42)).toBe('ticks/000000000042');
    expect(prefixOfKey(viewKey('actual', 'r/z1'))).toBe(keys.actualPrefix);
    expect(prefixOfKey(`${keys.definitionInputsPrefix}d1`)).toBe(keys.definitionInputsPrefix);
    expect(prefixOfKey(keys.definitionSource)).toBe(keys.sourcesPrefix);
    expect(prefixOfKey('elsewhere/x')).toBeUndefined();
    expect(keys.service('tracesink', 'a1').startsWith(keys.instancesOf('tracesink'))).toBe(true);
    expect(serviceOfKey(keys.service('tracesink', 'a1'))).toEqual({
      name: 'tracesink',
      instance: 'a1',
    });
    expect(serviceOfKey(keys.user('a1'))).toBeUndefined();
    expect(isBookkeeping(keys.clockTick)).toBe(true);
    expect(isBookkeeping(keys.ack('monitor'))).toBe(true);
    // A scenario run's record is not part of the world: a run's digest does not depend on it.
    expect(isBookkeeping(keys.scenarioRun('r1'))).toBe(true);
    expect(isBookkeeping(keys.fault('f1'))).toBe(false);
    expect(isBookkeeping(viewKey('target', 'r'))).toBe(false);
    // The input journal: outside the digest, waking no one, in the order inputs take effect.
    expect(isBookkeeping(keys.journalEntry(12, 3))).toBe(true);
    expect(isProtocolKey(keys.journalEntry(12, 3))).toBe(true);
    expect(keys.journalEntry(9, 10) < keys.journalEntry(10, 2)).toBe(true);
    expect(keys.journalEntry(10, 2) < keys.journalEntry(10, 10)).toBe(true);
  });

  it('accepts a participant name only when it can be part of a key', () => {
    expect(isValidParticipantName('inventory-repair')).toBe(true);
    expect(isValidParticipantName('shard.1_a')).toBe(true);
    expect(isValidParticipantName('')).toBe(false);
    expect(isValidParticipantName('a/b')).toBe(false);
    expect(isValidParticipantName('Monitor')).toBe(false);
    expect(isValidParticipantName('x'.repeat(64))).toBe(false);
  });

  it('names an instance by its key, whichever record it is, and a placement by its blade too', () => {
    expect(instanceOfKey(keys.instance('web', 3))).toEqual({ workload: 'web', n: 3 });
    expect(instanceOfKey(keys.instanceActual('web', 12))).toEqual({ workload: 'web', n: 12 });
    expect(instanceOfKey(keys.unplaced('db', 0))).toEqual({ workload: 'db', n: 0 });
    expect(instanceOfKey(keys.placement('r/z1/rack2/blade/7', 'web', 3))).toEqual({
      blade: 'r/z1/rack2/blade/7',
      workload: 'web',
      n: 3,
    });
    expect(instanceOfKey(keys.workload('web'))).toBeUndefined();
    expect(instanceOfKey('instances/web/x')).toBeUndefined();
    expect(prefixOfKey(keys.instanceObserved('web', 1))).toBe(keys.instanceObservedPrefix);
  });

  it('accepts a workload name only when it can be part of a key and a URL', () => {
    expect(isValidWorkloadName('web-frontend-2')).toBe(true);
    expect(isValidWorkloadName('2web')).toBe(false);
    expect(isValidWorkloadName('web/1')).toBe(false);
    expect(isValidWorkloadName('Web')).toBe(false);
    expect(isValidWorkloadName('w'.repeat(64))).toBe(false);
  });
});
