import {
  AvailabilitySample,
  BladeActual,
  BladeState,
  InstanceActual,
  InstanceHealth,
  InstanceObserved,
  InstanceState,
  ObservedRecord,
  ObservedState,
  PduActual,
  PduState,
  WorkloadPhase,
  WorkloadRecord,
  WorkloadSpec,
} from '@chamber/protos';
import {
  encode,
  memorySnapshot,
  op,
  type Op,
  type Snapshot,
  type TickInput,
} from '@chamber/reactor';
import { keys, ownsPath, viewKey } from '@chamber/world';
import { describe, expect, it } from 'vitest';
import { MonitorReactor } from './reactor.js';

// The monitor's tick with no store: a snapshot held in memory, the reaction
// compared with what the host would write and record.

/** A snapshot of `records` (key → JSON text). */
function snapshotOf(records: ReadonlyMap<string, string>): Snapshot {
  return memorySnapshot(
    [...records].map(([key, value]) => ({
      key,
      value,
      modRevision: 1,
      createRevision: 1,
      version: 1,
    })),
  );
}

const blade = 'r/z1/rack1/blade/0';
const pdu = 'r/z1/rack1/pdu/0';
const thresholds = { suspectAfter: 2, failedAfter: 4, installGrace: 30 };

const bladeActual = (state: BladeState, sinceTick: number): string =>
  encode(BladeActual, { ...BladeActual.fromPartial({}), state, sinceTick, reason: 'crashed' });
const healthy: ObservedRecord = {
  state: ObservedState.OBSERVED_STATE_HEALTHY,
  sinceTick: 6,
  reason: 'first heartbeat at tick 5',
  lastHeartbeatTick: 0,
};

const input = (tick: number, snapshot: Snapshot, changes?: readonly string[]): TickInput => ({
  tick,
  run: 1,
  seed: 7,
  snapshot,
  changes: changes === undefined ? undefined : new Set(changes),
});

describe('the monitor reactor', () => {
  it('counts missed heartbeats by its own deadlines and explains each transition into trouble', async () => {
    const world = new Map([
      [viewKey('actual', blade), bladeActual(BladeState.BLADE_STATE_WORKING, 5)],
      [viewKey('observed', blade), encode(ObservedRecord, healthy)],
    ]);
    const monitor = new MonitorReactor(thresholds);
    // As after a restart, every element once: a working blade observed healthy changes nothing.
    expect(await monitor.react(input(7, snapshotOf(world)))).toEqual({
      writes: [],
      decisions: [],
      nextWakeup: null,
    });

    // Crashed at 7, seen at 8: still healthy, with its last heartbeat; suspect is due at 9.
    world.set(viewKey('actual', blade), bladeActual(BladeState.BLADE_STATE_CRASHED, 7));
    const crashed = await monitor.react(input(8, snapshotOf(world), [viewKey('actual', blade)]));
    const quiet: ObservedRecord = {
      ...healthy,
      reason: 'no heartbeat since tick 6',
      lastHeartbeatTick: 6,
    };
    expect(crashed).toEqual({
      writes: [op.put(ObservedRecord, viewKey('observed', blade), quiet)],
      decisions: [],
      nextWakeup: 9,
    });
    world.set(viewKey('observed', blade), encode(ObservedRecord, quiet));

    // Nothing changed but the deadline: suspect, a warning from healthy to suspect.
    const suspect = await monitor.react(input(9, snapshotOf(world), []));
    const reason = 'no heartbeat since tick 6 (2 missed); the blade reports nothing (crashed)';
    expect(suspect.writes).toEqual([
      op.put(ObservedRecord, viewKey('observed', blade), {
        state: ObservedState.OBSERVED_STATE_SUSPECT,
        sinceTick: 9,
        reason,
        lastHeartbeatTick: 6,
      }),
    ]);
    expect(suspect.decisions).toEqual([
      {
        name: 'monitor.transition',
        tick: 9,
        target: blade,
        reason,
        severity: 'warn',
        attributes: { 'chamber.from': 'healthy', 'chamber.to': 'suspect' },
      },
    ]);
    expect(suspect.nextWakeup).toBe(11);
    // No tick in between: nothing is due, nothing is written.
    expect(await monitor.react(input(10, snapshotOf(world), []))).toEqual({
      writes: [],
      decisions: [],
      nextWakeup: 11,
    });
  });

  it('observes every element after a restart, writing only what changes', async () => {
    const world = new Map([
      [viewKey('actual', blade), bladeActual(BladeState.BLADE_STATE_WORKING, 5)],
      [viewKey('observed', blade), encode(ObservedRecord, healthy)],
      [
        viewKey('actual', pdu),
        encode(PduActual, {
          ...PduActual.fromPartial({}),
          state: PduState.PDU_STATE_FAILED,
          reason: 'hardware failure',
        }),
      ],
      // Observed, but gone from actual (the element was removed).
      [viewKey('observed', 'r/z1/rack9/blade/1'), encode(ObservedRecord, healthy)],
    ]);
    const reaction = await new MonitorReactor(thresholds).react(input(12, snapshotOf(world)));
    expect(reaction.writes).toEqual([
      op.put(ObservedRecord, viewKey('observed', pdu), {
        state: ObservedState.OBSERVED_STATE_FAILED,
        sinceTick: 12,
        reason: 'reports failed: hardware failure',
        lastHeartbeatTick: 0,
      }),
      op.delete(viewKey('observed', 'r/z1/rack9/blade/1')),
    ]);
    expect(reaction.decisions).toMatchObject([
      { target: pdu, attributes: { 'chamber.from': 'unspecified', 'chamber.to': 'failed' } },
    ]);
    expect(reaction.nextWakeup).toBeNull();
  });
});

