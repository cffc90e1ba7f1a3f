import { FaultKind, Severity } from '@chamber/protos';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { TraceSinkClient, traceSinkSpanProcessors } from '@chamber/trace-client';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { startInventoryWorld, twoRacks } from './inventory-world.js';
import { startTraceSinkProcess } from './processes.js';

// The services of a world send their spans, through the real exporter, to a
// tracesink running as its own process, as `npm start` runs it.

// What the Node SDK registers in a service process: spans started inside the
// tick span are its children.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/**
 * A tracer per service (its own resource, as in its own process), all sending
 * to `address`, and `flush()`, which resolves once every span ended so far
 * has reached the sink.
 */
function tracers(address: string) {
  const providers: BasicTracerProvider[] = [];
  closers.push(async () => {
    for (const p of providers) await p.shutdown();
  });
  return {
    tracer: (service: string) => {
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': `chamber-${service}` }),
        spanProcessors: traceSinkSpanProcessors({ telemetry: { tracesink: address } }),
      });
      providers.push(provider);
      return provider.getTracer(service);
    },
    flush: () => Promise.all(providers.map((p) => p.forceFlush())),
  };
}

const b0 = 'r1/z1/rack1/blade/0';

describe('the trace log', () => {
  it("holds a repair's decisions with their tick, target and reason, under the tick that made them, beside what led to them", async () => {
    const simulation = uniqueSimulation('trace-sys');
    const sinkProcess = await startTraceSinkProcess({ endpoints: etcdEndpoints(), simulation });
    closers.push(() => sinkProcess.child.kill());
    const sink = TraceSinkClient.connect(sinkProcess.address);
    const spans = tracers(sinkProcess.address);
    closers.push(() => sink.close());
    const world = await startInventoryWorld('trace-sys', {
      monitor: { suspectAfter: 1, failedAfter: 2, installGrace: 30 },
      repair: { rackBudget: 2, powerCycles: 2, verifyPowerCycleTicks: 10 },
      tracer: spans.tracer,
    });
    closers.push(() => world.close());
    await world.load(twoRacks);
    await world.clock.runUntil(6);
    const fault = await world.faults.inject(FaultKind.FAULT_KIND_CRASH, [b0]);
    await world.clock.runUntil(20);
    const [repair] = await world.repairs();

    await spans.flush();
    const { entries: decisions } = await sink.listEntries({
      service: 'inventory-repair',
      target: b0,
    });
    const repairDecisions = decisions.filter((e) => e.name === 'repair.decision');
    // Opened and power-cycled at 10 (one decision), healthy again at 19.
    expect(
      repairDecisions.map((e) => ({
        tick: e.tick,
        target: e.target,
        reason: e.reason,
        status: e.attributes['chamber.status'],
        repair: e.attributes['chamber.repair'],
      })),
    ).toEqual([
      {
        tick: 10,
        target: b0,
        reason: repair!.history[1]!.reason,
        status: 'running',
        repair: repair!.id,
      },
      { tick: 19, target: b0, reason: repair!.reason, status: 'succeeded', repair: repair!.id },
    ]);
    const [opened, healthy] = repairDecisions;
    // The second decision links to the first; each is a child of its tick's span.
    expect(healthy!.links).toEqual([{ traceId: opened!.traceId, spanId: opened!.spanId }]);
    const { entries: tickTrace } = await sink.listEntries({ traceId: opened!.traceId });
    const tickSpan = tickTrace.find((e) => e.spanId === opened!.parentSpanId);
    expect(tickSpan).toMatchObject({ name: 'inventory-repair.tick', tick: 10, parentSpanId: '' });
    expect(tickSpan!.seq).toBeGreaterThan(opened!.seq);

    // What led to it, from the other services, in the rack's log.
    const { entries: rack } = await sink.listEntries({ target: 'r1/z1/rack1', limit: 1_000 });
    // Each service's batches arrive on their own, so the rack's log is read here in tick order.
    const story = rack
      .filter((e) => e.target === b0 && e.name !== 'repair.decision')
      .sort((a, b) => a.tick - b.tick)
      .map(
        (e) =>
          `${e.tick} ${e.name} ${e.attributes['chamber.status'] ?? e.attributes['chamber.to']} ${Severity[e.severity]}`,
      );
    expect(story).toEqual([
      '7 fault.transition active SEVERITY_WARN', // the crash takes effect
      '8 monitor.transition suspect SEVERITY_WARN',
      '9 monitor.transition failed SEVERITY_WARN',
      '11 inventory.command running SEVERITY_INFO', // the repair's power-cycle
      '12 fault.transition cleared SEVERITY_INFO', // fixed by it
      '13 inventory.command succeeded SEVERITY_INFO',
      '18 monitor.transition healthy SEVERITY_INFO',
    ]);
    const failed = rack.find((e) => e.name === 'monitor.transition' && e.tick === 9)!;
    expect(failed.reason).toMatch(/^no heartbeat since tick 6 \(2 missed\)/);
    expect(failed.attributes).toMatchObject({ 'chamber.from': 'suspect', 'chamber.to': 'failed' });
    const injected = rack.find((e) => e.name === 'fault.transition')!;
    expect(injected.attributes).toMatchObject({
      'chamber.fault': fault.id,
      'chamber.kind': 'crash',
    });
    // Listed in seq order; each service's own entries in the order it made them.
    expect(rack.map((e) => e.seq)).toEqual([...rack.map((e) => e.seq)].sort((a, b) => a - b));
    const ticksOf = (service: string) =>
      rack.filter((e) => e.service === service).map((e) => e.tick);
    for (const service of ['faults', 'monitor', 'inventory', 'inventory-repair'])
      expect(ticksOf(service)).toEqual([...ticksOf(service)].sort((a, b) => a - b));
  });
});
