import { describe, expect, it } from 'vitest';
import { isWireName, wireNameOf, wordOf } from './index.js';

describe('wordOf', () => {
  it('says the value of a wire name in words, abbreviations in capitals', () => {
    expect(wordOf('BLADE_STATE_WORKING')).toBe('working');
    expect(wordOf('TARGET_STATE_IN_SERVICE')).toBe('in service');
    expect(wordOf('DEVICE_KIND_PDU')).toBe('PDU');
    expect(wordOf('ELEMENT_KIND_TOR')).toBe('TOR');
    expect(wordOf('FAULT_KIND_POWER_LOSS')).toBe('power loss');
    expect(wordOf('STEP_ACTION_POWER_CYCLE')).toBe('power cycle');
    expect(wordOf('POLICY_NO_WAIT')).toBe('no wait');
    expect(wordOf('VIEW_OBSERVED')).toBe('observed');
    expect(wordOf('OBSERVED_STATE_HEALTHY')).toBe('healthy');
    expect(wordOf('BLADE_STATE_UNSPECIFIED')).toBe('not set');
  });

  it('gives a value no table knows its word (a value added to a proto later)', () => {
    expect(wordOf('REPAIR_OUTCOME_RECOVERED_ON_ITS_OWN')).toBe('recovered on its own');
    expect(wordOf('WORKLOAD_INSTANCE_STATE_DRAINING')).toBe('draining');
  });

  it('leaves text that is no wire name as it is', () => {
    for (const text of ['standard/z1/rack3/pdu/0', 'f13-1', 'PDU 0 lost power', 'OK', 'X_Y']) {
      expect(isWireName(text)).toBe(false);
      expect(wordOf(text)).toBe(text);
    }
    expect(wordOf(undefined)).toBe('');
    expect(wordOf('')).toBe('');
  });

  it('turns a word back into the wire name of its type', () => {
    expect(wireNameOf('TARGET_STATE', 'in service')).toBe('TARGET_STATE_IN_SERVICE');
    expect(wireNameOf('FAULT_KIND', 'power_loss')).toBe('FAULT_KIND_POWER_LOSS');
    expect(wordOf(wireNameOf('POLICY', 'no-wait'))).toBe('no wait');
  });
});
