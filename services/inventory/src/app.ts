import os from 'node:os';
import { callLogInterceptor, createGrpcServer, type GrpcServer } from '@chamber/grpc';
import {
  InventoryService,
  LoadProgress,
  LoadProgress_State,
  PendingRecord,
  protoFiles,
  protoRoot,
} from '@chamber/protos';
import { registerService, Store, type ServiceRegistration } from '@chamber/store';
import { createLogger, type Logger } from '@chamber/telemetry';
import { keys, Participant, type TickContext, type TickResult } from '@chamber/timestamp';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { definitionFile, type InventoryConfig } from './config.js';
import { inventoryParticipant, submitDefinitionLoad } from './definition-loads.js';
import { createInventoryHandlers } from './grpc/inventory-handlers.js';
import { InventoryReads } from './reads.js';
import { inventoryKeys, loadProgress, Simulator, simulatorViews } from './simulator.js';

/** What the inventory may be given instead of making it. */
export interface InventoryDeps {
  /** A store to use (not closed on stop); one is connected from the config otherwise. */
  readonly store?: Store;
  readonly logger?: Logger;
}

/** A running inventory service. */
export interface InventoryServiceHandle {
  /** Joins the clock, serves gRPC and registers; resolves with the bound port. */
  start(): Promise<{ port: number }>;
  /** Stops serving and leaves the clock's lease (the stepper waits for a restart). */
  stop(): Promise<void>;
}

/**
 * The inventory: a participant of the clock that simulates the hardware
 * ({@link Simulator}), and the Inventory gRPC service that reads its views
 * and accepts definitions, targets and commands as inputs for the next tick.
 */
export function createInventoryService(
  config: InventoryConfig,
  deps: InventoryDeps = {},
): InventoryServiceHandle {
  const logger = deps.logger ?? createLogger({ service: 'inventory', level: config.log.level });
  const simulator = new Simulator(config.inventory);
  let store: Store | undefined;
  let participant: Participant | undefined;
  let server: GrpcServer | undefined;
  let registration: ServiceRegistration | undefined;

  function onTick(ctx: TickContext): TickResult {
    const result = simulator.tick(ctx);
    if (result.evaluated > 0 || result.ops.length > 0) {
      logger.debug(
        { tick: ctx.tick, evaluated: result.evaluated, writes: result.ops.length },
        'inventory tick',
      );
    }
    const { load } = result;
    if (load === undefined) return { ops: result.ops, nextWakeup: result.nextWakeup };
    const { changes } = load;
    logger.info(
      {
        tick: ctx.tick,
        load: load.id,
        added: changes.added,
        updated: changes.updated,
        removed: changes.deletes.length,
        unchanged: changes.unchanged,
        writes: load.total,
      },
      'applying a definition load',
    );
    let reported = 0;
    return {
      ops: result.ops,
      nextWakeup: result.nextWakeup,
      onProgress: async (written, total) => {
        // Every tenth, for the log and for WatchLoad.
        if (written < total && written - reported < total / 10) return;
        reported = written;
        logger.info({ load: load.id, written, total }, 'definition load progress');
        if (written < total) {
          await ctx.store.put(LoadProgress, inventoryKeys.loadProgress, {
            ...loadProgress(load.id, ctx.tick, changes),
            written,
            total,
          });
        }
      },
    };
  }

  /** Loads the configured definition when the simulation has none (and none is on its way). */
  async function loadInitialDefinition(s: Store): Promise<void> {
    if (config.inventory.definition === '') return;
    if ((await s.getRaw(inventoryKeys.source)) !== undefined) return;
    const pending = await s.list(PendingRecord, keys.pendingPrefix);
    if (pending.entries.some((e) => e.key.startsWith(`${keys.pendingPrefix}definition-`))) return;
    const file = definitionFile(config.inventory.definition);
    const source = await readFile(file, 'utf8');
    const load = await submitDefinitionLoad(s, { source, fileName: path.basename(file) });
    await s.put(LoadProgress, inventoryKeys.loadProgress, {
      ...LoadProgress.fromPartial({}),
      loadId: load.id,
      state: LoadProgress_State.STATE_WAITING,
      effectiveTick: load.effectiveTick,
      blades: load.bladeCount,
    });
    logger.info(
      { file, blades: load.bladeCount, effectiveTick: load.effectiveTick },
      'no definition loaded yet: loading the configured one',
    );
  }

  return {
    async start() {
      store =
        deps.store ??
        (await Store.connect({ endpoints: config.etcd.endpoints, simulation: config.simulation }));
      const s = store;
      server = createGrpcServer({
        host: config.listen.host,
        port: config.listen.port,
        services: [
          {
            name: 'chamber.inventory.v1.Inventory',
            definition: InventoryService,
            implementation: createInventoryHandlers(s, new InventoryReads(s), logger),
          },
        ],
        protoRoot,
        protoFiles: [protoFiles.inventory],
        interceptors: [callLogInterceptor(logger)],
      });
      const { port } = await server.start();
      participant = await Participant.join(s, {
        name: inventoryParticipant,
        views: simulatorViews,
        onTick,
        onError: (error, tick) =>
          logger.error({ err: error, tick }, 'inventory tick failed; retrying'),
      });
      await loadInitialDefinition(s);
      const endpoint = `${config.listen.host}:${port}`;
      registration = await registerService(s, {
        name: 'inventory',
        instance: `${os.hostname()}-${process.pid}`,
        endpoint,
      });
      logger.info({ endpoint, simulation: config.simulation }, 'inventory serving');
      return { port };
    },

    async stop() {
      await participant?.stop();
      await server?.stop();
      await registration?.close().catch(() => undefined);
      if (deps.store === undefined) store?.close();
    },
  };
}
