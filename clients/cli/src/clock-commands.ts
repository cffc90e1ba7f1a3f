import { ClockClient } from '@chamber/clock-client';
import { ChamberError, Code } from '@chamber/errors';
import { ClockStatus, policyFromJSON } from '@chamber/protos';
import type { AreaExtension, RestCall } from './api-commands.js';
import { addressOption, withClient, type GrpcEndpoint } from './connect.js';
import { followEvents } from './events.js';
import { formatStatus, formatWatchLine, statusToJson } from './format.js';
import type { CommandContext } from './routes.js';
import { callRest, restClient } from './transport.js';
import { wholeNumber } from './values.js';

/** Where the stepper listens when neither `--stepper` nor `CHAMBER_STEPPER` says otherwise. */
export const defaultStepperAddress = '127.0.0.1:50051';

/** Where the CLI reaches the stepper over gRPC. */
const stepperEndpoint: GrpcEndpoint = {
  what: 'the stepper',
  option: 'stepper',
  env: 'CHAMBER_STEPPER',
  defaultAddress: defaultStepperAddress,
};

/**
 * Deadline (ms) of the calls that answer at once, and so of finding out that
 * nothing listens at the address: a person at a terminal should not wait
 * longer than this to hear it.
 */
export const connectTimeoutMs = 3_000;

/**
 * The `clock` area: the clock routes of the table, over REST or straight to
 * the stepper's gRPC Clock service (`--stepper`). Every command prints the
 * clock's status after it (one JSON object per line with `--json`, the same
 * over both transports) and fails with the server's ChamberError, or
 * `Unavailable` when nothing answers (over gRPC within
 * {@link connectTimeoutMs}).
 */
export const clockArea: AreaExtension = {
  summary: 'the simulated clock (REST, or the stepper over gRPC)',
  options: {
    stepper: addressOption(stepperEndpoint, "the stepper's gRPC address (with --via grpc)"),
  },
  commands: {
    status: {
      grpc: (ctx) => withClock(ctx, (clock) => clock.getStatus({ signal: ctx.signal })),
      print: printStatusBody,
    },
    step: {
      args: { count: { name: 'N' } },
      grpc: (ctx) =>
        withClock(ctx, async (clock) => {
          await probe(ctx, clock);
          return clock.step(ctx.input.number('N') ?? 1, { signal: ctx.signal });
        }),
      print: printStatusBody,
    },
    policy: {
      ifMatchOption: 'epoch',
      options: {
        epoch: {
          type: 'string',
          valueName: 'E',
          parse: wholeNumber(0),
          description:
            "change it only if the clock's epoch is still E (else fail, changing nothing)",
        },
      },
      validate: (input) => {
        const isMeasured = input.string('POLICY') === 'measured';
        const rate = input.number('rate');
        if (isMeasured && rate === undefined)
          return 'policy measured needs --rate R (ticks per second)';
        if (!isMeasured && rate !== undefined) return '--rate applies only to policy measured';
        return undefined;
      },
      grpc: (ctx) =>
        withClock(ctx, (clock) => {
          const name = ctx.input.string('POLICY') ?? '';
          const rate = ctx.input.number('rate');
          const epoch = ctx.input.number('epoch');
          return clock.setPolicy(policyFromJSON(`POLICY_${name.toUpperCase()}`), {
            signal: ctx.signal,
            ...(rate === undefined ? {} : { rate }),
            ...(epoch === undefined ? {} : { matchEpoch: epoch }),
          });
        }),
      print: printStatusBody,
    },
    'run-until': {
      args: { tick: { name: 'T' } },
      grpc: (ctx) =>
        withClock(ctx, async (clock) => {
          await probe(ctx, clock);
          return clock.runUntil(requireNumber(ctx, 'T'), { signal: ctx.signal });
        }),
      print: printStatusBody,
    },
    'wait-for': {
      args: { tick: { name: 'T' } },
      grpc: (ctx) =>
        withClock(ctx, async (clock) => {
          await probe(ctx, clock);
          return clock.waitForTick(requireNumber(ctx, 'T'), { signal: ctx.signal });
        }),
      rest: waitOverRest,
    },
    watch: {
      summary: 'print the status now and at every change, until Ctrl-C',
      grpc: (ctx) => withClock(ctx, (clock) => watch(ctx, clock)),
      rest: watchOverRest,
    },
    reset: {
      grpc: (ctx) =>
        withClock(ctx, async (clock) => {
          await probe(ctx, clock);
          const seed = ctx.input.number('seed');
          return clock.reset({ signal: ctx.signal, ...(seed === undefined ? {} : { seed }) });
        }),
      print: printStatusBody,
    },
  },
};

