import {
  FaultStatus,
  faultKindToJSON,
  type FaultKind,
  type Affected,
  type FaultRecord,
  type Schedule,
  type Transition,
} from '@chamber/protos';
import { randomStream } from '@chamber/sim';
import { enumTypes, faultKinds, faultLasts, fromWire, isOneOf } from '@chamber/world';

/** Whether a fault of `kind` stays until something fixes it (a reboot, a power-cycle, a replacement). */
function lasts(kind: FaultKind): boolean {
  const word = fromWire(enumTypes.faultKind, faultKindToJSON(kind));
  return isOneOf(faultKinds, word) && faultLasts[word];
}

/** How many transitions a record keeps. */
export const historyLimit = 100;

/** What is wrong with `schedule`, one message per problem (empty: nothing). */
export function scheduleErrors(schedule: Schedule, effectiveTick: number): string[] {
  const errors: string[] = [];
  const { at, duration, every, probability, mtbf, mttr } = schedule;
  if (at !== undefined && at < effectiveTick)
    errors.push(`schedule.at ${at} is in the past: the earliest tick is ${effectiveTick}`);
  if (duration !== undefined && duration < 1)
    errors.push('schedule.duration must be at least 1 tick');
  if (every !== undefined && every < 1) errors.push('schedule.every must be at least 1 tick');
  if (every !== undefined && duration !== undefined && duration >= every)
    errors.push(`schedule.duration (${duration}) must be shorter than schedule.every (${every})`);
  if (probability !== undefined && !(probability > 0 && probability <= 1))
    errors.push(`schedule.probability must be above 0 and at most 1, got ${probability}`);
  if ((mtbf === undefined) !== (mttr === undefined))
    errors.push('schedule.mtbf and schedule.mttr go together: give both');
  if (mtbf !== undefined && !(mtbf > 0)) errors.push('schedule.mtbf must be above 0 ticks');
  if (mttr !== undefined && !(mttr > 0)) errors.push('schedule.mttr must be above 0 ticks');
  const modes = [every, probability, mtbf].filter((m) => m !== undefined).length;
  if (modes > 1)
    errors.push('give at most one of schedule.every, schedule.probability and schedule.mtbf');
  if (mtbf !== undefined && duration !== undefined)
    errors.push(
      'schedule.duration does not apply with mtbf (mttr sets how long each failure lasts)',
    );
  return errors;
}

const isRepeating = (r: FaultRecord): boolean =>
  r.schedule?.every !== undefined || r.schedule?.probability !== undefined;

/** The tick an occurrence begun at `since` ends by itself; 0: it does not. */
function occurrenceEnd(r: FaultRecord, since: number): number {
  const duration = r.schedule?.duration;
  if (duration !== undefined) return since + duration;
  if (lasts(r.kind)) return 0;
  return isRepeating(r) ? since + 1 : 0;
}

/** The next tick at or after `from` at which a repeating fault occurs. */
function nextStart(r: FaultRecord, from: number, seed: number): number {
  const s = r.schedule!;
  const first = s.at ?? r.createdTick;
  if (s.every !== undefined) {
    return from <= first ? first : first + Math.ceil((from - first) / s.every) * s.every;
  }
  // A geometric gap: the same as a draw at every tick, in one draw.
  const base = Math.max(from, first);
  const p = s.probability!;
  if (p >= 1) return base;
  const u = randomStream(seed, r.id, base, 'fires').float();
  return base + Math.floor(Math.log(1 - u) / Math.log(1 - p));
}

function note(r: FaultRecord, tick: number, status: FaultStatus, reason: string): FaultRecord {
  const history: Transition[] = [...r.history, { tick, status, reason }].slice(-historyLimit);
  return { ...r, status, sinceTick: tick, reason, history };
}

function begin(r: FaultRecord, tick: number, reason: string): FaultRecord {
  const started = note(r, tick, FaultStatus.FAULT_STATUS_ACTIVE, reason);
  const end = occurrenceEnd(r, tick);
  const again = r.schedule?.every !== undefined && end === 0 ? tick + r.schedule.every : 0;
  return {
    ...started,
    affected: r.targets.map((target) => ({ target, sinceTick: tick })),
    occurrences: r.occurrences + 1,
    nextTick: end !== 0 ? end : again,
  };
}

function finish(r: FaultRecord, tick: number, reason: string, seed: number): FaultRecord {
  if (!isRepeating(r)) {
    return {
      ...note(r, tick, FaultStatus.FAULT_STATUS_CLEARED, reason),
      affected: [],
      nextTick: 0,
    };
  }
  const next = nextStart(r, tick + (r.schedule?.every !== undefined ? 0 : 1), seed);
  return {
    ...note(r, tick, FaultStatus.FAULT_STATUS_SCHEDULED, `${reason}; next at tick ${next}`),
    affected: [],
    nextTick: next,
  };
}

/** `ceil` of an exponential draw, at least 1 tick. */
function ticksOf(
  seed: number,
  entity: string,
  tick: number,
  purpose: string,
  mean: number,
): number {
  return Math.max(1, Math.ceil(randomStream(seed, entity, tick, purpose).exponential(mean)));
}

