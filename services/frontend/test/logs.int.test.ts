import { loadConfig } from '@chamber/config';
import { createLogger } from '@chamber/telemetry';
import { etcdEndpoints } from '@chamber/testing';
import { TraceSinkClient } from '@chamber/trace-client';
import { createTraceSinkService, traceSinkSchema, type TraceSinkService } from '@chamber/tracesink';
import { clockSpanNames, tickSpanName } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { startFrontend, type TestFrontend } from './helpers.js';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function startSink(): Promise<{ address: string; client: TraceSinkClient }> {
  const config = loadConfig(traceSinkSchema(), {
    env: {},
    overrides: { listen: { host: '127.0.0.1', port: 0 }, etcd: { endpoints: etcdEndpoints() } },
  });
  const sink: TraceSinkService = createTraceSinkService(config, {
    logger: createLogger({ service: 'tracesink', level: 'silent' }),
  });
  const { port } = await sink.start();
  closers.push(() => sink.stop());
  const address = `127.0.0.1:${port}`;
  const client = TraceSinkClient.connect(address);
  closers.push(() => client.close());
  return { address, client };
}

let n = 0;
function span(service: string, target: string, severity: string, reason: string, run = 1) {
  n++;
  return {
    traceId: 'a'.repeat(32),
    spanId: n.toString(16).padStart(16, '0'),
    parentSpanId: '',
    links: [],
    service,
    name: `${service}.decision`,
    startTime: new Date(),
    durationMs: 1,
    attributes: {
      'chamber.tick': String(n),
      'chamber.run': String(run),
      'chamber.target': target,
      'chamber.reason': reason,
      'chamber.severity': severity,
    },
    status: 0,
    statusMessage: '',
  };
}

async function frontendWith(address: string): Promise<TestFrontend> {
  const f = await startFrontend({ telemetry: { tracesink: address } });
  closers.push(() => f.stop());
  return f;
}

