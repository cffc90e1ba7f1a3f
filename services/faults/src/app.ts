import { faultsOwner, faultsViews } from '@chamber/faults-client';
import { hostParticipantService, type HostedService } from '@chamber/host';
import { FaultsService, protoFiles } from '@chamber/protos';
import type { Store } from '@chamber/store';
import { createLogger, type Logger, type Tracer } from '@chamber/telemetry';
import { keys } from '@chamber/world';
import type { FaultsConfig } from './config.js';
import { FaultsReactor } from './domain/reactor.js';
import { createFaultsHandlers } from './grpc/faults-handlers.js';

/** The faults service's participant name and the owner of its inputs. */
export const faultsParticipant = faultsOwner;

/** What the faults service may be given instead of making it. */
export interface FaultsDeps {
  /** A store to use (not closed on stop); one is connected from the config otherwise. */
  readonly store?: Store;
  readonly logger?: Logger;
  /** Where its tick and fault-transition spans go. */
  readonly tracer?: Tracer;
}

/**
 * The fault injector: the Faults gRPC service (inject, list, get, clear,
 * clear-all, as inputs for the next tick) and a participant of the clock
 * that runs each fault's schedule ({@link FaultsReactor}).
 */
export function createFaultsService(config: FaultsConfig, deps: FaultsDeps = {}): HostedService {
  const logger = deps.logger ?? createLogger({ service: 'faults', level: config.log.level });
  return hostParticipantService({
    name: faultsParticipant,
    config,
    logger,
    ...(deps.store === undefined ? {} : { store: deps.store }),
    ...(deps.tracer === undefined ? {} : { tracer: deps.tracer }),
    grpc: (store) => ({
      name: 'chamber.faults.v1.Faults',
      definition: FaultsService,
      implementation: createFaultsHandlers(store, logger),
      protoFile: protoFiles.faults,
    }),
    participant: {
      // Its records and inbox, the inventory's reports of fixed effects, and its pending inputs.
      views: [...faultsViews, keys.fixesPrefix, keys.pendingPrefix],
      // Besides its timers and pending inputs (requests, clears): the inventory's fixes.
      reactsTo: [keys.fixesPrefix],
      reactor: new FaultsReactor(faultsParticipant),
    },
  });
}
