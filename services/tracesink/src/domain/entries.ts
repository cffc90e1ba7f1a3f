import { Severity, SpanStatus, type LogEntry, type TraceSpan } from '@chamber/protos';
import {
  isBookkeepingSpan,
  isUnder,
  reasonAttribute,
  runAttribute,
  severityAttribute,
  targetAttribute,
  tickAttribute,
} from '@chamber/world';

/**
 * What one entry may hold, so the log's memory is bounded by its capacity:
 * longer texts are cut (ending in `…`), further attributes and links left out.
 */
export const entryLimits = {
  name: 256,
  target: 512,
  reason: 4_096,
  statusMessage: 1_024,
  attributeValue: 1_024,
  attributes: 64,
  links: 32,
} as const;

/** Which entries a reader wants; empty fields match everything. */
export interface EntryFilter {
  readonly service: string;
  /** An element path: the element itself and anything under it. */
  readonly target: string;
  readonly minSeverity: Severity;
  readonly traceId: string;
  /** A run of the clock; 0: any. */
  readonly run: number;
  /** The start of the service's name (`inventory` takes in `inventory-repair`); "": any. */
  readonly servicePrefix: string;
  /** Only decisions: no per-tick bookkeeping span (see `isBookkeepingSpan`). */
  readonly isDecisionsOnly: boolean;
}

const cut = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

const severityWords: Readonly<Record<string, Severity>> = {
  debug: Severity.SEVERITY_DEBUG,
  info: Severity.SEVERITY_INFO,
  warn: Severity.SEVERITY_WARN,
  warning: Severity.SEVERITY_WARN,
  error: Severity.SEVERITY_ERROR,
};

/**
 * A span's severity: ERROR when its status is error; otherwise what its
 * `chamber.severity` attribute says (debug, info, warn or error, in any
 * case); otherwise INFO.
 */
export function severityOf(span: Pick<TraceSpan, 'status' | 'attributes'>): Severity {
  if (span.status === SpanStatus.SPAN_STATUS_ERROR) return Severity.SEVERITY_ERROR;
  const word = span.attributes[severityAttribute]?.trim().toLowerCase();
  return (word === undefined ? undefined : severityWords[word]) ?? Severity.SEVERITY_INFO;
}

/** The `chamber.tick` attribute as a whole number; -1 when absent or not a tick. */
export function tickOf(attributes: Readonly<Record<string, string>>): number {
  return wholeNumberOf(attributes[tickAttribute]) ?? -1;
}

/** The `chamber.run` attribute as a whole number from 1; 0 when absent or not a run. */
export function runOf(attributes: Readonly<Record<string, string>>): number {
  const run = wholeNumberOf(attributes[runAttribute]);
  return run !== undefined && run >= 1 ? run : 0;
}

function wholeNumberOf(text: string | undefined): number | undefined {
  const value = text === undefined || text.trim() === '' ? NaN : Number(text);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

const promoted = new Set([
  tickAttribute,
  runAttribute,
  targetAttribute,
  reasonAttribute,
  severityAttribute,
]);

/**
 * The log entry of `span` at `seq`: tick, run, target, reason and severity taken
 * out of its attributes into fields of their own, everything cut to
 * {@link entryLimits}.
 */
export function toEntry(span: TraceSpan, seq: number): LogEntry {
  const attributes: Record<string, string> = {};
  let kept = 0;
  for (const [key, value] of Object.entries(span.attributes)) {
    if (promoted.has(key)) continue;
    if (kept++ >= entryLimits.attributes) break;
    attributes[cut(key, entryLimits.name)] = cut(value, entryLimits.attributeValue);
  }
  return {
    seq,
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    links: span.links.slice(0, entryLimits.links),
    service: cut(span.service, entryLimits.name),
    name: cut(span.name, entryLimits.name),
    startTime: span.startTime,
    durationMs: span.durationMs,
    tick: tickOf(span.attributes),
    run: runOf(span.attributes),
    target: cut(trimSlashes(span.attributes[targetAttribute] ?? ''), entryLimits.target),
    reason: cut(span.attributes[reasonAttribute] ?? '', entryLimits.reason),
    severity: severityOf(span),
    attributes,
    statusMessage: cut(span.statusMessage, entryLimits.statusMessage),
  };
}

/** `path` without leading or trailing slashes. */
export function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

/** Whether `entry` passes `filter`. */
export function matches(entry: LogEntry, filter: EntryFilter): boolean {
  return (
    (filter.service === '' || entry.service === filter.service) &&
    entry.service.startsWith(filter.servicePrefix) &&
    (!filter.isDecisionsOnly || !isBookkeepingSpan(entry.name)) &&
    (filter.traceId === '' || entry.traceId === filter.traceId) &&
    (filter.run === 0 || entry.run === filter.run) &&
    entry.severity >= filter.minSeverity &&
    (filter.target === '' || isUnder(entry.target, filter.target))
  );
}
