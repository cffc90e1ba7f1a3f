import {
  ControlRecord,
  ParticipantRecord,
  PastRunRecord,
  RunRecord,
  SettledRecord,
  TickIndexRecord,
  TickRecord,
} from '@chamber/protos';
import {
  CachedView,
  cmp,
  decode,
  maxTxnOps,
  op,
  type Compare,
  type Leadership,
  type Op,
  type Store,
  type WatchEvent,
  type WatchHandle,
} from '@chamber/store';
import { type Logger, withTickSpan, type Tracer } from '@chamber/telemetry';
import {
  defaultControl,
  initialDigest,
  isSameRun,
  isTickSettled,
  readClockRecords,
  waitingFor,
  type ClockRecords,
  type WrittenClockRecords,
} from '@chamber/timestamp';
import { clockSpanNames, isBookkeeping, isProtocolKey, keys } from '@chamber/world';
import { Coalesced } from './coalesced.js';
import { afterReset } from './domain/control.js';
import { foldDigest } from './domain/digest.js';
import { expectedAt, wakeTicks } from './domain/expected.js';
import { firstTick, missingAtStartNote, quotedNames } from './domain/first-tick.js';
import { nextTick } from './domain/next-tick.js';
import { pastRunOf } from './domain/past-run.js';
import { ChangedKeys, PendingInputs } from './domain/wake-index.js';

/** The longest delay a Node timer takes (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
const maxTimerMs = 2 ** 31 - 1;

/** What the leader needs. */
export interface LeaderOptions {
  readonly store: Store;
  readonly leadership: Leadership;
  /** The seed of the first run, when the simulation has never run. */
  readonly initialSeed: number;
  /** How long a registered participant may be without its lease before it is dropped (ms). */
  readonly dropGraceMs: number;
  /** The participants tick 0 of a simulation that never ran waits for. */
  readonly expectedParticipants: readonly string[];
  /** How long it waits for them (ms) before publishing without the missing ones. */
  readonly startWaitMs: number;
  /** Aborted when the leadership is lost or the service stops: ends that wait early. */
  readonly signal?: AbortSignal;
  readonly logger: Logger;
  readonly tracer: Tracer;
}

// The keys the leader mirrors in memory (and `pending/`, in `PendingInputs`).
const mirrorPrefixes = [
  keys.clockControl,
  keys.clockTick,
  keys.clockSettled,
  keys.clockRun,
  keys.participantsPrefix,
  keys.alivePrefix,
  keys.acksPrefix,
];

/** The tick in flight: its snapshot revision and the world changes since. */
interface Window {
  readonly tick: number;
  readonly run: number;
  /** R(T). */
  readonly revision: number;
  /** Final value of each world key changed in (R(T), S(T)] (`null`: deleted). */
  readonly changes: Map<string, string | null>;
  /**
   * Every key changed since R(T) but the clock's own records: the world's
   * changes and the inputs, also those written after S(T). What wakes the
   * participants that react to them at T+1.
   */
  readonly touched: ChangedKeys;
  /** Set when the last expected ack arrived: the revision S(T) and the digest. */
  complete?: { readonly revision: number; readonly digest: string };
}

/**
 * The stepper leader: publishes ticks, settles them when every expected
 * participant has acknowledged, folds the world digest, drops participants
 * dead past their grace period, and performs resets. It keeps no state that
 * the store does not hold: a new leader (after a crash or a takeover) lists
 * the clock records at the in-flight tick's snapshot revision R(T) and
 * replays the watch from R(T)+1, which rebuilds the tick's change set, and
 * carries on. Every write is guarded by the leadership and by the records it
 * was decided from, so a stale decision writes nothing.
 */
