import { ClockClient } from '@chamber/clock';
import { freePort, type EtcdProcess } from '@chamber/etcd-process';
import { Policy } from '@chamber/protos';
import { op, Store } from '@chamber/store';
import { ClockReader, type Participant } from '@chamber/timestamp';
import { randomBytes } from 'node:crypto';
import { joinToy } from '../fixtures/toy-participant.js';
import { startStepperProcess } from '../system/processes.js';
import { fmt, quantile, table } from './stats.js';

const ticksPerRun = 1_000;

/**
 * Settled ticks per second with 1, 4 and 8 toy participants (each writes one
 * key per tick), idle-skip speed, and the raw etcd sequential put rate as the
 * baseline, all against one private etcd in the same run.
 */
export async function benchClock(etcd: EtcdProcess): Promise<void> {
  const endpoints = [...etcd.endpoints];
  const sim = (label: string): string => `bench-${label}-${randomBytes(3).toString('hex')}`;

  // Baseline: sequential single-key puts, each one etcd transaction.
  const base = await Store.connect({ endpoints, simulation: sim('put') });
  const putMs: number[] = [];
  for (let i = 0; i < 2_000; i++) {
    const t = performance.now();
    await base.txn([], [op.putRaw(`k/${i % 100}`, String(i))]);
    putMs.push(performance.now() - t);
  }
  base.close();
  const putP50 = quantile(putMs.slice(200), 0.5);
  console.log(
    `baseline: raw etcd sequential put p50 ${fmt(putP50, 3)} ms (${fmt(1000 / putP50, 0)} puts/s)\n`,
  );

  const rows: string[][] = [['participants', 'ticks', 'ticks/s', 'p50 ms', 'p99 ms', 'p50 / put']];
  let p50With8 = Number.NaN;
  for (const n of [1, 4, 8]) {
    const r = await run(endpoints, sim(`p${n}`), n, 'every', async (client) => {
      await client.setPolicy(Policy.POLICY_NO_WAIT);
      return (await client.runUntil(ticksPerRun)).tick;
    });
    const p50 = quantile(r.intervals, 0.5);
    if (n === 8) p50With8 = p50;
    rows.push([
      String(n),
      String(ticksPerRun),
      fmt((ticksPerRun * 1000) / r.wallMs, 0),
      fmt(p50),
      fmt(quantile(r.intervals, 0.99)),
      `${fmt(p50 / putP50, 1)}x`,
    ]);
  }
  console.log(table(rows));

  const idle = await run(endpoints, sim('idle'), 8, 'idle', async (client) => {
    await client.setPolicy(Policy.POLICY_NO_WAIT);
    return (await client.runUntil(1_000_000)).tick;
  });
  console.log(
    `\nidle skip: ${idle.tick.toLocaleString('en')} idle ticks with 8 participants in ${fmt(idle.wallMs, 1)} ms ` +
      `(${idle.intervals.length + 1} tick(s) published; ${fmt(idle.wallMs / putP50, 1)}x one put)`,
  );
  console.log(
    `\ntargets: settled tick p50 <= 5 ms with 8 participants: ${fmt(p50With8)} ms ${p50With8 <= 5 ? 'MET' : 'NOT MET'}`,
  );
  console.log(
    `         1,000,000 idle ticks skipped in <= 1 s: ${fmt(idle.wallMs, 1)} ms ${idle.wallMs <= 1000 ? 'MET' : 'NOT MET'}`,
  );
}

interface RunResult {
  readonly tick: number;
  readonly wallMs: number;
  /** Wall time between consecutive settled ticks (ms). */
  readonly intervals: number[];
}

async function run(
  endpoints: string[],
  simulation: string,
  participants: number,
  mode: 'every' | 'idle',
  drive: (client: ClockClient) => Promise<number>,
): Promise<RunResult> {
  const store = await Store.connect({ endpoints, simulation });
  const toys: Participant[] = [];
  for (let i = 0; i < participants; i++)
    toys.push(await joinToy(store, { name: `toy-${i}`, mode }));
  const port = await freePort();
  const stepper = startStepperProcess({
    endpoints,
    simulation,
    port,
    instance: 'bench',
    extraEnv: { CHAMBER_LOG_LEVEL: 'warn' },
  });
  const client = ClockClient.connect(`127.0.0.1:${port}`);
  const reader = await ClockReader.open(store);
  try {
    await client.waitForTick(0);
    const settledAt: number[] = [];
    let last = reader.status().settledTick;
    reader.onChange((s) => {
      if (s.settled && s.tick !== last) {
        last = s.tick;
        settledAt.push(performance.now());
      }
    });
    const start = performance.now();
    const tick = await drive(client);
    const wallMs = performance.now() - start;
    const intervals = settledAt.slice(1).map((t, i) => t - settledAt[i]!);
    return { tick, wallMs, intervals };
  } finally {
    client.close();
    await reader.close();
    for (const t of toys) await t.stop();
    await stepper.kill('SIGTERM');
    store.close();
  }
}
