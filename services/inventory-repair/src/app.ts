import { ChamberError, Code } from '@chamber/errors';
import { unary } from '@chamber/grpc';
import { hostParticipantService, type HostedService } from '@chamber/host';
import { isUnder } from '@chamber/world';
import { protoFiles, RepairRecord, RepairsService, type RepairsServer } from '@chamber/protos';
import type { Store } from '@chamber/store';
import { createLogger, type Logger, type Tracer } from '@chamber/telemetry';
import type { RepairConfig } from './config.js';
import { defaultPolicy, type RepairPolicy } from './domain/policy.js';
import { managerReactsTo, managerViews, RepairManager, repairParticipant } from './manager.js';

/** What the repair manager may be given instead of making it. */
export interface RepairDeps {
  /** A store to use (not closed on stop); one is connected from the config otherwise. */
  readonly store?: Store;
  readonly logger?: Logger;
  /** The repair policy; the default one (power-cycle, reimage, replace) otherwise. */
  readonly policy?: RepairPolicy;
  /** Where decision spans go. */
  readonly tracer?: Tracer;
}

/**
 * The inventory repair manager: a participant of the clock that repairs what
 * `observed` shows broken ({@link RepairManager}), and the Repairs gRPC
 * service that lists its repair records.
 */
export function createRepairService(config: RepairConfig, deps: RepairDeps = {}): HostedService {
  const logger =
    deps.logger ?? createLogger({ service: 'inventory-repair', level: config.log.level });
  const r = config.repair;
  const manager = new RepairManager({
    policy:
      deps.policy ??
      defaultPolicy({ powerCycles: r.powerCycles, technicianTicks: r.technicianTicks }),
    rackBudget: r.rackBudget,
    verifyTicks: {
      powerCycle: r.verifyPowerCycleTicks,
      reimage: r.verifyReimageTicks,
      replace: r.verifyReplaceTicks,
    },
    backoffCapTicks: r.backoffCapTicks,
    humanRecheckTicks: r.humanRecheckTicks,
    retentionTicks: r.retentionTicks,
    ...(deps.tracer === undefined ? {} : { tracer: deps.tracer }),
  });
  const handlers = (store: Store): RepairsServer => ({
    listRepairs: unary(async (req) => {
      const target = req.target.replace(/^\/+|\/+$/g, '');
      const { entries } = await store.list(RepairRecord, 'repairs/');
      const repairs = entries
        .map((e) => e.value)
        .filter(
          (x) =>
            (req.statuses.length === 0 || req.statuses.includes(x.status)) &&
            (target === '' || isUnder(x.target, target)),
        )
        .sort(
          (a, b) =>
            a.openedTick - b.openedTick || a.id.localeCompare(b.id, 'en', { numeric: true }),
        );
      return { repairs };
    }, logger),
    getRepair: unary(async (req) => {
      const repair = await store.get(RepairRecord, `repairs/${req.id}`);
      if (repair === undefined) throw new ChamberError(Code.NotFound, `no repair "${req.id}"`);
      return { repair: repair.value };
    }, logger),
  });
  return hostParticipantService({
    name: repairParticipant,
    config,
    logger,
    ...(deps.store === undefined ? {} : { store: deps.store }),
    ...(deps.tracer === undefined ? {} : { tracer: deps.tracer }),
    grpc: (store) => ({
      name: 'chamber.repair.v1.Repairs',
      definition: RepairsService,
      implementation: handlers(store),
      protoFile: protoFiles.repair,
    }),
    participant: {
      views: managerViews,
      reactsTo: managerReactsTo,
      onTick: (ctx) => manager.tick(ctx),
    },
  });
}
