import { ClockClient } from '@chamber/clock-client';
import { freePort, type EtcdProcess } from '@chamber/etcd-process';
import { Policy } from '@chamber/protos';
import { op, Store } from '@chamber/store';
import type { Participant } from '@chamber/participant';
import { keys } from '@chamber/world';
import { randomBytes } from 'node:crypto';
import { joinToy } from '../fixtures/toy-participant.js';
import { startStepperProcess } from '../system/processes.js';
import type { BenchRow } from './rows.js';
import { fmt, quantile, table } from './stats.js';

const ticksPerRun = 1_000;
const repeats = 3;
/** Manual steps of one idle tick per idle-step run. */
const idleStepsPerRun = 300;

/**
 * Settled ticks per second with 1, 4 and 8 toy participants (each writes one
 * key per tick) and idle-skip speed, against two baselines measured on the
 * same etcd in the same run: a sequential put, and a watch round trip (put,
 * seen by a watcher who puts back, seen by the first) — the least one
 * lockstep tick can cost, since a tick is a publish seen by participants
 * whose acks are seen by the stepper. Then an idle manual `Step(1)` with 8
 * registered participants that have nothing due: its latency and the store
 * writes it costs, against two sequential puts (the step request and the
 * publish that settles the tick).
 */
export async function benchClock(etcd: EtcdProcess): Promise<BenchRow[]> {
  const endpoints = [...etcd.endpoints];
  const sim = (label: string): string => `bench-${label}-${randomBytes(3).toString('hex')}`;

  const putP50 = await baselinePut(endpoints, sim('put'));
  const roundP50 = await baselineRoundTrip(endpoints, sim('round'));
  console.log(`baseline: raw etcd sequential put p50 ${fmt(putP50, 3)} ms`);
  console.log(`baseline: raw etcd watch round trip p50 ${fmt(roundP50, 3)} ms`);
  const bare = new Map<number, number>();
  for (const n of [1, 4, 8]) bare.set(n, await baselineBareLockstep(endpoints, sim(`bare${n}`), n));
  console.log(
    `baseline: bare lockstep round p50 (1 / 4 / 8 writers): ${[...bare.values()].map((v) => fmt(v)).join(' / ')} ms\n`,
  );

  // Median of `repeats` runs per row: this machine is shared.
  const rows: string[][] = [
    [
      'participants',
      'ticks/s',
      'tick p50 ms',
      'tick p99 ms',
      'settle p50 ms',
      'tick p50 / bare round',
    ],
  ];
  let tickP50With8 = Number.NaN;
  let settleP50With8 = Number.NaN;
  for (const n of [1, 4, 8]) {
    const runs: RunResult[] = [];
    for (let i = 0; i < repeats; i++) {
      runs.push(
        await run(endpoints, sim(`p${n}`), n, 'every', async (client) => {
          await client.setPolicy(Policy.POLICY_NO_WAIT);
          return (await client.runUntil(ticksPerRun)).tick;
        }),
      );
    }
    const median = runs.sort((a, b) => quantile(a.periods, 0.5) - quantile(b.periods, 0.5))[1]!;
    const p50 = quantile(median.periods, 0.5);
    if (n === 8) {
      tickP50With8 = p50;
      settleP50With8 = quantile(median.settles, 0.5);
    }
    rows.push([
      String(n),
      fmt((ticksPerRun * 1000) / median.wallMs, 0),
      fmt(p50),
      fmt(quantile(median.periods, 0.99)),
      fmt(quantile(median.settles, 0.5)),
      `${fmt(p50 / bare.get(n)!, 1)}x`,
    ]);
  }
  console.log(table(rows));
  console.log(
    '\n(tick: from one settled tick to the next; settle: from publishing a tick to its last ack.' +
      `\n median of ${repeats} runs of ${ticksPerRun} ticks each; toys share one process, the stepper is its own)`,
  );

  const idle = await run(endpoints, sim('idle'), 8, 'idle', async (client) => {
    await client.setPolicy(Policy.POLICY_NO_WAIT);
    return (await client.runUntil(1_000_000)).tick;
  });
  console.log(
    `\nidle skip: ${idle.tick.toLocaleString('en')} idle ticks with 8 participants in ${fmt(idle.wallMs, 1)} ms ` +
      `(${idle.periods.length + 1} tick(s) published; ${fmt(idle.wallMs / roundP50, 1)}x one round trip)`,
  );
  console.log(
    `\ntargets: settled tick p50 <= 5 ms with 8 participants (publish to settled): ${fmt(settleP50With8)} ms ${settleP50With8 <= 5 ? 'MET' : 'NOT MET'}` +
      `\n         (tick period p50 ${fmt(tickP50With8)} ms, ${fmt(tickP50With8 / bare.get(8)!, 1)}x the bare 8-writer round of ${fmt(bare.get(8)!)} ms)`,
  );
  console.log(
    `         1,000,000 idle ticks skipped in <= 1 s: ${fmt(idle.wallMs, 1)} ms ${idle.wallMs <= 1000 ? 'MET' : 'NOT MET'}`,
  );

  const steps: IdleSteps[] = [];
  for (let i = 0; i < repeats; i++) steps.push(await idleSteps(endpoints, sim('step')));
  const step = steps.sort((a, b) => a.p50 - b.p50)[1]!;
  console.log(
    `\nidle Step(1) with 8 registered participants, nothing due (median of ${repeats} runs of ${idleStepsPerRun}):` +
      ` p50 ${fmt(step.p50)} ms, p99 ${fmt(step.p99)} ms, ${fmt(step.writes, 1)} store writes per step` +
      ` (2 sequential puts: ${fmt(2 * putP50)} ms)`,
  );
  return [
    {
      figure: 'idle manual Step(1), stepper + 8 idle participants',
      value: `${fmt(step.p50)} ms p50, ${fmt(step.writes, 1)} writes`,
      baseline: `2 sequential puts ${fmt(2 * putP50)} ms, ${fmt(step.p50 / (2 * putP50), 1)}x`,
      goal: '<= 2 writes and <= 5 ms p50',
      isMet: step.writes <= 2 && step.p50 <= 5,
    },
    {
      figure: '1,000,000 idle ticks skipped, no_wait, 8 participants',
      value: `${fmt(idle.wallMs, 1)} ms`,
      baseline: `watch round trip ${fmt(roundP50)} ms, ${fmt(idle.wallMs / roundP50, 1)}x`,
      goal: '<= 1 s',
      isMet: idle.wallMs <= 1000,
    },
  ];
}

