import { InventoryClient } from '@chamber/inventory-client';
import { View } from '@chamber/protos';
import { Store, type WatchHandle } from '@chamber/store';
import { keys } from '@chamber/world';
import http from 'node:http';
import { parentPort } from 'node:worker_threads';

// The client side of the frontend benchmark, in a worker thread so that
// making requests does not share an event loop with the services measured.
// The main thread sends one command at a time and gets one answer.

/** Wall-clock milliseconds with sub-millisecond precision, comparable across threads. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** What the main thread asks of the clients. */
export type ClientCommand =
  | {
      readonly kind: 'http';
      readonly url: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly concurrency: number;
      readonly warmup: number;
      readonly count: number;
      /** Requests per second offered (open loop); as fast as answers come when absent. */
      readonly rate?: number;
    }
  | {
      readonly kind: 'grpc';
      readonly address: string;
      readonly path: string;
      readonly concurrency: number;
      readonly warmup: number;
      readonly count: number;
      readonly rate?: number;
    }
  | {
      readonly kind: 'sse-open';
      readonly url: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly clients: number;
    }
  | { readonly kind: 'sse-close' }
  | { readonly kind: 'observe'; readonly endpoints: string[]; readonly simulation: string }
  | { readonly kind: 'observe-stop' }
  | {
      readonly kind: 'mix';
      readonly baseUrl: string;
      readonly headers: Readonly<Record<string, string>>;
      /** Keep-alive clients, each sending its next request when its answer arrives. */
      readonly clients: number;
      readonly seconds: number;
      readonly requests: readonly MixRequest[];
    };

/** One kind of request of a {@link ClientCommand} `mix`. */
export interface MixRequest {
  /** How the figures name it. */
  readonly route: string;
  readonly method: 'GET' | 'POST';
  /** Path and query, from the base URL on. */
  readonly path: string;
  /** A JSON body. */
  readonly body?: string;
  /** Its share of the requests, relative to the others' weights. */
  readonly weight: number;
  /** Adds `after=<a seq below this, drawn per request>` to the query: no two alike. */
  readonly randomAfter?: number;
}

/** A mix's outcome per route: each answered request's latency (ms), and how many failed. */
export interface MixResult {
  readonly routes: Record<string, { latencies: number[]; errors: number; sample?: string }>;
  readonly wallMs: number;
}

/** A load's outcome: every measured request's latency (ms) and the wall time of the lot. */
export interface LoadResult {
  readonly latencies: number[];
  readonly wallMs: number;
  readonly failures: number;
}

/** For each SSE client, the ticks it parsed and when (wall ms). */
export interface SseResult {
  readonly clients: Array<Array<[tick: number, atMs: number]>>;
  readonly failures: number;
}

/** When the observer saw each `clock/tick` write (wall ms). */
export interface ObserveResult {
  readonly ticks: Array<[tick: number, atMs: number]>;
}

/**
 * `count` calls after `warmup` ones, from `concurrency` loops that each wait
 * for their answer before the next call.
 */
