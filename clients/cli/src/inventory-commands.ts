import { ChamberError, Code } from '@chamber/errors';
import { InventoryClient } from '@chamber/inventory-client';
import {
  BladeState,
  Element,
  LoadProgress_State,
  ObservedState,
  PduState,
  TargetState,
  TorState,
  View,
  type LoadProgress,
} from '@chamber/protos';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { connectTimeoutMs } from './clock-commands.js';
import { withClient } from './connect.js';
import { type AreaSpec, type CommandContext, type OptionSpecs } from './routes.js';
import { oneOf, wholeNumber } from './values.js';

/** Where the inventory listens when neither `--inventory` nor `CHAMBER_INVENTORY` says otherwise. */
export const defaultInventoryAddress = '127.0.0.1:50052';

const views: Readonly<Record<string, View>> = {
  definition: View.VIEW_DEFINITION,
  target: View.VIEW_TARGET,
  actual: View.VIEW_ACTUAL,
  observed: View.VIEW_OBSERVED,
};

const readOptions: OptionSpecs = {
  view: {
    type: 'string',
    valueName: 'V',
    parse: oneOf(Object.keys(views)),
    defaultValue: 'definition',
    description: `the view: ${Object.keys(views).join(' | ')}`,
  },
  at: {
    type: 'string',
    valueName: 'TICK',
    parse: wholeNumber(0),
    description: 'show it as it was at this past tick (time travel)',
  },
};

/**
 * The `inventory` area: loads definitions and reads the inventory's views
 * through its gRPC Inventory service.
 */
export const inventoryArea: AreaSpec = {
  summary: 'the simulated hardware (the inventory service, over gRPC)',
  options: {
    inventory: {
      type: 'string',
      valueName: 'HOST:PORT',
      env: 'CHAMBER_INVENTORY',
      defaultValue: defaultInventoryAddress,
      description: "the inventory's gRPC address",
    },
  },
  commands: {
    load: {
      summary: 'validate a definition file and load it at the next tick',
      args: [{ name: 'FILE', description: 'the YAML definition' }],
      options: {
        wait: {
          type: 'boolean',
          description: 'wait until it is applied, showing progress (the clock must be running)',
        },
      },
      run: (ctx) => withInventory(ctx, (inventory) => load(ctx, inventory)),
    },
    ls: {
      summary: 'list the regions, or what a region, zone or rack holds',
      args: [
        {
          name: 'PATH',
          description: 'region[/zone[/rack]]; default: the regions',
          isOptional: true,
        },
      ],
      options: readOptions,
      run: (ctx) =>
        withInventory(ctx, async (inventory) => {
          const elements = await inventory.listElements(
            ctx.input.string('PATH') ?? '',
            readFrom(ctx),
          );
          if (ctx.input.flag('json')) {
            for (const e of elements) ctx.print(JSON.stringify(Element.toJSON(e)));
            return;
          }
          if (elements.length === 0) ctx.print('(nothing)');
          const width = Math.max(...elements.map((e) => e.path.length));
          for (const e of elements) ctx.print(`${e.path.padEnd(width)}  ${describe(e)}`);
        }),
    },
    get: {
      summary: 'show one element (a region, zone, rack, PDU, TOR, blade or cable) in one view',
      args: [{ name: 'PATH', description: 'e.g. standard/z1/rack3/blade/7' }],
      options: readOptions,
      run: (ctx) =>
        withInventory(ctx, async (inventory) => {
          const element = await inventory.getElement(ctx.input.string('PATH') ?? '', readFrom(ctx));
          const json = Element.toJSON(element);
          ctx.print(ctx.input.flag('json') ? JSON.stringify(json) : JSON.stringify(json, null, 2));
        }),
    },
  },
};

function readFrom(ctx: CommandContext): { view: View; asOfTick?: number } {
  const at = ctx.input.number('at');
  return {
    view: views[ctx.input.string('view') ?? 'definition']!,
    ...(at === undefined ? {} : { asOfTick: at }),
  };
}

/** An enum value as people read it: `BLADE_STATE_WORKING` -> `working`. */
function word(names: Readonly<Record<number, string>>, value: number): string {
  return (names[value] ?? String(value)).replace(/^[A-Z]+_STATE_/, '').toLowerCase();
}