describe('the monitor reactor, for instances', () => {
  const instanceAt = (state: InstanceState, on = blade): string =>
    encode(InstanceActual, { state, blade: on, sinceTick: 5, dueTick: 0, reason: '' });

  /** Runs `tick` carried on (told `changes`) and fresh (as after a restart); both must agree. */
  async function both(
    monitor: MonitorReactor,
    world: Map<string, string>,
    tick: number,
    changes: readonly string[],
  ) {
    const carried = await monitor.react(input(tick, snapshotOf(world), changes));
    const fresh = await new MonitorReactor(thresholds).react(input(tick, snapshotOf(world)));
    expect(fresh.writes).toEqual(carried.writes);
    expect(fresh.nextWakeup).toEqual(carried.nextWakeup);
    for (const w of carried.writes) {
      if (w.type === 'put') world.set(w.key, w.value);
      else if (w.type === 'delete') world.delete(w.key);
    }
    return carried;
  }

  it('follows each instance the tick after its actual changes, and its blade through the index', async () => {
    const other = 'r/z1/rack1/blade/1';
    const world = new Map([
      [viewKey('actual', blade), bladeActual(BladeState.BLADE_STATE_WORKING, 5)],
      [viewKey('observed', blade), encode(ObservedRecord, healthy)],
      [viewKey('actual', other), bladeActual(BladeState.BLADE_STATE_WORKING, 5)],
      [viewKey('observed', other), encode(ObservedRecord, healthy)],
      [keys.instanceActual('web', 1), instanceAt(InstanceState.INSTANCE_STATE_STARTING)],
      [keys.instanceActual('web', 2), instanceAt(InstanceState.INSTANCE_STATE_RUNNING, other)],
    ]);
    const monitor = new MonitorReactor(thresholds);
    await monitor.react(input(7, snapshotOf(world)));
    const health = (n: number): string =>
      InstanceHealth[
        InstanceObserved.fromJSON(JSON.parse(world.get(keys.instanceObserved('web', n)) ?? '{}'))
          .health
      ];
    const first = await monitor.react(input(8, snapshotOf(world)));
    for (const w of first.writes) if (w.type === 'put') world.set(w.key, w.value);
    expect([health(1), health(2)]).toEqual(['INSTANCE_HEALTH_STARTING', 'INSTANCE_HEALTH_RUNNING']);

    // Running, seen the tick after.
    world.set(keys.instanceActual('web', 1), instanceAt(InstanceState.INSTANCE_STATE_RUNNING));
    await both(monitor, world, 9, [keys.instanceActual('web', 1)]);
    expect(health(1)).toBe('INSTANCE_HEALTH_RUNNING');

    // The blade crashes at 10: heard last at 9, suspect at 12 — and its instance failed with it,
    // though its actual record never changed (the inventory's view of it is not the monitor's).
    world.set(viewKey('actual', blade), bladeActual(BladeState.BLADE_STATE_CRASHED, 10));
    await both(monitor, world, 11, [viewKey('actual', blade)]);
    expect(health(1)).toBe('INSTANCE_HEALTH_RUNNING');
    const suspect = await both(monitor, world, 12, []);
    expect(health(1)).toBe('INSTANCE_HEALTH_FAILED');
    expect(health(2)).toBe('INSTANCE_HEALTH_RUNNING');
    expect(suspect.writes.map((w) => (w.type === 'deletePrefix' ? w.prefix : w.key))).toEqual([
      viewKey('observed', blade),
      keys.instanceObserved('web', 1),
    ]);
    expect(suspect.decisions).toContainEqual(
      expect.objectContaining({
        target: 'instance web/1',
        reason: `its blade ${blade} is not heard from since tick 9`,
        severity: 'warn',
      }),
    );

    // The actual record deleted: so is the observation.
    world.delete(keys.instanceActual('web', 2));
    // (And web's availability at 13: one running, one believed running.)
    const gone = await both(monitor, world, 13, [keys.instanceActual('web', 2)]);
    expect(gone.writes).toEqual([
      op.delete(keys.instanceObserved('web', 2)),
      op.put(AvailabilitySample, keys.availabilitySample('web', 13), {
        workload: 'web',
        tick: 13,
        desired: 0,
        running: 1,
        observedRunning: 1,
      }),
    ]);
  });

  it("samples a workload's availability as each tick left it, only when it changes", async () => {
    const workload = (instances: number, phase = WorkloadPhase.WORKLOAD_PHASE_READY): string =>
      encode(WorkloadRecord, {
        ...WorkloadRecord.fromPartial({}),
        spec: { ...WorkloadSpec.fromPartial({}), name: 'web', instances },
        phase,
      });
    const world = new Map([
      [viewKey('actual', blade), bladeActual(BladeState.BLADE_STATE_WORKING, 5)],
      [viewKey('observed', blade), encode(ObservedRecord, healthy)],
    ]);
    const monitor = new MonitorReactor(thresholds);
    await both(monitor, world, 6, []);
    const samples = (): Record<string, number[]> =>
      Object.fromEntries(
        [...world]
          .filter(([k]) => k.startsWith(keys.availabilityOf('web')))
          .map(([k, v]) => {
            const s = AvailabilitySample.fromJSON(JSON.parse(v));
            return [k.slice(-2), [s.desired, s.running, s.observedRunning]];
          }),
      );

    // Created at 6 (the manager's write), sampled at 7 as it takes effect.
    world.set(keys.workload('web'), workload(2));
    await both(monitor, world, 7, [keys.workload('web')]);
    expect(samples()).toEqual({ '07': [2, 0, 0] });
    // Two instances running at 7 (sampled at 8); observed at 8 (sampled at 9).
    world.set(keys.instanceActual('web', 0), instanceAt(InstanceState.INSTANCE_STATE_RUNNING));
    world.set(keys.instanceActual('web', 1), instanceAt(InstanceState.INSTANCE_STATE_RUNNING));
    await both(monitor, world, 8, [keys.instanceActual('web', 0), keys.instanceActual('web', 1)]);
    expect(samples()).toEqual({ '07': [2, 0, 0], '08': [2, 2, 0] });
    await both(monitor, world, 9, [
      keys.instanceObserved('web', 0),
      keys.instanceObserved('web', 1),
    ]);
    expect(samples()).toEqual({ '07': [2, 0, 0], '08': [2, 2, 0], '09': [2, 2, 2] });
    // A quiet tick, and the manager rewriting its record with the same counts: nothing.
    expect((await both(monitor, world, 10, [])).writes).toEqual([]);
    expect((await both(monitor, world, 11, [keys.workload('web')])).writes).toEqual([]);

    // Deleted at 11: desired 0 from 12, while its instances still run; then gone for good.
    world.set(keys.workload('web'), workload(2, WorkloadPhase.WORKLOAD_PHASE_DELETING));
    await both(monitor, world, 12, [keys.workload('web')]);
    for (const n of [0, 1]) world.delete(keys.instanceActual('web', n));
    world.delete(keys.workload('web'));
    await both(monitor, world, 13, [
      keys.workload('web'),
      keys.instanceActual('web', 0),
      keys.instanceActual('web', 1),
    ]);
    await both(monitor, world, 14, [
      keys.instanceObserved('web', 0),
      keys.instanceObserved('web', 1),
    ]);
    expect(samples()).toEqual({
      '07': [2, 0, 0],
      '08': [2, 2, 0],
      '09': [2, 2, 2],
      '12': [0, 2, 2],
      '13': [0, 0, 2],
      '14': [0, 0, 0],
    });
    expect((await both(monitor, world, 15, [])).writes).toEqual([]);
  });
});