async function load(
  call: () => Promise<boolean>,
  concurrency: number,
  warmup: number,
  count: number,
): Promise<LoadResult> {
  const run = async (total: number, latencies: number[] | undefined): Promise<number> => {
    let issued = 0;
    let failures = 0;
    const loop = async (): Promise<void> => {
      while (issued < total) {
        issued++;
        const start = performance.now();
        if (!(await call())) failures++;
        latencies?.push(performance.now() - start);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
    return failures;
  };
  await run(warmup, undefined);
  const latencies: number[] = [];
  const start = performance.now();
  const failures = await run(count, latencies);
  return { latencies, wallMs: performance.now() - start, failures };
}

/**
 * `count` calls offered at `rate` per second whatever the answers do (an
 * open loop), after a closed-loop warm-up. A call's latency runs from when
 * it was due, not from when it could be sent, so queueing behind slow
 * answers counts (no coordinated omission). `call` limits how many are in
 * flight (the HTTP agent's sockets).
 */
async function paced(
  call: () => Promise<boolean>,
  concurrency: number,
  warmup: number,
  count: number,
  rate: number,
): Promise<LoadResult> {
  await load(call, concurrency, warmup, 0);
  const latencies: number[] = [];
  let failures = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    let sent = 0;
    let answered = 0;
    const send = (): void => {
      const due = Math.min(count, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      for (; sent < due; sent++) {
        const dueAt = start + (sent * 1000) / rate;
        void call().then((isOk) => {
          if (!isOk) failures++;
          latencies.push(performance.now() - dueAt);
          if (++answered === count) resolve();
        });
      }
      if (sent < count) setTimeout(send, 1);
    };
    send();
  });
  return { latencies, wallMs: performance.now() - start, failures };
}

function httpGetter(
  url: string,
  headers: Readonly<Record<string, string>>,
  concurrency: number,
): { get: () => Promise<boolean>; agent: http.Agent } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const get = (): Promise<boolean> =>
    new Promise((resolve) => {
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            // Parsed as a client would, so the cost of a big answer shows.
            const isOk = res.statusCode === 200;
            if (isOk) JSON.parse(Buffer.concat(chunks).toString('utf8'));
            resolve(isOk);
          });
          res.on('error', () => resolve(false));
        },
      );
      req.on('error', () => resolve(false));
      req.end();
    });
  return { get, agent };
}

/** Open event streams, each collecting the clock ticks it parses. */
let streams: Array<{ req: http.ClientRequest; ticks: Array<[number, number]> }> = [];
let streamFailures = 0;

function openStreams(
  url: string,
  headers: Readonly<Record<string, string>>,
  clients: number,
): Promise<void> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const target = new URL(url);
  streamFailures = 0;
  const opened = Array.from(
    { length: clients },
    () =>
      new Promise<void>((resolve, reject) => {
        const ticks: Array<[number, number]> = [];
        const req = http.get(
          {
            agent,
            host: target.hostname,
            port: target.port,
            path: target.pathname + target.search,
            headers: { ...headers, accept: 'text/event-stream' },
          },
          (res) => {
            if (res.statusCode !== 200) {
              reject(new Error(`event stream answered ${res.statusCode}`));
              return;
            }
            res.setEncoding('utf8');
            let buffered = '';
            let isOpen = false;
            res.on('data', (chunk: string) => {
              buffered += chunk;
              for (;;) {
                const end = buffered.indexOf('\n\n');
                if (end < 0) break;
                const block = buffered.slice(0, end);
                buffered = buffered.slice(end + 2);
                if (!isOpen) {
                  // The stream's first block (retry and a comment) says it is live.
                  isOpen = true;
                  resolve();
                }
                const data = /^data: (.*)$/m.exec(block)?.[1];
                if (!/^event: clock$/m.test(block) || data === undefined) continue;
                const event = JSON.parse(data) as {
                  key: string;
                  value?: { tick?: string | number };
                };
                if (event.key === keys.clockTick)
                  ticks.push([Number(event.value?.tick ?? 0), wallNow()]);
              }
            });
            res.on('error', () => streamFailures++);
          },
        );
        req.on('error', (error) => {
          streamFailures++;
          reject(error);
        });
        streams.push({ req, ticks });
      }),
  );
  return Promise.all(opened).then(() => undefined);
}

/**
 * `clients` keep-alive clients for `seconds`, each sending its next request
 * when its answer arrives, picking the kind by weight from a seeded draw (the
 * same sequence in every run). An answer other than 2xx, or a connection
 * error, counts as an error of its route; answers are parsed as JSON, as a
 * client would.
 */
