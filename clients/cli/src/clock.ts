import { ChamberError, Code } from '@chamber/errors';
import { ClockStatus } from '@chamber/protos';
import { followEvents } from './events.js';
import { formatStatus, formatWatchLine, statusToJson } from './format.js';
import { parserOf, show, type AreaExtension, type Context, type RestCall } from './program.js';
import { callRest, restClient } from './rest.js';

/**
 * The `clock` area: the clock routes of the table. Every command prints the
 * clock's status after it (one JSON object per line with `--json`); `watch`
 * follows the event stream, `wait-for` long polls.
 */
export const clockArea: AreaExtension = {
  summary: 'the simulated clock',
  commands: {
    status: { print: printStatus },
    step: { args: { count: { name: 'N' } }, print: printStatus },
    policy: {
      ifMatch: {
        flags: '--epoch <E>',
        description: "change it only if the clock's epoch is still E (else fail, changing nothing)",
        // The clock's ETag is its epoch, in quotes as ETags are.
        parse: (text, label) => `"${wholeEpoch(text, label) as number}"`,
      },
      validate: (ctx) => {
        const isMeasured = ctx.values['policy'] === 'measured';
        const rate = ctx.values['rate'];
        if (isMeasured && rate === undefined)
          return 'policy measured needs --rate R (ticks per second)';
        if (!isMeasured && rate !== undefined) return '--rate applies only to policy measured';
        return undefined;
      },
      print: printStatus,
    },
    'run-until': { args: { tick: { name: 'T' } }, print: printStatus },
    'wait-for': { args: { tick: { name: 'T' } }, run: waitFor },
    watch: { summary: 'print the status now and at every change, until Ctrl-C', run: watch },
    reset: { print: printStatus },
  },
};

const wholeEpoch = parserOf({ type: 'integer', minimum: 0 })!;

/** Prints an answer holding a ClockStatus: readable, or one JSON object with `--json`. */
function printStatus(ctx: Context, body: unknown): void {
  const status = ClockStatus.fromJSON(body);
  show(ctx, statusToJson(status), formatStatus(status));
}

/**
 * `wait-for`: long polls until the tick settles; with `--timeout-ms` one
 * poll, failing with `DeadlineExceeded` when it passes.
 */
async function waitFor(ctx: Context, route: RestCall): Promise<void> {
  const input = await route.input(ctx);
  const timeoutMs = ctx.values['timeoutMs'] as number | undefined;
  for (;;) {
    const answer = (await route.call(ctx, input)) as { reached?: boolean; status?: unknown };
    if (answer.reached === true) return printStatus(ctx, answer.status);
    if (timeoutMs !== undefined) {
      throw new ChamberError(
        Code.DeadlineExceeded,
        `tick ${ctx.values['tick'] as number} was not settled within ${timeoutMs} ms`,
      );
    }
  }
}

/** `watch`: the status now, then at every clock event, until Ctrl-C. */
async function watch(ctx: Context): Promise<void> {
  const client = await restClient(ctx);
  let last = '';
  const show = async (): Promise<void> => {
    const status = ClockStatus.fromJSON((await callRest(ctx, client, 'getClock', {})).body);
    const line = ctx.isJson ? JSON.stringify(statusToJson(status)) : formatWatchLine(status);
    // Several store writes may make one status: print each status once.
    if (line !== last) ctx.print(line);
    last = line;
  };
  await followEvents(client, 'clock', ctx.signal, show, show);
}
