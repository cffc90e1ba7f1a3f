import { commonSchema, loadConfig, type CommonConfig, type Schema } from '@chamber/config';
import { defaultPorts } from '@chamber/world';

/** The inventory repair manager's configuration. */
export interface RepairConfig extends CommonConfig {
  repair: {
    rackBudget: number;
    powerCycles: number;
    technicianTicks: number;
    verifyPowerCycleTicks: number;
    verifyReimageTicks: number;
    verifyReplaceTicks: number;
    backoffCapTicks: number;
    humanRecheckTicks: number;
    retentionTicks: number;
  };
}

const nat = (doc: string, def: number, env: string) => ({ doc, format: 'nat', default: def, env });

/** The repair manager's convict schema: the common keys plus its own (CHAMBER_INVENTORY_REPAIR_*). */
export function repairSchema(): Schema<RepairConfig> {
  return {
    ...commonSchema('inventory-repair', defaultPorts['inventory-repair']),
    repair: {
      rackBudget: nat(
        'At most this many repairs run at once in one rack.',
        2,
        'CHAMBER_INVENTORY_REPAIR_RACK_BUDGET',
      ),
      powerCycles: nat(
        'Power-cycles tried on an unreachable blade before reimaging it.',
        2,
        'CHAMBER_INVENTORY_REPAIR_POWER_CYCLES',
      ),
      technicianTicks: nat(
        'Ticks a technician takes to arrive for a replacement.',
        10,
        'CHAMBER_INVENTORY_REPAIR_TECHNICIAN_TICKS',
      ),
      verifyPowerCycleTicks: nat(
        'Ticks after a power-cycle by which the blade must be observed healthy.',
        20,
        'CHAMBER_INVENTORY_REPAIR_VERIFY_POWER_CYCLE_TICKS',
      ),
      verifyReimageTicks: nat(
        'Ticks after a reimage by which the blade must be observed healthy.',
        30,
        'CHAMBER_INVENTORY_REPAIR_VERIFY_REIMAGE_TICKS',
      ),
      verifyReplaceTicks: nat(
        'Ticks after a replacement by which the element must be observed healthy.',
        40,
        'CHAMBER_INVENTORY_REPAIR_VERIFY_REPLACE_TICKS',
      ),
      humanRecheckTicks: nat(
        'Ticks between two tries of a repair waiting for a person (a stuck cable), to see whether it was fixed.',
        20,
        'CHAMBER_INVENTORY_REPAIR_HUMAN_RECHECK_TICKS',
      ),
      backoffCapTicks: nat(
        'The longest wait between two attempts of a step (the backoff doubles up to it).',
        8,
        'CHAMBER_INVENTORY_REPAIR_BACKOFF_CAP_TICKS',
      ),
      retentionTicks: nat(
        "Ticks a closed repair is kept after it closed, unless it is its element's latest (which later decisions read); 0 keeps every repair. Part of the world: runs compared by digest need the same value.",
        10_000,
        'CHAMBER_INVENTORY_REPAIR_RETENTION_TICKS',
      ),
    },
  };
}

/** Loads and validates the repair manager's configuration (env `CHAMBER_*`). */
export function loadRepairConfig(
  options?: Parameters<typeof loadConfig<RepairConfig>>[1],
): RepairConfig {
  return loadConfig(repairSchema(), options);
}
