import { ChamberError, Code } from '@chamber/errors';
import { AckRecord, ParticipantRecord, TickRecord } from '@chamber/protos';
import {
  CachedView,
  cmp,
  type Compare,
  decode,
  keepLease,
  maxTxnOps,
  op,
  type KeptLease,
  type Op,
  type Store,
  type WatchEvent,
  type WatchHandle,
} from '@chamber/store';
import { isProtocolKey, isValidParticipantName, keys } from '@chamber/world';

/** The longest stretch (ms) the participant applies queued events without letting the event loop run. */
const drainSliceMs = 50;

/**
 * Whether the tick record stored as `text` may expect the participant
 * `name`: false only when it cannot (its name appears nowhere in the text),
 * so a tick that expects someone else is not decoded. Participant names
 * need no escaping in JSON (see `isValidParticipantName`), so an expected
 * name always appears as `"name"`.
 */
export function mayExpect(text: string, name: string): boolean {
  return text.includes(`"${name}"`);
}

/** What a participant is handed for one tick. */
export interface TickContext {
  readonly tick: number;
  /** R(T): the snapshot revision; `view` reflects exactly this revision. */
  readonly revision: number;
  /** The run's seed: derive every random draw from it (with entity, tick and purpose). */
  readonly seed: number;
  /** Counts resets; tick numbers restart at 0 with each run. */
  readonly run: number;
  /** The participant's cached prefixes, as of `revision`. */
  readonly view: CachedView;
  /** For reads outside the view: read at `revision` to stay in the snapshot. */
  readonly store: Store;
  /**
   * The view's keys written or deleted since the last tick this process
   * handled, so work can follow what changed. `undefined` on the first tick
   * a process handles (after joining or a restart) and when a tick is
   * retried after a failure: then nothing is known and the whole view must
   * be considered.
   */
  readonly changes: ReadonlySet<string> | undefined;
}

/** A participant's reaction to a tick. */
export interface TickResult {
  /**
   * The tick's effects. Written with the ack in one transaction when they fit,
   * otherwise in chunks before it; every chunk is guarded on the tick, so a
   * stale participant writes nothing. They must be idempotent (redoing the
   * tick after a crash writes the same values).
   */
  readonly ops?: readonly Op[];
  /**
   * The earliest tick at which this participant has work due. `undefined`:
   * the next tick. `null`: nothing until an input arrives or a key it
   * reacts to changes. A tick with `ops` always asks for the next tick
   * (its own effects may need a look at T+1, as they did when every
   * participant was handed every tick); the others are woken at T+1 only
   * when the effects fall under a prefix they react to.
   */
  readonly nextWakeup?: number | null;
  /** Hears how many of `ops` are written after each chunk of a large write. */
  readonly onProgress?: (written: number, total: number) => void | Promise<void>;
  /**
   * Conditions on the participant's own records (compare-and-set on their
   * mod revisions), checked in the transaction that writes `ops` and the
   * ack: when one fails, nothing is written and the tick is redone from the
   * store. Only with `ops` that fit one transaction (fewer than 128).
   */
  readonly compares?: readonly Compare[];
}

/** How to take part in the clock. */
export interface ParticipantOptions {
  /** Unique among the simulation's participants: lower-case letters, digits, `.`, `_`, `-`. */
  readonly name: string;
  /** Key prefixes to cache in memory (e.g. `['definition/', 'actual/']`). */
  readonly views?: readonly string[];
  /**
   * The key prefixes whose changes wake it: a tick T that changes a key
   * under one of them makes the stepper expect it at T+1. Default: its
   * `views`. Leave out what only it writes (a tick it writes in wakes it at
   * the next one anyway) and `pending/` (its own pending inputs wake it at
   * their tick). Stored in `participants/<name>`, so the stepper computes
   * each tick's expected set from the store alone. Must not name the
   * clock's own records (`protocolPrefixes`): `join` fails with
   * `InvalidArgument`.
   */
  readonly reactsTo?: readonly string[];
  /** TTL of the `alive/<name>` lease (s): how soon a dead process is noticed. */
  readonly leaseTtlSeconds?: number;
  /** Decides the tick's effects from the snapshot. Must not write to the store itself. */
  readonly onTick: (context: TickContext) => Promise<TickResult> | TickResult;
  /** Told when handling a tick failed; the tick is retried after `retryDelayMs`. */
  readonly onError?: (error: unknown, tick: number) => void;
  readonly retryDelayMs?: number;
  /**
   * Told when the `alive/` lease is lost (etcd was away for longer than
   * about twice its TTL); the participant registers again as soon as etcd
   * is back, however long that takes.
   */
  readonly onRegistrationLost?: (error: unknown) => void;
  /** Told when it has registered again after a lost lease. */
  readonly onRegisteredAgain?: () => void;
  /**
   * A compare that holds only while this process may act as the participant
   * (its leadership's guard, when replicas elect one): added to every write
   * it makes (registration, effects, acks), so a replica that lost its
   * leadership writes nothing, not even its `alive/` key over its
   * successor's. A registration it fails is retried as a lost lease is.
   */
  readonly fence?: Compare;
}

