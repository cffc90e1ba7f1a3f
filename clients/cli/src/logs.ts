import { isBookkeepingSpan, severities } from '@chamber/world';
import { followEvents, parseData } from './events.js';
import { show, type AreaExtension, type Context, type RestCall } from './program.js';
import { restClient } from './rest.js';

/**
 * The `logs` area: the trace/decision log. `chamber logs` is `chamber logs
 * show`; with `--follow` it prints what is there, then every new entry from
 * the event stream, until Ctrl-C.
 */
export const logsArea: AreaExtension = {
  summary: 'the trace/decision log',
  defaultCommand: 'show',
  commands: {
    show: {
      summary:
        'the trace/decision log: the newest entries (as the dashboard shows them), or with --after N the oldest after seq N',
      // Newest first unless --after asks to page forward: set by showLogs.
      filled: ['tail'],
      options: [
        { flags: '--follow', description: 'then print new entries as they come, until Ctrl-C' },
      ],
      run: showLogs,
    },
  },
};

/** The `events` area: the raw server-sent event stream. */
export const eventsArea: AreaExtension = {
  summary: 'the live event stream',
  commands: {
    follow: {
      run: async (ctx, route) => {
        const input = await route.input(ctx);
        const kinds = input.query?.['kinds'];
        await followEvents(
          await restClient(ctx),
          typeof kinds === 'string' ? kinds : '',
          ctx.signal,
          (e) => show(ctx, { ...e, data: parseData(e.data) }, `${e.event} ${e.data}`),
        );
      },
    },
  },
};

/** A log entry as the log routes give it (chamber.trace.v1.LogEntry's JSON); the fields the CLI reads. */
interface LogEntry {
  readonly seq?: number;
  readonly tick?: number;
  readonly run?: number;
  readonly service?: string;
  readonly severity?: string;
  readonly target?: string;
  readonly name?: string;
  readonly reason?: string;
  readonly statusMessage?: string;
}

/** `SEVERITY_WARN` → `warn`. */
function severityName(severity: string | undefined): string {
  return (severity ?? 'SEVERITY_INFO').replace(/^SEVERITY_/, '').toLowerCase();
}

/**
 * `chamber logs`: the newest `--limit` matching entries (`tail`), or with
 * `--after N` the oldest after seq N, printed oldest first; then, with
 * `--follow`, each new one.
 */
async function showLogs(ctx: Context, route: RestCall): Promise<void> {
  const input = await route.input(ctx);
  const isTail = ctx.values['after'] === undefined;
  const page = (await route.call(ctx, {
    ...input,
    query: { ...input.query, ...(isTail ? { tail: true } : {}) },
  })) as { entries?: LogEntry[]; lastSeq?: number };
  for (const entry of page.entries ?? []) printEntry(ctx, entry);
  if (ctx.options['follow'] !== true) return;
  const wanted = entryFilter(ctx);
  // Resume the stream right after the page: `0-<seq>` is a logs-only position.
  const after = page.lastSeq ?? String((ctx.values['after'] as number | undefined) ?? 0);
  await followEvents(
    await restClient(ctx),
    'logs',
    ctx.signal,
    (e) => {
      if (e.event !== 'logs') return;
      const entry = parseData(e.data) as LogEntry;
      if (wanted(entry)) printEntry(ctx, entry);
    },
    () => undefined,
    `0-${after}`,
  );
}

/**
 * The `--service`, `--service-prefix`, `--decisions`, `--target`,
 * `--severity` and `--run` filter, applied to streamed entries as the sink
 * applies it to the page.
 */
function entryFilter(ctx: Context): (entry: LogEntry) => boolean {
  const { service, target, severity, run } = ctx.values as Omit<LogEntry, 'seq' | 'tick'>;
  const { servicePrefix = '', decisions = false } = ctx.values as {
    servicePrefix?: string;
    decisions?: boolean;
  };
  const rank = (s: string | undefined): number =>
    (severities as readonly string[]).indexOf(severityName(s));
  return (entry) =>
    (service === undefined || entry.service === service) &&
    (entry.service ?? '').startsWith(servicePrefix) &&
    (!decisions || !isBookkeepingSpan(entry.name ?? '')) &&
    (target === undefined ||
      entry.target === target ||
      (entry.target ?? '').startsWith(`${target}/`)) &&
    (severity === undefined || rank(entry.severity) >= rank(severity)) &&
    (run === undefined || entry.run === run);
}

/**
 * One line per entry: `#<seq> run <N> tick <T> <severity> <service> <name>
 * <target> — <reason>` (see {@link whenOf}), or its JSON with `--json`.
 */
function printEntry(ctx: Context, e: LogEntry): void {
  const what = [
    e.target,
    e.reason === undefined || e.reason === '' ? '' : `— ${e.reason}`,
    e.statusMessage,
  ]
    .filter((s) => s !== undefined && s !== '')
    .join(' ');
  show(
    ctx,
    e,
    `#${e.seq ?? 0} ${whenOf(e)} ${severityName(e.severity)} ${e.service ?? ''} ${e.name ?? ''}${what === '' ? '' : ` ${what}`}`,
  );
}

/**
 * When an entry happened: `run 2 tick 5`; `tick 5` for a span without a run;
 * `tick -` for one without a tick.
 */
export function whenOf(e: Pick<LogEntry, 'run' | 'tick'>): string {
  if (e.tick === undefined || e.tick < 0) return 'tick -';
  return e.run === undefined || e.run < 1 ? `tick ${e.tick}` : `run ${e.run} tick ${e.tick}`;
}