async function mix(command: Extract<ClientCommand, { kind: 'mix' }>): Promise<MixResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: command.clients });
  const base = new URL(command.baseUrl);
  const routes: MixResult['routes'] = {};
  for (const r of command.requests) routes[r.route] = { latencies: [], errors: 0 };
  const totalWeight = command.requests.reduce((n, r) => n + r.weight, 0);
  const send = (r: MixRequest, draw: number): Promise<void> =>
    new Promise((resolve) => {
      const result = routes[r.route]!;
      const path =
        r.randomAfter === undefined
          ? r.path
          : `${r.path}${r.path.includes('?') ? '&' : '?'}after=${Math.floor(draw * r.randomAfter)}`;
      const start = performance.now();
      const fail = (why: string): void => {
        result.errors++;
        result.sample ??= why;
        resolve();
      };
      const req = http.request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method: r.method,
          path: base.pathname.replace(/\/$/, '') + path,
          headers: {
            ...command.headers,
            ...(r.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status > 299) return fail(`${status} ${text.slice(0, 200)}`);
            if (text !== '') JSON.parse(text);
            result.latencies.push(performance.now() - start);
            resolve();
          });
          res.on('error', (error) => fail(error.message));
        },
      );
      req.on('error', (error) => fail(error.message));
      req.end(r.body);
    });
  // Each client opens its connection with one request first, not measured
  // (its errors count all the same): the run measures clients that are
  // connected, as keep-alive clients are for most of their life.
  const first = command.requests[0]!;
  await Promise.all(Array.from({ length: command.clients }, () => send(first, 0)));
  for (const r of Object.values(routes)) r.latencies.length = 0;
  const start = performance.now();
  const end = start + command.seconds * 1000;
  await Promise.all(
    Array.from({ length: command.clients }, async (_, client) => {
      // A small seeded generator per client (xorshift), so runs draw alike.
      let state = (client + 1) * 2_654_435_761;
      const draw = (): number => {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        return (state >>> 0) / 4_294_967_296;
      };
      while (performance.now() < end) {
        let pick = draw() * totalWeight;
        const r = command.requests.find((q) => (pick -= q.weight) < 0) ?? command.requests[0]!;
        await send(r, draw());
      }
    }),
  );
  const wallMs = performance.now() - start;
  agent.destroy();
  return { routes, wallMs };
}

let observer: { store: Store; watch: WatchHandle; ticks: Array<[number, number]> } | undefined;

async function handle(command: ClientCommand): Promise<unknown> {
  switch (command.kind) {
    case 'http': {
      const { get, agent } = httpGetter(command.url, command.headers, command.concurrency);
      try {
        return command.rate === undefined
          ? await load(get, command.concurrency, command.warmup, command.count)
          : await paced(get, command.concurrency, command.warmup, command.count, command.rate);
      } finally {
        agent.destroy();
      }
    }
    case 'grpc': {
      const client = InventoryClient.connect(command.address);
      try {
        const get = (): Promise<boolean> =>
          client.getElement(command.path, { view: View.VIEW_ACTUAL }).then(
            () => true,
            () => false,
          );
        return command.rate === undefined
          ? await load(get, command.concurrency, command.warmup, command.count)
          : await paced(get, command.concurrency, command.warmup, command.count, command.rate);
      } finally {
        client.close();
      }
    }
    case 'sse-open':
      streams = [];
      await openStreams(command.url, command.headers, command.clients);
      return { opened: streams.length };
    case 'sse-close': {
      const result: SseResult = {
        clients: streams.map((s) => s.ticks),
        failures: streamFailures,
      };
      for (const s of streams) s.req.destroy();
      streams = [];
      return result;
    }
    case 'observe': {
      const store = await Store.connect({
        endpoints: command.endpoints,
        simulation: command.simulation,
      });
      const ticks: Array<[number, number]> = [];
      const watch = await store.watch(keys.clockTick, {}, (events) => {
        const at = wallNow();
        for (const e of events) {
          if (e.key !== keys.clockTick || e.value === undefined) continue;
          ticks.push([Number((JSON.parse(e.value) as { tick?: string }).tick ?? 0), at]);
        }
      });
      observer = { store, watch, ticks };
      return {};
    }
    case 'mix':
      return mix(command);
    case 'observe-stop': {
      const result: ObserveResult = { ticks: observer?.ticks ?? [] };
      await observer?.watch.cancel();
      observer?.store.close();
      observer = undefined;
      return result;
    }
  }
}

parentPort?.on('message', (command: ClientCommand) => {
  handle(command).then(
    (result) => parentPort?.postMessage({ result }),
    (error: unknown) =>
      parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
});