/** What the element's record says, in one line. */
function describe(e: Element): string {
  const parts = e.path.split('/');
  const kind = parts.length <= 3 ? ['region', 'zone', 'rack'][parts.length - 1]! : parts[3]!;
  const state = (s: string, since: number, reason: string): string =>
    `${kind.padEnd(6)} ${s.padEnd(9)} since ${since}  ${reason}`;
  if (e.bladeActual) {
    const a = e.bladeActual;
    return state(word(BladeState, a.state), a.sinceTick, a.reason);
  }
  if (e.pduActual)
    return state(word(PduState, e.pduActual.state), e.pduActual.sinceTick, e.pduActual.reason);
  if (e.torActual)
    return state(word(TorState, e.torActual.state), e.torActual.sinceTick, e.torActual.reason);
  if (e.observed) {
    return state(word(ObservedState, e.observed.state), e.observed.sinceTick, e.observed.reason);
  }
  if (e.target) {
    return `${kind.padEnd(6)} ${word(TargetState, e.target.state)}, ${e.target.powered ? 'powered' : 'unpowered'}`;
  }
  if (e.region) return `region ${e.region.zones.length} zone(s)`;
  if (e.zone) return `zone   ${e.zone.racks.length} rack(s)`;
  if (e.rack)
    return `rack   ${e.rack.pdus} pdu(s), ${e.rack.tors} tor(s), ${e.rack.blades.length} blade(s)`;
  if (e.device) return `${kind.padEnd(6)} ${e.device.ports} ports`;
  if (e.blade) {
    const c = e.blade.capacity;
    return `blade  ${c?.cores ?? 0} cores, ${c?.memoryGib ?? 0} GiB, ${c?.arch ?? ''}; pdu ${e.blade.power?.device ?? 0} port ${e.blade.power?.port ?? 0}, tor ${e.blade.network?.device ?? 0} port ${e.blade.network?.port ?? 0}`;
  }
  return `${kind.padEnd(6)} (no record in this view)`;
}

async function load(ctx: CommandContext, inventory: InventoryClient): Promise<void> {
  const file = ctx.input.string('FILE') ?? '';
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ChamberError(Code.NotFound, `cannot read ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
  const res = await inventory.loadDefinition(source, path.basename(file));
  const isJson = ctx.input.flag('json');
  if (isJson)
    ctx.print(
      JSON.stringify({ loadId: res.loadId, effectiveTick: res.effectiveTick, blades: res.blades }),
    );
  else
    ctx.print(
      `${path.basename(file)}: ${res.blades} blade(s), valid; loads at tick ${res.effectiveTick} (load ${res.loadId})`,
    );
  if (!ctx.input.flag('wait')) {
    if (!isJson)
      ctx.print('It takes effect when the clock reaches that tick; add --wait to follow it.');
    return;
  }
  const done = await inventory.watchLoad(res.loadId, (p) => {
    if (p.state !== LoadProgress_State.STATE_APPLYING || p.total === 0) return;
    if (isJson) ctx.print(JSON.stringify({ written: p.written, total: p.total }));
    else
      ctx.print(
        `  applying: ${p.written.toLocaleString('en')} of ${p.total.toLocaleString('en')} writes (${Math.floor((100 * p.written) / p.total)}%)`,
      );
  });
  if (isJson) ctx.print(JSON.stringify(progressJson(done)));
  else
    ctx.print(
      `loaded at tick ${done.effectiveTick}: ${done.added} added, ${done.updated} updated, ${done.removed} removed, ${done.unchanged} unchanged`,
    );
}

function progressJson(p: LoadProgress): object {
  return {
    effectiveTick: p.effectiveTick,
    added: p.added,
    updated: p.updated,
    removed: p.removed,
    unchanged: p.unchanged,
  };
}

function withInventory(
  ctx: CommandContext,
  use: (client: InventoryClient) => Promise<void>,
): Promise<void> {
  return withClient(
    ctx,
    'inventory',
    defaultInventoryAddress,
    (address) => InventoryClient.connect(address, { timeoutMs: connectTimeoutMs * 10 }),
    use,
  );
}
