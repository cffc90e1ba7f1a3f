import { BladeActual, ObservedRecord, ObservedState, PduActual, TorActual } from '@chamber/protos';
import { createSlicer, defaultSliceMs, TimerWheel } from '@chamber/sim';
import { decode, encode, op, type CachedView, type Codec, type Op } from '@chamber/store';
import { recordDecision, type Tracer } from '@chamber/telemetry';
import type { TickContext } from '@chamber/participant';
import {
  observeBlade,
  observeDevice,
  type Observation,
  type Thresholds,
} from './domain/observe.js';

/** The monitor's participant name. */
export const monitorParticipant = 'monitor';

const actualPrefix = 'actual/';
const observedPrefix = 'observed/';

/** The prefixes the monitor caches. */
export const watcherViews: readonly string[] = [actualPrefix, observedPrefix];

/** What wakes the monitor besides its deadlines: the actual view (it alone writes `observed/`). */
export const watcherReactsTo: readonly string[] = [actualPrefix];

/**
 * The monitor, one tick at a time: it observes the elements whose actual
 * record changed and those whose deadline (a missed-heartbeat threshold) is
 * due, and writes only the observations that change. Its timers are rebuilt
 * from the store after a restart, when it observes every element once.
 * A tick with many changes (a 100,000-blade load changes every actual
 * record at once) lets the event loop run every 50 ms of work, so the
 * participant's lease keep-alive and calls go on meanwhile; where it pauses
 * does not change what it decides.
 */
export class Watcher {
  private wheel = new TimerWheel();
  private run = -1;

  /**
   * `tracer`: where each observed transition goes as a `monitor.transition`
   * span; `sliceMs`: the longest stretch of a tick's work between two turns
   * of the event loop.
   */
  constructor(
    private readonly thresholds: Thresholds,
    private readonly tracer?: Tracer,
    private readonly sliceMs = defaultSliceMs,
  ) {}

  async tick(ctx: Pick<TickContext, 'tick' | 'run' | 'view' | 'changes'>): Promise<{
    ops: Op[];
    nextWakeup: number | null;
  }> {
    const { tick, view } = ctx;
    const slicer = createSlicer(this.sliceMs);
    const due = new Set<string>();
    if (ctx.changes === undefined || ctx.run !== this.run) {
      this.wheel = new TimerWheel();
      for (const e of view.listRaw(actualPrefix)) due.add(e.key.slice(actualPrefix.length));
      for (const e of view.listRaw(observedPrefix)) due.add(e.key.slice(observedPrefix.length));
    } else {
      for (const key of ctx.changes)
        if (key.startsWith(actualPrefix)) due.add(key.slice(actualPrefix.length));
    }
    this.run = ctx.run;
    for (const path of this.wheel.takeDue(tick)) due.add(path);
    const ops: Op[] = [];
    for (const path of [...due].sort()) {
      await slicer.pause();
      const observation = this.observe(view, tick, path);
      if (observation.wake !== undefined && observation.wake > tick)
        this.wheel.schedule(observation.wake, path);
      else this.wheel.cancel(path);
      const key = observedPrefix + path;
      if (observation.next === null) ops.push(op.delete(key));
      else if (
        observation.next !== undefined &&
        view.getRaw(key)?.value !== encode(ObservedRecord, observation.next)
      ) {
        ops.push(op.put(ObservedRecord, key, observation.next));
        this.explain(tick, path, read(view, ObservedRecord, key), observation.next);
      }
    }
    return { ops, nextWakeup: this.wheel.next() ?? null };
  }

  /**
   * A transition's span, for the changes worth explaining: into or out of
   * suspect or failed (not an install's unknown, nor a first heartbeat).
   */
  private explain(
    tick: number,
    path: string,
    before: ObservedRecord | undefined,
    next: ObservedRecord,
  ): void {
    const from = before?.state ?? ObservedState.OBSERVED_STATE_UNSPECIFIED;
    if (next.state === from || (!isTrouble(from) && !isTrouble(next.state))) return;
    recordDecision(this.tracer, 'monitor.transition', {
      tick,
      target: path,
      reason: next.reason,
      severity: isTrouble(next.state) ? 'warn' : 'info',
      attributes: { 'chamber.from': stateWord(from), 'chamber.to': stateWord(next.state) },
    });
  }

  private observe(view: CachedView, tick: number, path: string): Observation {
    const kind = path.split('/')[3];
    const current = read(view, ObservedRecord, observedPrefix + path);
    const key = actualPrefix + path;
    if (kind === 'blade')
      return observeBlade(tick, read(view, BladeActual, key), current, this.thresholds);
    if (kind === 'pdu') return observeDevice(tick, read(view, PduActual, key), true, current);
    if (kind === 'tor') return observeDevice(tick, read(view, TorActual, key), false, current);
    return {};
  }
}

/**
 * The record at `key`, decoded for this use only: the monitor reads each
 * record once when it changes, so the view's shared decoded copy (kept as
 * long as the record) would only hold a second copy of every blade's
 * records in memory (100,000 of each at the `large` sample).
 */
function read<T>(view: CachedView, codec: Codec<T>, key: string): T | undefined {
  const raw = view.getRaw(key);
  return raw === undefined ? undefined : decode(codec, key, raw.value);
}

const isTrouble = (state: ObservedState): boolean =>
  state === ObservedState.OBSERVED_STATE_SUSPECT || state === ObservedState.OBSERVED_STATE_FAILED;

const stateWord = (state: ObservedState): string =>
  (ObservedState[state] ?? '').replace('OBSERVED_STATE_', '').toLowerCase();
