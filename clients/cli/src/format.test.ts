import { ClockStatus, Policy } from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import {
  formatHeadline,
  formatStatus,
  formatWatchLine,
  policyName,
  statusToJson,
} from './format.js';

const digest = '3fa2c9d1e0b7a6f5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1';

function status(overrides: Partial<ClockStatus> = {}): ClockStatus {
  return {
    ...ClockStatus.fromPartial({}),
    tick: 42,
    settled: true,
    settledTick: 42,
    epoch: 3,
    policy: Policy.POLICY_MANUAL,
    digest,
    deterministic: true,
    seed: 1,
    run: 1,
    ...overrides,
  };
}

describe('formatStatus', () => {
  it('puts a settled clock in one line', () => {
    expect(formatStatus(status())).toEqual([
      'tick 42 (settled) · policy manual · epoch 3 · run 1 seed 1 · digest 3fa2c9d1…',
    ]);
  });

  it('shows the settled tick, the bound and who the tick waits for while it settles', () => {
    const lines = formatStatus(
      status({
        settled: false,
        settledTick: 41,
        until: 50,
        participants: ['inventory', 'monitor'],
        waitingFor: ['monitor'],
      }),
    );
    expect(lines).toEqual([
      'tick 42 (settling; 41 settled) · policy manual · until 50 · epoch 3 · run 1 seed 1 · digest 3fa2c9d1…',
      'waiting for: monitor',
      'participants: inventory, monitor',
    ]);
  });

  it('shows the rate and lag under measured, and lost determinism with its notes', () => {
    const lines = formatStatus(
      status({
        policy: Policy.POLICY_MEASURED,
        rate: 10,
        lagSeconds: 0.25,
        deterministic: false,
        notes: ['tick 7: participant "monitor" was dropped'],
      }),
    );
    expect(lines[0]).toBe(
      'tick 42 (settled) · policy measured at 10 ticks/s · epoch 3 · run 1 seed 1 · digest 3fa2c9d1… · lag 0.25 s · not deterministic',
    );
    expect(lines[1]).toBe('note: tick 7: participant "monitor" was dropped');
  });

  it('leaves out an empty digest', () => {
    expect(formatHeadline(status({ digest: '' }))).not.toContain('digest');
  });

  it('gives watch one line, with who the tick waits for', () => {
    expect(formatWatchLine(status({ settled: false, waitingFor: ['a', 'b'] }))).toMatch(
      / · waiting for a, b$/,
    );
    expect(formatWatchLine(status())).toBe(formatHeadline(status()));
  });
});

describe('statusToJson', () => {
  it('carries every field, zeros, empty lists and an absent bound included', () => {
    const json = statusToJson(status({ tick: 0, settledTick: 0 }));
    expect(JSON.parse(JSON.stringify(json))).toEqual({
      tick: 0,
      settled: true,
      settledTick: 0,
      epoch: 3,
      policy: 'POLICY_MANUAL',
      rate: 0,
      digest,
      until: null,
      participants: [],
      waitingFor: [],
      deterministic: true,
      notes: [],
      lagSeconds: 0,
      seed: 1,
      run: 1,
      oldestTick: 0,
    });
    expect(statusToJson(status({ until: 9 })).until).toBe(9);
  });

  it('names the history kept once older ticks are compacted', () => {
    expect(formatStatus(status({ settledTick: 12_345, oldestTick: 2_345 }))).toContain(
      'history: ticks 2345 to 12345 (older ones compacted; --at reads these)',
    );
    expect(formatStatus(status({ oldestTick: 0 })).join('\n')).not.toContain('history');
  });
});

describe('policy names', () => {
  it("are the API's words, one spelling each", () => {
    expect(policyName(Policy.POLICY_NO_WAIT)).toBe('no_wait');
    expect(policyName(Policy.POLICY_MEASURED)).toBe('measured');
    expect(policyName(Policy.POLICY_UNSPECIFIED)).toBe('unspecified');
  });
});
