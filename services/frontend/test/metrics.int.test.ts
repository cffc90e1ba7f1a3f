import { keys, viewKey } from '@chamber/world';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startFrontend, type TestFrontend } from './helpers.js';

let f: TestFrontend | undefined;
afterEach(async () => {
  await f?.stop();
});

async function metrics(frontend: TestFrontend): Promise<string> {
  const res = await fetch(`${frontend.url}/metrics`);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

const put = (frontend: TestFrontend, key: string, value: unknown) =>
  frontend.store.txn([], [{ type: 'put', key, value: JSON.stringify(value) }]);

/** `chamber_frontend_store_events_total` by kind: the changes etcd delivered to the frontend. */
function received(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^chamber_frontend_store_events_total\{kind="(\w+)"\} (\d+)$/gm)) {
    counts[m[1]!] = Number(m[2]);
  }
  return counts;
}

describe('frontend: /metrics', () => {
  it('is sent only the changes it serves: not the clock bookkeeping, definitions, targets or commands', async () => {
    f = await startFrontend();
    const frontend = f;
    // What other services write every tick or on a load, which the frontend never reads.
    for (let i = 0; i < 10; i++) await put(frontend, keys.ack(`participant-${i}`), { tick: '1' });
    await put(frontend, keys.tickIndex(1), { revision: '3' });
    await put(frontend, viewKey('definition', 'r1/z1/rack1/blade/0'), { index: 0 });
    await put(frontend, viewKey('target', 'r1/z1/rack1/blade/0'), {
      state: 'TARGET_STATE_IN_SERVICE',
    });
    await put(frontend, keys.command('c1'), { kind: 'COMMAND_KIND_POWER_ON' });
    // Then what it serves: once the tick shows, every earlier change has arrived.
    await put(frontend, viewKey('actual', 'r1/z1/rack1/blade/0'), { state: 'BLADE_STATE_WORKING' });
    await put(frontend, keys.clockTick, { tick: '1' });
    await expect.poll(() => metrics(frontend)).toContain('chamber_tick 1');
    expect(received(await metrics(frontend))).toEqual({ actual: 1, clock: 1 });
  });

  it('counts blades by actual and observed state, active faults by kind and repairs by status as records change', async () => {
    f = await startFrontend();
    const blade = (n: number) => `r1/z1/rack1/blade/${n}`;
    // Present before the frontend started following: loaded by the list.
    await put(f, viewKey('actual', blade(0)), { state: 'BLADE_STATE_WORKING' });
    await f.stop();
    f = await f.replica();
    await put(f, viewKey('actual', blade(1)), { state: 'BLADE_STATE_WORKING' });
    await put(f, viewKey('actual', blade(2)), { state: 'BLADE_STATE_CRASHED' });
    await put(f, viewKey('observed', blade(2)), { state: 'OBSERVED_STATE_FAILED' });
    await put(f, keys.fault('f1-1'), { kind: 'FAULT_KIND_CRASH', status: 'FAULT_STATUS_ACTIVE' });
    await put(f, keys.fault('f1-2'), { kind: 'FAULT_KIND_HANG', status: 'FAULT_STATUS_CLEARED' });
    await put(f, keys.repair('r1-1'), { status: 'REPAIR_STATUS_RUNNING' });
    await put(f, keys.clockTick, { tick: '7' });
    await put(f, keys.clockSettled, { tick: '7' });
    const frontend = f;
    await vi.waitFor(async () => {
      const text = await metrics(frontend);
      expect(text).toContain('chamber_blades_actual{state="working"} 2');
      expect(text).toContain('chamber_blades_actual{state="crashed"} 1');
      expect(text).toContain('chamber_blades_observed{state="failed"} 1');
      expect(text).toContain('chamber_faults_active{kind="crash"} 1');
      expect(text).not.toContain('chamber_faults_active{kind="hang"}');
      expect(text).toContain('chamber_repairs{status="running"} 1');
      expect(text).toContain('chamber_tick 7');
      expect(text).toContain('chamber_tick_settle_seconds_count 1');
    });

    // A repaired blade moves between states; a deleted one leaves the count.
    await put(frontend, viewKey('actual', blade(2)), { state: 'BLADE_STATE_WORKING' });
    await frontend.store.delete(viewKey('actual', blade(0)));
    await put(frontend, keys.fault('f1-1'), {
      kind: 'FAULT_KIND_CRASH',
      status: 'FAULT_STATUS_CLEARED',
    });
    await vi.waitFor(async () => {
      const text = await metrics(frontend);
      expect(text).toContain('chamber_blades_actual{state="working"} 2');
      expect(text).toContain('chamber_blades_actual{state="crashed"} 0');
      expect(text).toContain('chamber_faults_active{kind="crash"} 0');
    });
  });

  it('times HTTP requests by route', async () => {
    f = await startFrontend();
    await f.anonymous().call('getOpenApi');
    const text = await metrics(f);
    expect(text).toMatch(
      /chamber_http_request_duration_seconds_count\{route="getOpenApi",method="GET",status="200"\} 1/,
    );
  });
});
