import { faultsViews, readingFaultsAsOf } from '@chamber/faults-client';
import {
  hostParticipantService,
  type HostedService,
  type ReactionTick,
  type WriteProgress,
} from '@chamber/host';
import {
  DefinitionSource,
  InventoryService,
  LoadProgress,
  LoadProgress_State,
  protoFiles,
} from '@chamber/protos';
import { cmp, op, type Store } from '@chamber/store';
import { createLogger, type Logger, type Tracer } from '@chamber/telemetry';
import { isLeadShard, keys, shardParticipant } from '@chamber/world';
import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import {
  defaultDefinition,
  definitionEnv,
  definitionFile,
  samplesDir,
  type InventoryConfig,
} from './config.js';
import { definitionLoadId, submitDefinitionLoad, validateDefinition } from './definition-loads.js';
import { DefinitionParser } from './definition-parser.js';
import { readDefinitionFile } from './definitions.js';
import { inventoryParticipant } from './domain/inputs.js';
import { loadProgress } from './domain/loads.js';
import {
  InventoryReactor,
  inventoryReactsTo,
  inventoryViews,
  type InventoryReaction,
} from './domain/reactor.js';
import { startDefinition } from './domain/start-definition.js';
import { createInventoryHandlers } from './grpc/inventory-handlers.js';
import { InventoryReads } from './reads.js';

/** What the inventory may be given instead of making it. */
export interface InventoryDeps {
  /** A store to use (not closed on stop); one is connected from the config otherwise. */
  readonly store?: Store;
  readonly logger?: Logger;
  /** Where its tick and command spans go. */
  readonly tracer?: Tracer;
}

/**
 * The inventory: a participant of the clock that simulates the hardware
 * ({@link InventoryReactor}), and the Inventory gRPC service that reads its views
 * and accepts definitions, targets and commands as inputs for the next tick.
 */
