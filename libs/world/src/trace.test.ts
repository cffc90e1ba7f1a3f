import { describe, expect, it } from 'vitest';
import { clockSpanNames, isBookkeepingSpan, tickSpanName } from './index.js';

describe('isBookkeepingSpan', () => {
  it("holds the clock's spans and every participant's tick span", () => {
    expect(isBookkeepingSpan(clockSpanNames.publish)).toBe(true);
    expect(isBookkeepingSpan(clockSpanNames.settle)).toBe(true);
    expect(isBookkeepingSpan(tickSpanName('monitor'))).toBe(true);
    expect(isBookkeepingSpan(tickSpanName('inventory-repair'))).toBe(true);
  });

  it('leaves out decisions and spans merely named like a tick', () => {
    expect(isBookkeepingSpan('repair.decision')).toBe(false);
    expect(isBookkeepingSpan('monitor.observe')).toBe(false);
    expect(isBookkeepingSpan('.tick')).toBe(false);
    expect(isBookkeepingSpan('clock.step')).toBe(false);
  });
});
