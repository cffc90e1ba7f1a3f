import {
  ObservedState,
  RepairStatus,
  StepAction,
  type ObservedRecord,
  type RepairRecord,
} from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import { closing, isDone, issuedOutcome } from './closing.js';

const healthy: ObservedRecord = {
  state: ObservedState.OBSERVED_STATE_HEALTHY,
  sinceTick: 12,
  reason: 'reports on',
  lastHeartbeatTick: 0,
};
const replace = { action: StepAction.STEP_ACTION_REPLACE, maxAttempts: 1, delayTicks: 10 };
const waiting: RepairRecord = {
  id: 'r3-1',
  target: 'standard/z1/rack3/pdu/0',
  status: RepairStatus.REPAIR_STATUS_RUNNING,
  plan: [replace],
  currentStep: 0,
  attempts: 0,
  commandId: '',
  deadlineTick: 0,
  nextTick: 13,
  openedTick: 3,
  closedTick: 0,
  reason: 'waiting 10 ticks for a technician to replace standard/z1/rack3/pdu/0',
  history: [
    { tick: 3, step: 0, action: replace.action, commandId: '', outcome: 'opened', reason: '…' },
    { tick: 3, step: 0, action: replace.action, commandId: '', outcome: 'waiting', reason: '…' },
  ],
  purpose: 'repair',
};

describe('closing a repair', () => {
  it('is done when observed healthy (a power-down: when observed failed)', () => {
    expect(isDone(waiting, healthy)).toBe(true);
    expect(isDone(waiting, undefined)).toBe(false);
    expect(isDone({ ...waiting, purpose: 'power-down' }, healthy)).toBe(false);
  });

  it('says the element recovered on its own when no step was taken, never succeeded', () => {
    expect(closing(waiting, 'pdu', healthy)).toEqual({
      status: RepairStatus.REPAIR_STATUS_RECOVERED,
      outcome: 'recovered',
      reason:
        'pdu standard/z1/rack3/pdu/0 observed healthy again since tick 12 before any step was taken: it recovered on its own',
    });
  });

  it('succeeds after a step it issued, naming the step and attempt', () => {
    const issued: RepairRecord = {
      ...waiting,
      attempts: 1,
      commandId: 'r3-1-2',
      history: [
        ...waiting.history,
        {
          tick: 13,
          step: 0,
          action: replace.action,
          commandId: 'r3-1-2',
          outcome: issuedOutcome,
          reason: '…',
        },
      ],
    };
    expect(closing(issued, 'pdu', healthy)).toEqual({
      status: RepairStatus.REPAIR_STATUS_SUCCEEDED,
      outcome: 'healthy',
      reason:
        'pdu standard/z1/rack3/pdu/0 observed healthy again since tick 12, after replace (attempt 1 of 1)',
    });
    // Moved on to a step not tried yet: the earlier step's command did it.
    expect(closing({ ...issued, attempts: 0, currentStep: 1 }, 'pdu', healthy).reason).toBe(
      'pdu standard/z1/rack3/pdu/0 observed healthy again since tick 12, after replace (command r3-1-2)',
    );
  });
});
