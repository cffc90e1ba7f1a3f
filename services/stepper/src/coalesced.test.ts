import { describe, expect, it } from 'vitest';
import { Coalesced } from './coalesced.js';

describe('Coalesced', () => {
  it('runs once more after the run in progress however many kicks came meanwhile, never two at once', async () => {
    let running = 0;
    let runs = 0;
    let release: () => void = () => undefined;
    const runner = new Coalesced(
      async () => {
        running++;
        expect(running).toBe(1);
        runs++;
        if (runs === 1) await new Promise<void>((r) => (release = r));
        running--;
      },
      () => undefined,
    );
    runner.kick();
    runner.kick();
    runner.kick();
    release();
    await expect.poll(() => runs).toBe(2);
    await runner.stop();
    expect(runs).toBe(2);
  });

  it('hands a failed run to onError and runs again at the next kick; none after stop', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const runner = new Coalesced(
      () => {
        runs++;
        return runs === 1 ? Promise.reject(new Error('boom')) : Promise.resolve();
      },
      (error) => errors.push(error),
    );
    runner.kick();
    await new Promise((r) => setImmediate(r));
    expect(errors).toHaveLength(1);
    runner.kick();
    await runner.stop();
    runner.kick();
    expect(runs).toBe(2);
  });
});
