import { ApiClient } from '@chamber/api';
import { freePort, type EtcdProcess } from '@chamber/etcd-process';
import { Policy } from '@chamber/protos';
import { Worker } from 'node:worker_threads';
import { startHttpFloorProcess } from '../system/processes.js';
import { startBenchWorld } from './bench-world.js';
import type { ClientCommand, LoadResult, ObserveResult, SseResult } from './frontend-clients.js';
import type { BenchRow } from './rows.js';
import { fmt, quantile, table } from './stats.js';

const concurrency = 64;
const warmup = 2_000;
const requests = 10_000;
const sseClients = 200;
const ticksPerSecond = 20;
const sseSeconds = 5;
const rounds = 3;
const bladePath = 'standard/z1/rack3/blade/5';

const targets = { p99Ms: 10, rps: 2_000, sseP99Ms: 100 };

/** A worker thread running {@link ClientCommand}s, one at a time. */
export class Clients {
  private readonly worker = new Worker(new URL('./frontend-clients.js', import.meta.url));

  run<T>(command: ClientCommand): Promise<T> {
    return new Promise((resolve, reject) => {
      this.worker.once('message', (answer: { result?: T; error?: string }) => {
        if (answer.error !== undefined) reject(new Error(answer.error));
        else resolve(answer.result as T);
      });
      this.worker.postMessage(command);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

interface LoadFigures {
  readonly p50: number;
  readonly p99: number;
  readonly rps: number;
  readonly failures: number;
}

function figures(result: LoadResult): LoadFigures {
  return {
    p50: quantile(result.latencies, 0.5),
    p99: quantile(result.latencies, 0.99),
    rps: (result.latencies.length * 1000) / result.wallMs,
    failures: result.failures,
  };
}

/** The round with the median requests/s, of several. */
function median(runs: LoadFigures[]): LoadFigures {
  return [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)]!;
}

/**
 * The frontend under load: GET of one blade's actual state from 64
 * concurrent keep-alive clients, against two baselines measured in the same
 * run at the same concurrency — a bare Node HTTP server answering a constant
 * JSON (the HTTP floor), and GetElement called over gRPC straight at the
 * inventory (what the frontend itself waits for). Then 200 event-stream
 * clients following `kinds=clock` while the clock runs measured at 20
 * ticks/s: lag is from the tick's write (seen by an otherwise idle watch in
 * a thread of its own) to the client parsing the event.
 *
 * The same 200 clients on a bare event stream of the same `clock/` changes
 * (one etcd watch, each event framed once, in a process of its own) are the
 * event stream's floor.
 *
 * The services (stepper, inventory, faults, monitor, repair manager) run in
 * this process, the frontend and the floor servers in processes of their
 * own, the clients in a worker thread. Returns the rows of issue 16: GET p99
 * at 2,000 requests/s offered, and SSE p99 lag, each beside its floor.
 */
export async function benchFrontend(etcd: EtcdProcess): Promise<BenchRow[]> {
  const endpoints = [...etcd.endpoints];
  const clients = new Clients();
  const observer = new Clients();
  const floorPort = await freePort();
  const floor = startHttpFloorProcess(floorPort);
  const bench = await startBenchWorld('bench-frontend', etcd, {
    definition: 'standard',
    ticks: 20,
  });
  const { world, baseUrl, cookie } = bench;
  const sseFloorPort = await freePort();
  const sseFloor = startHttpFloorProcess(sseFloorPort, {
    endpoints,
    simulation: world.simulation,
  });
  try {
    await floor.waitForLine(/http floor serving/);
    await sseFloor.waitForLine(/http floor serving/);
    const { body: created } = await new ApiClient({ baseUrl, cookie }).call<{ token: string }>(
      'createToken',
      { body: { name: 'bench' } },
    );
    const api = new ApiClient({ baseUrl, token: created.token });
    const headers = { authorization: `Bearer ${created.token}`, accept: 'application/json' };
    const bladeUrl = api.url('getElement', { query: { path: bladePath, view: 'actual' } });
    const answer = await api.call<{ element: { bladeActual?: { state?: string } } }>('getElement', {
      query: { path: bladePath, view: 'actual' },
    });
    console.log(
      `GET ${new URL(bladeUrl).pathname}${new URL(bladeUrl).search} -> ${answer.body.element.bladeActual?.state ?? '?'}`,
    );

    const kinds = ['frontend', 'grpc', 'floor'] as const;
    const closed = new Map(kinds.map((k) => [k, [] as LoadFigures[]]));
    const open = new Map(kinds.map((k) => [k, [] as LoadFigures[]]));
    const command = (kind: (typeof kinds)[number], rate?: number): ClientCommand => {
      const common = {
        concurrency,
        warmup,
        count: requests,
        ...(rate === undefined ? {} : { rate }),
      };
      if (kind === 'grpc')
        return { kind: 'grpc', address: world.addresses.inventory, path: bladePath, ...common };
      const url = kind === 'floor' ? `http://127.0.0.1:${floorPort}/` : bladeUrl;
      return { kind: 'http', url, headers, ...common };
    };
    for (let i = 0; i < rounds; i++) {
      for (const kind of kinds) {
        closed.get(kind)!.push(figures(await clients.run<LoadResult>(command(kind))));
        open.get(kind)!.push(figures(await clients.run<LoadResult>(command(kind, targets.rps))));
      }
    }
    const front = median(closed.get('frontend')!);
    const paced = median(open.get('frontend')!);
    const floorFigures = median(closed.get('floor')!);
    const floorPaced = median(open.get('floor')!);
    const row = (name: string, f: LoadFigures, floor: LoadFigures): string[] => [
      name,
      fmt(f.p50),
      fmt(f.p99),
      fmt(f.rps, 0),
      `${fmt(f.p50 / floor.p50, 1)}x`,
      `${fmt(f.p99 / floor.p99, 1)}x`,
      `${fmt(f.rps / floor.rps, 2)}`,
      String(f.failures),
    ];
    const header = [
      '',
      'p50 ms',
      'p99 ms',
      'requests/s',
      'p50/floor',
      'p99/floor',
      'rps/floor',
      'failed',
    ];
    const names = {
      frontend: 'frontend REST GET',
      grpc: 'inventory GetElement (gRPC)',
      floor: 'bare Node HTTP (floor)',
    };
    console.log(
      `\nGET a blade, ${concurrency} keep-alive clients, ${requests} requests after ${warmup} of warm-up; median of ${rounds} rounds\n` +
        `\nclosed loop (each client sends its next request when the answer arrives):\n`,
    );
    console.log(
      table([header, ...kinds.map((k) => row(names[k], median(closed.get(k)!), floorFigures))]),
    );
    console.log(
      `\nopen loop at ${targets.rps.toLocaleString('en')} requests/s offered (latency from when each request was due):\n`,
    );
    console.log(
      table([header, ...kinds.map((k) => row(names[k], median(open.get(k)!), floorPaced))]),
    );

    // Event streams: the frontend's, then the floor's, in each round.
    interface SseRound {
      readonly p50: number;
      readonly p99: number;
      readonly events: number;
      readonly gaps: number;
      readonly lags: number[];
    }
    const sseRound = async (url: string, sseHeaders: Record<string, string>): Promise<SseRound> => {
      await observer.run({ kind: 'observe', endpoints, simulation: world.simulation });
      await clients.run({ kind: 'sse-open', url, headers: sseHeaders, clients: sseClients });
      await world.clock.setPolicy(Policy.POLICY_MEASURED, { rate: ticksPerSecond });
      await new Promise((resolve) => setTimeout(resolve, sseSeconds * 1000));
      await world.clock.setPolicy(Policy.POLICY_MANUAL);
      // The last tick's events are on their way.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const seen = await observer.run<ObserveResult>({ kind: 'observe-stop' });
      const streams = await clients.run<SseResult>({ kind: 'sse-close' });
      const written = new Map(seen.ticks);
      const lags: number[] = [];
      let gaps = 0;
      for (const ticks of streams.clients) {
        const got = new Set(ticks.map(([t]) => t));
        for (const [tick] of seen.ticks) if (!got.has(tick)) gaps++;
        for (const [tick, at] of ticks) {
          const w = written.get(tick);
          if (w !== undefined) lags.push(at - w);
        }
      }
      return {
        p50: quantile(lags, 0.5),
        p99: quantile(lags, 0.99),
        events: lags.length,
        gaps: gaps + streams.failures,
        lags,
      };
    };
    const sseRounds: SseRound[] = [];
    const floorRounds: SseRound[] = [];
    for (let i = 0; i < rounds; i++) {
      const r = await sseRound(api.url('streamEvents', { query: { kinds: 'clock' } }), {
        authorization: `Bearer ${created.token}`,
      });
      sseRounds.push(r);
      const f = await sseRound(`http://127.0.0.1:${sseFloorPort}/events`, {});
      floorRounds.push(f);
      console.log(
        `\nSSE round ${i + 1}: ${r.events} events parsed by ${sseClients} clients, ` +
          `lag p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms, ${r.gaps} missing; ` +
          `bare event stream p50 ${fmt(f.p50)} ms, p99 ${fmt(f.p99)} ms, ${f.gaps} missing`,
      );
    }
    const byP99 = (all: SseRound[]): SseRound =>
      [...all].sort((a, b) => a.p99 - b.p99)[Math.floor(all.length / 2)]!;
    const sse = byP99(sseRounds);
    const sseBare = byP99(floorRounds);
    const lags = sseRounds.flatMap((r) => r.lags);
    const missing = sseRounds.reduce((n, r) => n + r.gaps, 0);
    console.log(
      `\nSSE: ${sseClients} clients on kinds=clock at ${ticksPerSecond} ticks/s for ${sseSeconds} s; median round by p99: ` +
        `lag p50 ${fmt(sse.p50)} ms, p99 ${fmt(sse.p99)} ms (all rounds: p50 ${fmt(quantile(lags, 0.5))}, p99 ${fmt(quantile(lags, 0.99))}, max ${fmt(Math.max(...lags))}); ` +
        `bare event stream p50 ${fmt(sseBare.p50)} ms, p99 ${fmt(sseBare.p99)} ms`,
    );

    const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
    console.log(
      `\ntargets:\n` +
        `  GET >= ${targets.rps.toLocaleString('en')} requests/s (closed loop, ${concurrency} clients): ${fmt(front.rps, 0)} ${verdict(front.rps >= targets.rps)}\n` +
        `  GET p99 <= ${targets.p99Ms} ms at ${targets.rps.toLocaleString('en')} requests/s (open loop): ${fmt(paced.p99)} ms ${verdict(paced.p99 <= targets.p99Ms)}\n` +
        `    (closed-loop p99 ${fmt(front.p99)} ms: with ${concurrency} requests always in flight the mean latency is ${concurrency} / (requests/s),\n` +
        `     so a closed-loop p99 under ${targets.p99Ms} ms would need over ${fmt((concurrency * 1000) / targets.p99Ms, 0)} requests/s; the floor's own is ${fmt(floorFigures.p99)} ms)\n` +
        `  SSE p99 lag <= ${targets.sseP99Ms} ms: ${fmt(sse.p99)} ms ${verdict(sse.p99 <= targets.sseP99Ms)}\n` +
        `  every client got every tick: ${missing} missing ${verdict(missing === 0)}`,
    );
    return [
      {
        figure: `REST GET of a blade, ${targets.rps.toLocaleString('en')} req/s offered, ${concurrency} clients`,
        value: `p99 ${fmt(paced.p99)} ms (p50 ${fmt(paced.p50)})`,
        baseline: `bare Node HTTP p99 ${fmt(floorPaced.p99)} ms, ${fmt(paced.p99 / floorPaced.p99, 1)}x`,
        goal: `p99 <= ${targets.p99Ms} ms`,
        isMet: paced.p99 <= targets.p99Ms && paced.failures === 0,
      },
      {
        figure: `SSE, ${sseClients} clients following every tick (${ticksPerSecond}/s)`,
        value: `p99 ${fmt(sse.p99)} ms (p50 ${fmt(sse.p50)}), ${missing} missing`,
        baseline: `bare event stream p99 ${fmt(sseBare.p99)} ms, ${fmt(sse.p99 / sseBare.p99, 1)}x`,
        goal: `p99 <= ${targets.sseP99Ms} ms, none missing`,
        isMet: sse.p99 <= targets.sseP99Ms && missing === 0,
      },
    ];
  } finally {
    await clients.close();
    await observer.close();
    await floor.kill('SIGTERM');
    await sseFloor.kill('SIGTERM');
    await bench.close();
  }
}
