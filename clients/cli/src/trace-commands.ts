import { LogEntry, Severity } from '@chamber/protos';
import { TraceSinkClient, type EntryFilter } from '@chamber/trace-client';
import { connectTimeoutMs } from './clock-commands.js';
import { withClient } from './connect.js';
import type { AreaSpec, CommandContext, OptionSpecs } from './routes.js';
import { oneOf, wholeNumber } from './values.js';

/** Where the tracesink listens when neither `--tracesink` nor `CHAMBER_TRACESINK` says otherwise. */
export const defaultTraceSinkAddress = '127.0.0.1:50058';

const severities: Readonly<Record<string, Severity>> = {
  debug: Severity.SEVERITY_DEBUG,
  info: Severity.SEVERITY_INFO,
  warn: Severity.SEVERITY_WARN,
  error: Severity.SEVERITY_ERROR,
};

const filterOptions: OptionSpecs = {
  service: { type: 'string', valueName: 'NAME', description: "only this service's entries" },
  target: {
    type: 'string',
    valueName: 'PATH',
    description: 'only entries about PATH or anything under it',
  },
  severity: {
    type: 'string',
    valueName: 'S',
    parse: oneOf(Object.keys(severities)),
    description: `only entries at least this severe: ${Object.keys(severities).join(' | ')}`,
  },
  trace: { type: 'string', valueName: 'ID', description: "only this trace's entries" },
  after: {
    type: 'string',
    valueName: 'SEQ',
    parse: wholeNumber(0),
    description: 'only entries after this seq',
  },
};

/** The `trace` area: the decision log, through the tracesink's TraceSink gRPC service. */
export const traceArea: AreaSpec = {
  summary: "the decision log: every service's spans with tick, target and reason (the tracesink)",
  options: {
    tracesink: {
      type: 'string',
      valueName: 'HOST:PORT',
      env: 'CHAMBER_TRACESINK',
      defaultValue: defaultTraceSinkAddress,
      description: "the tracesink's gRPC address",
    },
  },
  commands: {
    ls: {
      summary: 'list log entries, oldest first (with --tail, the newest)',
      options: {
        ...filterOptions,
        limit: {
          type: 'string',
          valueName: 'N',
          parse: wholeNumber(1),
          description: 'at most N entries (default 100, at most 1000)',
        },
        tail: { type: 'boolean', description: 'the newest entries instead of the oldest' },
      },
      run: (ctx) =>
        withTraceSink(ctx, async (sink) => {
          const limit = ctx.input.number('limit');
          const page = await sink.listEntries({
            ...filterOf(ctx),
            ...(limit === undefined ? {} : { limit }),
            tail: ctx.input.flag('tail'),
          });
          if (page.entries.length === 0 && !ctx.input.flag('json')) ctx.print('(no entries)');
          for (const entry of page.entries) printEntry(ctx, entry);
        }),
    },
    follow: {
      summary:
        'print the entries held after --after, then each new one as it arrives, until Ctrl-C',
      options: filterOptions,
      run: (ctx) => withTraceSink(ctx, (sink) => follow(ctx, sink)),
    },
  },
};

function filterOf(ctx: CommandContext): EntryFilter & { afterSeq?: number } {
  const severity = ctx.input.string('severity');
  const after = ctx.input.number('after');
  const [service, target, traceId] = ['service', 'target', 'trace'].map((n) => ctx.input.string(n));
  return {
    ...(service === undefined ? {} : { service }),
    ...(target === undefined ? {} : { target }),
    ...(traceId === undefined ? {} : { traceId }),
    ...(severity === undefined ? {} : { minSeverity: severities[severity]! }),
    ...(after === undefined ? {} : { afterSeq: after }),
  };
}

function follow(ctx: CommandContext, sink: TraceSinkClient): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stream = sink.followEntries(
      (entry) => printEntry(ctx, entry),
      (error) => {
        ctx.signal.removeEventListener('abort', stop);
        if (error === undefined) resolve();
        else reject(error);
      },
      filterOf(ctx),
    );
    function stop(): void {
      stream.cancel();
    }
    if (ctx.signal.aborted) stop();
    else ctx.signal.addEventListener('abort', stop, { once: true });
  });
}

/**
 * One line per entry: `#<seq> tick <T> <severity> <service> <name> <target>
 * — <reason>` (tick `-` when it has none), or its proto3 JSON with `--json`.
 */
function printEntry(ctx: CommandContext, e: LogEntry): void {
  if (ctx.input.flag('json')) {
    ctx.print(JSON.stringify(LogEntry.toJSON(e)));
    return;
  }
  const severity = (Severity[e.severity] ?? '').replace('SEVERITY_', '').toLowerCase();
  const what = [e.target, e.reason === '' ? '' : `— ${e.reason}`, e.statusMessage]
    .filter((s) => s !== '')
    .join(' ');
  ctx.print(
    `#${e.seq} tick ${e.tick < 0 ? '-' : e.tick} ${severity} ${e.service} ${e.name}${what === '' ? '' : ` ${what}`}`,
  );
}

function withTraceSink(
  ctx: CommandContext,
  use: (client: TraceSinkClient) => Promise<void>,
): Promise<void> {
  return withClient(
    ctx,
    'tracesink',
    defaultTraceSinkAddress,
    (address) => TraceSinkClient.connect(address, { timeoutMs: connectTimeoutMs * 10 }),
    use,
  );
}
