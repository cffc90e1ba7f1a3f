import { ApiClient, type CallInput } from '@chamber/api';
import { freePort, type EtcdProcess } from '@chamber/etcd-process';
import type { TraceSpan } from '@chamber/protos';
import { TraceSinkClient, traceSinkSpanProcessors } from '@chamber/trace-client';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { startHttpFloorProcess, startTraceSinkProcess } from '../system/processes.js';
import { startBenchWorld } from './bench-world.js';
import { Clients } from './frontend.js';
import type { MixRequest, MixResult } from './frontend-clients.js';
import { fmt, quantile, table } from './stats.js';

const clients = 500;
/** The measured run; `CHAMBER_BENCH_LOAD_SECONDS` shortens (or lengthens) it. */
const seconds = Number(process.env['CHAMBER_BENCH_LOAD_SECONDS'] ?? 60);
/** The floor's run, at the same concurrency. */
const floorSeconds = Math.min(seconds, 10);
/** Entries in the trace log before the run: the tracesink's default capacity, a full log. */
const logEntries = 100_000;
const rack = 'standard/z1/rack3';
const blade = `${rack}/blade/5`;

/**
 * A full decision log of a long run of the `standard` inventory: what the
 * services record (transitions, commands, repair decisions, tick spans),
 * about every rack's devices, a tenth of them warnings, ten to a trace.
 */
function decisionSpans(from: number, count: number): TraceSpan[] {
  const kinds = [
    ['monitor', 'monitor.transition', 'blade observed suspect: no heartbeat for 2 ticks'],
    ['inventory', 'inventory.command', 'power-cycle succeeded after 2 ticks'],
    [
      'inventory-repair',
      'repair.decision',
      'blade observed failed for 4 ticks; power-cycle 1 of 3',
    ],
    ['faults', 'fault.transition', 'power_loss active until tick 31'],
    ['stepper', 'clock.settle', ''],
  ] as const;
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const [service, name, reason] = kinds[n % kinds.length]!;
    const target = `standard/z1/rack${(n % 8) + 1}/blade/${Math.floor(n / 8) % 8}`;
    return {
      traceId: Math.floor(n / 10)
        .toString(16)
        .padStart(32, '0'),
      spanId: n.toString(16).padStart(16, '0'),
      parentSpanId: '',
      links: [],
      service,
      name,
      startTime: new Date(),
      durationMs: 0.4,
      attributes: {
        'chamber.tick': String(Math.floor(n / 10)),
        'chamber.run': '1',
        'chamber.target': service === 'stepper' ? '' : target,
        'chamber.reason': reason,
        'chamber.severity': n % 10 === 0 ? 'warn' : 'info',
        'chamber.writes': '3',
      },
      status: 0,
      statusMessage: '',
    };
  });
}

/** A tracer per service, as each service's process makes it, sending to the tracesink. */
function tracers(address: string) {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const providers: BasicTracerProvider[] = [];
  return {
    tracer: (service: string) => {
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': `chamber-${service}` }),
        spanProcessors: traceSinkSpanProcessors({ telemetry: { tracesink: address } }),
      });
      providers.push(provider);
      return provider.getTracer(service);
    },
    close: () => Promise.all(providers.map((p) => p.shutdown())),
  };
}

interface RouteFigures {
  readonly route: string;
  readonly count: number;
  readonly rps: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
  readonly sample?: string;
}

function figuresOf(result: MixResult): RouteFigures[] {
  return Object.entries(result.routes).map(([route, r]) => ({
    route,
    count: r.latencies.length + r.errors,
    rps: (r.latencies.length * 1000) / result.wallMs,
    errors: r.errors,
    p50: quantile(r.latencies, 0.5),
    p99: quantile(r.latencies, 0.99),
    ...(r.sample === undefined ? {} : { sample: r.sample }),
  }));
}

/**
 * The frontend under 500 concurrent keep-alive clients for 60 s: the read
 * routes the dashboard and scripts use — the clock, the inventory (an
 * element, a rack's blades, the summary), faults, repairs, and the decision
 * log (`GET /logs` as the dashboard asks it, filtered by a rack and by a
 * service, and from a random place in the log, which no two requests share)
 * — with a share of `POST /clock/step`, so the world, the caches and the log
 * move while they are read. The log holds 100,000 entries (a full
 * tracesink) and grows with the spans the services record. Per route: the
 * requests answered, errors (any answer but 2xx, or a failed connection),
 * p50 and p99; baseline: a bare Node HTTP server in its own process
 * answering a constant JSON to the same 500 clients (the HTTP floor), and
 * the ratios to it. Errors must be 0.
 */