/** The MTBF/MTTR state as a record: active while any target is down. */
function mtbfState(
  r: FaultRecord,
  tick: number,
  affected: Affected[],
  next: Record<string, number>,
  reason: string,
): FaultRecord {
  const status =
    affected.length > 0 ? FaultStatus.FAULT_STATUS_ACTIVE : FaultStatus.FAULT_STATUS_SCHEDULED;
  const became = affected.length > r.affected.length;
  return {
    ...note(r, tick, status, reason),
    affected,
    nextByTarget: next,
    nextTick: Math.min(...Object.values(next)),
    occurrences: r.occurrences + (became ? affected.length - r.affected.length : 0),
  };
}

/**
 * A new fault's record at `effectiveTick`, the tick its input takes effect:
 * active at once unless `schedule.at` (or a repeating schedule) puts its
 * first occurrence later.
 */
export function initialRecord(
  request: {
    id: string;
    kind: FaultKind;
    targets: readonly string[];
    schedule: Schedule;
    requestedBy: string;
  },
  effectiveTick: number,
  seed: number,
): FaultRecord {
  const r: FaultRecord = {
    id: request.id,
    kind: request.kind,
    targets: [...request.targets],
    schedule: request.schedule,
    status: FaultStatus.FAULT_STATUS_SCHEDULED,
    sinceTick: effectiveTick,
    reason: '',
    affected: [],
    nextTick: 0,
    history: [],
    occurrences: 0,
    createdTick: effectiveTick,
    nextByTarget: {},
    requestedBy: request.requestedBy,
  };
  const start = request.schedule.at ?? effectiveTick;
  const { mtbf } = request.schedule;
  if (mtbf !== undefined) {
    const next = Object.fromEntries(
      r.targets.map((t) => [t, start + ticksOf(seed, `${r.id}:${t}`, start, 'mtbf', mtbf)]),
    );
    return mtbfState(
      r,
      effectiveTick,
      [],
      next,
      `injected; mtbf ${mtbf}, mttr ${request.schedule.mttr!} ticks`,
    );
  }
  const first = isRepeating(r) ? nextStart(r, start, seed) : start;
  if (first <= effectiveTick) return begin(r, effectiveTick, 'injected; in effect now');
  return {
    ...note(
      r,
      effectiveTick,
      FaultStatus.FAULT_STATUS_SCHEDULED,
      `injected; first at tick ${first}`,
    ),
    nextTick: first,
  };
}

/** The record at `tick`, its scheduled transition (`nextTick === tick`) applied. */
export function advance(r: FaultRecord, tick: number, seed: number): FaultRecord {
  if (r.status === FaultStatus.FAULT_STATUS_CLEARED || r.nextTick !== tick) return r;
  const s = r.schedule!;
  if (s.mtbf !== undefined) {
    const affected = [...r.affected];
    const next = { ...r.nextByTarget };
    const changes: string[] = [];
    for (const target of r.targets) {
      if (next[target] !== tick) continue;
      const down = affected.findIndex((a) => a.target === target);
      const entity = `${r.id}:${target}`;
      if (down < 0) {
        affected.push({ target, sinceTick: tick });
        next[target] = tick + ticksOf(seed, entity, tick, 'mttr', s.mttr!);
        changes.push(`${target} failed`);
      } else {
        affected.splice(down, 1);
        next[target] = tick + ticksOf(seed, entity, tick, 'mtbf', s.mtbf);
        changes.push(`${target} recovered`);
      }
    }
    affected.sort((a, b) => (a.target < b.target ? -1 : 1));
    return mtbfState(r, tick, affected, next, changes.join('; '));
  }
  if (r.status === FaultStatus.FAULT_STATUS_SCHEDULED) {
    return begin(
      r,
      tick,
      s.probability !== undefined ? `occurred (probability ${s.probability} per tick)` : 'occurred',
    );
  }
  const end = occurrenceEnd(r, r.sinceTick);
  if (end !== 0 && tick >= end)
    return finish(r, tick, `lasted ${tick - r.sinceTick} tick(s)`, seed);
  return begin(r, tick, 'occurred again');
}

/**
 * The record once a command fixed its effect on `target` at `tick`: that
 * target's occurrence ends (an MTBF target goes back up); when no target is
 * left affected, the occurrence is over. A region, zone or rack target is
 * not ended by fixing one element in it.
 */
export function fixed(
  r: FaultRecord,
  target: string,
  tick: number,
  reason: string,
  seed: number,
): FaultRecord {
  if (r.status !== FaultStatus.FAULT_STATUS_ACTIVE || !r.affected.some((a) => a.target === target))
    return r;
  const affected = r.affected.filter((a) => a.target !== target);
  if (r.schedule?.mtbf !== undefined) {
    const next = {
      ...r.nextByTarget,
      [target]: tick + ticksOf(seed, `${r.id}:${target}`, tick, 'mtbf', r.schedule.mtbf),
    };
    return mtbfState(r, tick, affected, next, `fixed on ${target}: ${reason}`);
  }
  if (affected.length > 0)
    return {
      ...note(r, tick, r.status, `fixed on ${target}: ${reason}`),
      sinceTick: r.sinceTick,
      affected,
    };
  return finish(r, tick, `fixed: ${reason}`, seed);
}

/** The record cleared at `tick`, for good. */
export function cleared(r: FaultRecord, tick: number, reason: string): FaultRecord {
  return {
    ...note(r, tick, FaultStatus.FAULT_STATUS_CLEARED, reason),
    affected: [],
    nextTick: 0,
    nextByTarget: {},
  };
}