export class Leader {
  private readonly options: LeaderOptions;
  private readonly store: Store;
  private view!: CachedView;
  private readonly pending = new PendingInputs();
  private watch: WatchHandle | undefined;
  private window: Window | undefined;
  private isStopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  /** Set while the watch has lost etcd: no grace period runs meanwhile. */
  private isStoreAway = false;
  private lastPublishMs: number | undefined;
  /** The epoch `lastPublishMs` belongs to: measured pacing starts afresh after a policy change. */
  private lastPublishEpoch: number | undefined;
  private readonly evaluation = new Coalesced(
    () => this.evaluate(),
    (error) => {
      this.options.logger.error({ err: error }, 'stepper leader step failed; retrying');
      this.timer = setTimeout(() => this.kick(), 500);
    },
  );
  private readonly stopping = new AbortController();
  /** The revision of the leader's last successful write: what its view must reach before it decides anew. */
  private ownRevision = 0;
  private ownWaiters: Array<{ revision: number; resolve: () => void }> = [];

  private constructor(options: LeaderOptions) {
    this.options = options;
    this.store = options.store;
    options.signal?.addEventListener('abort', () => this.stopping.abort(), { once: true });
  }

  /** Takes over the clock: initializes a new simulation or resumes where it was. */
  static async start(options: LeaderOptions): Promise<Leader> {
    const leader = new Leader(options);
    await leader.initialize();
    return leader;
  }

  /** Stops acting (leadership lost or shutdown); pending work is abandoned, not undone. */
  async stop(): Promise<void> {
    this.isStopped = true;
    this.stopping.abort();
    clearTimeout(this.timer);
    for (const t of this.graceTimers.values()) clearTimeout(t);
    this.graceTimers.clear();
    await this.watch?.cancel();
    this.releaseOwnWaiters();
    await this.evaluation.stop();
  }

  private async initialize(): Promise<void> {
    const { store, leadership } = this.options;
    let tick = await store.get(TickRecord, keys.clockTick);
    if (tick === undefined) {
      // A simulation that never ran: publish tick 0 of run 1 once the
      // deployment's participants are there, as they are at tick 0 after a reset.
      const start = await this.awaitParticipants();
      if (start === undefined) return;
      const control =
        (await store.get(ControlRecord, keys.clockControl))?.value ?? defaultControl();
      const waitedSeconds = this.options.startWaitMs / 1000;
      const run: RunRecord = {
        run: 1,
        seed: this.options.initialSeed,
        deterministic: start.missing.length === 0,
        notes: start.missing.length === 0 ? [] : [missingAtStartNote(start.missing, waitedSeconds)],
      };
      const res = await store.txn(
        [leadership.guard, cmp.absent(keys.clockTick)],
        [
          op.put(ControlRecord, keys.clockControl, control),
          op.put(RunRecord, keys.clockRun, run),
          op.put(TickRecord, keys.clockTick, {
            tick: 0,
            expected: [...start.expected],
            seed: run.seed,
            run: run.run,
            resetting: false,
          }),
        ],
      );
      tick = await store.get(TickRecord, keys.clockTick);
      if (tick === undefined) return;
      if (res.succeeded && start.missing.length > 0) {
        this.options.logger.warn(
          { tick: 0, seed: run.seed, expected: start.expected, missing: start.missing },
          `new simulation: published tick 0 without ${quotedNames(start.missing)}, not registered after ${waitedSeconds} s; they join at a later tick and the run is not deterministic`,
        );
      } else if (res.succeeded) {
        this.options.logger.info(
          { tick: 0, seed: run.seed, expected: start.expected },
          'new simulation: published tick 0',
        );
      }
    }
    this.view = await CachedView.load(store, mirrorPrefixes, tick.modRevision);
    this.pending.reload(
      (await store.listRaw(keys.pendingPrefix, { revision: tick.modRevision })).entries,
    );
    if (!tick.value.resetting) this.window = this.openWindow(tick.value, tick.modRevision);
    this.checkCompletion(tick.modRevision);
    this.watch = await store.watch(
      '',
      {
        fromRevision: tick.modRevision + 1,
        onConnection: (isConnected) => this.onConnection(isConnected),
        onCompacted: () => this.resume(),
      },
      (events) => this.onEvents(events),
    );
    this.kick();
  }

