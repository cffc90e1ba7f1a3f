import { Writable } from 'node:stream';
import type { CommonConfig } from '@chamber/config';
import { hostParticipantService, type HostedService } from '@chamber/host';
import { unary } from '@chamber/grpc';
import { MonitorService, Policy, protoFiles, type MonitorServer } from '@chamber/protos';
import { op, type Reaction, type TickInput } from '@chamber/reactor';
import { Store } from '@chamber/store';
import { createLogger } from '@chamber/telemetry';
import { budgets, etcdEndpoints, etcdProxy } from '@chamber/testing';
import { keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { harness, type Harness } from './helpers.js';

// The host's election, end to end: two hosted replicas of a toy participant
// (each with its own connection to etcd, through a proxy that can cut it
// off), the leader stopped and then cut off, and the clock going on through
// each takeover to the digest of a run with one replica.

const role = 'toy';
const quiet = createLogger({ service: 'replicas-test', level: 'silent' });
const ticks = [4, 8, 12];

let h: Harness | undefined;
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await h?.close();
  h = undefined;
});

/** Sums the ticks in `toy/sum`: a value that only a redo from the store keeps right. */
const reactor = {
  react({ tick, snapshot }: TickInput): Reaction {
    const sum = Number(snapshot.getRaw('toy/sum')?.value ?? '0') + tick;
    return { writes: [op.putRaw('toy/sum', String(sum))], decisions: [] };
  },
};

/** A replica's log lines, as they are written. */
function logLines(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const l of chunk.toString().split('\n')) if (l !== '') lines.push(l);
      done();
    },
  });
  return { lines, stream };
}

/** A hosted replica of the toy participant, connected to etcd at `endpoint`. */
async function replica(
  simulation: string,
  instance: string,
  endpoint: string,
): Promise<{ service: HostedService; lines: string[]; store: Store }> {
  const store = await Store.connect({ endpoints: [endpoint], simulation });
  const { lines, stream } = logLines();
  const config: CommonConfig = {
    listen: { host: '127.0.0.1', port: 0 },
    etcd: { endpoints: [endpoint] },
    simulation,
    seed: 1,
    log: { level: 'info' },
    telemetry: { exporter: 'none', tracesink: '', otlpEndpoint: '' },
    replica: { instance, leaderTtlSeconds: 1 },
  };
  const service = hostParticipantService({
    name: role,
    config,
    logger: createLogger({ service: role, level: 'info', destination: stream }),
    store,
    // Any small gRPC service will do: the replicas serve while they stand by.
    grpc: () => ({
      name: 'chamber.monitor.v1.Monitor',
      definition: MonitorService,
      implementation: {
        getStatus: unary(
          () =>
            Promise.resolve({
              suspectAfter: 0,
              failedAfter: 0,
              installGrace: 0,
              states: {},
              tick: 0,
            }),
          quiet,
        ),
      } satisfies MonitorServer,
      protoFile: protoFiles.monitor,
    }),
    participant: { views: ['toy/'], reactor },
  });
  await service.start();
  closers.push(async () => {
    await service.stop().catch(() => undefined);
    store.close();
  });
  return { service, lines, store };
}

/** The instance named in `election/toy`, once it is not `not` (a watch, not a timer). */
async function leaderOtherThan(store: Store, not: string | undefined): Promise<string> {
  let holder: string | undefined;
  await expect
    .poll(
      async () => {
        const raw = await store.getRaw(keys.election(role));
        holder =
          raw === undefined ? undefined : (JSON.parse(raw.value) as { instance: string }).instance;
        return holder !== undefined && holder !== not;
      },
      { timeout: budgets.waitMs },
    )
    .toBe(true);
  return holder!;
}

type Clock = Awaited<ReturnType<Harness['startStepper']>>['client'];

/** Runs the clock to `tick` and resolves with its digest, in a deterministic run, the toy's sum right. */
async function stepTo(sim: Harness, clock: Clock, tick: number): Promise<string> {
  const status = await clock.runUntil(tick);
  expect(status.tick).toBe(tick);
  expect(status.deterministic).toBe(true);
  expect((await sim.store.getRaw('toy/sum'))?.value).toBe(String((tick * (tick + 1)) / 2));
  return status.digest;
}

