import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { hostService } from '@chamber/host';
import { ClockService, protoFiles } from '@chamber/protos';
import { pause, reconnectDelay, type Leadership, type Store } from '@chamber/store';
import { createLogger, type Logger, type Tracer } from '@chamber/telemetry';
import { ClockReader } from '@chamber/timestamp';
import { trace } from '@opentelemetry/api';
import type { StepperConfig } from './config.js';
import { createClockHandlers } from './grpc/clock-handlers.js';
import { Leader } from './leader.js';
import { Retention } from './retention.js';

/** What the stepper may be given instead of making it. */
export interface StepperDeps {
  /** A store to use (not closed on stop); one is connected from the config otherwise. */
  readonly store?: Store;
  readonly logger?: Logger;
  readonly tracer?: Tracer;
}

/** A running stepper replica. */
export interface StepperService {
  /** Serves gRPC, registers, and campaigns for leadership in the background. Resolves with the bound port. */
  start(): Promise<{ port: number }>;
  /** Resigns leadership (a standby takes over at once), stops serving, deregisters. */
  stop(): Promise<void>;
  /** Whether this replica currently leads (publishes and settles ticks). */
  isLeader(): boolean;
}

/**
 * The stepper: every replica serves the Clock gRPC service; the one that wins
 * the `election/stepper` campaign also runs the {@link Leader}. The others
 * stand by and take over when its lease expires.
 */
export function createStepperService(
  config: StepperConfig,
  deps: StepperDeps = {},
): StepperService {
  const logger = deps.logger ?? createLogger({ service: 'stepper', level: config.log.level });
  const tracer = deps.tracer ?? trace.getTracer('chamber-stepper');
  const instance =
    config.stepper.instance !== '' ? config.stepper.instance : `${os.hostname()}-${process.pid}`;
  let leadership: Leadership | undefined;
  let leader: Leader | undefined;
  let retention: Retention | undefined;
  let campaigning: Promise<void> | undefined;
  const stopping = new AbortController();

  async function lead(s: Store, endpoint: string): Promise<void> {
    // The value of the last term won: once lost, its key is ours to clear.
    let staleValue: string | undefined;
    for (let failures = 0; !stopping.signal.aborted;) {
      // Ends the leader's wait for the participants of a new simulation too.
      const term = new AbortController();
      const endTerm = (): void => term.abort();
      try {
        // Unique per campaign, so a retried election write is recognised as ours.
        const value = JSON.stringify({ instance, endpoint, nonce: randomBytes(6).toString('hex') });
        leadership = await s.campaign('stepper', value, {
          ttlSeconds: config.stepper.leaderTtlSeconds,
          signal: stopping.signal,
          ...(staleValue === undefined ? {} : { staleValue }),
        });
        staleValue = value;
        failures = 0;
        logger.info({ instance, term: leadership.term }, 'leading the clock');
        stopping.signal.addEventListener('abort', endTerm, { once: true });
        // A stop that came while the campaign was being won found no
        // leadership to resign: the term ends at once, and is resigned below.
        if (stopping.signal.aborted) endTerm();
        const lost = new Promise<void>((resolve) => {
          leadership!.onLost(() => {
            endTerm();
            resolve();
          });
          term.signal.addEventListener('abort', () => resolve(), { once: true });
          if (term.signal.aborted) resolve();
        });
        leader = await Leader.start({
          store: s,
          leadership,
          initialSeed: config.seed,
          dropGraceMs: config.stepper.dropGraceSeconds * 1000,
          expectedParticipants: config.stepper.participants,
          startWaitMs: config.stepper.startWaitSeconds * 1000,
          signal: term.signal,
          logger,
          tracer,
        });
        retention = await Retention.start({
          store: s,
          leadership,
          retentionTicks: config.stepper.retentionTicks,
          logger,
        });
        await lost;
        if (!stopping.signal.aborted) logger.warn({ instance }, 'lost the clock leadership');
      } catch (error) {
        if (stopping.signal.aborted) break;
        // Said once per outage: etcd may stay away for long, and it is tried
        // again every second meanwhile.
        if (failures === 0)
          logger.error({ err: error }, 'stepper campaign failed; retrying until it succeeds');
        await pause(reconnectDelay(failures++), stopping.signal);
      } finally {
        stopping.signal.removeEventListener('abort', endTerm);
        await retention?.stop();
        retention = undefined;
        await leader?.stop();
        leader = undefined;
        if (stopping.signal.aborted) await leadership?.resign().catch(() => undefined);
      }
    }
  }

  const host = hostService({
    name: 'stepper',
    config,
    logger,
    ...(deps.store === undefined ? {} : { store: deps.store }),
    parts: async (store) => {
      const reader = await ClockReader.open(store);
      return {
        serve: {
          grpc: {
            name: 'chamber.clock.v1.Clock',
            definition: ClockService,
            implementation: createClockHandlers(store, reader, logger, () => leader),
            protoFile: protoFiles.clock,
          },
        },
        announce: () => ({ instance, details: { instance } }),
        // Every replica serves; the one that wins the campaign leads.
        afterRegister: (endpoint) => {
          campaigning = lead(store, endpoint);
        },
        // Resigns first, so a standby takes over at once.
        stop: async () => {
          stopping.abort();
          await retention?.stop();
          await leader?.stop();
          await leadership?.resign().catch(() => undefined);
          await campaigning;
        },
        close: () => reader.close(),
      };
    },
  });

  return {
    start: () => host.start(),
    stop: () => host.stop(),
    isLeader() {
      return leader !== undefined;
    },
  };
}