  /**
   * The watch fell behind a compaction: starts again as a new leader would,
   * from the published tick's snapshot R(T) (the watch replays from R(T)+1,
   * rebuilding the tick's change set). Resolves with R(T).
   */
  private async resume(): Promise<number> {
    const tick = await this.store.get(TickRecord, keys.clockTick);
    const revision = await this.view.reload(this.store, tick?.modRevision);
    this.pending.reload((await this.store.listRaw(keys.pendingPrefix, { revision })).entries);
    this.window =
      tick === undefined || tick.value.resetting
        ? undefined
        : this.openWindow(tick.value, revision);
    this.checkCompletion(revision);
    return revision;
  }

  /**
   * While etcd is away nothing can tick and no participant can renew its
   * lease, so no grace period runs: the timers are cleared when the watch
   * loses etcd and started afresh, at full length, once it is back. A
   * participant whose lease was lost in the outage registers again within
   * its backoff, well inside that.
   */
  private onConnection(isConnected: boolean): void {
    this.isStoreAway = !isConnected;
    if (isConnected) {
      this.kick();
      return;
    }
    for (const t of this.graceTimers.values()) clearTimeout(t);
    this.graceTimers.clear();
  }

  /**
   * Waits until every expected participant is registered and alive, or the
   * start wait is over (see `firstTick`), saying in the log whom it waits
   * for. Resolves with the participants tick 0 expects and those it goes
   * without; `undefined` when the leader stopped meanwhile.
   */
  private async awaitParticipants(): Promise<
    { expected: readonly string[]; missing: readonly string[] } | undefined
  > {
    const { store, logger, expectedParticipants, startWaitMs } = this.options;
    const view = await CachedView.load(store, [keys.participantsPrefix, keys.alivePrefix]);
    const names = (prefix: string): Set<string> =>
      new Set(view.listRaw(prefix).map((e) => e.key.slice(prefix.length)));
    const deadline = Date.now() + startWaitMs;
    const signal = this.stopping.signal;
    const decideNow = () =>
      firstTick({
        expected: expectedParticipants,
        registered: names(keys.participantsPrefix),
        alive: names(keys.alivePrefix),
        isTimedOut: Date.now() >= deadline,
      });
    const atOnce = decideNow();
    if (atOnce.kind === 'publish') return atOnce;
    let isDone = false;
    let said = '';
    let timer: NodeJS.Timeout | undefined;
    let decide = (): void => undefined;
    const watching = store.watch('', { fromRevision: view.revision + 1 }, (events) => {
      view.apply(events);
      decide();
    });
    try {
      return await new Promise((resolve, reject) => {
        decide = (): void => {
          if (isDone) return;
          if (signal.aborted) {
            isDone = true;
            return resolve(undefined);
          }
          const decision = decideNow();
          if (decision.kind === 'publish') {
            isDone = true;
            return resolve(decision);
          }
          // A timer may fire a little before Date.now() reaches its time: re-armed until it has.
          clearTimeout(timer);
          timer = setTimeout(decide, Math.max(1, deadline - Date.now()));
          const missing = quotedNames(decision.missing);
          if (missing === said) return;
          said = missing;
          const leftSeconds = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
          logger.info(
            { missing: decision.missing, startWaitSeconds: startWaitMs / 1000 },
            `new simulation: waiting for participant(s) ${missing} to register before publishing tick 0 (at most ${leftSeconds} s more)`,
          );
        };
        signal.addEventListener('abort', decide);
        timer = setTimeout(decide, Math.max(1, deadline - Date.now()));
        watching.then(decide, reject);
      });
    } finally {
      isDone = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', decide);
      await (await watching.catch(() => undefined))?.cancel();
    }
  }

  private openWindow(record: TickRecord, revision: number): Window {
    return {
      tick: record.tick,
      run: record.run,
      revision,
      changes: new Map(),
      touched: new ChangedKeys(),
    };
  }

