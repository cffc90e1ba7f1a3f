import os from 'node:os';
import { defaultLeaderTtlSeconds, type CommonConfig } from '@chamber/config';
import type { CachedView, Leadership, Store } from '@chamber/store';
import type { Reaction, Reactor } from '@chamber/reactor';
import {
  recordDecision,
  withTickSpan,
  type Logger,
  type SpanContext,
  type Tracer,
} from '@chamber/telemetry';
import {
  Participant,
  type ParticipantOptions,
  type TickContext,
  type TickResult,
} from '@chamber/participant';
import { tickSpanName } from '@chamber/world';
import { elect, type Elected, type Term } from './election.js';
import { hostService, type GrpcServing, type HostedService } from './service.js';

/** Hears how many of a tick's writes are written after each chunk of a large write. */
export type WriteProgress = (written: number, total: number) => void | Promise<void>;

/** The tick a reaction answers, for {@link ParticipantPart.onReaction}. */
export interface ReactionTick {
  readonly tick: number;
  readonly run: number;
  /** The store, for what the process says of the tick outside its writes (a load's progress). */
  readonly store: Store;
}

/** A service's part in the clock: what it caches, what wakes it, and its reactor. */
export interface ParticipantPart<R extends Reaction = Reaction> {
  /** Key prefixes to cache (the reactor's snapshot). */
  readonly views?: ParticipantOptions['views'];
  /** Key prefixes whose changes wake it; its `views` by default. */
  readonly reactsTo?: ParticipantOptions['reactsTo'];
  /**
   * Its decisions (pure, in `src/domain/`): the host hands it each tick with
   * the view as its snapshot, writes its writes with the ack and records its
   * decisions as spans.
   */
  readonly reactor: Reactor<R>;
  /**
   * Hears each reaction before the host writes it: for what the process
   * says of a tick (a log line). May return a listener of the write's
   * progress, told after each chunk when the writes go in chunks. A failure
   * fails the tick, which is retried.
   */
  readonly onReaction?: (reaction: R, tick: ReactionTick) => WriteProgress | undefined;
}

/** What {@link hostParticipantService} runs. */
export interface HostOptions<R extends Reaction = Reaction> {
  /** The service's name: its participant name and its `services/<name>/…` registration. */
  readonly name: string;
  readonly config: CommonConfig;
  readonly logger: Logger;
  /** A store to use (not closed on stop); one is connected from the config otherwise. */
  readonly store?: Store;
  /**
   * The gRPC service it serves (or several, on one server), made once the store is connected;
   * `protoFile` relative to protoRoot. `view` gives the participant's cached
   * view (its `views`, kept current by its watch) once it has handled a
   * tick, for reads of the present without the store; `undefined` on a
   * replica that stands by (every replica serves: the reads must go to the
   * store then).
   */
  readonly grpc: (
    store: Store,
    view: () => CachedView | undefined,
  ) => GrpcServing | readonly GrpcServing[];
  /** Its part in the clock; see {@link ParticipantPart}. */
  readonly participant: ParticipantPart<R>;
  /**
   * Runs once the store is connected, in every replica, before the service serves gRPC (so
   * before it reports SERVING) and before it registers with the clock (so
   * before a stepper that waits for it publishes tick 0): for what tick 0
   * must find in the store, and what must be said at start.
   */
  readonly beforeJoin?: (store: Store) => Promise<void>;
  /**
   * Runs once it has joined the clock (e.g. submitting a first input): in
   * each term it leads, so it must be idempotent, as for a restart.
   */
  readonly afterJoin?: (store: Store) => Promise<void>;
  /**
   * Where its spans go: each tick that writes something becomes a span
   * `<name>.tick`, the parent of the decisions recorded during it.
   */
  readonly tracer?: Tracer;
}

/**
 * A participant's reactor as its `onTick`: it is handed the tick and the
 * view as its snapshot; its decisions become spans (children of the tick's
 * span), each linked to the previous decision of its thread; `onReaction`
 * hears the reaction; its writes, conditions and next wake-up go to the
 * participant, which writes them with the ack.
 */
