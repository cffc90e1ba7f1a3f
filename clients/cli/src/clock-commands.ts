import { ClockClient } from '@chamber/clock';
import { ChamberError, Code } from '@chamber/errors';
import type { ClockStatus } from '@chamber/protos';
import {
  formatStatus,
  formatWatchLine,
  policyChoices,
  policyFromName,
  statusToJson,
} from './format.js';
import { withClient } from './connect.js';
import { usageError, type AreaSpec, type CommandContext } from './routes.js';
import { oneOf, positiveNumber, wholeNumber } from './values.js';

/** Where the stepper listens when neither `--stepper` nor `CHAMBER_STEPPER` says otherwise. */
export const defaultStepperAddress = '127.0.0.1:50051';

/**
 * Deadline (ms) of the calls that answer at once, and so of finding out that
 * nothing listens at the address: a person at a terminal should not wait
 * longer than this to hear it.
 */
export const connectTimeoutMs = 3_000;

/**
 * The `clock` area: drives the simulated clock through the stepper's gRPC
 * Clock service. Every command prints the clock's status after it (one JSON
 * object per line with `--json`) and fails with the stepper's ChamberError,
 * or `Unavailable` ("cannot reach the stepper at …") when nothing answers
 * within {@link connectTimeoutMs}.
 */
export const clockArea: AreaSpec = {
  summary: 'the simulated clock (the stepper, over gRPC)',
  options: {
    stepper: {
      type: 'string',
      valueName: 'HOST:PORT',
      env: 'CHAMBER_STEPPER',
      defaultValue: defaultStepperAddress,
      description: "the stepper's gRPC address",
    },
  },
  commands: {
    status: {
      summary: "show the clock's status",
      run: (ctx) => withClock(ctx, (clock) => clock.getStatus({ signal: ctx.signal })),
    },
    step: {
      summary: 'advance N ticks (manual, paused) and wait until the last one settles',
      args: [
        {
          name: 'N',
          description: 'how many ticks, default 1',
          isOptional: true,
          parse: wholeNumber(1),
        },
      ],
      run: (ctx) =>
        withClock(ctx, async (clock) => {
          await probe(ctx, clock);
          return clock.step(ctx.input.number('N') ?? 1, { signal: ctx.signal });
        }),
    },
    policy: {
      summary: 'set how the clock advances',
      args: [
        {
          name: 'POLICY',
          description: `${policyChoices.join(' | ')}`,
          parse: oneOf(policyChoices),
        },
      ],
      options: {
        rate: {
          type: 'string',
          valueName: 'R',
          parse: positiveNumber,
          description: 'ticks per second (measured only, and required there)',
        },
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
      run: (ctx) =>
        withClock(ctx, (clock) => {
          const name = ctx.input.string('POLICY') ?? '';
          const policy = policyFromName(name);
          if (policy === undefined) throw usageError(`unknown policy "${name}"`);
          const rate = ctx.input.number('rate');
          const epoch = ctx.input.number('epoch');
          return clock.setPolicy(policy, {
            signal: ctx.signal,
            ...(rate === undefined ? {} : { rate }),
            ...(epoch === undefined ? {} : { matchEpoch: epoch }),
          });
        }),
    },
    'run-until': {
      summary: 'advance to tick T (a bound under measured, no-wait) and wait until it settles',
      args: [{ name: 'T', description: 'the tick', parse: wholeNumber(0) }],
      run: (ctx) =>
        withClock(ctx, async (clock) => {
          await probe(ctx, clock);
          return clock.runUntil(requireNumber(ctx, 'T'), { signal: ctx.signal });
        }),
    },
    'wait-for': {
      summary: 'wait until tick T (or a later one) is settled; changes nothing',
      args: [{ name: 'T', description: 'the tick', parse: wholeNumber(0) }],
      run: (ctx) =>
        withClock(ctx, async (clock) => {
          await probe(ctx, clock);
          return clock.waitForTick(requireNumber(ctx, 'T'), { signal: ctx.signal });
        }),
    },
    watch: {
      summary: 'print the status now and at every change, until Ctrl-C',
      run: (ctx) => withClock(ctx, (clock) => watch(ctx, clock)),
    },
    reset: {
      summary: 'wipe the simulated world and start a fresh run at tick 0, paused',
      options: {
        yes: {
          type: 'boolean',
          description: 'confirm the reset',
          requiredBecause:
            'reset wipes the simulated world (rebuilt from its definition and the seed) and returns the clock to tick 0 of a new run; add --yes to confirm',
        },
        seed: {
          type: 'string',
          valueName: 'S',
          parse: wholeNumber(0),
          description: 'the seed of the new run (default: the current seed)',
        },
      },
      run: (ctx) =>
        withClock(ctx, async (clock) => {
          await probe(ctx, clock);
          const seed = ctx.input.number('seed');
          return clock.reset({ signal: ctx.signal, ...(seed === undefined ? {} : { seed }) });
        }),
    },
  },
};

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
    'stepper',
    defaultStepperAddress,
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