export async function benchLoad(etcd: EtcdProcess): Promise<void> {
  const endpoints = [...etcd.endpoints];
  const sink = await startTraceSinkProcess({ endpoints, simulation: 'bench-load-sink' });
  const spans = tracers(sink.address);
  const floorPort = await freePort();
  const floor = startHttpFloorProcess(floorPort);
  const worker = new Clients();
  const sinkClient = TraceSinkClient.connect(sink.address);
  let bench: Awaited<ReturnType<typeof startBenchWorld>> | undefined;
  try {
    for (let n = 0; n < logEntries; n += 10_000)
      await sinkClient.export(decisionSpans(n, Math.min(10_000, logEntries - n)));
    bench = await startBenchWorld('bench-load', etcd, {
      definition: 'standard',
      ticks: 20,
      tracesink: sink.address,
      tracer: spans.tracer,
    });
    await floor.waitForLine(/http floor serving/);
    const { baseUrl, cookie } = bench;
    const { body: created } = await new ApiClient({ baseUrl, cookie }).call<{ token: string }>(
      'createToken',
      { body: { name: 'bench' } },
    );
    const api = new ApiClient({ baseUrl, token: created.token });
    const headers = { authorization: `Bearer ${created.token}`, accept: 'application/json' };
    const path = (id: string, input: CallInput = {}): string => {
      const url = new URL(api.url(id, input));
      return url.pathname + url.search;
    };
    const get = (route: string, weight: number, id: string, input?: CallInput): MixRequest => ({
      route,
      method: 'GET',
      path: path(id, input),
      weight,
    });
    const every: MixRequest[] = [
      get('GET /clock', 10, 'getClock'),
      get('GET /inventory/summary', 10, 'getSummary'),
      get('GET a blade (actual)', 10, 'getElement', { query: { path: blade, view: 'actual' } }),
      get("GET a rack's blades (observed)", 10, 'listElements', {
        query: { path: rack, kind: 'blade', view: 'observed' },
      }),
      get('GET /faults', 10, 'listFaults'),
      get('GET /repairs', 10, 'listRepairs'),
      get('GET /logs?tail, 200', 10, 'listLogs', { query: { tail: true, limit: 200 } }),
      get('GET /logs?tail, 200, a rack', 10, 'listLogs', {
        query: { tail: true, limit: 200, target: 'standard/z1/rack3' },
      }),
      get('GET /logs?service, 100', 10, 'listLogs', {
        query: { service: 'inventory-repair', limit: 100 },
      }),
      { ...get('GET /logs?after=<random>', 10, 'listLogs'), randomAfter: logEntries },
      {
        route: 'POST /clock/step',
        method: 'POST',
        path: path('step'),
        body: JSON.stringify({ count: 1 }),
        weight: 1,
      },
    ];
    // `CHAMBER_BENCH_LOAD_ONLY=<regex>` keeps the routes it matches, to look at some alone.
    const only = new RegExp(process.env['CHAMBER_BENCH_LOAD_ONLY'] ?? '');
    const requests = every.filter((r) => only.test(r.route));
    const totalWeight = requests.reduce((n, r) => n + r.weight, 0);

    console.log(
      `${clients} keep-alive clients; the floor for ${floorSeconds} s, then the frontend for ${seconds} s ` +
        `(CHAMBER_BENCH_LOAD_SECONDS); the log holds ${logEntries.toLocaleString('en')} entries before the run`,
    );
    const floorResult = await worker.run<MixResult>({
      kind: 'mix',
      baseUrl: `http://127.0.0.1:${floorPort}`,
      headers: {},
      clients,
      seconds: floorSeconds,
      requests: [{ route: 'bare Node HTTP (floor)', method: 'GET', path: '/', weight: 1 }],
    });
    const floorFigures = figuresOf(floorResult)[0]!;
    const tickBefore = (await api.call<{ tick?: number }>('getClock')).body.tick ?? 0;
    const result = await worker.run<MixResult>({
      kind: 'mix',
      baseUrl,
      headers,
      clients,
      seconds,
      requests,
    });
    const tickAfter = (await api.call<{ tick?: number }>('getClock')).body.tick ?? 0;
    const rows = figuresOf(result);
    const all = Object.values(result.routes).flatMap((r) => r.latencies);
    const errors = rows.reduce((n, r) => n + r.errors, 0);
    const total: RouteFigures = {
      route: 'every route',
      count: all.length + errors,
      rps: (all.length * 1000) / result.wallMs,
      errors,
      p50: quantile(all, 0.5),
      p99: quantile(all, 0.99),
    };
    const row = (f: RouteFigures, share: string): string[] => [
      f.route,
      share,
      f.count.toLocaleString('en'),
      fmt(f.rps, 0),
      String(f.errors),
      fmt(f.p50, 1),
      fmt(f.p99, 1),
      `${fmt(f.p50 / floorFigures.p50, 1)}x`,
      `${fmt(f.p99 / floorFigures.p99, 1)}x`,
    ];
    const share = (route: string): string => {
      const weight = requests.find((r) => r.route === route)?.weight ?? totalWeight;
      return `${fmt((100 * weight) / totalWeight, 0)}%`;
    };
    console.log(
      `\n${clients} clients for ${fmt(result.wallMs / 1000, 1)} s; the clock went from tick ${tickBefore} to ${tickAfter}\n`,
    );
    console.log(
      table([
        [
          '',
          'share',
          'requests',
          'answers/s',
          'errors',
          'p50 ms',
          'p99 ms',
          'p50/floor',
          'p99/floor',
        ],
        ...rows.map((f) => row(f, share(f.route))),
        row(total, '100%'),
        row(floorFigures, '(floor)'),
      ]),
    );
    for (const f of [...rows, floorFigures])
      if (f.sample !== undefined) console.log(`  ${f.route}: e.g. ${f.sample}`);
    console.log(
      `\ntarget (issue 15): every route answers, errors 0: ${errors} ${errors === 0 ? 'PASS' : 'FAIL'}`,
    );
  } finally {
    await worker.close();
    sinkClient.close();
    await bench?.close();
    await spans.close();
    await floor.kill('SIGTERM');
    await sink.child.kill('SIGTERM');
  }
}