  private onEvents(events: WatchEvent[]): void {
    if (this.isStopped) return;
    let i = 0;
    while (i < events.length) {
      const revision = events[i]!.modRevision;
      let j = i;
      while (j < events.length && events[j]!.modRevision === revision) j++;
      const group = events.slice(i, j);
      i = j;
      this.view.apply(group);
      for (const e of group) {
        this.pending.apply(e);
        if (e.key === keys.clockTick && e.type === 'put') {
          const record = decode(TickRecord, e.key, e.value!);
          this.window = record.resetting ? undefined : this.openWindow(record, revision);
        } else if (this.window !== undefined && !isProtocolKey(e.key)) {
          this.window.touched.add(e.key);
          if (this.window.complete === undefined && !isBookkeeping(e.key))
            this.window.changes.set(e.key, e.type === 'put' ? e.value! : null);
        }
      }
      this.checkCompletion(revision);
    }
    this.releaseOwnWaiters();
    this.kick();
  }

  private releaseOwnWaiters(): void {
    const at = this.isStopped ? Infinity : this.view.revision;
    const ready = this.ownWaiters.filter((w) => w.revision <= at);
    this.ownWaiters = this.ownWaiters.filter((w) => w.revision > at);
    for (const w of ready) w.resolve();
  }

  /** Resolves once the view holds the leader's own last write (at once when it does, or when stopped). */
  private async ownWritesSeen(): Promise<void> {
    const revision = this.ownRevision;
    if (this.isStopped || this.view.revision >= revision) return;
    await new Promise<void>((resolve) => this.ownWaiters.push({ revision, resolve }));
  }

  // Decided synchronously at the revision that completed the acks, so the
  // change set is exactly (R(T), S(T)], whatever arrives after.
  private checkCompletion(revision: number): void {
    const w = this.window;
    if (w === undefined || w.complete !== undefined) return;
    const records = readClockRecords(this.view);
    if (isTickSettled(records)) {
      // A tick that expected nobody is settled in the transaction that
      // publishes it: its window is empty, S(T) = R(T).
      const settled = records.settled!;
      if (settled.modRevision === w.revision)
        w.complete = { revision: w.revision, digest: settled.value.digest };
      return;
    }
    if (waitingFor(records).length > 0) return;
    const previous = isSameRun(records) ? records.settled!.value.digest : initialDigest;
    w.complete = { revision, digest: foldDigest(previous, w.tick, w.changes) };
  }

  /** Evaluates the clock now, or once more after the evaluation running. */
  private kick(): void {
    this.evaluation.kick();
  }

  private async evaluate(): Promise<void> {
    clearTimeout(this.timer);
    const seen = this.view.revision;
    const records = readClockRecords(this.view);
    const tick = records.tick;
    if (tick === undefined || this.isStopped) return;
    if (records.control.reset !== undefined) {
      await this.reset(records);
      return;
    }
    this.updateGraceTimers(records);
    const w = this.window;
    const isSettled = isTickSettled(records);
    if (!isSettled && (w?.complete === undefined || w.tick !== tick.value.tick)) return;

    const wakes = this.wakeTicks(records, w);
    const decision = this.decideNext(records, records.control, wakes);
    const nowMs = Date.now();
    const isDue =
      decision.kind === 'publish' && (decision.atMs === undefined || decision.atMs <= nowMs);
    if (decision.kind === 'publish' && !isDue) {
      // A slow measured rate can put the next tick past what a Node timer
      // counts (it would warn and fire at once): wake at the most, and decide again.
      this.timer = setTimeout(() => this.kick(), Math.min(maxTimerMs, decision.atMs! - nowMs));
    }
    const ops: Op[] = [];
    let lagSeconds = 0;
    // A tick that expects nobody changes nothing: it is settled in the
    // transaction that publishes it, with the digest as it was (no entry in
    // the tick index: the next entry's snapshot revision minus one reads
    // the same world).
    let publishedIdle: number | undefined;
    if (isDue && decision.kind === 'publish') {
      lagSeconds = decision.atMs === undefined ? 0 : (nowMs - decision.atMs) / 1000;
      const expected = expectedAt(wakes, decision.tick);
      if (expected.length === 0) publishedIdle = decision.tick;
      ops.push(
        op.put(TickRecord, keys.clockTick, {
          ...tick.value,
          tick: decision.tick,
          expected,
          resetting: false,
        }),
      );
    }
    if (publishedIdle !== undefined) {
      ops.push(
        op.put(SettledRecord, keys.clockSettled, {
          tick: publishedIdle,
          digest: isSettled ? records.settled!.value.digest : w!.complete!.digest,
          run: tick.value.run,
          lagSeconds,
        }),
      );
    }
    if (!isSettled) {
      const complete = w!.complete!;
      if (publishedIdle === undefined) {
        ops.push(
          op.put(SettledRecord, keys.clockSettled, {
            tick: w!.tick,
            digest: complete.digest,
            run: w!.run,
            lagSeconds,
          }),
        );
      }
      ops.push(
        op.put(TickIndexRecord, keys.tickIndex(w!.tick), {
          tick: w!.tick,
          snapshotRevision: w!.revision,
          settledRevision: complete.revision,
        }),
      );
    }
    if (ops.length === 0) return;
    await withTickSpan(
      this.options.tracer,
      isSettled ? clockSpanNames.publish : clockSpanNames.settle,
      { tick: tick.value.tick, run: tick.value.run },
      {},
      async (span) => {
        const res = await this.store.txn(this.guards(records, seen), ops);
        span.setAttribute('chamber.succeeded', res.succeeded);
        if (res.succeeded) this.ownRevision = Math.max(this.ownRevision, res.revision);
        if (res.succeeded && isDue) {
          this.lastPublishMs = nowMs;
          this.lastPublishEpoch = records.control.epoch;
        }
      },
    );
  }