interface IdleSteps {
  /** Latency of one `Step(1)` call (ms). */
  readonly p50: number;
  readonly p99: number;
  /** Store writes (revisions under the simulation) per step. */
  readonly writes: number;
}

/**
 * `Step(1)` over idle ticks, one at a time, with 8 participants that have
 * nothing due, counting the store writes each step costs from a watch of
 * the whole simulation.
 */
async function idleSteps(endpoints: string[], simulation: string): Promise<IdleSteps> {
  const counter = await Store.connect({ endpoints, simulation });
  const ms: number[] = [];
  const revisions = new Set<number>();
  try {
    await run(endpoints, simulation, 8, 'idle', async (client) => {
      await client.setPolicy(Policy.POLICY_MANUAL);
      await client.step(1); // the toys write their state once, at the first tick they handle
      const from = (await counter.currentRevision()) + 1;
      let seen = 0;
      const watch = await counter.watch('', { fromRevision: from }, (events) => {
        for (const e of events) {
          revisions.add(e.modRevision);
          seen = Math.max(seen, e.modRevision);
        }
      });
      for (let i = 0; i < idleStepsPerRun; i++) {
        const t = performance.now();
        await client.step(1);
        ms.push(performance.now() - t);
      }
      // Every write of the last step seen (the etcd is the benchmark's own).
      const last = await counter.currentRevision();
      while (seen < last) await new Promise((r) => setTimeout(r, 5));
      await watch.cancel();
      return idleStepsPerRun;
    });
  } finally {
    counter.close();
  }
  return {
    p50: quantile(ms, 0.5),
    p99: quantile(ms, 0.99),
    writes: revisions.size / idleStepsPerRun,
  };
}

async function baselinePut(endpoints: string[], simulation: string): Promise<number> {
  const store = await Store.connect({ endpoints, simulation });
  const ms: number[] = [];
  for (let i = 0; i < 2_000; i++) {
    const t = performance.now();
    await store.txn([], [op.putRaw(`k/${i % 100}`, String(i))]);
    ms.push(performance.now() - t);
  }
  store.close();
  return quantile(ms.slice(200), 0.5);
}