describe('frontend: the trace log', () => {
  it('lists entries after a sequence number, filtered by service, target subtree and severity', async () => {
    const sink = await startSink();
    await sink.client.export([
      span('monitor', 'r1/z1/rack1/blade/0', 'warn', 'no heartbeat since tick 3'),
      span('inventory-repair', 'r1/z1/rack1/blade/0', 'info', 'power-cycle, attempt 1 of 2'),
      span('monitor', 'r1/z1/rack2/blade/1', 'info', 'heartbeat'),
    ]);
    const f = await frontendWith(sink.address);
    const admin = await f.login('admin', 'correct horse battery staple');
    type Page = { entries: Array<{ seq: number; service: string; reason: string }> };
    const all = (await admin.call<Page>('listLogs')).body.entries;
    expect(all.map((e) => e.reason)).toEqual([
      'no heartbeat since tick 3',
      'power-cycle, attempt 1 of 2',
      'heartbeat',
    ]);
    const after = (await admin.call<Page>('listLogs', { query: { after: all[0]!.seq } })).body;
    expect(after.entries).toHaveLength(2);
    const rack1 = (await admin.call<Page>('listLogs', { query: { target: 'r1/z1/rack1' } })).body;
    expect(rack1.entries.map((e) => e.service)).toEqual(['monitor', 'inventory-repair']);
    const warn = (await admin.call<Page>('listLogs', { query: { severity: 'warn' } })).body;
    expect(warn.entries.map((e) => e.reason)).toEqual(['no heartbeat since tick 3']);
    const monitor = (await admin.call<Page>('listLogs', { query: { service: 'monitor' } })).body;
    expect(monitor.entries).toHaveLength(2);
  });

  it('lists the newest entries with tail, and only one run of the clock with run', async () => {
    const sink = await startSink();
    await sink.client.export([
      span('monitor', 'r1/z1/rack1/blade/0', 'info', 'run 1, first', 1),
      span('monitor', 'r1/z1/rack1/blade/0', 'info', 'run 1, second', 1),
      span('monitor', 'r1/z1/rack1/blade/0', 'info', 'run 2, first', 2),
      span('monitor', 'r1/z1/rack1/blade/0', 'info', 'run 2, second', 2),
      span('faults', 'r1/z1/rack1/blade/0', 'info', 'run 2, third', 2),
    ]);
    const f = await frontendWith(sink.address);
    const admin = await f.login('admin', 'correct horse battery staple');
    type Page = { entries: Array<{ run: number; tick: number; reason: string }> };
    const reasons = async (query: Record<string, string | number | boolean>) =>
      (await admin.call<Page>('listLogs', { query })).body.entries.map((e) => e.reason);
    // The oldest by default; the newest (still oldest first) with tail.
    expect(await reasons({ limit: 2 })).toEqual(['run 1, first', 'run 1, second']);
    expect(await reasons({ limit: 2, tail: true })).toEqual(['run 2, second', 'run 2, third']);
    expect(await reasons({ limit: 2, tail: true, service: 'monitor' })).toEqual([
      'run 2, first',
      'run 2, second',
    ]);
    // Each entry carries its run; run filters on it.
    const page = (await admin.call<Page>('listLogs', { query: { run: 1 } })).body.entries;
    expect(page.map((e) => [e.run, e.reason])).toEqual([
      [1, 'run 1, first'],
      [1, 'run 1, second'],
    ]);
    expect(await reasons({ run: 2, tail: true, limit: 1 })).toEqual(['run 2, third']);
    const bad = await admin.call('listLogs', { query: { run: 0 } }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ details: { field: 'run' } });
  });

  it('lists decisions only (no per-tick bookkeeping span), and services by the start of their name', async () => {
    const sink = await startSink();
    const named = (name: string, service: string, reason: string) => ({
      ...span(service, '', 'info', reason),
      name,
    });
    await sink.client.export([
      named(clockSpanNames.publish, 'stepper', 'published'),
      named(tickSpanName('inventory-repair'), 'inventory-repair', 'its tick'),
      span('inventory-repair', 'r1/z1/rack1/blade/0', 'info', 'power-cycle'),
      span('inventory', 'r1/z1/rack1/blade/0', 'info', 'powered off'),
      named(clockSpanNames.settle, 'stepper', 'settled'),
    ]);
    const f = await frontendWith(sink.address);
    const admin = await f.login('admin', 'correct horse battery staple');
    // Proto3 JSON leaves out an empty list.
    type Page = { entries?: Array<{ reason: string }> };
    const reasons = async (query: Record<string, string | number | boolean>) =>
      ((await admin.call<Page>('listLogs', { query })).body.entries ?? []).map((e) => e.reason);
    expect(await reasons({ decisions: true })).toEqual(['power-cycle', 'powered off']);
    expect(await reasons({})).toHaveLength(5);
    expect(await reasons({ servicePrefix: 'inventory' })).toEqual([
      'its tick',
      'power-cycle',
      'powered off',
    ]);
    expect(
      await reasons({ servicePrefix: 'inventory', decisions: true, tail: true, limit: 1 }),
    ).toEqual(['powered off']);
    expect(await reasons({ servicePrefix: 'repair' })).toEqual([]);
    const bad = await admin
      .call('listLogs', { query: { servicePrefix: 'no spaces' } })
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ details: { field: 'servicePrefix' } });
  });

  it('streams new entries as logs events, resumable with Last-Event-ID', async () => {
    const sink = await startSink();
    const f = await frontendWith(sink.address);
    const admin = await f.login('admin', 'correct horse battery staple');
    const read = async (lastEventId?: string) => {
      const res = await admin.open(
        'streamEvents',
        { query: { kinds: 'logs' } },
        lastEventId === undefined ? {} : { 'last-event-id': lastEventId },
      );
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      return {
        async until(count: number): Promise<Array<{ id: string; reason: string }>> {
          for (;;) {
            const events = text
              .split('\n\n')
              .filter((b) => b.includes('event: logs'))
              .map((b) => ({
                id: /^id: (.*)$/m.exec(b)?.[1] ?? '',
                reason: (JSON.parse(/^data: (.*)$/m.exec(b)?.[1] ?? '{}') as { reason: string })
                  .reason,
              }));
            if (events.length >= count) return events;
            const { value, done } = await reader.read();
            if (done) throw new Error(`stream ended after ${events.length} events`);
            text += value;
          }
        },
        cancel: () => reader.cancel(),
      };
    };
    const live = await read();
    await sink.client.export([span('monitor', 'r1/z1/rack1/blade/0', 'warn', 'first')]);
    await sink.client.export([span('monitor', 'r1/z1/rack1/blade/0', 'warn', 'second')]);
    const seen = await live.until(2);
    expect(seen.map((e) => e.reason)).toEqual(['first', 'second']);
    await live.cancel();

    await sink.client.export([span('faults', 'r1/z1/rack1/blade/0', 'info', 'third')]);
    const resumed = await read(seen[0]!.id);
    expect((await resumed.until(2)).map((e) => e.reason)).toEqual(['second', 'third']);
    await resumed.cancel();
  });

  it('answers HEAD of the event stream with its headers, without opening a stream', async () => {
    const f = await startFrontend();
    closers.push(() => f.stop());
    const login = await f.anonymous().call('logIn', {
      body: { user: 'admin', password: 'correct horse battery staple' },
    });
    const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
    const res = await fetch(f.anonymous().url('streamEvents'), {
      method: 'HEAD',
      headers: { cookie },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(await res.text()).toBe('');
  });
});