describe('hosted participant replicas', () => {
  it('hand over on a stop and take over from a leader cut off from etcd, with the digest of one replica', async () => {
    // One replica: the reference digests.
    h = await harness('replicas-one');
    const one = h;
    await replica(one.simulation, 'only', etcdEndpoints()[0]!);
    const stepper = await one.startStepper({
      participants: [role],
      dropGraceSeconds: budgets.participantGraceSeconds,
    });
    await stepper.client.waitForTick(0);
    await stepper.client.setPolicy(Policy.POLICY_MANUAL);
    const reference: string[] = [];
    for (const tick of ticks) reference.push(await stepTo(one, stepper.client, tick));
    for (const close of closers.splice(0).reverse()) await close();
    await one.close();

    // Two replicas, each behind a proxy of its own.
    h = await harness('replicas-two');
    const two = h;
    const target = new URL(etcdEndpoints()[0]!);
    const proxyA = await etcdProxy(target);
    const proxyB = await etcdProxy(target);
    closers.push(
      () => proxyA.cut(),
      () => proxyB.cut(),
    );
    const a = await replica(two.simulation, 'a', proxyA.endpoint);
    const b = await replica(two.simulation, 'b', proxyB.endpoint);
    expect(a.lines.some((l) => l.includes('"leading toy"'))).toBe(true);
    expect(b.lines.some((l) => l.includes('"standing by for toy"'))).toBe(true);
    // The stepper must never see the participant leave.
    const leaves: number[] = [];
    const watch = await two.store.watch(keys.participant(role), {}, (events) => {
      for (const e of events) if (e.type === 'delete') leaves.push(e.modRevision);
    });
    closers.push(() => watch.cancel());
    const clock = (
      await two.startStepper({
        participants: [role],
        dropGraceSeconds: budgets.participantGraceSeconds,
      })
    ).client;
    await clock.waitForTick(0);
    await clock.setPolicy(Policy.POLICY_MANUAL);
    const digests = [await stepTo(two, clock, ticks[0]!)];

    // A graceful stop hands over: b leads at once, and redoes nothing wrong.
    await a.service.stop();
    expect(await leaderOtherThan(two.store, 'a')).toBe('b');
    digests.push(await stepTo(two, clock, ticks[1]!));
    await expect
      .poll(() => b.lines.some((l) => /"took over toy after \d+ ms"/.test(l)), {
        timeout: budgets.waitMs,
      })
      .toBe(true);

    // A standby again (a restarted a), then b loses etcd: its lease runs out, a takes over.
    const again = await replica(two.simulation, 'a', proxyA.endpoint);
    expect(again.lines.some((l) => l.includes('"standing by for toy"'))).toBe(true);
    await proxyB.cut();
    const finished = stepTo(two, clock, ticks[2]!);
    expect(await leaderOtherThan(two.store, 'b')).toBe('a');
    digests.push(await finished);
    await expect
      .poll(() => again.lines.some((l) => /"took over toy after \d+ ms"/.test(l)), {
        timeout: budgets.waitMs,
      })
      .toBe(true);

    // b, back, has stopped acting and stands by behind a.
    const standingBy = (): number =>
      b.lines.filter((l) => l.includes('"standing by for toy"')).length;
    const before = standingBy();
    await proxyB.restore();
    await expect
      .poll(() => b.lines.some((l) => l.includes('"lost the leadership of toy')), {
        timeout: budgets.waitMs,
      })
      .toBe(true);
    await expect.poll(standingBy, { timeout: budgets.waitMs }).toBeGreaterThan(before);
    // What b did on its way out took nothing from a: it is still alive to the stepper.
    const alive = await two.store.getRaw(keys.alive(role));
    expect(alive).toBeDefined();

    expect(digests).toEqual(reference);
    expect(leaves).toEqual([]);
    // For people: the takeovers as the replicas told them.
    for (const line of [...b.lines, ...again.lines].filter((l) => l.includes('took over')))
      console.log((JSON.parse(line) as { msg: string }).msg);
  });
});