/**
 * A participant of the lockstep clock (DESIGN §1): registered under
 * `participants/<name>` (with the prefixes it reacts to) with a lease on
 * `alive/<name>`, handed each published tick T that expects it (its
 * wake-up is due, an input of its is pending, a key it reacts to changed in
 * T-1, or it just joined) with a view caught up to exactly R(T), and
 * acknowledging T with its next wake-up. Ticks that do not expect it still
 * feed its view and its `changes`. One watch over the whole simulation feeds both the view and
 * the tick events, in revision order: when the tick event arrives, every
 * earlier change has been applied and no later one has.
 */
export class Participant {
  readonly name: string;
  private readonly store: Store;
  private readonly options: ParticipantOptions;
  private readonly view: CachedView;
  private registration: KeptLease | undefined;
  private watch: WatchHandle | undefined;
  private queue: WatchEvent[] = [];
  // The next event of `queue` to apply: taking events from the front one
  // group at a time by index, not by splicing, keeps a large backlog (a
  // 100,000-element load writes 325,000 keys) linear to drain.
  private head = 0;
  private isDraining = false;
  private isStopped = false;
  private acked: { tick: number; revision: number } | undefined;
  /** The ack last written, to write again if a drop deletes it while its tick is in flight. */
  private lastAck: AckRecord | undefined;
  private readonly ackListeners = new Set<(tick: number) => void>();
  private drained: Promise<void> = Promise.resolve();
  // Keys changed since the last handled tick; undefined until one was handled.
  private changes: Set<string> | undefined;

  /** Its {@link ParticipantOptions.fence}, as the compares every write carries. */
  private get fences(): Compare[] {
    return this.options.fence === undefined ? [] : [this.options.fence];
  }

  private constructor(store: Store, options: ParticipantOptions, view: CachedView) {
    this.store = store;
    this.options = options;
    this.name = options.name;
    this.view = view;
  }

  /**
   * Registers and starts reacting to ticks; resolves once registered. A
   * participant restarted while the current tick is unacknowledged redoes
   * that tick. Fails with `InvalidArgument` for a bad name.
   */
  static async join(store: Store, options: ParticipantOptions): Promise<Participant> {
    if (!isValidParticipantName(options.name)) {
      throw new ChamberError(
        Code.InvalidArgument,
        `participant name "${options.name}" must be 1-63 lower-case letters, digits, ".", "_" or "-"`,
      );
    }
    const reactsTo = options.reactsTo ?? options.views ?? [];
    const protocol = reactsTo.find((p) => p === '' || isProtocolKey(p));
    if (protocol !== undefined) {
      throw new ChamberError(
        Code.InvalidArgument,
        `participant "${options.name}": reactsTo "${protocol}" ${protocol === '' ? 'is the whole simulation' : "is the clock's own bookkeeping, which wakes nobody"}; name the prefixes it reads`,
      );
    }
    const tick = await store.get(TickRecord, keys.clockTick);
    const start = tick?.modRevision ?? (await store.currentRevision());
    const view = await CachedView.load(store, options.views ?? [], start);
    const participant = new Participant(store, options, view);
    await participant.register();
    const ack = await store.get(AckRecord, keys.ack(options.name));
    if (ack !== undefined)
      participant.acked = { tick: ack.value.tick, revision: ack.value.revision };
    // The current tick first: it is handled with the view at exactly R(T),
    // and the events after R(T) (which the watch may replay at once) queue
    // behind it.
    if (tick !== undefined) participant.enqueueTick(tick.value, tick.modRevision);
    // Its views, the tick record and its own ack, as one watch (in revision
    // order): not the clock's other writes (control, settle, the tick index)
    // nor the other participants' acks, which it has no use for.
    participant.watch = await store.watch(
      [...(options.views ?? []), keys.clockTick, keys.ack(options.name)],
      { fromRevision: start + 1, onCompacted: () => participant.rejoin() },
      (events) => participant.receive(events),
    );
    return participant;
  }

  /**
   * The watch fell behind a compaction: some changes will never arrive. Starts
   * again as {@link join} does, from the published tick's snapshot: the view
   * reloaded at R(T), the tick handled again (unless acked) with `changes`
   * undefined, so the whole view is considered. Resolves with R(T), where the
   * watch resumes.
   */
  private async rejoin(): Promise<number> {
    this.queue = [];
    this.head = 0;
    await this.drained;
    this.queue = [];
    this.head = 0;
    const tick = await this.store.get(TickRecord, keys.clockTick);
    const start = await this.view.reload(this.store, tick?.modRevision);
    this.changes = undefined;
    if (tick !== undefined) this.enqueueTick(tick.value, tick.modRevision);
    return start;
  }

