import type { ApiClient } from '@chamber/api';
import { keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { adminPassword, startFrontend, type TestFrontend } from './helpers.js';

let f: TestFrontend | undefined;
const cancels: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cancel of cancels.splice(0)) await cancel();
  await f?.stop();
  f = undefined;
});

interface StreamEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: { type: string; key: string; revision: number; value: unknown };
}

/** An open event stream of `kinds`: `until(n)` resolves with its first `n` events. */
async function openEvents(api: ApiClient, kinds: string, lastEventId?: string) {
  const res = await api.open(
    'streamEvents',
    { query: { kinds } },
    lastEventId === undefined ? {} : { 'last-event-id': lastEventId },
  );
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  cancels.push(() => reader.cancel());
  let text = '';
  return {
    async until(count: number): Promise<StreamEvent[]> {
      for (;;) {
        const events = text
          .split('\n\n')
          .slice(0, -1) // the last part is not a whole frame yet
          .filter((frame) => /^event: /m.test(frame))
          .map((frame) => ({
            id: /^id: (.*)$/m.exec(frame)?.[1],
            event: /^event: (.*)$/m.exec(frame)![1]!,
            data: JSON.parse(/^data: (.*)$/m.exec(frame)![1]!) as StreamEvent['data'],
          }));
        if (events.length >= count) return events;
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended after ${events.length} events`);
        text += value;
      }
    },
  };
}

/** The events of each store revision in turn, each as `<kind> <type> <key>`, sorted within it. */
function byRevision(events: readonly StreamEvent[]): string[][] {
  const groups = new Map<number, string[]>();
  for (const e of events) {
    const group = groups.get(e.data.revision) ?? [];
    group.push(`${e.event} ${e.data.type} ${e.data.key}`);
    groups.set(e.data.revision, group);
  }
  return [...groups.values()].map((g) => g.sort());
}

const put = (key: string, value: unknown) => ({
  type: 'put' as const,
  key,
  value: JSON.stringify(value),
});

describe('frontend: workload and instance events', () => {
  it('streams workloads with their availability and every record of an instance, filters by kind, and resumes after a workload event with only later events', async () => {
    f = await startFrontend();
    const admin = await f.login('admin', adminPassword);
    const { store } = f;
    const blade = 'r1/z1/rack1/blade/0';
    const live = await openEvents(admin, 'workloads,instances');
    const workloadsOnly = await openEvents(admin, 'workloads');
    const clockOnly = await openEvents(admin, 'clock');

    // As the workload repair manager writes them: a workload and its
    // instance's intent in one transaction (two followed prefixes, one revision).
    const created = await store.txn(
      [],
      [
        put(keys.workload('web'), { phase: 'WORKLOAD_PHASE_PROGRESSING' }),
        put(keys.instance('web', 0), { workload: 'web', n: 0, wanted: true, createdTick: '1' }),
      ],
    );
    // The scheduler refuses it once, then places it (and drops the refusal).
    await store.txn([], [put(keys.unplaced('web', 0), { workload: 'web', n: 0, sinceTick: '1' })]);
    await store.txn(
      [],
      [
        put(keys.placement(blade, 'web', 0), { workload: 'web', n: 0, blade, placedTick: '2' }),
        { type: 'delete', key: keys.unplaced('web', 0) },
      ],
    );
    await store.txn(
      [],
      [put(keys.instanceActual('web', 0), { state: 'INSTANCE_STATE_STARTING', sinceTick: '3' })],
    );
    await store.txn(
      [],
      [
        put(keys.instanceObserved('web', 0), {
          health: 'INSTANCE_HEALTH_STARTING',
          sinceTick: '4',
        }),
        // As the monitor writes it with what it observes: the workload's availability sample.
        put(keys.availabilitySample('web', 4), { tick: '4', desired: 1 }),
      ],
    );
    await store.txn([], [put(keys.workload('web'), { phase: 'WORKLOAD_PHASE_READY' })]);

    const seen = await live.until(9);
    const transactions = [
      // The two records of the first transaction, in either order (one watch each).
      ['instances put instances/web/0', 'workloads put workloads/web'],
      ['instances put unplaced/web/0'],
      // Placed, and the refusal dropped, in one transaction.
      ['instances delete unplaced/web/0', 'instances put placements/r1/z1/rack1/blade/0/web/0'],
      ['instances put instance-actual/web/0'],
      ['instances put instance-observed/web/0', 'workloads put availability/web/000000000004'],
      ['workloads put workloads/web'],
    ];
    expect(byRevision(seen)).toEqual(transactions);
    expect(seen[0]!.data.revision).toBe(created.revision);
    expect(seen[seen.length - 1]!.data.value).toEqual({ phase: 'WORKLOAD_PHASE_READY' });
    // Only what a stream asked for.
    expect(byRevision(await workloadsOnly.until(3))).toEqual([
      ['workloads put workloads/web'],
      ['workloads put availability/web/000000000004'],
      ['workloads put workloads/web'],
    ]);

    // Resumed after the first workload event: only the events after its revision.
    const firstId = seen.find((e) => e.event === 'workloads')!.id;
    expect(firstId).toBe(`${created.revision}-0`);
    const resumed = await openEvents(admin, 'workloads,instances', firstId);
    expect(byRevision(await resumed.until(7))).toEqual(transactions.slice(1));

    // A clock stream got none of it: its first event is the next tick.
    await store.txn([], [put(keys.clockTick, { tick: '5' })]);
    expect(byRevision(await clockOnly.until(1))).toEqual([['clock put clock/tick']]);
  });
});
