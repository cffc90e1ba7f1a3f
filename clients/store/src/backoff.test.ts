import { describe, expect, it } from 'vitest';
import { pause, reconnectBackoff, reconnectDelay } from './backoff.js';

describe('reconnectDelay', () => {
  it('doubles from the initial delay and stays at the cap, however long the outage', () => {
    expect([0, 1, 2, 3, 4, 5, 100, 10_000].map(reconnectDelay)).toEqual([
      100, 200, 400, 800, 1_000, 1_000, 1_000, 1_000,
    ]);
    expect(reconnectDelay(0)).toBe(reconnectBackoff.initialMs);
    expect(reconnectDelay(1e9)).toBe(reconnectBackoff.maxMs);
  });
});

describe('pause', () => {
  it('ends at once when its holder stops, and does not wait at all once it has', async () => {
    const stop = new AbortController();
    // A day: only the abort can end it within the test.
    const waiting = pause(86_400_000, stop.signal);
    stop.abort();
    await waiting;
    await pause(86_400_000, stop.signal);
  });
});
