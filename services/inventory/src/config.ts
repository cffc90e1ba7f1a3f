import {
  checkShard,
  commonSchema,
  loadConfig,
  shardSchema,
  type CommonConfig,
  type Schema,
  type ShardConfig,
  type TickRange,
} from '@chamber/config';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultPorts } from '@chamber/world';

/** The sample definitions shipped with the service (`small`, `standard`, `large`). */
export const samplesDir: string = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../definitions',
);

/** The names of the samples in {@link samplesDir}. */
export const samples = ['small', 'standard', 'large'] as const;

/** The definition an empty simulation gets unless `inventory.definition` names another. */
export const defaultDefinition = 'standard';

/** The environment variable of `inventory.definition`. */
export const definitionEnv = 'CHAMBER_INVENTORY_DEFINITION';

/** The inventory's configuration. */
export interface InventoryConfig extends CommonConfig, ShardConfig {
  inventory: {
    /** A definition to load when the simulation has none; empty: none. */
    definition: string;
    /** A file a start-up notice is appended to besides the log (for the launcher); empty: none. */
    noticeFile: string;
    propagationTicks: TickRange;
    postTicks: TickRange;
    stopTicks: TickRange;
    cycleTicks: TickRange;
    reimageTicks: TickRange;
    replaceTicks: TickRange;
    instanceStartTicks: TickRange;
    instanceStopTicks: TickRange;
    /** Ticks a finished command is kept after it finished; 0 keeps every command. */
    retentionTicks: number;
  };
}

const range = (doc: string, def: TickRange, env: string): Schema<TickRange> =>
  ({ doc, format: 'tick-range', default: def, env }) as unknown as Schema<TickRange>;

/** The inventory's convict schema: the common keys plus its own (CHAMBER_INVENTORY_*). */
export function inventorySchema(): Schema<InventoryConfig> {
  return {
    ...commonSchema('inventory', defaultPorts.inventory),
    ...shardSchema('inventory'),
    inventory: {
      definition: {
        doc: 'A definition file (or a sample name: small, standard, large) to load when the simulation has none; empty for none.',
        format: String,
        default: defaultDefinition,
        env: definitionEnv,
      },
      noticeFile: {
        doc: 'A file start-up notices (e.g. a configured definition that was not loaded) are appended to besides the log, for the launcher to show; empty for none.',
        format: String,
        default: '',
        env: 'CHAMBER_INVENTORY_NOTICE_FILE',
      },
      propagationTicks: range(
        'Ticks from a PDU or TOR changing to a blade feeling it ("MIN-MAX", at least 1).',
        [1, 2],
        'CHAMBER_INVENTORY_PROPAGATION_TICKS',
      ),
      postTicks: range(
        'Ticks from power arriving at a blade to it booting.',
        [1, 2],
        'CHAMBER_INVENTORY_POST_TICKS',
      ),
      stopTicks: range(
        'Ticks a blade takes to shut down after a power-off command.',
        [1, 3],
        'CHAMBER_INVENTORY_STOP_TICKS',
      ),
      cycleTicks: range(
        'Ticks a power-cycle keeps the power off.',
        [2, 2],
        'CHAMBER_INVENTORY_CYCLE_TICKS',
      ),
      reimageTicks: range(
        'Ticks installing an image takes, before the boot.',
        [5, 10],
        'CHAMBER_INVENTORY_REIMAGE_TICKS',
      ),
      replaceTicks: range(
        'Ticks replacing a blade, PDU or TOR takes.',
        [10, 20],
        'CHAMBER_INVENTORY_REPLACE_TICKS',
      ),
      instanceStartTicks: range(
        'Ticks an instance placed on a working blade takes to start running (at least 1).',
        [2, 4],
        'CHAMBER_INVENTORY_INSTANCE_START_TICKS',
      ),
      instanceStopTicks: range(
        'Ticks a running instance takes to stop once it is no longer wanted (at least 1).',
        [1, 1],
        'CHAMBER_INVENTORY_INSTANCE_STOP_TICKS',
      ),
      retentionTicks: {
        doc: "Ticks a finished (succeeded or failed) command's record is kept after it finished, then deleted in the inventory's tick; 0 keeps every command. Part of the world: runs compared by digest need the same value.",
        format: 'nat',
        default: 10_000,
        env: 'CHAMBER_INVENTORY_RETENTION_TICKS',
      },
    },
  };
}

/** Loads and validates the inventory's configuration (env `CHAMBER_*`); see {@link loadConfig}. */
export function loadInventoryConfig(
  options?: Parameters<typeof loadConfig<InventoryConfig>>[1],
): InventoryConfig {
  const config = loadConfig(inventorySchema(), options);
  checkShard('inventory', config);
  return config;
}

/** The file a `definition` setting names: a sample name or a path. */
export function definitionFile(setting: string): string {
  return /^[a-z]+$/.test(setting)
    ? path.join(samplesDir, `${setting}.yaml`)
    : path.resolve(setting);
}
