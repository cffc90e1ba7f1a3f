import { ChamberError, Code, isChamberError } from '@chamber/errors';
import { waitUntilServing } from '@chamber/grpc';
import { Severity, type LogEntry } from '@chamber/protos';
import { Store } from '@chamber/store';
import { createLogger } from '@chamber/telemetry';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { TraceSinkClient, traceSinkSpanProcessors } from '@chamber/trace-client';
import { keys } from '@chamber/world';
import { context, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTraceSinkService,
  loadTraceSinkConfig,
  type TraceSinkDeps,
  type TraceSinkService,
} from '../src/index.js';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A tracesink on a free port, against the test etcd, and a client of it. */
async function startSink(
  options: { capacity?: number; simulation?: string } & TraceSinkDeps = {},
): Promise<{ service: TraceSinkService; client: TraceSinkClient; address: string }> {
  const { capacity, simulation, ...deps } = options;
  const config = loadTraceSinkConfig({
    env: {},
    overrides: {
      listen: { host: '127.0.0.1', port: 0 },
      etcd: { endpoints: etcdEndpoints() },
      simulation: simulation ?? uniqueSimulation('trace'),
      ...(capacity === undefined ? {} : { tracesink: { capacity } }),
    },
  });
  const service = createTraceSinkService(config, {
    logger: createLogger({ service: 'tracesink', level: 'silent' }),
    ...deps,
  });
  const { port } = await service.start();
  closers.push(() => service.stop());
  const address = `127.0.0.1:${port}`;
  const client = TraceSinkClient.connect(address);
  closers.push(() => client.close());
  return { service, client, address };
}

/**
 * A tracer of service `service` whose spans go to the sink through the real
 * exporter, only when `flush()` is called (the batch delay is out of reach).
 */
function exportingTracer(address: string, service: string) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `chamber-${service}` }),
    spanProcessors: traceSinkSpanProcessors(
      { telemetry: { tracesink: address } },
      { batchDelayMs: 600_000 },
    ),
  });
  closers.push(() => provider.shutdown());
  return { tracer: provider.getTracer('test'), flush: () => provider.forceFlush() };
}

/** A tick span with two decisions under it (the second linked to the first), then an error. */
function emitTick(tracer: Tracer, tick: number) {
  const tickSpan = tracer.startSpan('monitor.tick', { attributes: { 'chamber.tick': tick } });
  const inTick = trace.setSpan(context.active(), tickSpan);
  const failed = tracer.startSpan(
    'monitor.transition',
    {
      attributes: {
        'chamber.tick': tick,
        'chamber.target': 'r1/z1/rack1/blade/0',
        'chamber.reason': 'no heartbeat since tick 3 (2 missed)',
        'chamber.severity': 'warn',
        'chamber.state': 'failed',
      },
    },
    inTick,
  );
  failed.end();
  const healthy = tracer.startSpan(
    'monitor.transition',
    {
      attributes: {
        'chamber.tick': tick,
        'chamber.target': 'r1/z1/rack2/blade/1',
        'chamber.reason': 'heartbeats again',
      },
      links: [{ context: failed.spanContext() }],
    },
    inTick,
  );
  healthy.end();
  tickSpan.end();
  const broken = tracer.startSpan('monitor.read', {
    attributes: { 'chamber.target': 'r1/z1/rack1' },
  });
  broken.setStatus({ code: SpanStatusCode.ERROR, message: 'etcd went away' });
  broken.end();
  return { tickSpan, failed, healthy, broken };
}