  /** The last tick this participant acknowledged, if any. */
  lastAckedTick(): number | undefined {
    return this.acked?.tick;
  }

  /** Calls `listener` after each acknowledgement; returns a function that stops it. */
  onAck(listener: (tick: number) => void): () => void {
    this.ackListeners.add(listener);
    return () => this.ackListeners.delete(listener);
  }

  /**
   * Leaves the clock on purpose: deletes `participants/<name>`, its ack and
   * its `alive/` key, so ticks no longer wait for it. Not a failure: the run
   * stays deterministic.
   */
  async leave(): Promise<void> {
    await this.stop();
    await this.store.txn(
      [],
      [
        op.delete(keys.participant(this.name)),
        op.delete(keys.ack(this.name)),
        op.delete(keys.alive(this.name)),
      ],
    );
  }

  /**
   * Stops reacting without leaving: the `alive/` lease is revoked (and no
   * longer replaced), so the stepper sees a dead participant, waits for it,
   * and drops it after its grace period. What a crash looks like, minus the
   * wait for the TTL. `participants/<name>` and the ack stay: a replica that
   * takes over (see `hostParticipantService`) registers again with the same
   * record and carries on from the ack, and the stepper never sees the
   * participant leave.
   */
  async stop(): Promise<void> {
    this.isStopped = true;
    await this.watch?.cancel();
    await this.drained;
    await this.registration?.close();
  }

  /**
   * Writes `participants/<name>` and `alive/<name>` under a kept lease. When
   * etcd is away long enough for the lease to be lost, the same two keys are
   * written again under a new lease once it is back (etcd restores the old
   * lease for one more TTL, so `alive/` need not even vanish), well inside
   * the stepper's grace period: the participant is not dropped and the run
   * stays deterministic. If it had been dropped meanwhile, this rejoins it at
   * the next tick.
   */
  private async register(): Promise<void> {
    const { onRegistrationLost, onRegisteredAgain } = this.options;
    this.registration = await keepLease(this.store, {
      ttlSeconds: this.options.leaseTtlSeconds ?? 3,
      install: async (lease) => {
        const res = await this.store.txn(this.fences, [
          op.put(ParticipantRecord, keys.participant(this.name), {
            name: this.name,
            reactsTo: [...new Set(this.options.reactsTo ?? this.options.views ?? [])].sort(),
          }),
          op.putRaw(keys.alive(this.name), JSON.stringify({ pid: process.pid }), {
            lease: lease.id,
          }),
        ]);
        if (!res.succeeded)
          throw new ChamberError(
            Code.FailedPrecondition,
            `participant "${this.name}": not registered, its fence failed (no longer the leader)`,
          );
      },
      // Once per loss: the attempts that fail while etcd is away say nothing new.
      onRetry: (error, attempt) => {
        if (attempt === 0) onRegistrationLost?.(error);
      },
      ...(onRegisteredAgain === undefined ? {} : { onReplaced: onRegisteredAgain }),
    });
  }

  private receive(events: WatchEvent[]): void {
    if (this.isStopped) return;
    for (const e of events) this.queue.push(e);
    if (!this.isDraining) this.drained = this.drain();
  }

  private enqueueTick(record: TickRecord, revision: number): void {
    // Delivered through the queue so it is handled in order with the events.
    this.queue.splice(this.head, 0, {
      type: 'put',
      key: keys.clockTick,
      value: JSON.stringify(TickRecord.toJSON(record)),
      modRevision: revision,
      createRevision: 0,
    });
    if (!this.isDraining) this.drained = this.drain();
  }

  private async drain(): Promise<void> {
    this.isDraining = true;
    try {
      let sliceStart = performance.now();
      while (this.head < this.queue.length && !this.isStopped) {
        // Apply every event of one revision (one transaction) before reacting
        // to a tick published in it.
        const revision = this.queue[this.head]!.modRevision;
        let end = this.head;
        while (end < this.queue.length && this.queue[end]!.modRevision === revision) end++;
        const group = this.queue.slice(this.head, end);
        this.head = end;
        if (this.head === this.queue.length || this.head > 65_536) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        if (revision > this.view.revision) {
          this.view.apply(group);
          if (this.changes !== undefined)
            for (const e of group) if (this.view.covers(e.key)) this.changes.add(e.key);
        }
        const tickEvent = group.find((e) => e.key === keys.clockTick && e.type === 'put');
        if (group.some((e) => e.key === keys.ack(this.name) && e.type === 'delete'))
          await this.restoreAck();
        // Most ticks expect someone else, or nobody: those are not decoded.
        if (tickEvent !== undefined && mayExpect(tickEvent.value!, this.name)) {
          await this.handle(decode(TickRecord, keys.clockTick, tickEvent.value!), revision);
          sliceStart = performance.now();
        } else if (performance.now() - sliceStart > drainSliceMs) {
          // A long backlog: let lease keep-alives and calls run between groups.
          await new Promise((resolve) => setImmediate(resolve));
          sliceStart = performance.now();
        }
      }
    } finally {
      this.isDraining = false;
    }
  }