  /**
   * The leader's own path for a request that moves the clock's bound (Step,
   * RunUntil) while the published tick is settled: the new control record
   * (`change` of the stored one) and the publish of the tick it makes due go
   * in **one** transaction, guarded by the leadership and by the revisions of
   * `clock/control`, `clock/tick` and `clock/settled` the decision came from;
   * when that tick expects nobody, the same transaction settles it, as
   * {@link evaluate} does. The tick and its expected set are decided exactly
   * as `evaluate` would on the event of the control write alone.
   *
   * Resolves with what it wrote, or `undefined`, having written nothing, when
   * this path does not apply: the leader stopped, a reset is pending, the
   * published tick is not settled, `change` throws (the caller's own path
   * reports the error against the stored record), no tick is due at once, or
   * a guard failed (another request or the leader's own evaluation got there
   * first, or this view was behind). The caller then changes `clock/control`
   * alone, as a follower does. Crash-only: the one transaction is all or
   * nothing, and what remains of a longer step is in the stored bound.
   */
  async publishWithControl(
    change: (control: ControlRecord, publishedTick: number) => ControlRecord,
  ): Promise<WrittenClockRecords | undefined> {
    // A request that comes right after the leader's own write (a client
    // stepping again as soon as it is answered) decides on that write, not
    // on a view one event behind, whose guards would fail.
    await this.ownWritesSeen();
    if (this.isStopped) return undefined;
    const seen = this.view.revision;
    const records = readClockRecords(this.view);
    const tick = records.tick;
    if (tick === undefined || records.control.reset !== undefined) return undefined;
    if (!isTickSettled(records)) return undefined;
    let control: ControlRecord;
    try {
      control = change(records.control, tick.value.tick);
    } catch {
      return undefined;
    }
    const wakes = this.wakeTicks(records, this.window);
    const decision = this.decideNext(records, control, wakes);
    if (decision.kind !== 'publish' || decision.atMs !== undefined) return undefined;
    const expected = expectedAt(wakes, decision.tick);
    const published: TickRecord = {
      ...tick.value,
      tick: decision.tick,
      expected,
      resetting: false,
    };
    const settled: SettledRecord | undefined =
      expected.length === 0
        ? {
            tick: decision.tick,
            digest: records.settled!.value.digest,
            run: tick.value.run,
            lagSeconds: 0,
          }
        : undefined;
    const ops: Op[] = [
      op.put(ControlRecord, keys.clockControl, control),
      op.put(TickRecord, keys.clockTick, published),
    ];
    if (settled !== undefined) ops.push(op.put(SettledRecord, keys.clockSettled, settled));
    const controlRevision = this.view.getRaw(keys.clockControl)?.modRevision ?? 0;
    const nowMs = Date.now();
    const res = await withTickSpan(
      this.options.tracer,
      clockSpanNames.publish,
      { tick: tick.value.tick, run: tick.value.run },
      {},
      async (span) => {
        const res = await this.store.txn(
          [
            ...this.guards(records, seen),
            cmp.modRevision(keys.clockControl, '==', controlRevision),
          ],
          ops,
        );
        span.setAttribute('chamber.succeeded', res.succeeded);
        return res;
      },
    );
    if (!res.succeeded) return undefined;
    this.ownRevision = Math.max(this.ownRevision, res.revision);
    this.lastPublishMs = nowMs;
    this.lastPublishEpoch = control.epoch;
    return { revision: res.revision, control, tick: published, settled };
  }

