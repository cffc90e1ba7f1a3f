import {
  BladeActual,
  BladeDefinition,
  BladeState,
  FaultKind,
  FaultRecord,
  FaultStatus,
  InstanceActual,
  InstanceRecord,
  InstanceState,
  PduActual,
  PduState,
  PlacementRecord,
  TorActual,
  TorState,
} from '@chamber/protos';
import {
  encode,
  memorySnapshot,
  type Codec,
  type Op,
  type Reaction,
  type TickInput,
} from '@chamber/reactor';
import { keys, ownsPath, viewKey } from '@chamber/world';
import { describe, expect, it } from 'vitest';
import { InventoryReactor, type InventorySettings } from './reactor.js';

// The inventory's tick with no store, for instances: a world held in memory
// (the writes of each tick applied to it, as the host would), each tick
// decided by the reactor that carried on (work following what changed) and
// by a fresh one (as after a restart): both must write the same.

const rack = 'r/z1/rack1';
const pdu = `${rack}/pdu/0`;
const b0 = `${rack}/blade/0`;
const b1 = `${rack}/blade/1`;

const settings: InventorySettings = {
  propagationTicks: [1, 1],
  postTicks: [1, 1],
  stopTicks: [2, 2],
  cycleTicks: [2, 2],
  reimageTicks: [3, 3],
  replaceTicks: [5, 5],
  instanceStartTicks: [2, 4],
  instanceStopTicks: [1, 1],
};

type World = Map<string, string>;

function put<T>(world: World, codec: Codec<T>, key: string, value: T): string {
  world.set(key, encode(codec, value));
  return key;
}

/** Applies `writes` to `world`; the keys they touched. */
function apply(world: World, writes: readonly Op[]): Set<string> {
  const touched = new Set<string>();
  for (const w of writes) {
    if (w.type === 'put') world.set(w.key, w.value);
    else if (w.type === 'delete') world.delete(w.key);
    else
      for (const k of [...world.keys()])
        if (k.startsWith(w.prefix)) {
          world.delete(k);
          touched.add(k);
        }
    if (w.type !== 'deletePrefix') touched.add(w.key);
  }
  return touched;
}

const input = (tick: number, world: World, changes?: ReadonlySet<string>): TickInput => ({
  tick,
  run: 1,
  seed: 7,
  snapshot: memorySnapshot(
    [...world].map(([key, value]) => ({
      key,
      value,
      modRevision: 1,
      createRevision: 1,
      version: 1,
    })),
  ),
  changes,
});

/** A rack of one PDU, one TOR and two working blades (`rack`, or `at` added to `world`). */
function rackWorld(at = rack, world: World = new Map()): World {
  const pdu = `${at}/pdu/0`;
  const tor = `${at}/tor/0`;
  world.set(viewKey('definition', pdu), '{}');
  world.set(viewKey('definition', tor), '{}');
  for (const [i, blade] of [`${at}/blade/0`, `${at}/blade/1`].entries()) {
    put(
      world,
      BladeDefinition,
      viewKey('definition', blade),
      BladeDefinition.fromPartial({
        index: i,
        power: { device: 0 },
        network: { device: 0 },
        boot: { image: 'img-1', bootTicksMin: 1, bootTicksMax: 1 },
      }),
    );
    put(world, BladeActual, viewKey('actual', blade), {
      ...BladeActual.fromPartial({}),
      state: BladeState.BLADE_STATE_WORKING,
      switchedOn: true,
      image: 'img-1',
      reason: 'booted img-1',
    });
  }
  put(world, PduActual, viewKey('actual', pdu), {
    ...PduActual.fromPartial({}),
    state: PduState.PDU_STATE_ON,
    switchedOn: true,
    reason: 'on',
  });
  put(world, TorActual, viewKey('actual', tor), {
    ...TorActual.fromPartial({}),
    state: TorState.TOR_STATE_WORKING,
    reason: 'working',
  });
  return world;
}

const instance = (n: number, wanted = true): InstanceRecord => ({
  workload: 'web',
  n,
  generation: 1,
  image: 'web-1',
  demand: { cores: 1, memoryGib: 1, diskGib: 1, networkGbps: 0 },
  wanted,
  stopReason: wanted ? '' : 'scaled down',
  createdTick: 2,
  replaces: '',
});

function place(world: World, blade: string, n: number): string[] {
  return [
    put(world, InstanceRecord, keys.instance('web', n), instance(n)),
    put(world, PlacementRecord, keys.placement(blade, 'web', n), {
      ...PlacementRecord.fromPartial({}),
      workload: 'web',
      n,
      blade,
    }),
  ];
}

