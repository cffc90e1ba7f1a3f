// The README's example, run as written: a harness that starts a Chamber of
// its own, crashes a blade, and asserts that the control plane sees it and
// repairs it. Everything it waits for is counted in ticks.
import { start, type StartedChamber } from '../src/index.js';
import { afterAll, beforeAll, expect, it } from 'vitest';

let chamber: StartedChamber;
beforeAll(async () => {
  chamber = await start({ seed: 7 });
});
afterAll(async () => {
  await chamber?.stop();
});

it('sees a crashed blade observed failed, then repaired', async () => {
  const blade = 'standard/z1/rack2/blade/5';
  await chamber.expectState(blade, 'healthy', { view: 'observed', within: 40 });

  // A fault takes effect at the next tick.
  const injectedAt = await chamber.tick();
  await chamber.inject('crash', [blade]);
  expect(await chamber.expectState(blade, 'crashed', { within: 1 })).toBe(injectedAt + 1);

  const failed = await chamber.expectState(blade, 'failed', { view: 'observed', within: 20 });
  const repair = await chamber.expectRepair(blade, { since: failed, within: 60 });
  expect(repair.reason).toMatch(/observed healthy again/);
  await chamber.expectState(blade, 'working');
});

it('says what it saw when an expectation does not hold', async () => {
  await expect(
    chamber.expectState('standard/z1/rack3/blade/0', 'failed', { view: 'observed', within: 2 }),
  ).rejects.toThrow(
    /^expected standard\/z1\/rack3\/blade\/0 observed to be failed within 2 ticks: it was healthy at tick \d+$/,
  );
});