describe('the monitor reactor as shards', () => {
  it('observes, shard by shard, exactly what one process writes, the lead shard keeping availability', async () => {
    const shards = [0, 1].map((index) => ({ index, count: 2 }));
    const b2 = 'r/z1/rack2/blade/0';
    expect(shards.map((shard) => ownsPath(shard, b2))).toEqual([false, true]);
    const running = (on: string): string =>
      encode(InstanceActual, {
        state: InstanceState.INSTANCE_STATE_RUNNING,
        blade: on,
        sinceTick: 5,
        dueTick: 0,
        reason: '',
      });
    const world = new Map([
      [viewKey('actual', blade), bladeActual(BladeState.BLADE_STATE_WORKING, 5)],
      [viewKey('actual', b2), bladeActual(BladeState.BLADE_STATE_WORKING, 5)],
      [
        keys.workload('web'),
        encode(WorkloadRecord, {
          ...WorkloadRecord.fromPartial({}),
          spec: { ...WorkloadSpec.fromPartial({}), name: 'web', instances: 2 },
          phase: WorkloadPhase.WORKLOAD_PHASE_READY,
        }),
      ],
      [keys.instanceActual('web', 1), running(blade)],
      [keys.instanceActual('web', 2), running(b2)],
    ]);
    const whole = new MonitorReactor(thresholds);
    const parts = shards.map((shard) => new MonitorReactor(thresholds, undefined, shard));
    const wrote = shards.map(() => new Set<string>());
    const crash = (path: string): string => {
      world.set(viewKey('actual', path), bladeActual(BladeState.BLADE_STATE_CRASHED, 8));
      return viewKey('actual', path);
    };
    const inputs: Record<number, () => string[]> = {
      9: () => [crash(blade), crash(b2)],
      // web/2 is replaced on the other shard's rack.
      12: () => {
        world.set(keys.instanceActual('web', 2), running('r/z1/rack1/blade/1'));
        return [keys.instanceActual('web', 2)];
      },
    };
    const sorted = (ops: readonly Op[]): string[] => ops.map((o) => JSON.stringify(o)).sort();
    let changes: string[] | undefined;
    for (let tick = 7; tick <= 18; tick++) {
      const brought = inputs[tick]?.() ?? [];
      if (changes !== undefined) changes.push(...brought);
      const one = await whole.react(input(tick, snapshotOf(world), changes));
      const each = await Promise.all(
        parts.map((r) => r.react(input(tick, snapshotOf(world), changes))),
      );
      each.forEach((r, i) => r.writes.forEach((o) => wrote[i]!.add('key' in o ? o.key : o.prefix)));
      expect(sorted(each.flatMap((r) => r.writes)), `tick ${tick}`).toEqual(sorted(one.writes));
      const wakes = each.map((r) => r.nextWakeup).filter((t) => t !== null && t !== undefined);
      expect(wakes.length === 0 ? null : Math.min(...wakes), `tick ${tick}`).toBe(one.nextWakeup);
      changes = [];
      for (const w of one.writes) {
        if (w.type === 'put') world.set(w.key, w.value);
        else if (w.type === 'delete') world.delete(w.key);
        if (w.type !== 'deletePrefix') changes.push(w.key);
      }
    }
    const lead = [...wrote[0]!];
    const other = [...wrote[1]!];
    expect(lead.some((k) => k.startsWith(keys.availabilityPrefix))).toBe(true);
    expect(other.some((k) => k.startsWith(keys.availabilityPrefix))).toBe(false);
    expect(other).toContain(viewKey('observed', b2));
    expect(lead).not.toContain(viewKey('observed', b2));
    expect(lead).toContain(viewKey('observed', blade));
  });
});
