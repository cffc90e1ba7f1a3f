// The attributes every decision's span carries: the trace log, the tracesink's
// index and the dashboard's Log page read them by these names.

/** The span attribute carrying the simulated tick (a whole number). */
export const tickAttribute = 'chamber.tick';
/**
 * The span attribute carrying the clock's run (a whole number from 1; a
 * reset starts the next run at tick 0), so ticks of runs are told apart.
 */
export const runAttribute = 'chamber.run';
/** The span attribute naming the element a span is about, e.g. `r1/z1/rack1/blade/0`. */
export const targetAttribute = 'chamber.target';
/** The span attribute saying why, in words for people. */
export const reasonAttribute = 'chamber.reason';
/**
 * The span attribute grading a span for the trace log: `debug`, `info` (what
 * a span without it is), `warn` or `error`. A span whose status is error is
 * an error whatever it says.
 */
export const severityAttribute = 'chamber.severity';

/** The names of the stepper's spans, as it publishes ticks and settles them. */
export const clockSpanNames = { publish: 'clock.publish', settle: 'clock.settle' } as const;

/** The suffix of a participant's tick span: `monitor.tick`. */
const tickSpanSuffix = '.tick';

/** The span a participant's tick is recorded in: `monitor` → `monitor.tick`. */
export function tickSpanName(participant: string): string {
  return `${participant}${tickSpanSuffix}`;
}

/**
 * Whether a span named `name` is per-tick bookkeeping rather than a
 * decision: the clock's publish and settle spans ({@link clockSpanNames})
 * and every participant's tick span ({@link tickSpanName}), which only
 * parent the decisions made in the tick. The trace log's `decisions`
 * filter and the dashboard's Log page leave them out by this one list.
 */
export function isBookkeepingSpan(name: string): boolean {
  return (
    name === clockSpanNames.publish ||
    name === clockSpanNames.settle ||
    (name.endsWith(tickSpanSuffix) && name.length > tickSpanSuffix.length)
  );
}