const actualOf = (world: World, n: number): InstanceActual | undefined => {
  const text = world.get(keys.instanceActual('web', n));
  return text === undefined ? undefined : InstanceActual.fromJSON(JSON.parse(text));
};

const stateOf = (world: World, n: number): string =>
  InstanceState[actualOf(world, n)?.state ?? InstanceState.INSTANCE_STATE_UNSPECIFIED].replace(
    'INSTANCE_STATE_',
    '',
  );

/**
 * Runs `tick` with the reactor that carried on (told what changed) and with
 * a fresh one; expects the same reaction; applies it; returns it.
 */
async function step(
  reactor: InventoryReactor,
  world: World,
  tick: number,
  changes: ReadonlySet<string>,
): Promise<Reaction> {
  const carried = await reactor.react(input(tick, world, changes));
  const fresh = await new InventoryReactor(settings).react(input(tick, world));
  expect(fresh.writes).toEqual(carried.writes);
  expect(fresh.nextWakeup).toEqual(carried.nextWakeup);
  return carried;
}

describe('the inventory reactor, for instances', () => {
  it('starts, runs, loses, stops and forgets instances, incrementally as after a restart', async () => {
    const world = rackWorld();
    const reactor = new InventoryReactor(settings);
    // Tick 1: the hardware settles (a full tick: every element evaluated once).
    let changes = apply(world, (await reactor.react(input(1, world))).writes);
    changes = apply(world, (await step(reactor, world, 2, changes)).writes);
    expect((await reactor.react(input(3, world, changes))).writes).toEqual([]);

    // Tick 4: two instances placed, one on each working blade: both start.
    const placed = new Set([...place(world, b0, 1), ...place(world, b1, 2)]);
    const started = await step(reactor, world, 4, placed);
    changes = apply(world, started.writes);
    expect([stateOf(world, 1), stateOf(world, 2)]).toEqual(['STARTING', 'STARTING']);
    const due1 = actualOf(world, 1)!.dueTick;
    const due2 = actualOf(world, 2)!.dueTick;
    expect(started.nextWakeup).toBe(Math.min(due1, due2));
    expect(started.decisions.map((d) => d.target)).toEqual(['instance web/1', 'instance web/2']);

    // Each runs at its drawn tick, not before.
    for (let tick = 5; tick <= Math.max(due1, due2); tick++) {
      changes = apply(world, (await step(reactor, world, tick, changes)).writes);
      expect(stateOf(world, 1)).toBe(tick >= due1 ? 'RUNNING' : 'STARTING');
      expect(stateOf(world, 2)).toBe(tick >= due2 ? 'RUNNING' : 'STARTING');
    }

    // Tick 10: blade 0 crashes: its instance is lost in the same tick, the other runs on.
    changes.add(
      put(world, FaultRecord, keys.fault('f1'), {
        ...FaultRecord.fromPartial({}),
        id: 'f1',
        kind: FaultKind.FAULT_KIND_CRASH,
        targets: [b0],
        status: FaultStatus.FAULT_STATUS_ACTIVE,
        sinceTick: 10,
        affected: [{ target: b0, sinceTick: 10 }],
      }),
    );
    const crash = await step(reactor, world, 10, changes);
    changes = apply(world, crash.writes);
    expect(actualOf(world, 1)).toMatchObject({
      state: InstanceState.INSTANCE_STATE_LOST,
      sinceTick: 10,
      reason: `blade ${b0} crashed (fault f1)`,
    });
    expect(crash.decisions).toContainEqual(
      expect.objectContaining({ target: 'instance web/1', severity: 'warn' }),
    );
    expect(stateOf(world, 2)).toBe('RUNNING');

    // Tick 11: web/1 and web/2 no longer wanted: lost → stopped at once, running → stopping.
    changes.add(put(world, InstanceRecord, keys.instance('web', 1), instance(1, false)));
    changes.add(put(world, InstanceRecord, keys.instance('web', 2), instance(2, false)));
    changes = apply(world, (await step(reactor, world, 11, changes)).writes);
    expect([stateOf(world, 1), stateOf(world, 2)]).toEqual(['STOPPED', 'STOPPING']);
    changes = apply(world, (await step(reactor, world, 12, changes)).writes);
    expect(stateOf(world, 2)).toBe('STOPPED');

    // Tick 13: the placements deleted: so are the actual records.
    world.delete(keys.placement(b0, 'web', 1));
    world.delete(keys.placement(b1, 'web', 2));
    changes.add(keys.placement(b0, 'web', 1));
    changes.add(keys.placement(b1, 'web', 2));
    const gone = await step(reactor, world, 13, changes);
    apply(world, gone.writes);
    expect([actualOf(world, 1), actualOf(world, 2)]).toEqual([undefined, undefined]);
    expect(gone.nextWakeup).toBeNull();
  });

  it('loses an instance placed on a blade that is not working, at once', async () => {
    const world = rackWorld();
    put(world, BladeActual, viewKey('actual', b1), {
      ...BladeActual.fromPartial({}),
      state: BladeState.BLADE_STATE_OFF,
      switchedOn: false,
      image: 'img-1',
      reason: 'switched off',
    });
    const reactor = new InventoryReactor(settings);
    let changes = apply(world, (await reactor.react(input(1, world))).writes);
    changes = apply(world, (await step(reactor, world, 2, changes)).writes);
    for (const k of place(world, b1, 5)) changes.add(k);
    apply(world, (await step(reactor, world, 3, changes)).writes);
    expect(actualOf(world, 5)).toMatchObject({
      state: InstanceState.INSTANCE_STATE_LOST,
      reason: `placed, but blade ${b1} is off: switched off`,
    });
  });
});