export function createInventoryService(
  config: InventoryConfig,
  deps: InventoryDeps = {},
): HostedService {
  const logger = deps.logger ?? createLogger({ service: 'inventory', level: config.log.level });
  // Parses each definition once, off the event loop (validation and the tick share it).
  const parser = new DefinitionParser();
  const reactor = new InventoryReactor(
    config.inventory,
    (request) => parser.parse(request),
    config.shard,
  );

  /**
   * What the process says of a tick: a log line, and while a load's writes
   * go in chunks, its progress (for WatchLoad).
   */
  function onReaction(
    reaction: InventoryReaction,
    { tick, store }: ReactionTick,
  ): WriteProgress | undefined {
    const { evaluated, load } = reaction;
    const writes = reaction.writes.length;
    if (evaluated > 0 || writes > 0) logger.debug({ tick, evaluated, writes }, 'inventory tick');
    if (load === undefined) return undefined;
    const { changes } = load;
    logger.info(
      {
        tick,
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
    return async (written, total) => {
      // Every tenth, for the log and for WatchLoad.
      if (written < total && written - reported < total / 10) return;
      reported = written;
      logger.info({ load: load.id, written, total }, 'definition load progress');
      if (written < total) {
        await store.put(LoadProgress, keys.loadProgress, {
          ...loadProgress(load.id, tick, changes),
          written,
          total,
        });
      }
    };
  }

  /** Whether a definition load waits (for its tick, or for the run a reset starts). */
  async function hasPendingLoad(s: Store): Promise<boolean> {
    return (await s.listKeys(keys.definitionInputsPrefix, { limit: 1 })).length > 0;
  }

  /**
   * Before it joins the clock: when the simulation has no definition and the
   * clock has not started, makes the configured one the definition in force,
   * which tick 0 builds (as after a reset: a fresh start replays like one);
   * when another definition is in force, says that the configured one is not
   * loaded, and how to load it.
   */
  async function prepareDefinition(s: Store): Promise<void> {
    const setting = config.inventory.definition;
    if (setting === '') return;
    const file = definitionFile(setting);
    // Read only when its size is within the limit: refused, or unreadable, it
    // fails the start below if it is to be installed.
    const read = await readDefinitionFile(file).then(
      (text) => ({ text }),
      (error: unknown) => ({ error }),
    );
    const source = 'text' in read ? read.text : undefined;
    const inForce = (await s.get(DefinitionSource, keys.definitionSource))?.value;
    const shown = path.relative(process.cwd(), file);
    const decision = startDefinition({
      setting,
      defaultSetting: defaultDefinition,
      env: definitionEnv,
      shownFile: shown.startsWith('..') || path.isAbsolute(shown) ? file : shown,
      source,
      inForce,
      hasPendingLoad: await hasPendingLoad(s),
      hasTick: (await s.getRaw(keys.clockTick)) !== undefined,
      simulation: config.simulation,
    });
    if (decision.kind === 'not-loaded') {
      logger.warn({ file, inForce: inForce?.fileName }, decision.notice);
      if (config.inventory.noticeFile !== '')
        await appendFile(config.inventory.noticeFile, `${decision.notice}\n`);
      return;
    }
    if (decision.kind !== 'install') return;
    const fileName = path.basename(file);
    // Unreadable or too large: fail to start, saying why.
    if (!('text' in read)) throw read.error;
    const text = read.text;
    const { bladeCount } = await validateDefinition(text, fileName, parser);
    const loadId = definitionLoadId(randomUUID());
    // Only while no tick was published: else it is loaded at the next tick (afterJoin).
    const res = await s.txn(
      [cmp.absent(keys.clockTick), cmp.absent(keys.definitionSource)],
      [
        op.put(DefinitionSource, keys.definitionSource, {
          fileName,
          source: text,
          loadId,
          sample: path.dirname(file) === samplesDir ? path.basename(file, '.yaml') : '',
        }),
        op.put(LoadProgress, keys.loadProgress, {
          ...LoadProgress.fromPartial({}),
          loadId,
          state: LoadProgress_State.STATE_WAITING,
          effectiveTick: 0,
          blades: bladeCount,
        }),
      ],
    );
    if (res.succeeded)
      logger.info(
        { file, blades: bladeCount, load: loadId },
        'new simulation: the configured definition is built at tick 0',
      );
  }

  /**
   * Loads the configured definition at the next tick when the clock already
   * runs without one (and none is on its way).
   */
  async function loadInitialDefinition(s: Store): Promise<void> {
    if (config.inventory.definition === '') return;
    if ((await s.getRaw(keys.definitionSource)) !== undefined) return;
    if (await hasPendingLoad(s)) return;
    const file = definitionFile(config.inventory.definition);
    const source = await readDefinitionFile(file);
    const load = await submitDefinitionLoad(s, { source, fileName: path.basename(file) }, parser);
    await s.put(LoadProgress, keys.loadProgress, {
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

  const hosted = hostParticipantService({
    // A shard is its own participant (`inventory.<i>`); inputs stay the service's.
    name: shardParticipant(inventoryParticipant, config.shard),
    config,
    logger,
    ...(deps.store === undefined ? {} : { store: deps.store }),
    ...(deps.tracer === undefined ? {} : { tracer: deps.tracer }),
    grpc: (store, view) => ({
      name: 'chamber.inventory.v1.Inventory',
      definition: InventoryService,
      implementation: createInventoryHandlers(
        store,
        new InventoryReads(store, view),
        logger,
        parser,
      ),
      protoFile: protoFiles.inventory,
    }),
    participant: {
      views: [...new Set([...inventoryViews, ...faultsViews])],
      reactsTo: [...new Set([...inventoryReactsTo, ...faultsViews])],
      // The faults it reads are those of the faults service's snapshot decorator.
      reactor: readingFaultsAsOf(reactor),
      onReaction,
    },
    // The configured definition is the lead shard's to install (one load, not one per shard).
    ...(isLeadShard(config.shard)
      ? { beforeJoin: prepareDefinition, afterJoin: loadInitialDefinition }
      : {}),
  });
  return {
    start: () => hosted.start(),
    async stop() {
      await hosted.stop();
      await parser.close();
    },
  };
}