/** Prints a REST answer holding a ClockStatus as the gRPC transport would. */
function printStatusBody(ctx: CommandContext, body: unknown): void {
  printStatus(ctx, ClockStatus.fromJSON(body));
}

/**
 * `wait-for` over REST: long polls until the tick settles; with
 * `--timeout-ms` one poll, failing with `DeadlineExceeded` when it passes.
 */
async function waitOverRest(ctx: CommandContext, route: RestCall): Promise<void> {
  const input = await route.input(ctx);
  const isOnce = ctx.input.number('timeout-ms') !== undefined;
  for (;;) {
    const answer = (await route.call(ctx, input)) as { reached?: boolean; status?: unknown };
    if (answer.reached === true) return printStatusBody(ctx, answer.status);
    if (isOnce) {
      throw new ChamberError(
        Code.DeadlineExceeded,
        `tick ${ctx.input.number('T')} was not settled within ${ctx.input.number('timeout-ms')} ms`,
      );
    }
  }
}

/** `watch` over REST: the status now, then at every clock event, until Ctrl-C. */
async function watchOverRest(ctx: CommandContext): Promise<void> {
  const client = await restClient(ctx);
  const isJson = ctx.input.flag('json');
  let last = '';
  const show = async (): Promise<void> => {
    const body = (await callRest(ctx, client, 'getClock', {})).body;
    const status = ClockStatus.fromJSON(body);
    const line = isJson ? JSON.stringify(statusToJson(status)) : formatWatchLine(status);
    // Several store writes may make one status: print each status once.
    if (line !== last) ctx.print(line);
    last = line;
  };
  await followEvents(client, 'clock', ctx.signal, show, show);
}

/**
 * Connects to the stepper named by `--stepper`, runs `use`, prints the status
 * it resolves with (if any), and closes the connection whatever happens.
 */
function withClock(
  ctx: CommandContext,
  use: (clock: ClockClient) => Promise<ClockStatus | undefined>,
): Promise<void> {
  return withClient(
    ctx,
    stepperEndpoint,
    (address) => ClockClient.connect(address, { timeoutMs: connectTimeoutMs }),
    async (clock) => {
      const status = await use(clock);
      if (status !== undefined) printStatus(ctx, status);
    },
  );
}

/**
 * Fails fast when nothing answers at the address. The calls that wait for
 * settlement have no deadline, so without this an address that swallows
 * packets would hang them instead of failing within {@link connectTimeoutMs}.
 */
async function probe(ctx: CommandContext, clock: ClockClient): Promise<void> {
  await clock.getStatus({ signal: ctx.signal });
}

function printStatus(ctx: CommandContext, status: ClockStatus): void {
  if (ctx.input.flag('json')) ctx.print(JSON.stringify(statusToJson(status)));
  else for (const line of formatStatus(status)) ctx.print(line);
}

/** Prints every status until Ctrl-C (resolves) or the stream fails (rejects). */
async function watch(ctx: CommandContext, clock: ClockClient): Promise<undefined> {
  await probe(ctx, clock);
  const isJson = ctx.input.flag('json');
  await new Promise<void>((resolve, reject) => {
    const stream = clock.watch(
      (status) =>
        ctx.print(isJson ? JSON.stringify(statusToJson(status)) : formatWatchLine(status)),
      (error) => {
        ctx.signal.removeEventListener('abort', stop);
        if (error === undefined) resolve();
        else reject(error);
      },
    );
    function stop(): void {
      stream.cancel();
    }
    if (ctx.signal.aborted) stop();
    else ctx.signal.addEventListener('abort', stop, { once: true });
  });
  return undefined;
}

/** A required argument's value; the resolver guarantees it, so absence is a bug. */
function requireNumber(ctx: CommandContext, name: string): number {
  const value = ctx.input.number(name);
  if (value === undefined) {
    throw new ChamberError(Code.Internal, `argument ${name} reached the handler unset`);
  }
  return value;
}
