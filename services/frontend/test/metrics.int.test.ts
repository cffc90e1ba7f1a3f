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

  it('counts workloads by phase, instances by state and observed health, pending instances, and placement latency in ticks; a reset zeroes them', async () => {
    f = await startFrontend();
    const blade = 'r1/z1/rack1/blade/0';
    const intent = (n: number, createdTick: number, wanted = true) => ({
      workload: 'web',
      n,
      wanted,
      createdTick: String(createdTick),
    });
    const placement = (n: number, placedTick: number) => ({
      workload: 'web',
      n,
      blade,
      placedTick: String(placedTick),
    });
    const actual = (state: string, sinceTick: number) => ({
      state: `INSTANCE_STATE_${state}`,
      blade,
      sinceTick: String(sinceTick),
    });
    const observed = (health: string, sinceTick: number) => ({
      health: `INSTANCE_HEALTH_${health}`,
      blade,
      sinceTick: String(sinceTick),
    });
    // Present before the frontend started following: loaded by the list, and
    // its placement is not new (no latency observed for it).
    await put(f, keys.instance('web', 9), intent(9, 1));
    await put(f, keys.placement(blade, 'web', 9), placement(9, 2));
    await f.stop();
    f = await f.replica();
    const frontend = f;
    await put(frontend, keys.workload('web'), { phase: 'WORKLOAD_PHASE_PROGRESSING' });
    await put(frontend, keys.workload('db'), { phase: 'WORKLOAD_PHASE_READY' });
    // web/0 pending (refused by the scheduler), web/1 placed, web/2 starting,
    // web/3 running, web/4 lost; web/5 is no longer wanted (stopping); web/9 placed.
    for (let n = 0; n <= 4; n++) await put(frontend, keys.instance('web', n), intent(n, 10));
    await put(frontend, keys.instance('web', 5), intent(5, 3, false));
    await put(frontend, keys.unplaced('web', 0), { workload: 'web', n: 0, sinceTick: '11' });
    await put(frontend, keys.placement(blade, 'web', 1), placement(1, 11));
    await put(frontend, keys.placement(blade, 'web', 2), placement(2, 11));
    await put(frontend, keys.placement(blade, 'web', 3), placement(3, 12));
    await put(frontend, keys.placement(blade, 'web', 4), placement(4, 15));
    await put(frontend, keys.instanceActual('web', 2), actual('STARTING', 12));
    await put(frontend, keys.instanceActual('web', 3), actual('RUNNING', 14));
    await put(frontend, keys.instanceActual('web', 4), actual('LOST', 18));
    await put(frontend, keys.instanceActual('web', 5), actual('STOPPING', 18));
    // An actual record of an earlier web/1 (older than it) does not count.
    await put(frontend, keys.instanceActual('web', 1), actual('STOPPED', 4));
    await put(frontend, keys.instanceObserved('web', 3), observed('RUNNING', 15));
    await put(frontend, keys.instanceObserved('web', 4), observed('FAILED', 19));
    // A placement rewritten is not a new one.
    await put(frontend, keys.placement(blade, 'web', 4), placement(4, 15));
    await put(frontend, keys.clockTick, { tick: '20' });
    const figures = async () => {
      const text = await metrics(frontend);
      return {
        text,
        series: (name: string, label: string) =>
          Object.fromEntries(
            [...text.matchAll(new RegExp(`^${name}\\{${label}="(\\w+)"\\} (\\d+)$`, 'gm'))].map(
              (m) => [m[1]!, Number(m[2])],
            ),
          ),
      };
    };
    await expect.poll(async () => (await metrics(frontend)).includes('chamber_tick 20')).toBe(true);
    const { text, series } = await figures();
    expect(series('chamber_instances', 'state')).toEqual({
      pending: 1,
      placed: 2,
      starting: 1,
      running: 1,
      lost: 1,
    });
    expect(series('chamber_instances_observed', 'health')).toEqual({ running: 1, failed: 1 });
    expect(text).toMatch(/^chamber_instances_pending 1$/m);
    expect(series('chamber_workloads', 'phase')).toEqual({ progressing: 1, ready: 1 });
    // Four new placements, after 1, 1, 2 and 5 ticks.
    expect(text).toMatch(/^chamber_placement_latency_ticks_count 4$/m);
    expect(text).toMatch(/^chamber_placement_latency_ticks_sum 9$/m);
    expect(text).toMatch(/^chamber_placement_latency_ticks_bucket\{le="1"\} 2$/m);
    expect(text).toMatch(/^chamber_placement_latency_ticks_bucket\{le="2"\} 3$/m);

    // A new run: the stepper's reset deletes every record of the world.
    const doomed = (await frontend.store.listKeys('')).filter((k) =>
      [
        keys.workloadsPrefix,
        keys.instancesPrefix,
        keys.placementsPrefix,
        keys.unplacedPrefix,
        keys.instanceActualPrefix,
        keys.instanceObservedPrefix,
      ].some((p) => k.startsWith(p)),
    );
    expect(doomed).toHaveLength(22);
    await frontend.store.txn(
      [],
      doomed.map((key) => ({ type: 'delete' as const, key })),
    );
    await put(frontend, keys.clockTick, { tick: '0' });
    await expect.poll(async () => (await metrics(frontend)).includes('chamber_tick 0')).toBe(true);
    const after = await figures();
    for (const [name, label] of [
      ['chamber_instances', 'state'],
      ['chamber_instances_observed', 'health'],
      ['chamber_workloads', 'phase'],
    ] as const) {
      const counts = after.series(name, label);
      expect(Object.keys(counts).length).toBeGreaterThan(0);
      expect(Object.values(counts).every((c) => c === 0)).toBe(true);
    }
    expect(after.text).toMatch(/^chamber_instances_pending 0$/m);
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