/** Follows the sink; `until(n)` resolves once `n` entries have arrived. */
function follow(client: TraceSinkClient, options: Parameters<TraceSinkClient['followEntries']>[2]) {
  const entries: LogEntry[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let cancel = (): void => undefined;
  const ended = new Promise<ChamberError | undefined>((resolveEnd) => {
    const handle = client.followEntries(
      (entry) => {
        entries.push(entry);
        for (const w of waiters.filter((w) => entries.length >= w.n)) w.resolve();
      },
      resolveEnd,
      options,
    );
    cancel = () => handle.cancel();
  });
  return {
    entries,
    ended,
    cancel: () => cancel(),
    until: (n: number) =>
      new Promise<void>((resolve) =>
        entries.length >= n ? resolve() : waiters.push({ n, resolve }),
      ),
  };
}

const names = (entries: readonly LogEntry[]) => entries.map((e) => `${e.seq}:${e.name}`);

describe('tracesink', () => {
  it('keeps exported spans in arrival order, with tick, target, reason, severity, parent and links', async () => {
    const { service, client, address } = await startSink();
    await waitUntilServing(address, { service: 'chamber.trace.v1.TraceSink', timeoutMs: 5_000 });
    const { tracer, flush } = exportingTracer(address, 'monitor');
    const s = emitTick(tracer, 5);
    await flush();

    const page = await client.listEntries();
    expect(page).toMatchObject({ firstSeq: 1, lastSeq: 4, instanceId: service.instanceId });
    expect(names(page.entries)).toEqual([
      '1:monitor.transition',
      '2:monitor.transition',
      '3:monitor.tick',
      '4:monitor.read',
    ]);
    const [failed, healthy, tick, broken] = page.entries;
    expect(failed).toMatchObject({
      service: 'monitor',
      traceId: s.tickSpan.spanContext().traceId,
      spanId: s.failed.spanContext().spanId,
      parentSpanId: s.tickSpan.spanContext().spanId,
      tick: 5,
      target: 'r1/z1/rack1/blade/0',
      reason: 'no heartbeat since tick 3 (2 missed)',
      severity: Severity.SEVERITY_WARN,
      attributes: { 'chamber.state': 'failed' },
    });
    expect(healthy).toMatchObject({
      links: [{ traceId: s.failed.spanContext().traceId, spanId: s.failed.spanContext().spanId }],
      severity: Severity.SEVERITY_INFO,
    });
    expect(tick).toMatchObject({ parentSpanId: '', tick: 5, target: '', reason: '' });
    expect(broken).toMatchObject({
      tick: -1,
      severity: Severity.SEVERITY_ERROR,
      statusMessage: 'etcd went away',
    });
    expect(failed!.startTime).toBeInstanceOf(Date);
  });

  it('filters by target (the element and anything under it), severity, trace and service, and pages', async () => {
    const { client, address } = await startSink();
    const { tracer, flush } = exportingTracer(address, 'monitor');
    const first = emitTick(tracer, 5);
    emitTick(tracer, 6);
    await flush();
    const seqs = async (options: Parameters<TraceSinkClient['listEntries']>[0]) =>
      (await client.listEntries(options)).entries.map((e) => e.seq);

    expect(await seqs({ target: 'r1/z1/rack1' })).toEqual([1, 4, 5, 8]);
    expect(await seqs({ target: '/r1/z1/rack1/blade/0/' })).toEqual([1, 5]);
    expect(await seqs({ target: 'r1/z1/rack' })).toEqual([]);
    expect(await seqs({ minSeverity: Severity.SEVERITY_WARN })).toEqual([1, 4, 5, 8]);
    expect(await seqs({ minSeverity: Severity.SEVERITY_ERROR })).toEqual([4, 8]);
    expect(await seqs({ traceId: first.tickSpan.spanContext().traceId })).toEqual([1, 2, 3]);
    expect(await seqs({ service: 'monitor', limit: 3 })).toEqual([1, 2, 3]);
    expect(await seqs({ service: 'faults' })).toEqual([]);
    expect(await seqs({ afterSeq: 3, limit: 2 })).toEqual([4, 5]);
    expect(await seqs({ limit: 3, tail: true })).toEqual([6, 7, 8]);
    expect(await seqs({ beforeSeq: 6, limit: 2, tail: true })).toEqual([4, 5]);
    const bad = await client.listEntries({ minSeverity: 9 as Severity }).catch((e: unknown) => e);
    expect(isChamberError(bad) && bad.code).toBe(Code.InvalidArgument);
  });

  it('follows: replays what is held after after_seq, then pushes each new entry as it arrives', async () => {
    const { client, address } = await startSink();
    const { tracer, flush } = exportingTracer(address, 'monitor');
    emitTick(tracer, 5);
    await flush();

    const all = follow(client, { afterSeq: 2 });
    const warnings = follow(client, { minSeverity: Severity.SEVERITY_WARN, afterSeq: 2 });
    // The replay first: entries 3 and 4, of which 4 is severe enough.
    await Promise.all([all.until(2), warnings.until(1)]);
    expect(names(warnings.entries)).toEqual(['4:monitor.read']);
    emitTick(tracer, 6);
    await flush();
    await Promise.all([all.until(6), warnings.until(3)]);
    expect(names(all.entries)).toEqual([
      '3:monitor.tick',
      '4:monitor.read',
      '5:monitor.transition',
      '6:monitor.transition',
      '7:monitor.tick',
      '8:monitor.read',
    ]);
    expect(all.entries.slice(2).map((e) => e.tick)).toEqual([6, 6, 6, -1]);
    expect(names(warnings.entries)).toEqual([
      '4:monitor.read',
      '5:monitor.transition',
      '8:monitor.read',
    ]);
    all.cancel();
    warnings.cancel();
    expect(await all.ended).toBeUndefined();
    expect(await warnings.ended).toBeUndefined();
  });

  it('replays a log longer than a stream buffer holds, in order, without losing an entry', async () => {
    const { client } = await startSink();
    const spans = Array.from({ length: 3_000 }, (_, i) => ({
      traceId: 'c'.repeat(32),
      spanId: i.toString(16).padStart(16, '0'),
      parentSpanId: '',
      links: [],
      service: 'bench',
      name: `s${i + 1}`,
      startTime: new Date(),
      durationMs: 0,
      attributes: { 'chamber.tick': String(i) },
      status: 0,
      statusMessage: '',
    }));
    expect(await client.export(spans)).toBe(3_000);
    const f = follow(client, {});
    await f.until(3_000);
    expect(f.entries.map((e) => e.seq)).toEqual(spans.map((_, i) => i + 1));
    f.cancel();
  });

  it('holds at most its capacity, dropping the oldest, and ends followers when it stops', async () => {
    const { service, client, address } = await startSink({ capacity: 5 });
    const { tracer, flush } = exportingTracer(address, 'monitor');
    emitTick(tracer, 1);
    emitTick(tracer, 2);
    await flush();
    const page = await client.listEntries();
    expect([page.firstSeq, page.lastSeq]).toEqual([4, 8]);
    expect(names(page.entries)).toEqual([
      '4:monitor.read',
      '5:monitor.transition',
      '6:monitor.transition',
      '7:monitor.tick',
      '8:monitor.read',
    ]);
    // A follower from the start gets what is still held.
    const f = follow(client, {});
    await f.until(5);
    expect(f.entries.map((e) => e.seq)).toEqual([4, 5, 6, 7, 8]);
    await service.stop();
    expect(await f.ended).toBeUndefined();
  });

  it('registers its endpoint in etcd, restarts empty under a new instance id, and serves without etcd', async () => {
    const simulation = uniqueSimulation('trace-reg');
    const store = await Store.connect({ endpoints: etcdEndpoints(), simulation });
    closers.push(() => store.close());
    const first = await startSink({ simulation });
    const registered = await store.listRaw(keys.instancesOf('tracesink'));
    expect(registered.entries.map((e) => JSON.parse(e.value) as { endpoint: string })).toEqual([
      expect.objectContaining({ endpoint: first.address }),
    ]);
    await first.client.export([]);
    const { tracer, flush } = exportingTracer(first.address, 'faults');
    emitTick(tracer, 1);
    await flush();
    expect((await first.client.listEntries()).lastSeq).toBe(4);
    await first.service.stop();
    expect((await store.listRaw(keys.instancesOf('tracesink'))).entries).toEqual([]);

    let attempts = 0;
    const second = await startSink({
      simulation,
      connectStore: () => {
        attempts++;
        return Promise.reject(new ChamberError(Code.Unavailable, 'etcd is down'));
      },
      registerRetryMs: 600_000,
    });
    expect(attempts).toBe(1);
    const page = await second.client.listEntries();
    expect(page).toMatchObject({ entries: [], firstSeq: 0, lastSeq: 0 });
    expect(page.instanceId).not.toBe(first.service.instanceId);
    expect(page.instanceId).toMatch(/^[0-9a-f]{16}$/);
  });
});