/** Two clients: A puts `ping`, B (watching it) puts `pong`, A sees `pong`. */
async function baselineRoundTrip(endpoints: string[], simulation: string): Promise<number> {
  const a = await Store.connect({ endpoints, simulation });
  const b = await Store.connect({ endpoints, simulation });
  const ms: number[] = [];
  const echo = await b.watch('ping', {}, (events) => {
    void b.txn([], [op.putRaw('pong', events[events.length - 1]!.value!)]);
  });
  let start = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const ping = (): void => {
    start = performance.now();
    void a.txn([], [op.putRaw('ping', String(ms.length))]);
  };
  const back = await a.watch('pong', {}, () => {
    ms.push(performance.now() - start);
    if (ms.length < 2_000) ping();
    else done();
  });
  ping();
  await finished;
  await back.cancel();
  await echo.cancel();
  a.close();
  b.close();
  return quantile(ms.slice(200), 0.5);
}

/**
 * The protocol with nothing but its writes: one client puts `tick`; N
 * writers on another client, woken by one watch, each put `ack/<i>`; when
 * all N acks are seen the next tick is put. No records, guards, views or
 * digest: the floor a lockstep round with N participants costs here.
 */
async function baselineBareLockstep(
  endpoints: string[],
  simulation: string,
  writers: number,
): Promise<number> {
  const clock = await Store.connect({ endpoints, simulation });
  const parts = await Store.connect({ endpoints, simulation });
  const rounds = 1_500;
  const ms: number[] = [];
  const wake = await parts.watch('tick', {}, (events) => {
    const tick = events[events.length - 1]!.value!;
    for (let i = 0; i < writers; i++) void parts.txn([], [op.putRaw(`ack/${i}`, tick)]);
  });
  let acks = 0;
  let last = performance.now();
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const seen = await clock.watch('ack/', {}, (events) => {
    acks += events.length;
    if (acks < writers) return;
    acks = 0;
    const now = performance.now();
    ms.push(now - last);
    last = now;
    if (ms.length < rounds) void clock.txn([], [op.putRaw('tick', String(ms.length))]);
    else done();
  });
  void clock.txn([], [op.putRaw('tick', '0')]);
  await finished;
  await seen.cancel();
  await wake.cancel();
  clock.close();
  parts.close();
  return quantile(ms.slice(100), 0.5);
}

interface RunResult {
  readonly tick: number;
  readonly wallMs: number;
  /** Wall time between consecutive settled ticks (ms). */
  readonly periods: number[];
  /** Wall time from publishing each tick to its last ack (ms). */
  readonly settles: number[];
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
  const stepper = startStepperProcess({ endpoints, simulation, port, instance: 'bench' });
  await stepper.waitForLine(/stepper serving/);
  const client = ClockClient.connect(`127.0.0.1:${port}`);
  // An observer of its own: when each tick was published and when its acks arrived.
  const observer = await Store.connect({ endpoints, simulation });
  try {
    await client.waitForTick(0);
    const published: number[] = [];
    const lastAck: number[] = [];
    const watch = await observer.watch('', {}, (events) => {
      const now = performance.now();
      for (const e of events) {
        if (e.key === keys.clockTick) published.push(now);
        else if (e.key.startsWith(keys.acksPrefix)) lastAck[published.length - 1] = now;
      }
    });
    const start = performance.now();
    const tick = await drive(client);
    const wallMs = performance.now() - start;
    await watch.cancel();
    // Tick i settled at its last ack; the next publish follows in the same write as the settle.
    const settles: number[] = [];
    const periods: number[] = [];
    for (let i = 0; i + 1 < published.length; i++) {
      const acked = lastAck[i];
      if (acked === undefined) continue;
      settles.push(acked - published[i]!);
      const next = lastAck[i + 1];
      if (next !== undefined) periods.push(next - acked);
    }
    return { tick, wallMs, periods, settles };
  } finally {
    client.close();
    observer.close();
    for (const t of toys) await t.stop();
    await stepper.kill('SIGTERM');
    store.close();
  }
}