  /**
   * Our ack was deleted: the stepper dropped us (a reset deletes acks too,
   * after marking the tick `resetting`). If the tick we acked is still the
   * one in flight, our effects for it are written, and once we register
   * again the stepper waits for our ack of it: write the same ack again
   * (the effects need no redo). Guarded on that tick, so it writes nothing
   * once the clock has moved on; then we have no ack, and the stepper
   * expects us at the next tick as a participant that just joined.
   */
  private async restoreAck(): Promise<void> {
    const ack = this.lastAck;
    if (ack === undefined) return;
    const res = await this.store.txn(
      [cmp.modRevision(keys.clockTick, '==', ack.revision), ...this.fences],
      [op.put(AckRecord, keys.ack(this.name), ack)],
    );
    if (!res.succeeded) {
      this.lastAck = undefined;
      this.acked = undefined;
    }
  }

  private async handle(record: TickRecord, revision: number): Promise<void> {
    if (record.resetting || !record.expected.includes(this.name)) return;
    if (this.acked?.revision === revision) return;
    for (let attempt = 0; !this.isStopped; attempt++) {
      try {
        const result = await this.options.onTick({
          tick: record.tick,
          revision,
          seed: record.seed,
          run: record.run,
          view: this.view,
          store: this.store,
          // A retry starts from nothing known: the failed attempt may have
          // half-updated the participant's own indexes.
          changes: attempt === 0 ? this.changes : undefined,
        });
        // Superseded (the effects were not written): the next tick starts
        // from nothing known, like a restart.
        this.changes = (await this.acknowledge(record.tick, revision, result))
          ? new Set()
          : undefined;
        return;
      } catch (error) {
        this.options.onError?.(error, record.tick);
        // A newer tick (a reset, or we were dropped and the clock moved on)
        // supersedes this one: stop retrying it.
        if (
          this.queue.some((e, i) => i >= this.head && e.key === keys.clockTick && e.type === 'put')
        )
          return;
        const delay = Math.min(
          5_000,
          (this.options.retryDelayMs ?? 200) * 2 ** Math.min(attempt, 5),
        );
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async acknowledge(tick: number, revision: number, result: TickResult): Promise<boolean> {
    // A tick that writes effects asks for the next one, so the other
    // participants see them at once (the monitor a blade's crash, say).
    const wrote = (result.ops?.length ?? 0) > 0;
    const nextWakeup = result.nextWakeup === undefined || wrote ? tick + 1 : result.nextWakeup;
    const record: AckRecord = {
      tick,
      revision,
      ...(nextWakeup === null ? {} : { nextWakeup: Math.max(nextWakeup, tick + 1) }),
    };
    const ack = op.put(AckRecord, keys.ack(this.name), record);
    // Guarded on the tick record: once the stepper has moved on (a reset,
    // or we were dropped), a late participant writes nothing; and on its
    // fence: a replica that lost its leadership writes nothing either.
    const guards = [cmp.modRevision(keys.clockTick, '==', revision), ...this.fences];
    const ops = result.ops ?? [];
    const compares = result.compares ?? [];
    if (compares.length > 0 && ops.length >= maxTxnOps) {
      throw new ChamberError(
        Code.Internal,
        `${this.name}: compares need the tick's ${ops.length} writes to fit one transaction (at most ${maxTxnOps - 1})`,
      );
    }
    let res: { succeeded: boolean };
    if (compares.length > 0) {
      res = await this.store.txn([...guards, ...compares], [...ops, ack]);
      // One of our own records changed under us (not a newer tick): redo the
      // tick from the store (a retry gets no change set).
      if (
        !res.succeeded &&
        (await this.store.get(TickRecord, keys.clockTick))?.modRevision === revision
      )
        throw new ChamberError(
          Code.Aborted,
          `${this.name}: a record changed under tick ${tick}; redoing it`,
        );
    } else {
      res =
        ops.length < maxTxnOps
          ? await this.store.txn(guards, [...ops, ack])
          : (await this.store.writeChunked(guards, ops, result.onProgress)).succeeded
            ? await this.store.txn(guards, [ack])
            : { succeeded: false };
    }
    if (!res.succeeded) return false;
    this.acked = { tick, revision };
    this.lastAck = record;
    for (const l of [...this.ackListeners]) l(tick);
    return true;
  }
}
