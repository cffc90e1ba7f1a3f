import { afterEach, describe, expect, it } from 'vitest';
import { startInventoryWorld, twoRacks, type InventoryWorld } from './inventory-world.js';

let world: InventoryWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('the inventory service', () => {
  it('installs a definition and brings its blades up: off, powered, booting, working', async () => {
    world = await startInventoryWorld('inv-boot');
    const { effectiveTick: e } = await world.load(twoRacks);
    const blade = 'r1/z1/rack1/blade/0';
    expect((await world.blade(blade)).state).toBe(1); // OFF
    await world.clock.step(1);
    expect(await world.bladeStates()).toEqual(
      Object.fromEntries(
        ['rack1', 'rack2'].flatMap((r) =>
          [0, 1, 2, 3].map((b) => [`r1/z1/${r}/blade/${b}`, 'POWERED']),
        ),
      ),
    );
    await world.clock.step(1);
    expect((await world.blade(blade)).state).toBe(3); // BOOTING
    await world.clock.step(2);
    const states = await world.bladeStates();
    expect(new Set(Object.values(states))).toEqual(new Set(['WORKING']));
    expect((await world.blade(blade)).sinceTick).toBe(e + 4);
  });
});
