import { ApiClient } from '@chamber/api';
import { startEtcd } from '@chamber/etcd-process';
import { FaultKind, HistoryRecord } from '@chamber/protos';
import { budgets, etcdProxy, freePortRun } from '@chamber/testing';
import { keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { startInventoryWorld, twoRacks } from './inventory-world.js';
import { startFrontendProcess } from './processes.js';

// Issue 16: the frontend's watches (its store feed, the metrics and the
// settled cache it feeds, the accounts) survive a compaction. The frontend
// process reaches etcd through a proxy that is cut while the clock runs far
// past the history window, so the stepper compacts what its watches were to
// resume from; once etcd is back it starts again as a restart would.
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const retentionTicks = 20;
const adminPassword = 'correct horse battery staple';

describe('the frontend across a compaction', () => {
  it(
    'reloads its feeds as a restart would when its watches fell behind a compaction, and follows on',
    async () => {
      // Compaction is etcd-wide: an etcd of the test's own.
      const etcd = await startEtcd();
      cleanup.push(() => etcd.stop());
      const endpoints = [...etcd.endpoints];
      const world = await startInventoryWorld('frontend-compaction', {
        endpoints,
        seed: 5,
        stepper: { retentionTicks },
      });
      cleanup.push(() => world.close());
      await world.load(twoRacks, 'tiny.yaml');
      // Work at most ticks, so ticks are indexed and the window moves.
      const blades = Array.from({ length: 8 }, (_, i) => `r1/z1/rack${1 + (i % 2)}/blade/${i % 4}`);
      await world.faults.inject(FaultKind.FAULT_KIND_CRASH, blades, { mtbf: 10, mttr: 5 });
      const proxy = await etcdProxy(new URL(endpoints[0]!));
      cleanup.push(() => proxy.cut());
      const port = await freePortRun(1);
      const frontend = startFrontendProcess({
        endpoints: [proxy.endpoint],
        simulation: world.simulation,
        port,
        adminPassword,
        services: world.addresses,
      });
      cleanup.push(() => frontend.kill('SIGTERM'));
      await frontend.waitForLine(/frontend serving/);
      const baseUrl = `http://127.0.0.1:${port}`;
      const login = await new ApiClient({ baseUrl }).call('logIn', {
        body: { user: 'admin', password: adminPassword },
      });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const get = (path: string) => fetch(`${baseUrl}${path}`, { headers: { cookie } });
      /** The tick of the inventory summary the frontend answers (kept until the next settle it sees). */
      const summaryTick = async () =>
        ((await (await get('/api/v1/inventory/summary')).json()) as { tick: number }).tick;
      /** The settled tick in the frontend's metrics (fed by its store feed). */
      const metricTick = async () =>
        Number(/^chamber_settled_tick (\d+)/m.exec(await (await get('/metrics')).text())?.[1]);

      await world.clock.step(1);
      const before = await world.now();
      await expect.poll(metricTick).toBe(before);
      await expect.poll(summaryTick).toBe(before);

      // Cut off while the clock runs far past the window: etcd compacts what
      // the frontend's watches were to resume from.
      await proxy.cut();
      await world.clock.runUntil(before + 10 * retentionTicks);
      await expect
        .poll(async () => (await world.store.get(HistoryRecord, keys.clockHistory))?.value)
        .toMatchObject({ compactedRevision: expect.any(Number) as number });
      await proxy.restore();

      // As after a restart: its figures and answers are the present's (the
      // old code's watches died there: the metrics and the kept answers stayed
      // at the tick before the cut).
      const now = await world.now();
      await expect.poll(metricTick).toBe(now);
      await expect.poll(summaryTick).toBe(now);
      // And it follows on.
      await world.clock.step(1);
      await expect.poll(metricTick).toBe(now + 1);
      await expect.poll(summaryTick).toBe(now + 1);
      // Its accounts too: a token made now (through it) authenticates.
      const made = await new ApiClient({ baseUrl, cookie }).call<{ token: string }>('createToken', {
        body: { name: 'after-compaction' },
      });
      const script = new ApiClient({ baseUrl, token: made.body.token });
      expect((await script.call<{ via: string }>('getCurrentSession')).body.via).toBe('token');
    },
    budgets.longTestMs,
  );
});