describe('the inventory reactor as shards', () => {
  // Two racks that fall to different shards of two.
  const rack2 = 'r/z1/rack2';
  const shards = [0, 1].map((index) => ({ index, count: 2 }));

  it('writes, shard by shard, exactly what one process writes, each shard only its racks', async () => {
    expect(shards.map((shard) => ownsPath(shard, rack2))).toEqual([false, true]);
    const world = rackWorld(rack, rackWorld(rack2));
    const whole = new InventoryReactor(settings);
    const parts = shards.map((shard) => new InventoryReactor(settings, undefined, shard));
    const wrote = shards.map(() => new Set<string>());
    const fault = (id: string, kind: FaultKind, target: string, tick: number): string =>
      put(world, FaultRecord, keys.fault(id), {
        ...FaultRecord.fromPartial({}),
        id,
        kind,
        targets: [target],
        status: FaultStatus.FAULT_STATUS_ACTIVE,
        sinceTick: tick,
        affected: [{ target, sinceTick: tick }],
      });
    // What each tick brings besides the reactors' own writes.
    const inputs: Record<number, () => string[]> = {
      3: () => [...place(world, b0, 1), ...place(world, `${rack2}/blade/0`, 2)],
      8: () => [
        fault('f1', FaultKind.FAULT_KIND_POWER_LOSS, pdu, 8),
        fault('f2', FaultKind.FAULT_KIND_CRASH, `${rack2}/blade/1`, 8),
      ],
      12: () => {
        // web/2 moves to the other shard's rack.
        world.delete(keys.placement(`${rack2}/blade/0`, 'web', 2));
        return [keys.placement(`${rack2}/blade/0`, 'web', 2), ...place(world, b1, 2)];
      },
    };
    const sorted = (ops: readonly Op[]): string[] => ops.map((o) => JSON.stringify(o)).sort();
    let changes: Set<string> | undefined;
    for (let tick = 1; tick <= 20; tick++) {
      for (const k of inputs[tick]?.() ?? []) changes?.add(k);
      const one = await whole.react(input(tick, world, changes));
      const each = await Promise.all(parts.map((r) => r.react(input(tick, world, changes))));
      each.forEach((r, i) => r.writes.forEach((o) => wrote[i]!.add('key' in o ? o.key : o.prefix)));
      expect(sorted(each.flatMap((r) => r.writes)), `tick ${tick}`).toEqual(sorted(one.writes));
      const wakes = each.map((r) => r.nextWakeup).filter((t) => t !== null);
      expect(wakes.length === 0 ? null : Math.min(...wakes), `tick ${tick}`).toBe(one.nextWakeup);
      changes = apply(world, one.writes);
    }
    // Each shard wrote, and only what is under its own rack.
    expect([...wrote[0]!].some((k) => k.includes(rack2))).toBe(false);
    expect([...wrote[1]!].some((k) => k.includes(`${rack}/`))).toBe(false);
    for (const keys of wrote) expect(keys.size).toBeGreaterThanOrEqual(3);
    // web/2 followed its move to the other shard's rack (whose PDU is down).
    expect(actualOf(world, 2)).toMatchObject({
      blade: b1,
      state: InstanceState.INSTANCE_STATE_LOST,
    });
  });
});
