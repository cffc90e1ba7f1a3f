import { describe, expect, it } from 'vitest';
import { loadSchedulerConfig } from './config.js';

describe('the scheduler config', () => {
  it('defaults to spread, 5 candidates shown, port 50056', () => {
    const config = loadSchedulerConfig({ env: {} });
    expect(config.scheduler).toEqual({ strategy: 'spread', candidatesShown: 5, weakWeight: 8 });
    expect(config.listen.port).toBe(50056);
  });

  it('reads CHAMBER_SCHEDULER_* and refuses a strategy it does not know', () => {
    const config = loadSchedulerConfig({
      env: { CHAMBER_SCHEDULER_STRATEGY: 'bin_pack', CHAMBER_SCHEDULER_CANDIDATES_SHOWN: '3' },
    });
    expect(config.scheduler).toMatchObject({ strategy: 'bin_pack', candidatesShown: 3 });
    expect(() => loadSchedulerConfig({ env: { CHAMBER_SCHEDULER_STRATEGY: 'random' } })).toThrow(
      /strategy/,
    );
  });
});