function reactorTick<R extends Reaction>(
  part: ParticipantPart<R>,
  tracer: Tracer | undefined,
): ParticipantOptions['onTick'] {
  const { reactor, onReaction } = part;
  // The last span of each open thread, for the next decision to link to.
  // Lost on a restart, which only costs the link: the records hold the history.
  // A new run starts afresh: its ids (`r<tick>-<n>`) repeat the last run's.
  const threads = new Map<string, SpanContext>();
  let run: number | undefined;
  return async (ctx: TickContext): Promise<TickResult> => {
    if (ctx.run !== run) threads.clear();
    run = ctx.run;
    const reaction = await reactor.react({
      tick: ctx.tick,
      run: ctx.run,
      seed: ctx.seed,
      snapshot: ctx.view,
      changes: ctx.changes,
    });
    for (const { name, thread, ...decision } of reaction.decisions) {
      const previous = thread === undefined ? undefined : threads.get(thread.id);
      const span = recordDecision(tracer, name, {
        ...decision,
        ...(previous === undefined ? {} : { links: [previous] }),
      });
      if (thread === undefined) continue;
      if (span === undefined || thread.ends === true) threads.delete(thread.id);
      else threads.set(thread.id, span);
    }
    const onProgress = onReaction?.(reaction, { tick: ctx.tick, run: ctx.run, store: ctx.store });
    return {
      ops: reaction.writes,
      ...(reaction.nextWakeup === undefined ? {} : { nextWakeup: reaction.nextWakeup }),
      ...(reaction.compares === undefined ? {} : { compares: reaction.compares }),
      ...(onProgress === undefined ? {} : { onProgress }),
    };
  };
}

/**
 * `onTick` inside a tick span `<name>.tick` carrying how many writes it made.
 * Only ticks that write are exported: an idle tick leaves no trace.
 */
function traced(
  name: string,
  tracer: Tracer | undefined,
  onTick: ParticipantOptions['onTick'],
): ParticipantOptions['onTick'] {
  if (tracer === undefined) return onTick;
  return (ctx: TickContext) =>
    withTickSpan(
      tracer,
      tickSpanName(name),
      { tick: ctx.tick, run: ctx.run },
      {},
      async (span): Promise<TickResult> => {
        const result = await onTick(ctx);
        span.setAttribute('chamber.writes', result.ops?.length ?? 0);
        return result;
      },
      { isKept: (result) => (result.ops?.length ?? 0) > 0 },
    );
}

/**
 * The chassis of a participant service: {@link hostService}'s (connect the
 * store, serve gRPC with health, reflection and call logging, register the
 * endpoint under a lease), with the clock's singleton role elected. Once it
 * serves, and before it registers, each replica campaigns for
 * `election/<name>` (see {@link elect}); the one that leads joins the clock
 * as `name`, the others stand by, serving gRPC (their reads go to the
 * store, `view` is undefined until they lead). `start` resolves once the
 * replica leads or stands by. A standby that takes over joins as a
 * restarted service does: it catches up to R(T) and redoes the tick in
 * flight. At stop a leader leaves the clock first and then resigns, so a
 * standby takes over at once; `participants/<name>` and its ack stay, for
 * the successor (see {@link Participant.stop}).
 */
export function hostParticipantService<R extends Reaction>(options: HostOptions<R>): HostedService {
  const { config, logger, name } = options;
  let elected: Elected | undefined;
  // The participant's view, known from the first tick it handles as leader.
  let view: CachedView | undefined;
  const instance =
    config.replica?.instance !== undefined && config.replica.instance !== ''
      ? config.replica.instance
      : `${os.hostname()}-${process.pid}`;
  return hostService({
    name,
    config,
    logger,
    ...(options.store === undefined ? {} : { store: options.store }),
    parts: async (store) => {
      await options.beforeJoin?.(store);
      const { views, reactsTo } = options.participant;
      const onTick = traced(name, options.tracer, reactorTick(options.participant, options.tracer));
      // Each term runs `afterJoin`, as each restart of a lone service does:
      // a leader that died before it ran leaves it to its successor.
      const join = async (leadership: Leadership): Promise<Term> => {
        const participant = await Participant.join(store, {
          // Once it no longer leads, it writes nothing: not even alive/ over its successor's.
          fence: leadership.guard,
          ...(views === undefined ? {} : { views }),
          ...(reactsTo === undefined ? {} : { reactsTo }),
          onTick: (ctx) => {
            view = ctx.view;
            return onTick(ctx);
          },
          name,
          onError: (error, tick) =>
            logger.error({ err: error, tick }, `${name} tick failed; retrying`),
          onRegistrationLost: (error) =>
            logger.warn(
              { err: error },
              `${name}: lost its participant lease (etcd away); registering again once etcd is back`,
            ),
          onRegisteredAgain: () => logger.info(`${name}: registered as a participant again`),
        });
        await options.afterJoin?.(store);
        return {
          stop: async () => {
            await participant.stop();
            view = undefined;
          },
        };
      };
      return {
        serve: { grpc: options.grpc(store, () => view) },
        afterServe: async (port) => {
          elected = await elect({
            store,
            role: name,
            instance,
            endpoint: `${config.listen.host}:${port}`,
            ttlSeconds: config.replica?.leaderTtlSeconds ?? defaultLeaderTtlSeconds,
            logger,
            lead: join,
          });
          await elected.isSettled;
        },
        announce: () => ({ instance }),
        // Stops taking part first, then resigns: a standby takes over at once.
        stop: async () => {
          await elected?.stop();
        },
      };
    },
  });
}