  /** The next tick after the published one under `control` (`nextTick`), from the wake-ups and the pending inputs. */
  private decideNext(
    records: ClockRecords,
    control: ControlRecord,
    wakes: Map<string, number | undefined>,
  ): ReturnType<typeof nextTick> {
    return nextTick({
      policy: control.policy,
      rate: control.rate,
      until: control.until,
      tick: records.tick!.value.tick,
      wakeups: [...wakes.values()],
      pendingInputs: this.pending.summary().map((p) => p.effectiveTick),
      lastPublishMs: this.lastPublishEpoch === control.epoch ? this.lastPublishMs : undefined,
    });
  }

  /**
   * Each registered participant's earliest tick with work after the
   * published tick T, which is settled or about to be (`wakeTicks`), from
   * the store alone: registrations, acks, pending inputs, and the keys
   * changed since R(T) (the window, rebuilt by a restarted leader).
   */
  private wakeTicks(records: ClockRecords, w: Window | undefined): Map<string, number | undefined> {
    const tick = records.tick!.value.tick;
    const participants = this.view
      .list(ParticipantRecord, keys.participantsPrefix)
      .map(({ value }) => {
        const ack = records.acks.get(value.name);
        return {
          name: value.name,
          reactsTo: value.reactsTo,
          ack: ack === undefined ? undefined : { nextWakeup: ack.nextWakeup },
        };
      });
    return wakeTicks({
      tick,
      participants,
      // One marker per owner and tick, one changed key per participant it
      // wakes: the same decision as from all of them, at a cost that does
      // not grow with a burst of inputs.
      pending: this.pending.summary(),
      changed:
        w?.tick === tick && w.run === records.tick!.value.run
          ? w.touched.wakersOf(participants)
          : [],
    });
  }

  /**
   * Compares that hold only while the records a decision was made from are
   * unchanged: the leadership, the clock's records, and the pending inputs
   * the view at `seen` holds. An input written just before the decision,
   * whose event the view has not had yet, takes effect at the tick being
   * published, so its owner must be expected there: the write fails, and
   * the input's event, when it comes, starts the decision again.
   */
  private guards(records: ClockRecords, seen: number): Compare[] {
    return [
      this.options.leadership.guard,
      cmp.modRevision(keys.clockTick, '==', records.tick?.modRevision ?? 0),
      cmp.modRevision(keys.clockSettled, '==', records.settled?.modRevision ?? 0),
      cmp.noneWrittenAfter(keys.pendingPrefix, seen),
    ];
  }

  private updateGraceTimers(records: ClockRecords): void {
    if (this.isStoreAway) return;
    for (const [name, timer] of this.graceTimers) {
      if (!records.registered.has(name) || this.view.getRaw(keys.alive(name)) !== undefined) {
        clearTimeout(timer);
        this.graceTimers.delete(name);
      }
    }
    for (const name of records.registered) {
      if (this.graceTimers.has(name) || this.view.getRaw(keys.alive(name)) !== undefined) continue;
      this.graceTimers.set(
        name,
        setTimeout(
          () =>
            void this.drop(name).catch((error: unknown) =>
              this.options.logger.error({ err: error }, 'drop failed'),
            ),
          this.options.dropGraceMs,
        ),
      );
    }
  }

