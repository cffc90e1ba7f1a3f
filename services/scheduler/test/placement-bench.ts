// The scheduler's placement cost, measured (not a test: it asserts nothing
// and is not timed by the test runner). Run after a build:
//   node services/scheduler/dist/test/placement-bench.js [instances]
// It places the same instances on a small and on a large inventory, each in
// one tick of the reactor over a snapshot held in memory, and prints the CPU
// per placement and the ratio between the two: the cost of a tick follows the
// instances placed, not the blade count.
import {
  BladeDefinition,
  InstanceRecord,
  ObservedRecord,
  ObservedState,
  PlacementRule,
  TargetRecord,
  TargetState,
  WorkloadRecord,
  WorkloadSpec,
} from '@chamber/protos';
import { encode, memorySnapshot, type RawEntry, type TickInput } from '@chamber/reactor';
import { keys, viewKey } from '@chamber/world';
import { SchedulerReactor } from '../src/index.js';

const instances = Number(process.argv[2] ?? 10_000);

function entry(key: string, value: string): RawEntry {
  return { key, value, modRevision: 1, createRevision: 1, version: 1 };
}

/** `blades` blades of 64 cores, 40 to a rack and 50 racks to a zone, in service and healthy. */
function inventory(blades: number): RawEntry[] {
  const out: RawEntry[] = [];
  for (let i = 0; i < blades; i++) {
    const rack = Math.floor(i / 40);
    const path = `r/z${Math.floor(rack / 50)}/rack${rack}/blade/${i % 40}`;
    out.push(
      entry(
        viewKey('definition', path),
        encode(BladeDefinition, {
          ...BladeDefinition.fromPartial({ index: i % 40 }),
          capacity: {
            cores: 64,
            memoryGib: 256,
            diskGib: 2000,
            networkGbps: 25,
            arch: 'x86_64',
            accelerators: [],
          },
        }),
      ),
      entry(
        viewKey('target', path),
        encode(TargetRecord, {
          state: TargetState.TARGET_STATE_IN_SERVICE,
          powered: true,
          sinceTick: 0,
          reason: '',
          drain: false,
        }),
      ),
      entry(
        viewKey('observed', path),
        encode(ObservedRecord, {
          state: ObservedState.OBSERVED_STATE_HEALTHY,
          sinceTick: 0,
          reason: '',
          lastHeartbeatTick: 0,
        }),
      ),
    );
  }
  return out;
}

/** `count` instances in 10 workloads, one of them with a strong anti-affinity by rack when `anti`. */
function workloads(count: number, anti: boolean): RawEntry[] {
  const out: RawEntry[] = [];
  for (let w = 0; w < 10; w++) {
    const name = `w${w}`;
    out.push(
      entry(
        keys.workload(name),
        encode(WorkloadRecord, {
          ...WorkloadRecord.fromPartial({}),
          spec: {
            ...WorkloadSpec.fromPartial({ name, instances: count / 10, maxUnavailable: 1 }),
            placement: {
              rule:
                w === 0 && anti
                  ? PlacementRule.PLACEMENT_RULE_STRONG_ANTI_AFFINITY
                  : PlacementRule.PLACEMENT_RULE_NONE,
              level: 2,
            },
          },
        }),
      ),
    );
    for (let n = 0; n < count / 10; n++)
      out.push(
        entry(
          keys.instance(name, n),
          encode(InstanceRecord, {
            ...InstanceRecord.fromPartial({ workload: name, n, generation: 1, image: 'img' }),
            demand: { cores: 4, memoryGib: 8, diskGib: 20, networkGbps: 0 },
            wanted: true,
          }),
        ),
      );
  }
  return out;
}

async function measure(blades: number, strategy: 'spread' | 'bin_pack', anti = true) {
  const world = inventory(blades);
  const load = workloads(instances, anti);
  const reactor = new SchedulerReactor({ strategy, candidatesShown: 5, weakWeight: 8 });
  const input = (tick: number, entries: RawEntry[], changes?: Set<string>): TickInput => ({
    tick,
    run: 1,
    seed: 1,
    snapshot: memorySnapshot(entries),
    changes,
  });
  let cpu = process.cpuUsage();
  await reactor.react(input(1, world));
  const rebuildMs = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000 / 2;
  const all = [...world, ...load];
  const snapshotInput = input(2, all, new Set(load.map((e) => e.key)));
  cpu = process.cpuUsage();
  const reaction = await reactor.react(snapshotInput);
  const used = process.cpuUsage(cpu);
  const tickMs = (used.user + used.system) / 1000;
  const placed = reaction.decisions.filter((d) => d.severity === 'info').length;
  return {
    blades,
    strategy: anti ? strategy : `${strategy} (no anti-affinity)`,
    rebuildMs,
    tickMs,
    placed,
    perPlacementMs: tickMs / instances,
  };
}

// Warm the JIT up first, so the first figure is not its compile time.
await measure(1_000, 'spread');
const rows = [];
for (const strategy of ['spread', 'bin_pack'] as const)
  for (const blades of [1_000, 100_000]) rows.push(await measure(blades, strategy));
for (const blades of [1_000, 100_000]) rows.push(await measure(blades, 'spread', false));
console.log(`placing ${instances.toLocaleString('en-US')} instances in one tick`);
for (const r of rows)
  console.log(
    `${r.strategy.padEnd(26)} ${r.blades.toLocaleString('en-US').padStart(7)} blades: ` +
      `rebuild ${r.rebuildMs.toFixed(0)} ms, tick ${r.tickMs.toFixed(0)} ms CPU ` +
      `(${r.placed.toLocaleString('en-US')} placed, ${(r.perPlacementMs * 1000).toFixed(1)} µs each)`,
  );
for (const strategy of [...new Set(rows.map((r) => r.strategy))]) {
  const [small, large] = rows.filter((r) => r.strategy === strategy);
  console.log(
    `${strategy}: tick cost ratio 100,000 / 1,000 blades = ${(large!.tickMs / small!.tickMs).toFixed(2)} (blade ratio 100)`,
  );
}