  /** Drops a participant dead past its grace period, loudly: the run is no longer deterministic. */
  private async drop(name: string): Promise<void> {
    this.graceTimers.delete(name);
    if (this.isStopped || this.isStoreAway) return;
    const records = readClockRecords(this.view);
    const run = records.run;
    const tick = records.tick?.value.tick ?? 0;
    const graceSeconds = this.options.dropGraceMs / 1000;
    const note = `tick ${tick}: participant "${name}" dropped after ${graceSeconds} s without its lease`;
    const res = await this.store.txn(
      [
        this.options.leadership.guard,
        cmp.exists(keys.participant(name)),
        cmp.absent(keys.alive(name)),
        cmp.modRevision(keys.clockRun, '==', run?.modRevision ?? 0),
      ],
      [
        op.delete(keys.participant(name)),
        op.delete(keys.ack(name)),
        op.put(RunRecord, keys.clockRun, {
          run: run?.value.run ?? 1,
          seed: run?.value.seed ?? this.options.initialSeed,
          deterministic: false,
          notes: [...(run?.value.notes ?? []), note],
        }),
      ],
    );
    if (res.succeeded)
      this.options.logger.warn(
        { participant: name, tick },
        `${note}; the run is no longer deterministic`,
      );
  }

  /**
   * Resets to tick 0 of a fresh run: marks the tick record `resetting` (so
   * participants stop and in-flight writes fail their guard), deletes the
   * world and the run's bookkeeping in chunks, then publishes tick 0. Each
   * step is idempotent, so a leader that dies midway is finished by the next.
   */
  private async reset(records: ClockRecords): Promise<void> {
    const { leadership } = this.options;
    const tick = records.tick!;
    const seed = records.control.reset!.seed;
    if (!tick.value.resetting) {
      // The run it ends stays readable (reports of it) while etcd keeps its history.
      const ended = pastRunOf(records.run?.value, records.settled);
      await this.store.txn(
        [leadership.guard, cmp.modRevision(keys.clockTick, '==', tick.modRevision)],
        [
          op.put(TickRecord, keys.clockTick, { ...tick.value, expected: [], resetting: true }),
          ...(ended === undefined ? [] : [op.put(PastRunRecord, keys.pastRun(ended.run), ended)]),
        ],
      );
      return; // continues on the event of that write
    }
    const doomed = (await this.store.listKeys('')).filter(
      (k) =>
        !isBookkeeping(k) ||
        [
          keys.acksPrefix,
          keys.tickIndexPrefix,
          keys.pendingPrefix,
          keys.inputsPrefix,
          keys.journalPrefix,
          keys.clockSettled,
        ].some((p) => k.startsWith(p)),
    );
    // Guarded on the `resetting` tick record: once tick 0 is published, a
    // late pass of this loop must not delete what participants write for it.
    const stillResetting = cmp.modRevision(keys.clockTick, '==', tick.modRevision);
    for (let i = 0; i < doomed.length; i += maxTxnOps) {
      const res = await this.store.txn(
        [leadership.guard, stillResetting],
        doomed.slice(i, i + maxTxnOps).map((k) => op.delete(k)),
      );
      if (!res.succeeded) return;
    }
    const run = (records.run?.value.run ?? 0) + 1;
    const res = await this.store.txn(
      [leadership.guard, cmp.modRevision(keys.clockTick, '==', tick.modRevision)],
      [
        op.put(ControlRecord, keys.clockControl, afterReset(records.control)),
        op.put(RunRecord, keys.clockRun, { run, seed, deterministic: true, notes: [] }),
        op.put(TickRecord, keys.clockTick, {
          tick: 0,
          expected: [...records.registered].sort(),
          seed,
          run,
          resetting: false,
        }),
      ],
    );
    if (res.succeeded) {
      this.options.logger.info(
        { run, seed, deleted: doomed.length },
        'reset: published tick 0 of a fresh run',
      );
    }
  }
}
